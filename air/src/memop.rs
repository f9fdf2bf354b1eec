//! The memop table: every memory instruction (loads and stores of every width at any
//! alignment, LR/SC, AMOs), received from the [`MEMOP`] bus and made true against the
//! memory words with the [`access`] gadget. One row per memory instruction;
//! [`MemOpBuilder`] generates the rows. The witness sends `ld`/`sd` at aligned
//! addresses to the cheaper [`memword`](crate::memword) table instead; this table
//! accepts them too, with the same meaning.
//!
//! Every value is four 16-bit limbs (`PORT31.md` §2.1) and every byte recombination
//! takes two bytes (`lo + 256·hi < 2^16`), so each constraint is an integer equation of
//! range width below `p = 2^31 − 2^24 + 1` (stated beside it).
//!
//! # The byte window
//!
//! An instruction at byte address `addr = 8·w + o` (`o` = the offset, 0..7) accesses
//! `size` bytes starting at byte `o` of the 16-byte *window* made of word `w` (slot
//! `MEM0`) and word `w + 1` (slot `MEM1`, accessed only when `o + size > 8`). The old
//! window is decomposed into 16 range-checked bytes `b` (limb `l` of the window is
//! `old[l] = b[2l] + 256·b[2l+1]`, 8 limbs); the old bytes of the accessed value are
//! `v_j = Σ_k s_k·b[k + j]` (`s` the one-hot offset), an expression of degree 2.
//! A write replaces value byte `j` (for `j < size`) by `x_j`: the table stores the
//! difference `e_j = x_j − v_j` (0 for bytes not written) and the new window is the old
//! one plus `e` shifted by `o`, so the bytes the instruction does not cover cannot change.
//!
//! Main sends the address as two 16-bit limbs `(addr0, addr1)`; the row holds `w0` with
//! `addr0 = 8·w0 + o`, and the word is `w = w0 + 2^13·addr1`.
//!
//! LR/SC and AMOs must be naturally aligned (the VM faults otherwise), so they never
//! use word `w + 1`; LR/SC use that access slot for the reservation cell instead (slot
//! `RESERVATION`), whose value `(addr/4 + 1, 0, 0, 0)` (0: none) is one field element,
//! held in the column `resv` ([`cell::RESERVATION`]).
//!
//! # Columns (76)
//!
//! | columns | count | meaning |
//! |---|---:|---|
//! | `clk` | 1 | main's row (from the MEMOP message) |
//! | `data` | 4 | `rs2`, four 16-bit limbs |
//! | `size` | 4 | one-hot access width (1, 2, 4, 8 bytes; all zero on padding rows) |
//! | `kind` | 7 | one-hot [`MemKind`] (all zero on padding rows); `is_real = Σ kind` |
//! | `alu_op` | 1 | AMO: the [`AluOp`](crate::bus::AluOp) id of its ALU message; 0 on other rows |
//! | `s` | 8 | one-hot offset `o = addr mod 8` |
//! | `w0` | 1 | `addr0 = 8·w0 + o`, range-checked to 16 bits (so `w0 < 2^13`) |
//! | `addr1` | 1 | the address's high limb, as main sends it |
//! | `span` | 1 | the access covers word `w + 1` |
//! | `b` | 16 | old window bytes (word `w` then word `w + 1`; 0 in `b[8..16]` on LR/SC rows) |
//! | `x` | 8 | value bytes: what is written (`data` for stores, swaps and a successful SC, the ALU result for AMOs), the old value where nothing is |
//! | `e` | 8 | `e_j`: the change of value byte `j` |
//! | `result` | 4 | what `rd` receives, four limbs |
//! | `top` | 1 | the old value's most significant byte, for sign-extending ops |
//! | `sgn` | 1 | bit 7 of `top` |
//! | `acc0`, `acc1` | 3 + 3 | `prev_time` and the two [`window14`](crate::gadgets::window14) digits of the time gap, for the two accesses |
//! | `resv` | 1 | LR/SC: the reservation before the access (one element, `< 2^30 + 2`) |
//! | `aux` | 2 | SC: `aux[0]` the inverse of `resv − (addr/4 + 1)` when non-zero; AMO: limbs 2 and 3 of the ALU result (`.W` AMOs do not store them) |
//! | `success` | 1 | SC succeeded (0 on every other row) |
//!
//! Below, `[P]` is a property of the width (a linear combination of the `size` flags,
//! e.g. `[j < size] = Σ_{n > j} size_n`) and a set of kinds is the sum of their flags:
//! *reads* = load, unsigned load, LR, swap, AMO (`rd` gets the old value); *sign-extending*
//! = reads but the unsigned load; *writes* = store, swap, AMO (and SC when it succeeds);
//! *atomic* = LR, SC, swap, AMO. `limb(a, b) = a + 256·b`.
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
//! * per limb `l`: `result_l = reads·Σ_{j ∈ {2l, 2l+1}, j < size} 256^{j−2l}·u_j +
//!   sgn·fill_l` (`fill` the bits above `size` bytes, per limb `0xff00`, `0xffff` or 0, a
//!   function of the width), plus `is_sc − success` in limb 0: the old value zero- or
//!   sign-extended for reading ops, `1 − success` for SC, 0 for stores;
//! * `top = sign-extending·Σ_{n < 8} size_n·u_{n−1}` (so 0 off sign-extending rows and
//!   for 8-byte accesses);
//! * `(store + swap + success)·(data_l − limb(x_{2l}, x_{2l+1})) = 0` per limb (stores,
//!   swaps and a successful SC write `data`); `is_amo·size_8·(aux_i −
//!   limb(x_{4+2i}, x_{5+2i})) = 0` (`.D` AMOs store their whole ALU result);
//! * SC: `success = is_sc·(1 − d·aux[0])` and `d·success = 0` with
//!   `d = resv − (2w + s_4 + 1)`: success iff the reservation holds `addr/4 + 1`.
//!
//! # Bus messages per row (24 interactions)
//!
//! * receives [`MEMOP`] `(segment, clk, op, 8·w0 + o, addr1, data, result)`,
//!   `op = is_real + Σ_i SIZE_WEIGHT·i·size_i + Σ_k KIND_WEIGHT·k·kind_k +
//!   ALU_WEIGHT·alu_op` (the id of [`MemOp::id`]);
//! * word `w` at `ts::MEM0`: receives `(w, old[0..4], prev_time)`, sends
//!   `(w, new[0..4], time)`, two RANGE16 for the time gap (4);
//! * second slot (4): word `w + 1` at `ts::MEM1` when `span`, or the reservation at
//!   `ts::RESERVATION` for LR (from `(resv, 0, 0, 0)` to `(addr/4 + 1, 0, 0, 0)`) and SC
//!   (to 0);
//! * RANGE16 `w0` (1); BYTE_PAIR for the 16 `b` and the 8 `x` (12), and
//!   `(2·(top − 128·sgn), 0)`, which proves `sgn` is bit 7 of `top` (1);
//! * sends [`ALU`] `(segment, alu_op, old, data, (limb(x_0, x_1), limb(x_2, x_3), aux[0],
//!   aux[1]))` on AMO rows (not swaps) (`old` = `result`, the sign-extended old value;
//!   `.W` AMOs store only the low two limbs).
//!
//! Every message on a local bus goes through [`crate::segment`] (the lookups through
//! [`range16`] and [`byte_pair`]), so it carries the segment number.
//!
//! # Soundness (for `p = 2^31 − 2^24 + 1`)
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
//! The address: main's limbs `addr0, addr1 < 2^16` are trusted. The row receives
//! `8·w0 + o` as `addr0`; with `w0 < 2^16` (RANGE16) and `o < 8` it is an integer in
//! `[0, 2^19 + 8)`, so equality with `addr0` mod `p` is an integer identity: `o` is
//! `addr0 mod 8` (the true offset, as `2^16` is a multiple of 8) and `w0 = ⌊addr0/8⌋ <
//! 2^13`. A forged offset would need `w0 = (addr0 − o')/8` in the field, which is no
//! 16-bit integer. Then `w = w0 + 2^13·addr1 = ⌊addr/8⌋ < 2^29` exactly, and `w + 1 ≤
//! 2^29` is a memory cell (registers start above it). The old words come from tokens
//! (four trusted 16-bit limbs); each limb's decomposition into two range-checked bytes
//! (`b[2l] + 256·b[2l+1] < 2^16`) is unique, so `v` is the true old value, and so is
//! every byte of the new words: uncovered bytes are the old ones (`e` is zero beyond
//! the width) and covered ones are range-checked `x` bytes, which the data / ALU
//! constraints pin (`data_l = limb(x_{2l}, x_{2l+1})`, both sides in `[0, 2^16)`, an
//! integer identity); each new limb `b'[2l] + 256·b'[2l+1]` is again below 2^16. The
//! result limbs are pinned to sums of bytes and fill constants below 2^16 (the ranges
//! `fill_l` only sets bytes the value does not cover), so they are the true
//! limbs. `sgn` is 0 off sign-extending rows (there `top = 0`, and `2·(0 − 128)` is no
//! byte); on them `2·(top − 128·sgn) ∈ [−256, 510]` is exact.
//!
//! The reservation: every token of the cell [`cell::RESERVATION`] is `(r, 0, 0, 0)` with
//! `r = 0` (the initial value, SC) or `r = addr/4 + 1 < 2^30 + 1` (LR), as only LR/SC
//! rows write it. On LR/SC rows the second slot receives `(resv, old[5], old[6],
//! old[7])`, so the token pins `resv = r` and makes `b[10..16]` zero (`b[8]`, `b[9]` are
//! left free and unused: the received and sent values are `resv` and the new
//! reservation, not `old[4]`, and atomics never write there). With `o ∈ {0, 4}` (aligned),
//! `addr/4 + 1 = 2w + s_4 + 1 ∈ [1, 2^30 + 2)`, so `d = resv − (2w + s_4 + 1) ∈
//! (−2^30 − 2, 2^30 + 2)`, a range of width below `p`: `d = 0` in the field iff the
//! reservation is this address's (two 4-aligned addresses with equal `addr/4` are
//! equal). `success` is then boolean and exact: `d ≠ 0` forces 0 (`d·success = 0`),
//! `d = 0` forces `is_sc`.
//!
//! No column is left free on a real row except `b[8..16]` on rows that access neither
//! word `w + 1` nor the reservation (and `b[8]`, `b[9]` on LR/SC rows), which only reach
//! `v_j` for `j ≥ size`, where every use of `v` is masked; the bytes `x_j`, `j ≥ size`,
//! of loads, LR, a failed SC and `.W` AMOs, which are range-checked and used nowhere
//! else (`e_j = 0` there); `resv` off LR/SC rows (it only enters `d`, which only SC
//! rows use); and `aux` on rows other than SC and AMO (`aux[1]` on SC rows). `.W` AMOs'
//! `aux` is pinned by the ALU message alone: the ALU table proves `c = op(a, b)`.

use crate::bus::{addr_limbs, cell, limbs, ts, AluEvent, MemKind, MemOp, ALU, MEMOP};
use crate::bytes::Lookups;
use crate::columns::columns;
use crate::gadgets::{access, byte_pair, limb_vals, range16, to_val, Access, AccessWitness, MemoryTracker};
use crate::parts::Rows;
use crate::Val;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName};

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
    data: 4,
    size: 4,
    kind: 7,
    alu_op: 1,
    s: 8,
    w0: 1,
    addr1: 1,
    span: 1,
    b: 16,
    x: 8,
    e: 8,
    result: 4,
    top: 1,
    sgn: 1,
    acc0: 3,
    acc1: 3,
    resv: 1,
    aux: 2,
    success: 1,
}

/// `lo + 256·hi`: the 16-bit limb of two little-endian bytes (below `2^16` for bytes).
fn limb<E: PrimeCharacteristicRing>(lo: E, hi: E) -> E {
    lo + hi * E::from_u16(256)
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
}

impl<AB: BusBuilder<F = Val>> Air<AB> for MemOpTable {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder.main().current_slice().iter().map(|&v| v.into()).collect();
        let c = Cols::read(&row);
        let [clk] = c.clk.clone();
        let [alu_op] = c.alu_op.clone();
        let [w0] = c.w0.clone();
        let [addr1] = c.addr1.clone();
        let [span] = c.span.clone();
        let [top] = c.top.clone();
        let [sgn] = c.sgn.clone();
        let [resv] = c.resv.clone();
        let [inverse, _] = c.aux.clone();
        let [success] = c.success.clone();
        let constant = |v: u64| AB::Expr::from_u64(v);
        // `Σ_size f(size)·size_flag` and `Σ_{kind ∈ kinds} kind_flag`: linear.
        let by_size = |f: &dyn Fn(u64) -> u64| -> AB::Expr {
            MemOp::SIZES.iter().zip(&c.size).filter(|(&n, _)| f(n) != 0).map(|(&n, z)| z.clone() * constant(f(n))).sum()
        };
        let any = |kinds: &[MemKind]| -> AB::Expr { kinds.iter().map(|k| c.kind[k.index()].clone()).sum() };

        // The op: one-hot size and kind flags (all zero on padding rows; `is_real`, 0/1,
        // gates every message) and the AMOs' ALU op (0 on every other row). The id main
        // sends is their mixed-radix number (see `MemOp::id`, at most 1064), which pins
        // all three.
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

        // One-hot offset, and the address limb it splits: `addr0 = 8·w0 + o` with `w0`
        // range-checked is an integer in `[0, 2^19 + 8)` received as main's `addr0 <
        // 2^16`, so an integer identity: `w0 < 2^13`, and a forged offset (with `w0`
        // solved in the field) puts `w0` out of range. The word
        // `w = w0 + 2^13·addr1 < 2^29` (main's `addr1 < 2^16`).
        for s in &c.s {
            builder.assert_bool(s.clone());
        }
        builder.assert_one(c.s.iter().cloned().sum::<AB::Expr>());
        let offset: AB::Expr = c.s.iter().enumerate().map(|(k, s)| s.clone() * constant(k as u64)).sum();
        let addr0 = w0.clone() * constant(8) + offset;
        range16(builder, w0.clone(), is_real.clone());
        let word = w0 + addr1.clone() * constant(1 << 13);

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
        // token limb, `b[2l] + 256·b[2l+1] ∈ [0, 2^16)`, is unique and `v` is the true
        // old value), limbs, and the accessed bytes `v_j = b[o + j]`. The bytes `x` are
        // range-checked too: `data` or the ALU result decomposes into them uniquely, and
        // shifted by `o` they land in other limbs, where a non-byte would carry into a
        // neighbouring byte.
        for pair in c.b.chunks(2).chain(c.x.chunks(2)) {
            byte_pair(builder, pair[0].clone(), pair[1].clone(), is_real.clone());
        }
        let old: Vec<AB::Expr> = c.b.chunks(2).map(|pair| limb(pair[0].clone(), pair[1].clone())).collect();
        let v: Vec<AB::Expr> =
            (0..8).map(|j| c.s.iter().enumerate().map(|(k, s)| s.clone() * c.b[k + j].clone()).sum()).collect();

        // Writes. On every covered byte (`j < size`) `x_j = v_j + e_j`, and `e_j` is
        // zero unless the row writes byte `j`: beyond the width (so no other byte
        // changes), for loads, LR and a failed SC (which store nothing: `x_j` is then
        // the old byte). So a written byte becomes `x_j`, and `u_j = x_j − e_j` is the
        // old byte `v_j` on every covered byte, of degree 1 rather than 2. (`e_j` is
        // then an integer in `(−2^8, 2^8)`.)
        let is_sc = any(&[MemKind::Sc]);
        let writes = any(&WRITES) + success.clone();
        let covered = |j: usize| by_size(&|n| u64::from(j < n as usize));
        for (j, e) in c.e.iter().enumerate() {
            builder.assert_zero(covered(j) * (c.x[j].clone() - v[j].clone() - e.clone()));
            builder.assert_zero(e.clone() * (AB::Expr::ONE - writes.clone() * covered(j)));
        }
        let u: Vec<AB::Expr> = c.x.iter().zip(&c.e).map(|(x, e)| x.clone() - e.clone()).collect();
        // The new window: old bytes plus `e` shifted by the offset (each new byte is
        // the old one or an `x` byte), recombined per limb: `< 2^16`.
        let delta = |k: usize| -> AB::Expr {
            (0..8).filter(|j| *j <= k && k - j < 8).map(|j| c.s[k - j].clone() * c.e[j].clone()).sum()
        };
        let new: Vec<AB::Expr> = (0..8).map(|l| old[l].clone() + limb(delta(2 * l), delta(2 * l + 1))).collect();
        // The written value in limbs: `data` for stores, swaps and a successful SC (all
        // 8 bytes, though only `size` of them are written), the ALU result for AMOs.
        // `data_l − limb(x)`: both sides in `[0, 2^16)`, an integer identity.
        let x: Vec<AB::Expr> = c.x.chunks(2).map(|pair| limb(pair[0].clone(), pair[1].clone())).collect();
        // `success` (0 off SC rows) makes a successful SC store its data.
        let takes_data = any(&WRITES_DATA) + success.clone();
        for (data, x) in c.data.iter().zip(&x) {
            builder.assert_zero(takes_data.clone() * (data.clone() - x.clone()));
        }

        // The result: the old value, zero- or sign-extended; `1 − success` for SC.
        // `top` is the old value's last byte on sign-extending rows (0 elsewhere, which
        // leaves `sgn = 0`), and the byte-pair lookup of `2·(top − 128·sgn)` (an integer
        // in `[−256, 510]`) proves `top − 128·sgn ∈ [0, 128)`, so with `sgn` boolean and
        // `top` a byte, `sgn` is its bit 7.
        let top_byte: AB::Expr =
            MemOp::SIZES[..3].iter().zip(&c.size).map(|(&n, z)| z.clone() * u[n as usize - 1].clone()).sum();
        builder.assert_eq(top.clone(), any(&SIGN_EXTENDS) * top_byte);
        builder.assert_bool(sgn.clone());
        byte_pair(builder, (top - sgn.clone() * constant(128)) * constant(2), AB::Expr::ZERO, is_real.clone());
        // Limb `l` of the result: its two covered bytes and the fill of the bits above
        // the width (`0xff00`, `0xffff` or 0 per limb, only over bytes not covered), plus
        // the SC result `is_sc − success ∈ {0, 1}` in limb 0 (where nothing else is):
        // each a 16-bit integer.
        let reads = any(&READS);
        let value_limb = |l: usize| -> AB::Expr {
            (2 * l..2 * l + 2).map(|j| u[j].clone() * reads.clone() * covered(j) * constant(1 << (8 * (j % 2)))).sum()
        };
        let fill = |l: usize| by_size(&|n| limbs(sign_fill(n))[l]);
        for (l, result) in c.result.iter().enumerate() {
            let sc = if l == 0 { is_sc.clone() - success.clone() } else { AB::Expr::ZERO };
            builder.assert_eq(result.clone(), value_limb(l) + sgn.clone() * fill(l) + sc);
        }

        // SC: success iff the reservation is `addr/4 + 1 = 2w + s_4 + 1` (atomics are
        // aligned: `o ∈ {0, 4}`). `d = resv − (2w + s_4 + 1) ∈ (−2^30 − 2, 2^30 + 2)`
        // (`resv < 2^30 + 2`, a reservation token's value; `w < 2^29`), so `d = 0` in
        // the field iff the integers are equal. With `aux[0]` its claimed inverse:
        // `d ≠ 0` forces `success = 0` (second constraint), and `d = 0` gives
        // `success = is_sc` whatever `aux[0]` is (first one). Off SC rows, `success = 0`.
        let is_lr = any(&[MemKind::Lr]);
        let reservation = word.clone() * AB::Expr::TWO + c.s[4].clone() + AB::Expr::ONE;
        let mismatch = resv.clone() - reservation.clone();
        builder.assert_eq(success.clone(), is_sc.clone() * (AB::Expr::ONE - mismatch.clone() * inverse));
        builder.assert_zero(mismatch * success);

        // AMOs: new = op(old, data), old being the (sign-extended) result; the ALU
        // table proves the relation. `aux` is the ALU result's limbs 2 and 3: `.D` AMOs
        // store the whole result, so they must be the stored bytes' limbs; `.W` AMOs
        // store limbs 0 and 1 only.
        let is_d = c.size[3].clone();
        for (aux, x) in c.aux.iter().zip(&x[2..]) {
            builder.assert_zero(is_amo.clone() * is_d.clone() * (aux.clone() - x.clone()));
        }
        let alu_c = [x[0].clone(), x[1].clone(), c.aux[0].clone(), c.aux[1].clone()];
        let alu = [alu_op].into_iter().chain(c.result.clone()).chain(c.data.clone()).chain(alu_c);
        crate::segment::send(builder, ALU, alu, is_amo);

        let memop = [clk.clone(), op_id, addr0, addr1].into_iter().chain(c.data.clone()).chain(c.result.clone());
        crate::segment::receive(builder, MEMOP, memop, is_real.clone());

        let time = |slot: u64| ts::at_expr(clk.clone(), slot);
        let [t0, g00, g01] = c.acc0.clone();
        access(
            builder,
            Access {
                cell: word.clone(),
                prev: std::array::from_fn(|l| old[l].clone()),
                value: std::array::from_fn(|l| new[l].clone()),
                prev_time: t0,
                time: time(ts::MEM0),
                gap: [g00, g01],
                enabled: is_real,
            },
        );
        // The second slot: word `w + 1`, or the reservation `(resv, 0, 0, 0)` (LR sets
        // it to `addr/4 + 1`, SC clears it). On LR/SC rows `new[4] = old[4]` (atomics
        // are aligned and never write there), so limb 0 swaps `old[4]` for the
        // reservation; limbs 1..3 are `old[5..8] = new[5..8]`, which the token pins to
        // 0. Off LR/SC rows this is word `w + 1` as the window holds it.
        let is_lrsc = is_lr.clone() + is_sc;
        let [t1, g10, g11] = c.acc1.clone();
        let mut prev: [AB::Expr; 4] = std::array::from_fn(|l| old[4 + l].clone());
        prev[0] += is_lrsc.clone() * (resv - old[4].clone());
        let mut value: [AB::Expr; 4] = std::array::from_fn(|l| new[4 + l].clone());
        value[0] += is_lr * reservation - is_lrsc.clone() * old[4].clone();
        access(
            builder,
            Access {
                cell: span.clone() * (word + AB::Expr::ONE) + is_lrsc.clone() * constant(cell::RESERVATION),
                prev,
                value,
                prev_time: t1,
                time: time(0) + span.clone() * constant(ts::MEM1) + is_lrsc.clone() * constant(ts::RESERVATION),
                gap: [g10, g11],
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
        let [addr0, addr1] = addr_limbs(addr);
        let (word, o) = (cell::word(addr), (addr % 8) as usize);
        assert!(!ATOMIC.contains(&kind) || o % size == 0, "misaligned {op:?} at {addr:#x}");
        let span = o + size > 8;
        let lrsc = matches!(kind, MemKind::Lr | MemKind::Sc);
        // The reservation an LR at `addr` sets and an SC at `addr` needs (cell::RESERVATION).
        let reservation = addr / 4 + 1;
        let resv = if lrsc { tracker.peek(cell::RESERVATION) } else { 0 };

        let window = [tracker.peek(word), if span { tracker.peek(word + 1) } else { 0 }];
        let b: Vec<u64> = window.iter().flat_map(|w| w.to_le_bytes()).map(u64::from).collect();
        let v: [u64; 8] = std::array::from_fn(|j| b[o + j]);
        let low_bytes = |n: usize| v[..n].iter().rev().fold(0, |acc, &byte| acc << 8 | byte);
        let old = if READS.contains(&kind) { low_bytes(size) } else { 0 };
        let sign_extends = SIGN_EXTENDS.contains(&kind) && size < 8;
        let sgn = sign_extends && old >> (8 * size - 1) & 1 == 1;
        let success = kind == MemKind::Sc && resv == reservation;
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
            MemKind::Lr => Some(tracker.write(cell::RESERVATION, reservation, ts::at(clk, ts::RESERVATION), lookups)),
            MemKind::Sc => Some(tracker.write(cell::RESERVATION, 0, ts::at(clk, ts::RESERVATION), lookups)),
            _ => None,
        };

        lookups.range16(addr0 / 8);
        for pair in b.chunks(2).chain(x.chunks(2)) {
            lookups.byte_pair(pair[0], pair[1]);
        }
        let top = if sign_extends { v[size - 1] } else { 0 };
        let sign_check = 2 * (top - 128 * u64::from(sgn));
        lookups.byte_pair(sign_check, 0);

        let mut cols = Cols::read(&[Val::ZERO; WIDTH]);
        cols.clk = [to_val(clk)];
        cols.data = limb_vals(data);
        cols.size[op.size_index()] = Val::ONE;
        cols.kind[kind.index()] = Val::ONE;
        cols.alu_op = [to_val(op.alu_op().map_or(0, |alu_op| alu_op.id()))];
        cols.s[o] = Val::ONE;
        cols.w0 = [to_val(addr0 / 8)];
        cols.addr1 = [to_val(addr1)];
        cols.span = [Val::from_bool(span)];
        cols.b = std::array::from_fn(|k| to_val(b[k]));
        cols.x = x.map(to_val);
        cols.e = std::array::from_fn(|j| if j < wbytes { to_val(x[j]) - to_val(v[j]) } else { Val::ZERO });
        cols.result = limb_vals(result);
        cols.top = [to_val(top)];
        cols.sgn = [Val::from_bool(sgn)];
        cols.acc0 = acc0.time_cols();
        cols.acc1 = acc1.as_ref().map_or([Val::ZERO; 3], AccessWitness::time_cols);
        cols.resv = [to_val(resv)];
        match kind {
            MemKind::Sc => {
                let mismatch = to_val(resv) - to_val(reservation);
                cols.aux[0] = mismatch.try_inverse().unwrap_or(Val::ZERO);
                cols.success = [Val::from_bool(success)];
            }
            MemKind::Amo => cols.aux = [limb_vals(written)[2], limb_vals(written)[3]],
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

    use ziskjit_prover::symbolic::TableAnalysis;

    #[test]
    fn width_and_interactions() {
        assert_eq!(WIDTH, 76);
        let analysis = TableAnalysis::of(&MemOpTable, crate::segment::PUBLIC_VALUES);
        assert_eq!((analysis.interactions.len(), analysis.num_logup_columns()), (24, 14));
        assert_eq!(analysis.max_constraint_degree, 3);
    }
}
