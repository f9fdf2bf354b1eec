//! The final memory table, active only in the memory segment (the last one): one row
//! per cell the run touched or the ELF initialises, sorted by cell.
//!
//! A row creates its cell's initial token `(cell, 0, 0, 0, 0, segment 0)` on
//! [`GLOBAL_MEMORY`] unless `is_image` (then the statement sends the ELF's value
//! instead), and consumes the cell's final token `(cell, final, final_segment)`, `final`
//! four 16-bit limbs (`PORT31.md` §2.2; GLOBAL_MEMORY is global, untagged). The limbs of
//! `final` come from a token, so they are not range-checked here.
//!
//! ## Why this pins the initial memory to the ELF image
//! Tokens of a cell are conserved: every access and every boundary row consumes one and
//! produces one, so the number of tokens a cell ever has equals the number of its
//! creations (statement + rows with `is_image = 0`) and must equal the number of final
//! rows of the cell. Cells strictly increase down the table, so each cell has at most
//! one row: exactly one token per cell, the image's value for an image cell (a row
//! claiming `is_image = 0` for it would make a second token with no row left to consume
//! it), zero for every other cell. The table is restricted to the memory segment (public
//! value `is_memory`), else rows in several segments could create a cell twice.
//!
//! ## The ordering, for a 31-bit `p`
//! A real row's cell is bounded: `cell = w_0 + 2^13·w_1` with both in RANGE16, so
//! `cell ∈ [0, 2^29 + 2^16)` as an integer (every cell is below `2^29 + 64`:
//! `bus::cell::RESERVATION`). The bound is not implied by the tokens: a row with
//! `is_image = 0` creates the token it consumes, for any `cell`, and over a 31-bit field
//! two unbounded steps go round the field (`C → C + (p + 1)/2 → C`, each step within the
//! gap window below), which would give a real cell two rows, hence two tokens.
//!
//! Cells strictly increase: `cell' − cell − 1 = gap_0 + 2^14·gap_1` with both in RANGE16
//! (a [`window14_transition`](crate::gadgets::window14_transition): the last row's
//! successor is row 0) puts `cell' − cell − 1` in
//! `[0, 2^30 + 2^16)` as a residue. As an integer it lies in `(−2^29 − 2^16 − 1, 2^29 +
//! 2^16)`; a negative one has a residue above `p − 2^29 − 2^16 − 1 = 1 593 769 984`,
//! outside the window (`< 1 073 807 360`), so it is `≥ 0` (`PORT31.md` §2.4).
//!
//! Columns: 12. Interactions per row: 6 (6 LogUp columns: a table of degree 2 batches
//! one interaction per column).

use crate::bus::GLOBAL_MEMORY;
use crate::bytes::Lookups;
use crate::gadgets::{limb_vals, range16, to_val, window14_split, window14_transition};
use crate::Val;
use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName};

/// Column of the real-row flag.
pub const IS_REAL: usize = 0;
/// Column of the cell.
pub const CELL: usize = 1;
/// Column of the flag "the statement sends the initial value".
pub const IS_IMAGE: usize = 2;
/// First of the four limbs of the final value.
pub const FINAL: usize = 3;
/// Column of the segment that left the final value.
pub const FINAL_SEGMENT: usize = 7;
/// The two columns of the window of `cell' − cell − 1`.
pub const GAP: usize = 8;
/// The two columns of the cell's bound `cell = w_0 + 2^13·w_1`.
pub const BOUND: usize = 10;
/// Columns of the table.
pub const WIDTH: usize = 12;

/// The split `[w_0, w_1]` of `cell = w_0 + 2^13·w_1` with both below `2^16` (for
/// `cell < 2^29 + 2^16 − 2^13`: `w_1` is `cell >> 13` capped at `2^16 − 1`).
fn bound_split(cell: u64) -> [u64; 2] {
    let high = (cell >> 13).min(0xffff);
    let low = cell - (high << 13);
    assert!(low < 1 << 16, "cell {cell:#x} beyond the final memory's bound");
    [low, high]
}

/// One cell's end of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FinalCell {
    pub cell: u64,
    /// Whether the statement sends its initial value (an ELF image word, or `sp`).
    pub is_image: bool,
    pub value: u64,
    /// The number of the segment that touched it last (0: never touched).
    pub segment: u64,
}

/// The final memory table.
#[derive(Clone, Copy, Debug, Default)]
pub struct FinalMemoryTable;

impl FinalMemoryTable {
    /// The trace for `cells` (sorted by cell, distinct).
    pub fn trace(cells: &[FinalCell], lookups: &mut Lookups) -> RowMajorMatrix<Val> {
        let height = cells.len().next_power_of_two().max(2);
        let mut values = vec![Val::ZERO; height * WIDTH];
        for (i, (row, c)) in values.chunks_exact_mut(WIDTH).zip(cells).enumerate() {
            row[IS_REAL] = Val::ONE;
            row[CELL] = to_val(c.cell);
            row[IS_IMAGE] = Val::from_bool(c.is_image);
            row[FINAL..FINAL + 4].copy_from_slice(&limb_vals(c.value));
            row[FINAL_SEGMENT] = to_val(c.segment);
            // The gap to the next row when that is real; 0 before padding and on the
            // last row (whose successor is row 0, unconstrained).
            let gap = cells.get(i + 1).map_or(0, |next| next.cell - c.cell - 1);
            row[GAP..GAP + 2].copy_from_slice(&window14_split(gap).map(Val::from_u64));
            let bound = bound_split(c.cell);
            bound.into_iter().for_each(|w| lookups.range16(w));
            row[BOUND..BOUND + 2].copy_from_slice(&bound.map(Val::from_u64));
        }
        // Row r range-checks its gap columns iff row r + 1 (cyclically) is real.
        for r in 0..height {
            if (r + 1) % height < cells.len() {
                let gap = cells.get(r + 1).map_or(0, |next| next.cell - cells[r].cell - 1);
                lookups.window14(gap);
            }
        }
        RowMajorMatrix::new(values, WIDTH)
    }
}

impl TableName for FinalMemoryTable {
    fn name(&self) -> String {
        "final-memory".into()
    }
}

impl BaseAir<Val> for FinalMemoryTable {
    fn width(&self) -> usize {
        WIDTH
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for FinalMemoryTable {
    fn eval(&self, builder: &mut AB) {
        let is_memory: AB::Expr = builder.public_values()[crate::segment::IS_MEMORY].into();
        let main = builder.main();
        let local: Vec<AB::Expr> = main.current_slice().iter().map(|&v| v.into()).collect();
        let next: Vec<AB::Expr> = main.next_slice().iter().map(|&v| v.into()).collect();
        let c = |i: usize| local[i].clone();
        let (is_real, is_image) = (c(IS_REAL), c(IS_IMAGE));
        builder.assert_bool(is_real.clone());
        builder.assert_bool(is_image.clone());
        builder.assert_zero(is_image.clone() * (AB::Expr::ONE - is_real.clone()));
        builder.assert_zero(is_real.clone() * (AB::Expr::ONE - is_memory));
        // cell = w_0 + 2^13·w_1 < 2^29 + 2^16 on real rows (see the module docs).
        builder.assert_zero(is_real.clone() * (c(CELL) - c(BOUND) - c(BOUND + 1) * AB::Expr::from_u32(1 << 13)));
        range16(builder, c(BOUND), is_real.clone());
        range16(builder, c(BOUND + 1), is_real.clone());
        let next_real = next[IS_REAL].clone();
        // Real rows first; then cell' − cell − 1 = gap_0 + 2^14·gap_1 before a real row
        // (the window14 of the module docs). On the last row the successor is row 0: its
        // gap is not constrained, and the range checks of zeros there are harmless.
        builder.when_transition().assert_zero((AB::Expr::ONE - is_real.clone()) * next_real.clone());
        let gap = next[CELL].clone() - c(CELL) - AB::Expr::ONE;
        window14_transition(builder, gap, [c(GAP), c(GAP + 1)], next_real);
        let zero = || AB::Expr::ZERO;
        let created = [c(CELL), zero(), zero(), zero(), zero(), zero()];
        builder.send(GLOBAL_MEMORY, created, is_real.clone() - is_image);
        let last = [vec![c(CELL)], local[FINAL..FINAL + 4].to_vec(), vec![c(FINAL_SEGMENT)]].concat();
        builder.receive(GLOBAL_MEMORY, last, is_real);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziskjit_prover::symbolic::TableAnalysis;

    /// The module docs' counts.
    #[test]
    fn the_docs_count_columns_and_interactions() {
        let analysis = TableAnalysis::of(&FinalMemoryTable, crate::segment::PUBLIC_VALUES);
        assert_eq!((WIDTH, analysis.interactions.len(), analysis.num_logup_columns()), (12, 6, 6));
    }
}
