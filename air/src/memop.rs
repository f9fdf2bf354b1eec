//! The memop table: every memory instruction (loads and stores of every width at any
//! alignment, LR/SC, AMOs), received from the [`MEMOP`] bus and made true against the
//! memory words with the [`access`] gadget. One row per memory instruction;
//! [`MemOpBuilder`] generates the rows.
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
//! # Columns (92)
//!
//! | columns | count | meaning |
//! |---|---:|---|
//! | `clk` | 1 | main's row (from the MEMOP message) |
//! | `data` | 2 | `rs2` (lo, hi) |
//! | `flags` | 33 | one-hot [`MemOp`] (all zero on padding rows); `is_real = Σ flags` |
//! | `s` | 8 | one-hot offset `o = addr mod 8` |
//! | `w` | 2 | word index `w = w_lo + 2^16·w_hi`, each half range-checked to 16 bits |
//! | `span` | 1 | the access covers word `w + 1` |
//! | `b` | 16 | old window bytes (word `w` then word `w + 1`, or the reservation for LR/SC) |
//! | `x` | 8 | bytes of the written value: `data` (stores, swaps, SC), the ALU result (AMOs) |
//! | `e` | 8 | `e_j = wmask_j·(x_j − v_j)`: the change of value byte `j` |
//! | `result` | 2 | what `rd` receives (lo, hi) |
//! | `top` | 1 | the old value's most significant byte, for sign-extending ops |
//! | `sgn` | 1 | bit 7 of `top` |
//! | `acc0`, `acc1` | 3 + 3 | `prev_time, diff_low, diff_high` of the two accesses |
//! | `inv` | 1 | SC: inverse of `reservation − (addr + 1)` when non-zero |
//! | `success` | 1 | SC succeeded (0 on every other row) |
//! | `alu_hi` | 1 | AMO: high limb of the ALU result (its own column for `.W`, whose ALU result high limb is not stored) |
//!
//! # Constraints (all of degree ≤ 3, no transition constraints: rows are independent)
//!
//! * flags, `is_real`, `s`, `sgn` boolean; `Σ s = 1`;
//! * `span = Σ_k s_k·[k + size > 8]` (size from the flags); atomics aligned:
//!   `Σ_k s_k·[atomic ∧ k mod size ≠ 0] = 0`;
//! * `e_j = wmask_j·(x_j − v_j)`, `wmask_j = [j < size]` for writing ops (stores, SC,
//!   AMOs); a failed SC writes nothing: `(is_sc − success)·e_j = 0`;
//! * `result = ext(v_0..v_{size−1})` for loads, LR and AMOs (sign-extended from `sgn`
//!   for `lb/lh/lw`, `lr.w`, `amo*.w`), `1 − success` for SC, 0 for stores;
//! * `top = v_{size−1}` on sign-extending rows;
//! * `data = Σ 256^j x_j` for stores, swaps and a successful SC; `alu_hi = Σ 256^j x_{4+j}`
//!   for `.D` AMOs (their whole ALU result is stored);
//! * SC: `success = is_sc·(1 − d·inv)` and `d·success = 0` with
//!   `d = reservation − (addr + 1)`: success iff the reservation holds `addr + 1`.
//!
//! # Bus messages per row (25 interactions)
//!
//! * receives [`MEMOP`] `(clk, op, addr, data, result)`, `addr = 8·w + o`, `op = Σ id·flag`;
//! * word `w` at `ts::MEM0`: receives `(w, old, prev_time)`, sends `(w, new, time)`, two
//!   RANGE16 for the time gap (4);
//! * second slot (4): word `w + 1` at `ts::MEM1` when `span`, or the reservation at
//!   `ts::RESERVATION` for LR (new value `addr + 1`) and SC (new value 0);
//! * RANGE16 `w_lo`, `w_hi` (2); BYTE_PAIR for the 16 `b` and the 8 `x` (12), and
//!   `(2·(top − 128·sgn), 0)`, which proves `sgn` is bit 7 of `top` (1);
//! * sends [`ALU`] `(op, old, data, (x_lo, alu_hi))` for the AMOs other than swap
//!   (`old` = `result`, the sign-extended old value; `.W` AMOs store only the low limb).
//!
//! # Soundness
//!
//! `addr < 2^32` (main), `w < 2^32` and `o < 8` make `addr = 8·w + o` an integer
//! identity (`8·2^32 + 7 < p`), so `w` and `o` are the true word and offset: a forged
//! offset leaves `w` out of range. The old words come from tokens (trusted values);
//! their byte decomposition is unique because every byte is range-checked, so `v` is
//! the true old value, and so is every byte of the new words: uncovered bytes are the
//! old ones (`e` is masked to the covered bytes) and covered ones are range-checked `x`
//! bytes, which the data / ALU constraints pin. No column is left free on a real row
//! except `b[8..16]` on rows that access neither word `w + 1` nor the reservation, which
//! only reach `v_j` for `j ≥ size`, where every use of `v` is masked.

use crate::bus::{cell, limbs, ts, AluEvent, AluOp, MemOp, ALU, BYTE_PAIR, MEMOP, RANGE16};
use crate::bytes::Lookups;
use crate::columns::columns;
use crate::gadgets::{access, two16, Access, AccessWitness, MemoryTracker};
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName, Val};

/// The memop table.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemOpTable;

/// What an instruction does, as far as the table is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Load {
        signed: bool,
    },
    Store,
    Lr,
    Sc,
    /// The ALU operation computing the new value from `(old, data)`; `None` for swap.
    Amo(Option<AluOp>),
}

/// A [`MemOp`] with its width and kind.
#[derive(Clone, Copy, Debug)]
struct OpInfo {
    op: MemOp,
    size: usize,
    kind: Kind,
}

impl OpInfo {
    /// How many old bytes `rd` receives (zero- or sign-extended).
    fn result_bytes(&self) -> usize {
        match self.kind {
            Kind::Load { .. } | Kind::Lr | Kind::Amo(_) => self.size,
            Kind::Store | Kind::Sc => 0,
        }
    }

    /// The result is the old value sign-extended from `size` bytes to 8.
    fn sign_extends(&self) -> bool {
        self.size < 8 && matches!(self.kind, Kind::Load { signed: true } | Kind::Lr | Kind::Amo(_))
    }

    /// How many bytes the instruction may write (SC: only when it succeeds).
    fn write_bytes(&self) -> usize {
        match self.kind {
            Kind::Store | Kind::Sc | Kind::Amo(_) => self.size,
            Kind::Load { .. } | Kind::Lr => 0,
        }
    }

    /// The written value is `data` (SC: when it succeeds).
    fn writes_data(&self) -> bool {
        matches!(self.kind, Kind::Store | Kind::Amo(None))
    }

    fn is_atomic(&self) -> bool {
        matches!(self.kind, Kind::Lr | Kind::Sc | Kind::Amo(_))
    }

    fn alu_op(&self) -> Option<AluOp> {
        match self.kind {
            Kind::Amo(op) => op,
            _ => None,
        }
    }

    /// The bits above the `size` low bytes when sign-extending a negative value.
    fn sign_fill(&self) -> u64 {
        if self.sign_extends() {
            u64::MAX << (8 * self.size)
        } else {
            0
        }
    }
}

/// Every memory instruction, in id order: flag `i` is `OPS[i]` (id `i + 1`).
const OPS: [OpInfo; 33] = {
    use AluOp::*;
    use Kind::*;
    use MemOp::*;
    const fn op(op: MemOp, size: usize, kind: Kind) -> OpInfo {
        OpInfo { op, size, kind }
    }
    [
        op(Lb, 1, Load { signed: true }),
        op(Lh, 2, Load { signed: true }),
        op(Lw, 4, Load { signed: true }),
        op(Ld, 8, Load { signed: true }),
        op(Lbu, 1, Load { signed: false }),
        op(Lhu, 2, Load { signed: false }),
        op(Lwu, 4, Load { signed: false }),
        op(Sb, 1, Store),
        op(Sh, 2, Store),
        op(Sw, 4, Store),
        op(Sd, 8, Store),
        op(LrW, 4, Lr),
        op(LrD, 8, Lr),
        op(ScW, 4, Sc),
        op(ScD, 8, Sc),
        // `.W` AMOs: the low 32 bits of the ALU result are stored, so 64-bit logic on
        // the sign-extended old value serves, and the W forms give add and min/max.
        op(AmoSwapW, 4, Amo(None)),
        op(AmoAddW, 4, Amo(Some(Addw))),
        op(AmoXorW, 4, Amo(Some(Xor))),
        op(AmoAndW, 4, Amo(Some(And))),
        op(AmoOrW, 4, Amo(Some(Or))),
        op(AmoMinW, 4, Amo(Some(MinW))),
        op(AmoMaxW, 4, Amo(Some(MaxW))),
        op(AmoMinuW, 4, Amo(Some(MinuW))),
        op(AmoMaxuW, 4, Amo(Some(MaxuW))),
        op(AmoSwapD, 8, Amo(None)),
        op(AmoAddD, 8, Amo(Some(Add))),
        op(AmoXorD, 8, Amo(Some(Xor))),
        op(AmoAndD, 8, Amo(Some(And))),
        op(AmoOrD, 8, Amo(Some(Or))),
        op(AmoMinD, 8, Amo(Some(Min))),
        op(AmoMaxD, 8, Amo(Some(Max))),
        op(AmoMinuD, 8, Amo(Some(Minu))),
        op(AmoMaxuD, 8, Amo(Some(Maxu))),
    ]
};

fn info(op: MemOp) -> OpInfo {
    OPS[op.id() as usize - 1]
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
    flags: 33,
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
    inv: 1,
    success: 1,
    alu_hi: 1,
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
}

impl<AB: BusBuilder<F = Val>> Air<AB> for MemOpTable {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder.main().current_slice().iter().map(|&v| v.into()).collect();
        let c = Cols::read(&row);
        let [clk] = c.clk.clone();
        let [data_lo, data_hi] = c.data.clone();
        let [span] = c.span.clone();
        let [top] = c.top.clone();
        let [sgn] = c.sgn.clone();
        let [inv] = c.inv.clone();
        let [success] = c.success.clone();
        let [alu_hi] = c.alu_hi.clone();
        let [result_lo, result_hi] = c.result.clone();
        let constant = |v: u64| AB::Expr::from_u64(v);
        // `Σ_op f(op)·flag_op`: a linear expression of the flags.
        let sel = |f: &dyn Fn(&OpInfo) -> u64| -> AB::Expr {
            OPS.iter().zip(&c.flags).filter(|(op, _)| f(op) != 0).map(|(op, flag)| flag.clone() * constant(f(op))).sum()
        };
        let is = |kind: fn(&OpInfo) -> bool| sel(&|op| u64::from(kind(op)));

        // One-hot flags: at most one op per row, none on padding rows. Every per-op
        // property below is a linear combination of them, so a non-boolean or a second
        // flag would mix two ops' rules; `is_real` (0/1) gates every message.
        let is_real = sel(&|_| 1);
        for flag in &c.flags {
            builder.assert_bool(flag.clone());
        }
        builder.assert_bool(is_real.clone());
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

        // `Σ_k s_k·f(op, k)`: degree 2.
        let by_offset = |f: &dyn Fn(&OpInfo, usize) -> bool| -> AB::Expr {
            c.s.iter().enumerate().map(|(k, s)| s.clone() * sel(&|op| u64::from(f(op, k)))).sum()
        };
        // `span` gates the second word's access: pinned, so a spanning access cannot
        // skip (or a non-spanning one invent) the token of word `w + 1`.
        builder.assert_eq(span.clone(), by_offset(&|op, k| k + op.size > 8));
        // Atomics are naturally aligned (the VM faults otherwise): they then never span,
        // which lets LR/SC use the second slot for the reservation.
        builder.assert_zero(by_offset(&|op, k| op.is_atomic() && k % op.size != 0));

        // The old window: bytes range-checked in pairs (so the decomposition of each
        // token limb is unique and `v` is the true old value), limbs, and the accessed
        // bytes `v_j = b[o + j]`. The written bytes `x` are range-checked too: `data` or
        // the ALU result decomposes into them uniquely, and shifted by `o` they land in
        // other limbs, where a non-byte would carry into a neighbouring byte.
        for pair in c.b.chunks(2).chain(c.x.chunks(2)) {
            builder.send(BYTE_PAIR, pair.to_vec(), is_real.clone());
        }
        let old: Vec<AB::Expr> = c.b.chunks(4).map(|limb| from_bytes(limb.iter().cloned())).collect();
        let v: Vec<AB::Expr> =
            (0..8).map(|j| c.s.iter().enumerate().map(|(k, s)| s.clone() * c.b[k + j].clone()).sum()).collect();

        // Writes. `e_j` is the change of value byte `j`: zero beyond the written width
        // (so no other byte changes), `x_j − v_j` within it (so the new byte is `x_j`),
        // and zero for a failed SC (which has no data tie below, so `x` is free there).
        let is_sc = is(|op| op.kind == Kind::Sc);
        for (j, e) in c.e.iter().enumerate() {
            let wmask = sel(&|op| u64::from(j < op.write_bytes()));
            builder.assert_eq(e.clone(), wmask * (c.x[j].clone() - v[j].clone()));
            builder.assert_zero((is_sc.clone() - success.clone()) * e.clone());
        }
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
        let takes_data = is(OpInfo::writes_data) + success.clone();
        builder.assert_zero(takes_data.clone() * (data_lo.clone() - x_lo.clone()));
        builder.assert_zero(takes_data * (data_hi.clone() - x_hi.clone()));

        // The result: the old value, zero- or sign-extended; `1 − success` for SC.
        // `top` is the old value's last byte on sign-extending rows (0 elsewhere), and
        // the byte-pair lookup of `2·(top − 128·sgn)` proves `top − 128·sgn < 128`, so
        // with `sgn` boolean and `top` a byte, `sgn` is its bit 7.
        let top_byte: AB::Expr =
            (0..8).map(|j| v[j].clone() * sel(&|op| u64::from(op.sign_extends() && op.size - 1 == j))).sum();
        builder.assert_eq(top.clone(), top_byte);
        builder.assert_bool(sgn.clone());
        builder.send(BYTE_PAIR, [(top - sgn.clone() * constant(128)) * constant(2), AB::Expr::ZERO], is_real.clone());
        let value_limb = |range: std::ops::Range<usize>| -> AB::Expr {
            range
                .map(|j| v[j].clone() * sel(&|op| u64::from(j < op.result_bytes())) * constant(1 << (8 * (j % 4))))
                .sum()
        };
        let fill = |half: usize| sel(&|op| limbs(op.sign_fill())[half]);
        builder
            .assert_eq(result_lo.clone(), value_limb(0..4) + sgn.clone() * fill(0) + is_sc.clone() - success.clone());
        builder.assert_eq(result_hi.clone(), value_limb(4..8) + sgn * fill(1));

        // SC: success iff the reservation (the second slot's old `lo`) is `addr + 1`.
        // With `d = mismatch`: `d ≠ 0` forces `success = 0` (second constraint), and
        // `d = 0` gives `success = is_sc` whatever `inv` is (first one). Off SC rows,
        // `success = 0`.
        let is_lr = is(|op| op.kind == Kind::Lr);
        let mismatch = old[2].clone() - addr.clone() - AB::Expr::ONE;
        builder.assert_eq(success.clone(), is_sc.clone() * (AB::Expr::ONE - mismatch.clone() * inv));
        builder.assert_zero(mismatch * success);

        // AMOs: new = op(old, data), old being the (sign-extended) result; the ALU
        // table proves the relation. `.D` AMOs store the whole result, so its high limb
        // must be the stored bytes; `.W` AMOs store the low limb only.
        let is_amo_d = is(|op| op.alu_op().is_some() && op.size == 8);
        builder.assert_zero(is_amo_d * (alu_hi.clone() - x_hi));
        builder.send(
            ALU,
            [
                sel(&|op| op.alu_op().map_or(0, AluOp::id)),
                result_lo.clone(),
                result_hi.clone(),
                data_lo.clone(),
                data_hi.clone(),
                x_lo,
                alu_hi,
            ],
            is(|op| op.alu_op().is_some()),
        );

        builder.receive(
            MEMOP,
            [clk.clone(), sel(&|op| op.op.id()), addr.clone(), data_lo, data_hi, result_lo, result_hi],
            is_real.clone(),
        );

        let time = |slot: u64| (clk.clone() + AB::Expr::ONE) * constant(8) + constant(slot);
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
        let op = info(op);
        let (word, o) = (cell::word(addr), (addr % 8) as usize);
        assert!(addr < 1 << 32, "memop address {addr:#x} out of range");
        assert!(!op.is_atomic() || o % op.size == 0, "misaligned {:?} at {addr:#x}", op.op);
        let span = o + op.size > 8;
        let lrsc = matches!(op.kind, Kind::Lr | Kind::Sc);
        let second_cell = if lrsc { cell::RESERVATION } else { word + 1 };

        let window = [tracker.peek(word), if span || lrsc { tracker.peek(second_cell) } else { 0 }];
        let b: Vec<u64> = window.iter().flat_map(|w| w.to_le_bytes()).map(u64::from).collect();
        let v: [u64; 8] = std::array::from_fn(|j| b[o + j]);
        let low_bytes = |n: usize| v[..n].iter().rev().fold(0, |acc, &byte| acc << 8 | byte);
        let old = low_bytes(op.result_bytes());
        let sgn = op.sign_extends() && old >> (8 * op.size - 1) & 1 == 1;
        let success = op.kind == Kind::Sc && window[1] == addr + 1;
        let result = match op.kind {
            Kind::Sc => u64::from(!success),
            _ if sgn => old | op.sign_fill(),
            _ => old,
        };
        // The written value: every byte of it, though only `write_bytes` are stored.
        let written = match op.kind {
            Kind::Store | Kind::Amo(None) => data,
            Kind::Sc if success => data,
            Kind::Sc => low_bytes(8),
            Kind::Amo(Some(alu_op)) => {
                let event = AluEvent::new(alu_op, result, data);
                alu.push(event);
                event.c
            }
            Kind::Load { .. } | Kind::Lr => 0,
        };
        let x = written.to_le_bytes().map(u64::from);
        let wbytes = if op.kind == Kind::Sc && !success { 0 } else { op.write_bytes() };
        let mut new_bytes = b.clone();
        new_bytes[o..o + wbytes].copy_from_slice(&x[..wbytes]);
        let new_word = |i: usize| new_bytes[8 * i..8 * i + 8].iter().rev().fold(0, |acc, &byte| acc << 8 | byte);

        let acc0 = tracker.write(word, new_word(0), ts::at(clk, ts::MEM0), lookups);
        let acc1 = match op.kind {
            _ if span => Some(tracker.write(word + 1, new_word(1), ts::at(clk, ts::MEM1), lookups)),
            Kind::Lr => Some(tracker.write(cell::RESERVATION, addr + 1, ts::at(clk, ts::RESERVATION), lookups)),
            Kind::Sc => Some(tracker.write(cell::RESERVATION, 0, ts::at(clk, ts::RESERVATION), lookups)),
            _ => None,
        };

        lookups.range32(word);
        for pair in b.chunks(2).chain(x.chunks(2)) {
            lookups.byte_pair(pair[0], pair[1]);
        }
        let top = if op.sign_extends() { v[op.size - 1] } else { 0 };
        let sign_check = 2 * (top - 128 * u64::from(sgn));
        lookups.byte_pair(sign_check, 0);

        let f = Val::from_u64;
        let mismatch = f(window[1]) - f(addr + 1);
        let mut cols = Cols::read(&[Val::ZERO; WIDTH]);
        cols.clk = [f(clk)];
        cols.data = limbs(data).map(f);
        cols.flags[op.op.id() as usize - 1] = Val::ONE;
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
        if op.kind == Kind::Sc {
            cols.inv = [mismatch.try_inverse().unwrap_or(Val::ZERO)];
            cols.success = [Val::from_bool(success)];
        }
        if op.alu_op().is_some() {
            cols.alu_hi = [f(written >> 32)];
        }
        let start = self.rows.len();
        self.rows.resize(start + WIDTH, Val::ZERO);
        cols.write(&mut self.rows[start..]);
        result
    }

    /// The table's trace, padded to a power of two ≥ 2 with rows that put nothing on
    /// the bus (no flag set, offset 0).
    pub fn trace(self) -> RowMajorMatrix<Val> {
        let mut rows = self.rows;
        let height = (rows.len() / WIDTH).next_power_of_two().max(2);
        let mut padding = vec![Val::ZERO; WIDTH];
        let mut cols = Cols::read(&padding);
        cols.s[0] = Val::ONE;
        cols.write(&mut padding);
        while rows.len() < height * WIDTH {
            rows.extend_from_slice(&padding);
        }
        RowMajorMatrix::new(rows, WIDTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_are_listed_in_id_order() {
        for (i, op) in OPS.iter().enumerate() {
            assert_eq!(op.op.id(), i as u64 + 1, "{:?}", op.op);
        }
        assert_eq!(WIDTH, 92);
    }
}
