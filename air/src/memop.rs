//! The memop table: every memory instruction (loads and stores of every width at any
//! alignment, LR/SC, AMOs), received from the [`MEMOP`] bus and made true against the
//! memory words with the [`access`] gadget. One row per memory instruction;
//! [`MemOpBuilder`] generates the rows. The witness sends `ld`/`sd` at aligned
//! addresses to the cheaper [`memword`](crate::memword) table instead; this table
//! accepts them too, with the same meaning.
//!
//! # The byte window
//!
//! An instruction at byte address `addr = 8·w + o` (`o` = the offset, 0..7) accesses
//! `size` bytes starting at byte `o` of the 16-byte *window* made of word `w` (slot
//! `MEM0`) and word `w + 1` (slot `MEM1`, accessed only when `o + size > 8`). The old
//! window is decomposed into 16 range-checked bytes `b`; the old bytes of the accessed
//! value are `v_j = Σ_k s_k·b[k + j]` (`s` the one-hot offset), an expression of degree 2.
//! A write replaces value byte `j` (for `j < size`) by `x_j`: the table stores the
//! difference `e_j = x_j − v_j` (0 for bytes not written) and the new window is the old
//! one plus `e` shifted by `o`, so the bytes the instruction does not cover cannot change.
//!
//! LR/SC and AMOs must be naturally aligned (the VM faults otherwise), so they never
//! use word `w + 1`; LR/SC use that access slot for the reservation cell instead (slot
//! `RESERVATION`, whose value `lo` is held in `b[8..12]`, `hi = 0` in `b[12..16]`).
//!
//! # Columns (70)
//!
//! | columns | count | meaning |
//! |---|---:|---|
//! | `clk` | 1 | main's row (from the MEMOP message) |
//! | `data` | 2 | `rs2` (lo, hi) |
//! | `size` | 4 | one-hot access width (1, 2, 4, 8 bytes; all zero on padding rows) |
//! | `kind` | 7 | one-hot [`MemKind`] (all zero on padding rows); `is_real = Σ kind` |
//! | `alu_op` | 1 | AMO: the [`AluOp`](crate::bus::AluOp) id of its ALU message; 0 on other rows |
//! | `s` | 8 | one-hot offset `o = addr mod 8` |
//! | `w` | 2 | word index `w = w_lo + 2^16·w_hi`, each half range-checked to 16 bits |
//! | `span` | 1 | the access covers word `w + 1` |
//! | `b` | 16 | old window bytes (word `w` then word `w + 1`, or the reservation for LR/SC) |
//! | `x` | 8 | value bytes: what is written (`data` for stores, swaps and a successful SC, the ALU result for AMOs), the old value where nothing is |
//! | `e` | 8 | `e_j`: the change of value byte `j` |
//! | `result` | 2 | what `rd` receives (lo, hi) |
//! | `top` | 1 | the old value's most significant byte, for sign-extending ops |
//! | `sgn` | 1 | bit 7 of `top` |
//! | `acc0`, `acc1` | 3 + 3 | `prev_time, diff_low, diff_high` of the two accesses |
//! | `aux` | 1 | SC: inverse of `reservation − (addr + 1)` when non-zero; AMO: high limb of the ALU result (its own column for `.W`, whose ALU result high limb is not stored) |
//! | `success` | 1 | SC succeeded (0 on every other row) |
//!
//! Below, `[P]` is a property of the width (a linear combination of the `size` flags,
//! e.g. `[j < size] = Σ_{n > j} size_n`) and a set of kinds is the sum of their flags:
//! *reads* = load, unsigned load, LR, swap, AMO (`rd` gets the old value); *sign-extending*
//! = reads but the unsigned load; *writes* = store, swap, AMO (and SC when it succeeds);
//! *atomic* = LR, SC, swap, AMO.
//!
//! # Constraints (all of degree ≤ 3, no transition constraints: rows are independent)
//!
//! * `size`, `kind`, `is_real`, `s`, `sgn` boolean; `Σ size = is_real`, `Σ s = 1`;
//!   `(1 − is_amo)·alu_op = 0`;
//! * `span = Σ_k s_k·[k + size > 8]`; atomics aligned: `atomic·Σ_k s_k·[k mod size ≠ 0] = 0`;
//! * for every byte `j`: `[j < size]·(x_j − v_j − e_j) = 0` and
//!   `e_j·(1 − (writes + success)·[j < size]) = 0`: a covered byte of a writing row
//!   becomes `x_j`, every other byte keeps its value (`e_j = 0`: beyond the width, and
//!   on loads, LR and a failed SC, where `x_j = v_j`). So `u_j = x_j − e_j` is the old
//!   byte `v_j` for every `j < size`, of degree 1 where `v_j` has degree 2;
//! * `result = reads·Σ_{j < size} 256^j·u_j + sgn·fill` (`fill` the bits above `size`
//!   bytes, a function of the width), plus `is_sc − success` in the low limb: the old
//!   value zero- or sign-extended for reading ops, `1 − success` for SC, 0 for stores;
//! * `top = sign-extending·Σ_{n < 8} size_n·u_{n−1}` (so 0 off sign-extending rows and
//!   for 8-byte accesses);
//! * `data = Σ 256^j x_j` for stores, swaps and a successful SC (`(store + swap +
//!   success)·(data − x) = 0`, per limb); `is_amo·size_8·(aux − Σ 256^j x_{4+j}) = 0`
//!   (`.D` AMOs store their whole ALU result);
//! * SC: `success = is_sc·(1 − d·aux)` and `d·success = 0` with
//!   `d = reservation − (addr + 1)`: success iff the reservation holds `addr + 1`.
//!
//! # Bus messages per row (25 interactions)
//!
//! * receives [`MEMOP`] `(segment, clk, op, addr, data, result)`, `addr = 8·w + o`,
//!   `op = is_real + Σ_i SIZE_WEIGHT·i·size_i + Σ_k KIND_WEIGHT·k·kind_k +
//!   ALU_WEIGHT·alu_op` (the id of [`MemOp::id`]);
//! * word `w` at `ts::MEM0`: receives `(w, old, prev_time)`, sends `(w, new, time)`, two
//!   RANGE16 for the time gap (4);
//! * second slot (4): word `w + 1` at `ts::MEM1` when `span`, or the reservation at
//!   `ts::RESERVATION` for LR (new value `addr + 1`) and SC (new value 0);
//! * RANGE16 `w_lo`, `w_hi` (2); BYTE_PAIR for the 16 `b` and the 8 `x` (12), and
//!   `(2·(top − 128·sgn), 0)`, which proves `sgn` is bit 7 of `top` (1);
//! * sends [`ALU`] `(alu_op, old, data, (x_lo, aux))` on AMO rows (not swaps)
//!   (`old` = `result`, the sign-extended old value; `.W` AMOs store only the low limb).
//!
//! # Soundness
//!
//! The op: on a real row exactly one `size` flag and one `kind` flag are 1 (booleans
//! summing to `is_real = 1`), and `alu_op` is 0 off AMO rows and, on AMO rows, the op
//! of an ALU message, which its receivers (the alu and muldiv tables) accept only as
//! `c = op(a, b)` for an `AluOp` (ids 1..=37). So the received id `1 + size digit +
//! 4·kind digit + 28·alu_op` (digits < 4 and < 7) is an integer of at most
//! `28·38 = 1064`, far below `p`, and the digits are its unique mixed-radix
//! decomposition. Main sends only ids of real [`MemOp`]s (the ROM's), so the row's
//! width, kind and ALU op are exactly those of the instruction; a combination that is
//! no [`MemOp`] (an unsigned `ld`, an AMO with another ALU op, …) has an id nobody sends.
//!
//! `addr < 2^32` (main), `w < 2^32` and `o < 8` make `addr = 8·w + o` an integer
//! identity (`8·2^32 + 7 < p`), so `w` and `o` are the true word and offset: a forged
//! offset leaves `w` out of range. The old words come from tokens (trusted values);
//! their byte decomposition is unique because every byte is range-checked, so `v` is
//! the true old value, and so is every byte of the new words: uncovered bytes are the
//! old ones (`e` is zero beyond the width) and covered ones are range-checked `x`
//! bytes, which the data / ALU constraints pin. `sgn` is 0 off sign-extending rows
//! (there `top = 0`, and `2·(0 − 128)` is no byte). No column is left free on a real
//! row except `b[8..16]` on rows that access neither word `w + 1` nor the reservation,
//! which only reach `v_j` for `j ≥ size`, where every use of `v` is masked; the bytes
//! `x_j`, `j ≥ size`, of loads, LR, a failed SC and `.W` AMOs, which are range-checked
//! and used nowhere else (`e_j = 0` there); and `aux` on rows other than SC and AMO.

use crate::bus::{cell, limbs, ts, AluEvent, MemKind, MemOp, ALU, BYTE_PAIR, MEMOP, RANGE16};
use crate::bytes::Lookups;
use crate::columns::columns;
use crate::gadgets::{access, two16, Access, AccessWitness, MemoryTracker};
use crate::parts::Rows;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName, Val};

/// The memop table.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemOpTable;

/// Kinds returning the old value (zero- or sign-extended) in `rd`.
const READS: [MemKind; 5] = [MemKind::Load, MemKind::LoadU, MemKind::Lr, MemKind::Swap, MemKind::Amo];
/// Kinds sign-extending that value when it is narrower than 8 bytes.
const SIGN_EXTENDS: [MemKind; 4] = [MemKind::Load, MemKind::Lr, MemKind::Swap, MemKind::Amo];
/// Kinds writing `size` bytes (SC only when it succeeds, which `success` adds).
const WRITES: [MemKind; 3] = [MemKind::Store, MemKind::Swap, MemKind::Amo];
/// Kinds writing `data` (SC too when it succeeds).
const WRITES_DATA: [MemKind; 2] = [MemKind::Store, MemKind::Swap];
/// Kinds that must be naturally aligned.
const ATOMIC: [MemKind; 4] = [MemKind::Lr, MemKind::Sc, MemKind::Swap, MemKind::Amo];

/// The bits above the `size` low bytes of a sign-extended negative value.
fn sign_fill(size: u64) -> u64 {
    if size < 8 {
        u64::MAX << (8 * size)
    } else {
        0
    }
}

impl MemOpTable {
    /// The columns of group `name` (as named in the module docs), for tests that tamper
    /// with a witness and for debugging.
    pub fn columns(name: &str) -> Option<std::ops::Range<usize>> {
        columns(name)
    }
}

columns! {
    clk: 1,
    data: 2,
    size: 4,
    kind: 7,
    alu_op: 1,
    s: 8,
    w: 2,
    span: 1,
    b: 16,
    x: 8,
    e: 8,
    result: 2,
    top: 1,
    sgn: 1,
    acc0: 3,
    acc1: 3,
    aux: 1,
    success: 1,
}

/// `Σ 256^i·bytes[i]`: the limb (or value) of little-endian bytes.
fn from_bytes<E: PrimeCharacteristicRing>(bytes: impl IntoIterator<Item = E>) -> E {
    bytes.into_iter().enumerate().map(|(i, byte)| byte * E::from_u64(1 << (8 * i))).sum()
}

impl TableName for MemOpTable {
    fn name(&self) -> String {
        "memop".into()
    }
}

impl BaseAir<Val> for MemOpTable {
    fn width(&self) -> usize {
        WIDTH
    }

    /// The segment number (public value) tags this table's local-bus tuples (see
    /// [`crate::bus::MEMORY`]).
    fn num_public_values(&self) -> usize {
        crate::segment::PUBLIC_VALUES
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for MemOpTable {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder.main().current_slice().iter().map(|&v| v.into()).collect();
        let c = Cols::read(&row);
        let [clk] = c.clk.clone();
        let [data_lo, data_hi] = c.data.clone();
        let [alu_op] = c.alu_op.clone();
        let [span] = c.span.clone();
        let [top] = c.top.clone();
        let [sgn] = c.sgn.clone();
        let [aux] = c.aux.clone();
        let [success] = c.success.clone();
        let [result_lo, result_hi] = c.result.clone();
        let constant = |v: u64| AB::Expr::from_u64(v);
        // `Σ_size f(size)·size_flag` and `Σ_{kind ∈ kinds} kind_flag`: linear.
        let by_size = |f: &dyn Fn(u64) -> u64| -> AB::Expr {
            MemOp::SIZES.iter().zip(&c.size).filter(|(&n, _)| f(n) != 0).map(|(&n, z)| z.clone() * constant(f(n))).sum()
        };
        let any = |kinds: &[MemKind]| -> AB::Expr { kinds.iter().map(|k| c.kind[k.index()].clone()).sum() };

        // The op: one-hot size and kind flags (all zero on padding rows; `is_real`, 0/1,
        // gates every message) and the AMOs' ALU op (0 on every other row). The id main
        // sends is their mixed-radix number (see `MemOp::id`), which pins all three.
        let is_real = any(&MemKind::ALL);
        for flag in c.size.iter().chain(&c.kind) {
            builder.assert_bool(flag.clone());
        }
        builder.assert_bool(is_real.clone());
        builder.assert_eq(c.size.iter().cloned().sum::<AB::Expr>(), is_real.clone());
        let is_amo = any(&[MemKind::Amo]);
        builder.assert_zero((AB::Expr::ONE - is_amo.clone()) * alu_op.clone());
        let op_id = is_real.clone()
            + by_size(&|n| MemOp::SIZE_WEIGHT * u64::from(n.trailing_zeros()))
            + MemKind::ALL
                .iter()
                .map(|k| c.kind[k.index()].clone() * constant(MemOp::KIND_WEIGHT * k.index() as u64))
                .sum::<AB::Expr>()
            + alu_op.clone() * constant(MemOp::ALU_WEIGHT);

        // One-hot offset, and the address it decomposes: `w` in two range-checked
        // halves makes `8·w + o` an integer identity, so a forged offset (with `w`
        // solved in the field) puts a half out of range.
        for s in &c.s {
            builder.assert_bool(s.clone());
        }
        builder.assert_one(c.s.iter().cloned().sum::<AB::Expr>());
        let offset: AB::Expr = c.s.iter().enumerate().map(|(k, s)| s.clone() * constant(k as u64)).sum();
        let word = c.w[0].clone() + c.w[1].clone() * two16::<AB::Expr>();
        let addr = word.clone() * constant(8) + offset;
        builder.send(RANGE16, [c.w[0].clone()], is_real.clone());
        builder.send(RANGE16, [c.w[1].clone()], is_real.clone());

        // `Σ_k s_k·f(size, k)`: degree 2.
        let by_offset = |f: &dyn Fn(u64, u64) -> bool| -> AB::Expr {
            c.s.iter().enumerate().map(|(k, s)| s.clone() * by_size(&|n| u64::from(f(n, k as u64)))).sum()
        };
        // `span` gates the second word's access: pinned, so a spanning access cannot
        // skip (or a non-spanning one invent) the token of word `w + 1`.
        builder.assert_eq(span.clone(), by_offset(&|n, k| k + n > 8));
        // Atomics are naturally aligned (the VM faults otherwise): they then never span,
        // which lets LR/SC use the second slot for the reservation.
        builder.assert_zero(any(&ATOMIC) * by_offset(&|n, k| k % n != 0));

        // The old window: bytes range-checked in pairs (so the decomposition of each
        // token limb is unique and `v` is the true old value), limbs, and the accessed
        // bytes `v_j = b[o + j]`. The bytes `x` are range-checked too: `data` or the ALU
        // result decomposes into them uniquely, and shifted by `o` they land in other
        // limbs, where a non-byte would carry into a neighbouring byte.
        for pair in c.b.chunks(2).chain(c.x.chunks(2)) {
            builder.send(BYTE_PAIR, pair.to_vec(), is_real.clone());
        }
        let old: Vec<AB::Expr> = c.b.chunks(4).map(|limb| from_bytes(limb.iter().cloned())).collect();
        let v: Vec<AB::Expr> =
            (0..8).map(|j| c.s.iter().enumerate().map(|(k, s)| s.clone() * c.b[k + j].clone()).sum()).collect();

        // Writes. On every covered byte (`j < size`) `x_j = v_j + e_j`, and `e_j` is
        // zero unless the row writes byte `j`: beyond the width (so no other byte
        // changes), for loads, LR and a failed SC (which store nothing: `x_j` is then
        // the old byte). So a written byte becomes `x_j`, and `u_j = x_j − e_j` is the
        // old byte `v_j` on every covered byte, of degree 1 rather than 2.
        let is_sc = any(&[MemKind::Sc]);
        let writes = any(&WRITES) + success.clone();
        let covered = |j: usize| by_size(&|n| u64::from(j < n as usize));
        for (j, e) in c.e.iter().enumerate() {
            builder.assert_zero(covered(j) * (c.x[j].clone() - v[j].clone() - e.clone()));
            builder.assert_zero(e.clone() * (AB::Expr::ONE - writes.clone() * covered(j)));
        }
        let u: Vec<AB::Expr> = c.x.iter().zip(&c.e).map(|(x, e)| x.clone() - e.clone()).collect();
        // The new window: old bytes plus `e` shifted by the offset, summed per limb.
        let delta = |k: usize| -> AB::Expr {
            (0..8).filter(|j| *j <= k && k - j < 8).map(|j| c.s[k - j].clone() * c.e[j].clone()).sum()
        };
        let new: Vec<AB::Expr> = (0..4).map(|l| old[l].clone() + from_bytes((4 * l..4 * l + 4).map(delta))).collect();
        // The written value: `data` for stores, swaps and a successful SC (all 8 bytes,
        // though only `size` of them are written), the ALU result for AMOs.
        let x_lo = from_bytes(c.x[..4].iter().cloned());
        let x_hi = from_bytes(c.x[4..].iter().cloned());
        // `success` (0 off SC rows) makes a successful SC store its data.
        let takes_data = any(&WRITES_DATA) + success.clone();
        builder.assert_zero(takes_data.clone() * (data_lo.clone() - x_lo.clone()));
        builder.assert_zero(takes_data * (data_hi.clone() - x_hi.clone()));

        // The result: the old value, zero- or sign-extended; `1 − success` for SC.
        // `top` is the old value's last byte on sign-extending rows (0 elsewhere, which
        // leaves `sgn = 0`), and the byte-pair lookup of `2·(top − 128·sgn)` proves
        // `top − 128·sgn < 128`, so with `sgn` boolean and `top` a byte, `sgn` is its
        // bit 7.
        let top_byte: AB::Expr =
            MemOp::SIZES[..3].iter().zip(&c.size).map(|(&n, z)| z.clone() * u[n as usize - 1].clone()).sum();
        builder.assert_eq(top.clone(), any(&SIGN_EXTENDS) * top_byte);
        builder.assert_bool(sgn.clone());
        builder.send(BYTE_PAIR, [(top - sgn.clone() * constant(128)) * constant(2), AB::Expr::ZERO], is_real.clone());
        let reads = any(&READS);
        let value_limb = |range: std::ops::Range<usize>| -> AB::Expr {
            range.map(|j| u[j].clone() * reads.clone() * covered(j) * constant(1 << (8 * (j % 4)))).sum()
        };
        let fill = |half: usize| by_size(&|n| limbs(sign_fill(n))[half]);
        builder
            .assert_eq(result_lo.clone(), value_limb(0..4) + sgn.clone() * fill(0) + is_sc.clone() - success.clone());
        builder.assert_eq(result_hi.clone(), value_limb(4..8) + sgn * fill(1));

        // SC: success iff the reservation (the second slot's old `lo`) is `addr + 1`.
        // With `d = mismatch` and `aux` its claimed inverse: `d ≠ 0` forces
        // `success = 0` (second constraint), and `d = 0` gives `success = is_sc`
        // whatever `aux` is (first one). Off SC rows, `success = 0`.
        let is_lr = any(&[MemKind::Lr]);
        let mismatch = old[2].clone() - addr.clone() - AB::Expr::ONE;
        builder.assert_eq(success.clone(), is_sc.clone() * (AB::Expr::ONE - mismatch.clone() * aux.clone()));
        builder.assert_zero(mismatch * success);

        // AMOs: new = op(old, data), old being the (sign-extended) result; the ALU
        // table proves the relation. `aux` is the ALU result's high limb: `.D` AMOs
        // store the whole result, so it must be the stored bytes; `.W` AMOs store the
        // low limb only.
        let is_d = c.size[3].clone();
        builder.assert_zero(is_amo.clone() * is_d * (aux.clone() - x_hi));
        builder.send(
            ALU,
            [alu_op, result_lo.clone(), result_hi.clone(), data_lo.clone(), data_hi.clone(), x_lo, aux],
            is_amo,
        );

        builder.receive(
            MEMOP,
            [crate::segment::number(builder), clk.clone(), op_id, addr.clone(), data_lo, data_hi, result_lo, result_hi],
            is_real.clone(),
        );

        let time = |slot: u64| ts::at_expr(clk.clone(), slot);
        let [t0, d0_lo, d0_hi] = c.acc0.clone();
        access(
            builder,
            Access {
                cell: word.clone(),
                prev: [old[0].clone(), old[1].clone()],
                value: [new[0].clone(), new[1].clone()],
                prev_time: t0,
                time: time(ts::MEM0),
                diff_low: d0_lo,
                diff_high: d0_hi,
                enabled: is_real,
            },
        );
        // The second slot: word `w + 1`, or the reservation (LR sets it to `addr + 1`,
        // SC clears it; neither writes bytes there, as atomics are aligned).
        let is_lrsc = is_lr.clone() + is_sc;
        let [t1, d1_lo, d1_hi] = c.acc1.clone();
        access(
            builder,
            Access {
                cell: span.clone() * (word + AB::Expr::ONE) + is_lrsc.clone() * constant(cell::RESERVATION),
                prev: [old[2].clone(), old[3].clone()],
                value: [
                    new[2].clone() + is_lr * (addr + AB::Expr::ONE) - is_lrsc.clone() * old[2].clone(),
                    new[3].clone(),
                ],
                prev_time: t1,
                time: time(0) + span.clone() * constant(ts::MEM1) + is_lrsc.clone() * constant(ts::RESERVATION),
                diff_low: d1_lo,
                diff_high: d1_hi,
                enabled: span + is_lrsc,
            },
        );
    }
}

/// Collects the table's rows while a segment's witness is generated.
#[derive(Default)]
pub struct MemOpBuilder {
    rows: Vec<Val>,
}

impl MemOpBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The memory instruction of main row `clk`: `op` at byte address `addr` (< 2^32)
    /// with `data` the value of `rs2`. Performs its accesses on `tracker`, reports its
    /// lookups, appends the ALU message it sends (AMOs) to `alu`, and returns the
    /// instruction's `result` (what main sends and writes to `rd`).
    ///
    /// Panics on a misaligned atomic (the VM faults there; no step reaches the table).
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        clk: u64,
        op: MemOp,
        addr: u64,
        data: u64,
        tracker: &mut MemoryTracker,
        lookups: &mut Lookups,
        alu: &mut Vec<AluEvent>,
    ) -> u64 {
        let (size, kind) = (op.size() as usize, op.kind());
        let (word, o) = (cell::word(addr), (addr % 8) as usize);
        assert!(addr < 1 << 32, "memop address {addr:#x} out of range");
        assert!(!ATOMIC.contains(&kind) || o % size == 0, "misaligned {op:?} at {addr:#x}");
        let span = o + size > 8;
        let lrsc = matches!(kind, MemKind::Lr | MemKind::Sc);
        let second_cell = if lrsc { cell::RESERVATION } else { word + 1 };

        let window = [tracker.peek(word), if span || lrsc { tracker.peek(second_cell) } else { 0 }];
        let b: Vec<u64> = window.iter().flat_map(|w| w.to_le_bytes()).map(u64::from).collect();
        let v: [u64; 8] = std::array::from_fn(|j| b[o + j]);
        let low_bytes = |n: usize| v[..n].iter().rev().fold(0, |acc, &byte| acc << 8 | byte);
        let old = if READS.contains(&kind) { low_bytes(size) } else { 0 };
        let sign_extends = SIGN_EXTENDS.contains(&kind) && size < 8;
        let sgn = sign_extends && old >> (8 * size - 1) & 1 == 1;
        let success = kind == MemKind::Sc && window[1] == addr + 1;
        let result = match kind {
            MemKind::Sc => u64::from(!success),
            _ if sgn => old | sign_fill(op.size()),
            _ => old,
        };
        // The bytes `x`: the written value (every byte of it, though only `size` are
        // stored), or the old one when nothing is written.
        let written = match (kind, op.alu_op()) {
            (MemKind::Store | MemKind::Swap, _) => data,
            (MemKind::Sc, _) if success => data,
            (_, Some(alu_op)) => {
                let event = AluEvent::new(alu_op, result, data);
                alu.push(event);
                event.c
            }
            _ => low_bytes(8),
        };
        let x = written.to_le_bytes().map(u64::from);
        let wbytes = if WRITES.contains(&kind) || success { size } else { 0 };
        let mut new_bytes = b.clone();
        new_bytes[o..o + wbytes].copy_from_slice(&x[..wbytes]);
        let new_word = |i: usize| new_bytes[8 * i..8 * i + 8].iter().rev().fold(0, |acc, &byte| acc << 8 | byte);

        let acc0 = tracker.write(word, new_word(0), ts::at(clk, ts::MEM0), lookups);
        let acc1 = match kind {
            _ if span => Some(tracker.write(word + 1, new_word(1), ts::at(clk, ts::MEM1), lookups)),
            MemKind::Lr => Some(tracker.write(cell::RESERVATION, addr + 1, ts::at(clk, ts::RESERVATION), lookups)),
            MemKind::Sc => Some(tracker.write(cell::RESERVATION, 0, ts::at(clk, ts::RESERVATION), lookups)),
            _ => None,
        };

        lookups.range32(word);
        for pair in b.chunks(2).chain(x.chunks(2)) {
            lookups.byte_pair(pair[0], pair[1]);
        }
        let top = if sign_extends { v[size - 1] } else { 0 };
        let sign_check = 2 * (top - 128 * u64::from(sgn));
        lookups.byte_pair(sign_check, 0);

        let f = Val::from_u64;
        let mismatch = f(window[1]) - f(addr + 1);
        let mut cols = Cols::read(&[Val::ZERO; WIDTH]);
        cols.clk = [f(clk)];
        cols.data = limbs(data).map(f);
        cols.size[op.size_index()] = Val::ONE;
        cols.kind[kind.index()] = Val::ONE;
        cols.alu_op = [f(op.alu_op().map_or(0, |alu_op| alu_op.id()))];
        cols.s[o] = Val::ONE;
        cols.w = [f(word & 0xffff), f(word >> 16)];
        cols.span = [Val::from_bool(span)];
        cols.b = std::array::from_fn(|k| f(b[k]));
        cols.x = x.map(f);
        cols.e = std::array::from_fn(|j| if j < wbytes { f(x[j]) - f(v[j]) } else { Val::ZERO });
        cols.result = limbs(result).map(f);
        cols.top = [f(top)];
        cols.sgn = [Val::from_bool(sgn)];
        cols.acc0 = acc0.time_cols();
        cols.acc1 = acc1.as_ref().map_or([Val::ZERO; 3], AccessWitness::time_cols);
        match kind {
            MemKind::Sc => {
                cols.aux = [mismatch.try_inverse().unwrap_or(Val::ZERO)];
                cols.success = [Val::from_bool(success)];
            }
            MemKind::Amo => cols.aux = [f(written >> 32)],
            _ => {}
        }
        let start = self.rows.len();
        self.rows.resize(start + WIDTH, Val::ZERO);
        cols.write(&mut self.rows[start..]);
        result
    }

    /// The table's rows, with the padding row: it puts nothing on the bus (no size or
    /// kind flag set, offset 0).
    pub fn rows(self) -> Rows {
        let mut padding = vec![Val::ZERO; WIDTH];
        let mut cols = Cols::read(&padding);
        cols.s[0] = Val::ONE;
        cols.write(&mut padding);
        Rows::new(self.rows, padding)
    }

    /// The table's rows as one trace, padded to a power of two.
    pub fn trace(self) -> RowMajorMatrix<Val> {
        self.rows().into_trace()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width() {
        assert_eq!(WIDTH, 70);
    }
}
