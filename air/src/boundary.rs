//! The boundary table: one row per cell a segment touches, joining the segment's local
//! memory tokens to the global bus.
//!
//! A row receives the cell's value from [`GLOBAL_MEMORY`] as `(cell, in, in_segment)`,
//! left by the segment that last touched it (or by the initial memory, segment 0), and
//! sends it into the segment as the time-0 token `(segment, cell, in, 0)`; it receives
//! the cell's last token `(segment, cell, out, out_time)` and sends `(cell, out, segment)`
//! back to the global bus, where `segment` is this segment's number (public value 0).
//!
//! `in_segment < segment` (a 16-bit range check of `segment − in_segment − 1`) makes the
//! global chain of each cell run forward through the segments: without it a segment
//! could import a value a *later* segment exports, and two segments could trade values
//! in a cycle, reading writes from the future.
//!
//! Columns: 9. Interactions per row: 5.

use crate::bus::{GLOBAL_MEMORY, MEMORY, RANGE16};
use crate::bytes::Lookups;
use crate::gadgets::CellSpan;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName, Val};

const IS_REAL: usize = 0;
const CELL: usize = 1;
const IN: usize = 2;
const IN_SEGMENT: usize = 4;
const GAP: usize = 5;
const OUT: usize = 6;
const OUT_TIME: usize = 8;
const WIDTH: usize = 9;

/// The boundary table.
#[derive(Clone, Copy, Debug, Default)]
pub struct BoundaryTable;

/// One row: a cell's life in the segment and where its value came from.
#[derive(Clone, Copy, Debug)]
pub struct BoundaryRow {
    pub span: CellSpan,
    /// The number of the segment that left the imported value (0: initial memory).
    pub in_segment: u64,
}

impl BoundaryTable {
    /// The trace of segment number `segment`.
    pub fn trace(rows: &[BoundaryRow], segment: u64, lookups: &mut Lookups) -> RowMajorMatrix<Val> {
        let height = rows.len().next_power_of_two().max(2);
        let mut values = vec![Val::ZERO; height * WIDTH];
        for (row, r) in values.chunks_exact_mut(WIDTH).zip(rows) {
            let gap = segment - r.in_segment - 1;
            lookups.range16(gap);
            let [in_lo, in_hi] = crate::bus::limbs(r.span.first);
            let [out_lo, out_hi] = crate::bus::limbs(r.span.last);
            row.copy_from_slice(
                &[1, r.span.cell, in_lo, in_hi, r.in_segment, gap, out_lo, out_hi, r.span.last_time].map(Val::from_u64),
            );
        }
        RowMajorMatrix::new(values, WIDTH)
    }
}

impl TableName for BoundaryTable {
    fn name(&self) -> String {
        "boundary".into()
    }
}

impl BaseAir<Val> for BoundaryTable {
    fn width(&self) -> usize {
        WIDTH
    }

    fn num_public_values(&self) -> usize {
        crate::segment::PUBLIC_VALUES
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for BoundaryTable {
    fn eval(&self, builder: &mut AB) {
        let segment = crate::segment::number(builder);
        let local: Vec<AB::Expr> = builder.main().current_slice().iter().map(|&v| v.into()).collect();
        let c = |i: usize| local[i].clone();
        let is_real = c(IS_REAL);
        builder.assert_bool(is_real.clone());
        builder.assert_zero(is_real.clone() * (segment.clone() - c(IN_SEGMENT) - AB::Expr::ONE - c(GAP)));
        builder.send(RANGE16, [c(GAP)], is_real.clone());
        builder.receive(GLOBAL_MEMORY, [c(CELL), c(IN), c(IN + 1), c(IN_SEGMENT)], is_real.clone());
        builder.send(MEMORY, [segment.clone(), c(CELL), c(IN), c(IN + 1), AB::Expr::ZERO], is_real.clone());
        builder.receive(MEMORY, [segment.clone(), c(CELL), c(OUT), c(OUT + 1), c(OUT_TIME)], is_real.clone());
        builder.send(GLOBAL_MEMORY, [c(CELL), c(OUT), c(OUT + 1), segment], is_real);
    }
}
