//! Constraint gadgets shared by the tables, each with its witness side: a 32-bit range
//! check, and the memory access (one token in, one token out, ordered times), together
//! with [`MemoryTracker`], which knows every cell's current value and time while a
//! segment's witness is generated.

use crate::bus::{MEMORY, RANGE16};
use crate::bytes::Lookups;
use p3_field::PrimeCharacteristicRing;
use std::collections::HashMap;
use ziskjit_prover::{BusBuilder, Val};

/// `2^16` as a field constant.
pub fn two16<E: PrimeCharacteristicRing>() -> E {
    E::from_u32(1 << 16)
}

/// Constrains `value = low + 2^16·high` with `low`, `high` range-checked to 16 bits, so
/// `value < 2^32`, whenever `enabled` is 1 (`enabled` is the lookups' multiplicity; with
/// `enabled = 0` nothing is checked). Two witness columns: fill them with [`range32_cols`].
pub fn range32<AB: BusBuilder>(builder: &mut AB, value: AB::Expr, low: AB::Expr, high: AB::Expr, enabled: AB::Expr) {
    builder.assert_zero(enabled.clone() * (value - low.clone() - high.clone() * two16::<AB::Expr>()));
    builder.send(RANGE16, [low], enabled.clone());
    builder.send(RANGE16, [high], enabled);
}

/// The two witness columns of [`range32`] for `value`, reporting the lookups.
pub fn range32_cols(value: u64, lookups: &mut Lookups) -> [Val; 2] {
    lookups.range32(value);
    crate::bus::halves16(value).map(Val::from_u64)
}

/// The expressions of one memory access, as a table lays them out.
///
/// The access receives the token `(segment, cell, prev, prev_time)` and sends `(segment,
/// cell, value, time)` (the segment number from the public values);
/// `time − prev_time − 1 = diff_low + 2^16·diff_high` with both halves range-checked
/// proves `prev_time < time ≤ prev_time + 2^32`. For a read, pass the
/// same expressions as `prev` and `value`. Witness columns a table needs: `prev_time`,
/// `diff_low`, `diff_high`, and for writes `prev` (two limbs); fill them from the
/// [`AccessWitness`] that [`MemoryTracker`] returns.
pub struct Access<E> {
    pub cell: E,
    pub prev: [E; 2],
    pub value: [E; 2],
    pub prev_time: E,
    pub time: E,
    pub diff_low: E,
    pub diff_high: E,
    /// 1 if the access happens on this row, 0 if not (then nothing is sent or checked).
    pub enabled: E,
}

/// Puts an access on the bus (see [`Access`]).
pub fn access<AB: BusBuilder>(builder: &mut AB, a: Access<AB::Expr>) {
    let segment = crate::segment::number(builder);
    let [prev_lo, prev_hi] = a.prev;
    let [lo, hi] = a.value;
    builder.receive(
        MEMORY,
        [segment.clone(), a.cell.clone(), prev_lo, prev_hi, a.prev_time.clone()],
        a.enabled.clone(),
    );
    builder.send(MEMORY, [segment, a.cell, lo, hi, a.time.clone()], a.enabled.clone());
    let gap = a.time - a.prev_time - AB::Expr::ONE;
    range32(builder, gap, a.diff_low, a.diff_high, a.enabled);
}

/// What the witness of one access needs besides the access itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessWitness {
    /// The value before the access.
    pub prev: u64,
    /// The time of the previous access (0: the segment's import).
    pub prev_time: u64,
    /// `time − prev_time − 1` split into 16-bit halves.
    pub diff: [u64; 2],
}

impl AccessWitness {
    /// `[prev_time, diff_low, diff_high]` as field elements.
    pub fn time_cols(&self) -> [Val; 3] {
        [self.prev_time, self.diff[0], self.diff[1]].map(Val::from_u64)
    }

    /// `[prev_lo, prev_hi]` as field elements.
    pub fn prev_cols(&self) -> [Val; 2] {
        crate::bus::limbs(self.prev).map(Val::from_u64)
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
        assert!(gap < 1 << 32, "cell {cell:#x}: time gap {gap} exceeds 2^32");
        lookups.range32(gap);
        let witness = AccessWitness { prev: state.value, prev_time: state.time, diff: crate::bus::halves16(gap) };
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
