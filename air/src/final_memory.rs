//! The final memory table, active only in the memory segment (the last one): one row
//! per cell the run touched or the ELF initialises, sorted by cell.
//!
//! A row creates its cell's initial token `(cell, 0, 0, segment 0)` on
//! [`GLOBAL_MEMORY`] unless `is_image` (then the statement sends the ELF's value
//! instead), and consumes the cell's final token `(cell, final, final_segment)`.
//!
//! ## Why this pins the initial memory to the ELF image
//! Tokens of a cell are conserved: every access and every boundary row consumes one and
//! produces one, so the number of tokens a cell ever has equals the number of its
//! creations (statement + rows with `is_image = 0`) and must equal the number of final
//! rows of the cell. Cells strictly increase down the table (`cell' − cell − 1` is
//! range-checked to 32 bits, and cells are < 2^30, so no wrap-around), so each cell has
//! at most one row: exactly one token per cell, the image's value for an image cell
//! (a row claiming `is_image = 0` for it would make a second token with no row left to
//! consume it), zero for every other cell. The table is restricted to the memory
//! segment (public value `is_memory`), else rows in several segments could create a
//! cell twice.
//!
//! Columns: 8. Interactions per row: 4.

use crate::bus::{GLOBAL_MEMORY, RANGE16};
use crate::bytes::Lookups;
use crate::gadgets::two16;
use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName, Val};

const IS_REAL: usize = 0;
const CELL: usize = 1;
const IS_IMAGE: usize = 2;
const FINAL: usize = 3;
const FINAL_SEGMENT: usize = 5;
const GAP: usize = 6;
const WIDTH: usize = 8;

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
            let [lo, hi] = crate::bus::limbs(c.value);
            // The gap to the next row when that is real; 0 before padding and on the
            // last row (whose successor is row 0, unconstrained).
            let gap = cells.get(i + 1).map_or(0, |next| next.cell - c.cell - 1);
            row.copy_from_slice(
                &[1, c.cell, u64::from(c.is_image), lo, hi, c.segment, gap & 0xffff, gap >> 16].map(Val::from_u64),
            );
        }
        // Row r range-checks its gap columns iff row r + 1 (cyclically) is real.
        for r in 0..height {
            if (r + 1) % height < cells.len() {
                let gap =
                    values[r * WIDTH + GAP].as_canonical_u64() + (values[r * WIDTH + GAP + 1].as_canonical_u64() << 16);
                lookups.range32(gap);
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

    fn num_public_values(&self) -> usize {
        crate::segment::PUBLIC_VALUES
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
        let next_real = next[IS_REAL].clone();
        let mut t = builder.when_transition();
        t.assert_zero((AB::Expr::ONE - is_real.clone()) * next_real.clone());
        t.assert_zero(
            next_real.clone()
                * (next[CELL].clone() - c(CELL) - AB::Expr::ONE - c(GAP) - c(GAP + 1) * two16::<AB::Expr>()),
        );
        // On the last row the successor is row 0: its gap is not constrained above, and
        // the range checks of zeros there are harmless.
        builder.send(RANGE16, [c(GAP)], next_real.clone());
        builder.send(RANGE16, [c(GAP + 1)], next_real);
        let zero = AB::Expr::ZERO;
        builder.send(GLOBAL_MEMORY, [c(CELL), zero.clone(), zero.clone(), zero], is_real.clone() - is_image);
        builder.receive(GLOBAL_MEMORY, [c(CELL), c(FINAL), c(FINAL + 1), c(FINAL_SEGMENT)], is_real);
    }
}
