//! Constraint gadgets shared by the tables, each with its witness side: the lookups on
//! the local lookup buses with the segment number ([`range16`], [`byte_pair`],
//! [`logic`]), the range gadgets below, and the memory access (one token in, one token
//! out, ordered times), together with [`MemoryTracker`], which knows every cell's
//! current value and time while a segment's witness is generated.
//!
//! # Range gadgets (`PORT31.md` §2.4)
//!
//! In KoalaBear (`p = 2^31 − 2^24 + 1`) a value built from two 16-bit halves ranges over
//! every residue, so it bounds nothing; these do, each being an integer bound whose
//! width is below `p`:
//! * [`range16`]: `x ∈ [0, 2^16)`.
//! * [`window14`]: `v = d0 + 2^14·d1` with both range-checked proves
//!   `v ∈ [0, 2^16 + 2^14·(2^16 − 1)] ⊂ [0, 2^30 + 2^16)` (as an integer read of the
//!   expression; `d1` need not be an integer for this). It bounds differences of cells
//!   and times: for `a, b < 2^29 + 128`, a negative `b − a − 1` has a residue above
//!   `p − 2^29 − 128 > 2^30 + 2^16`, outside the window. [`window14_transition`] puts
//!   its constraint under the transition selector, for differences with the next row.
//! * [`bound`]: `x < M` for `M = 2^n`, `n ≤ 16`, by `x` and `M − 1 − x` both in RANGE16.
//!   (Scaling `x` by `2^(16−n)` into one lookup is not enough: `65 025·2^15 ≡ 32 767`.)
//! * [`small14`]: for an integer `x < 2^16` (a range-checked or trusted limb),
//!   RANGE16(`4x`) proves `x < 2^14`.
//! * [`sign16`]: `s` is bit 15 of a limb `t < 2^16`: `s` boolean and
//!   `2t − 2^16·s ∈ [0, 2^16)` (an integer in `(−2^16, 2^17)`, so exact).
//! * [`Access`]/[`access`]: a memory access with four-limb values and a [`window14`]
//!   time gap (times are below `2^27`, `crate::bus::ts::MAX_ROWS`).
//!
//! Witness code converts through [`to_val`] and [`limb_vals`], which refuse values
//! that are not canonical field elements (`Val::from_u64` would reduce silently).

use crate::bus::{BYTE_PAIR, LOGIC, MEMORY, RANGE16};
use crate::bytes::Lookups;
use crate::segment;
use crate::Val;
use p3_air::AirBuilder;
use p3_field::{PrimeCharacteristicRing, PrimeField64};
use std::collections::HashMap;
use ziskjit_prover::BusBuilder;

/// `x` as a field element; panics unless `x` is canonical (below the field's order):
/// the witness generator has a bug.
pub fn to_val(x: u64) -> Val {
    assert!(x < Val::ORDER_U64, "{x:#x} is not a canonical field element");
    Val::from_u64(x)
}

/// The four 16-bit limbs of a 64-bit value as field elements ([`crate::bus::limbs`]).
pub fn limb_vals(value: u64) -> [Val; 4] {
    crate::bus::limbs(value).map(Val::from_u64)
}

/// `2^14` as a field constant.
fn two14<E: PrimeCharacteristicRing>() -> E {
    E::from_u32(1 << 14)
}

/// Sends `(segment, x)` on [`RANGE16`]: `x < 2^16` whenever `enabled` (the multiplicity)
/// is non-zero. Report it with [`Lookups::range16`].
pub fn range16<AB: BusBuilder>(builder: &mut AB, x: impl Into<AB::Expr>, enabled: impl Into<AB::Expr>) {
    segment::send(builder, RANGE16, [x.into()], enabled);
}

/// Sends `(segment, a, b)` on [`BYTE_PAIR`]: `a, b < 2^8`. Report it with
/// [`Lookups::byte_pair`].
pub fn byte_pair<AB: BusBuilder>(
    builder: &mut AB,
    a: impl Into<AB::Expr>,
    b: impl Into<AB::Expr>,
    enabled: impl Into<AB::Expr>,
) {
    segment::send(builder, BYTE_PAIR, [a.into(), b.into()], enabled);
}

/// Sends `(segment, a, b, and, or, xor)` on [`LOGIC`] for bytes `a, b`. Report it with
/// [`Lookups::logic`].
pub fn logic<AB: BusBuilder>(builder: &mut AB, row: [AB::Expr; 5], enabled: impl Into<AB::Expr>) {
    segment::send(builder, LOGIC, row, enabled);
}

/// `value = d[0] + 2^14·d[1]` with both in RANGE16, when `enabled` is 1: `value` lies in
/// `[0, 2^30 + 2^16)` (see the module docs). The constraint is `enabled·(…) = 0`, so its
/// degree is one more than `value`'s. Witness: [`window14_cols`].
pub fn window14<AB: BusBuilder>(builder: &mut AB, value: AB::Expr, d: [AB::Expr; 2], enabled: AB::Expr) {
    window14_when(builder, value, d, enabled, false);
}

/// [`window14`] with its constraint on transition rows only
/// (`is_transition·enabled·(…) = 0`, one degree more), for a `value` that reads the next
/// row, which on the last row is row 0. The lookups are sent whenever `enabled` is 1,
/// the last row included.
pub fn window14_transition<AB: BusBuilder>(builder: &mut AB, value: AB::Expr, d: [AB::Expr; 2], enabled: AB::Expr) {
    window14_when(builder, value, d, enabled, true);
}

fn window14_when<AB: BusBuilder>(
    builder: &mut AB,
    value: AB::Expr,
    d: [AB::Expr; 2],
    enabled: AB::Expr,
    transition: bool,
) {
    let [d0, d1] = d;
    let split = enabled.clone() * (value - d0.clone() - d1.clone() * two14::<AB::Expr>());
    match transition {
        true => builder.when_transition().assert_zero(split),
        false => builder.assert_zero(split),
    }
    range16(builder, d0, enabled.clone());
    range16(builder, d1, enabled);
}

/// The split `[v mod 2^14, v >> 14]` of [`window14`] for `v < 2^30`.
pub fn window14_split(v: u64) -> [u64; 2] {
    assert!(v < 1 << 30, "window14 of {v:#x}");
    [v & 0x3fff, v >> 14]
}

/// The two witness columns of [`window14`] for `v < 2^30`, reporting the lookups.
pub fn window14_cols(v: u64, lookups: &mut Lookups) -> [Val; 2] {
    lookups.window14(v);
    window14_split(v).map(Val::from_u64)
}

/// `x < M` where `M = 2^n` (`n ≤ 16`; `M` may be a column): `x` and `M − 1 − x` in
/// RANGE16. Report it with [`Lookups::bound`].
pub fn bound<AB: BusBuilder>(builder: &mut AB, x: AB::Expr, m: AB::Expr, enabled: AB::Expr) {
    range16(builder, x.clone(), enabled.clone());
    range16(builder, m - AB::Expr::ONE - x, enabled);
}

/// For `x` an integer below `2^16`, `x < 2^14`: RANGE16(`4x`). Report it with
/// [`Lookups::small14`].
pub fn small14<AB: BusBuilder>(builder: &mut AB, x: AB::Expr, enabled: AB::Expr) {
    range16(builder, x * AB::Expr::from_u32(4), enabled);
}

/// `s` is bit 15 of the limb `t < 2^16`: `s` boolean and `2t − 2^16·s` in RANGE16.
/// Witness: [`sign16_col`].
pub fn sign16<AB: BusBuilder>(builder: &mut AB, t: AB::Expr, s: AB::Expr, enabled: AB::Expr) {
    builder.assert_bool(s.clone());
    range16(builder, sign_check(&t, &s, 16), enabled);
}

/// `2t − 2^bits·sign`, the value [`sign16`] looks up (`bits = 16`): in `[0, 2^bits)`
/// iff `sign` is the top bit of `t < 2^bits` (`sign` boolean; an integer in
/// `(−2^bits, 2^(bits+1))`, exact). Over any ring, for tables that write a row once for
/// the AIR and the witness (the mul/div tables, which also check bytes with `bits = 8`
/// in a BYTE_PAIR slot).
pub fn sign_check<E: PrimeCharacteristicRing>(t: &E, sign: &E, bits: u32) -> E {
    t.double() - sign.clone() * E::from_u32(1 << bits)
}

/// The sign column of [`sign16`] for the limb `t < 2^16`, reporting the lookup.
pub fn sign16_col(t: u64, lookups: &mut Lookups) -> Val {
    assert!(t < 1 << 16, "sign16 of {t:#x}");
    let s = t >> 15;
    lookups.range16(2 * t - (s << 16));
    Val::from_u64(s)
}

/// `2^16` as a field constant.
pub fn two16<E: PrimeCharacteristicRing>() -> E {
    E::from_u32(1 << 16)
}

/// A memory access ([`access`]): receives `(segment, cell, prev, prev_time)`,
/// sends `(segment, cell, value, time)`, and proves `prev_time < time` by
/// `time − prev_time − 1 = gap[0] + 2^14·gap[1]` ([`window14`]: the times are below
/// `2^27`, so a negative difference has a residue outside the window). For a read pass
/// the same expressions as `prev` and `value`. Witness columns: `prev_time`, `gap` (two),
/// and for writes `prev` (four limbs): fill them from [`AccessWitness::time_cols`] and
/// [`AccessWitness::prev_limbs`].
pub struct Access<E> {
    pub cell: E,
    pub prev: [E; 4],
    pub value: [E; 4],
    pub prev_time: E,
    pub time: E,
    pub gap: [E; 2],
    /// 1 if the access happens on this row, 0 if not (then nothing is sent or checked).
    pub enabled: E,
}

/// Puts an access on the bus (see [`Access`]).
pub fn access<AB: BusBuilder>(builder: &mut AB, a: Access<AB::Expr>) {
    let received = [a.cell.clone()].into_iter().chain(a.prev).chain([a.prev_time.clone()]);
    segment::receive(builder, MEMORY, received, a.enabled.clone());
    let sent = [a.cell].into_iter().chain(a.value).chain([a.time.clone()]);
    segment::send(builder, MEMORY, sent, a.enabled.clone());
    window14(builder, a.time - a.prev_time - AB::Expr::ONE, a.gap, a.enabled);
}

/// What the witness of one access needs besides the access itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessWitness {
    /// The value before the access.
    pub prev: u64,
    /// The time of the previous access (0: the segment's import).
    pub prev_time: u64,
    /// `time − prev_time − 1` split as [`window14`] takes it.
    pub diff: [u64; 2],
}

impl AccessWitness {
    /// `[prev_time, diff_low, diff_high]` as field elements.
    pub fn time_cols(&self) -> [Val; 3] {
        [self.prev_time, self.diff[0], self.diff[1]].map(Val::from_u64)
    }

    /// The four limbs of the value before the access.
    pub fn prev_limbs(&self) -> [Val; 4] {
        limb_vals(self.prev)
    }
}

/// One cell's life inside a segment, for the boundary table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellSpan {
    pub cell: u64,
    /// The value imported at time 0.
    pub first: u64,
    /// The value and time of the last access.
    pub last: u64,
    pub last_time: u64,
}

/// The current value and time of every cell a segment has touched, in witness
/// generation. Cells not yet touched are imported with the value `import(cell)` gives
/// (what the previous segments left there, or the initial memory).
pub struct MemoryTracker<'a> {
    import: &'a dyn Fn(u64) -> u64,
    cells: HashMap<u64, CellState>,
}

#[derive(Clone, Copy)]
struct CellState {
    first: u64,
    value: u64,
    time: u64,
}

impl<'a> MemoryTracker<'a> {
    /// A tracker for a segment whose cells start with the values `import` gives.
    pub fn new(import: &'a dyn Fn(u64) -> u64) -> Self {
        Self { import, cells: HashMap::new() }
    }

    /// The current value of `cell` (without accessing it).
    pub fn peek(&self, cell: u64) -> u64 {
        self.cells.get(&cell).map_or_else(|| (self.import)(cell), |s| s.value)
    }

    /// Reads `cell` at `time`; the value read is `AccessWitness::prev`.
    pub fn read(&mut self, cell: u64, time: u64, lookups: &mut Lookups) -> AccessWitness {
        let value = self.peek(cell);
        self.write(cell, value, time, lookups)
    }

    /// Writes `value` to `cell` at `time`.
    pub fn write(&mut self, cell: u64, value: u64, time: u64, lookups: &mut Lookups) -> AccessWitness {
        let import = self.import;
        let state = self.cells.entry(cell).or_insert_with(|| {
            let v = import(cell);
            CellState { first: v, value: v, time: 0 }
        });
        assert!(time > state.time, "cell {cell:#x} accessed at time {time} after time {}", state.time);
        let gap = time - state.time - 1;
        lookups.window14(gap);
        let witness = AccessWitness { prev: state.value, prev_time: state.time, diff: window14_split(gap) };
        state.value = value;
        state.time = time;
        witness
    }

    /// Every cell touched, sorted by cell.
    pub fn spans(&self) -> Vec<CellSpan> {
        let mut spans: Vec<CellSpan> = self
            .cells
            .iter()
            .map(|(&cell, s)| CellSpan { cell, first: s.first, last: s.value, last_time: s.time })
            .collect();
        spans.sort_unstable_by_key(|s| s.cell);
        spans
    }
}
