//! The boundary table: one row per cell a segment touches, joining the segment's local
//! memory tokens to the global bus.
//!
//! A row receives the cell's value from [`GLOBAL_MEMORY`] as `(cell, in, in_segment)`,
//! left by the segment that last touched it (or by the initial memory, segment 0), and
//! sends it into the segment as the time-0 token `(segment, cell, in, 0)` on [`MEMORY`];
//! it receives the cell's last token `(segment, cell, out, out_time)` and sends `(cell,
//! out, segment)` back to the global bus, where `segment` is this segment's number
//! (public value [`crate::segment::NUMBER`]). Values are four 16-bit limbs (`PORT31.md`
//! §2.2); GLOBAL_MEMORY is global (untagged: its tuples name their segment), MEMORY is
//! local (the segment number first, [`crate::segment::send`]).
//!
//! `in_segment < segment` ([`range16`] of `segment − in_segment − 1`) makes the global
//! chain of each cell run forward through the segments: without it a segment could
//! import a value a *later* segment exports, and two segments could trade values in a
//! cycle, reading writes from the future. Exact for a 31-bit `p`: `in_segment` comes from
//! a GLOBAL_MEMORY token, so it is 0 or the public number of a segment, `≤ 2^16` (the
//! verifier refuses more segments); `segment − in_segment − 1` is an integer in
//! `[−2^16 − 1, 2^16)`, and a negative one has a residue above `p − 2^16 − 2`, not in
//! `[0, 2^16)`.
//!
//! The limbs are not range-checked here: they come from tokens (the other segments'
//! boundary rows, the final memory table, the statement) and go to tokens, each created
//! with range-checked limbs.
//!
//! Columns: 12. Interactions per row: 5 (5 LogUp columns, one interaction each: the
//! tuples have degree 1 and the multiplicity `is_real`).

use crate::bus::{GLOBAL_MEMORY, MEMORY};
use crate::bytes::Lookups;
use crate::gadgets::{limb_vals, range16, to_val, CellSpan};
use crate::segment;
use crate::Val;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName};

/// Column of the real-row flag.
pub const IS_REAL: usize = 0;
/// Column of the cell.
pub const CELL: usize = 1;
/// First of the four limbs of the imported value.
pub const IN: usize = 2;
/// Column of the segment that left the imported value.
pub const IN_SEGMENT: usize = 6;
/// First of the four limbs of the exported value.
pub const OUT: usize = 7;
/// Column of the time of the cell's last access in the segment.
pub const OUT_TIME: usize = 11;
/// Columns of the table.
pub const WIDTH: usize = 12;

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
            assert!(r.in_segment < segment, "cell {:#x} imported from segment {}", r.span.cell, r.in_segment);
            lookups.range16(segment - r.in_segment - 1);
            row[IS_REAL] = Val::ONE;
            row[CELL] = to_val(r.span.cell);
            row[IN..IN + 4].copy_from_slice(&limb_vals(r.span.first));
            row[IN_SEGMENT] = to_val(r.in_segment);
            row[OUT..OUT + 4].copy_from_slice(&limb_vals(r.span.last));
            row[OUT_TIME] = to_val(r.span.last_time);
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
}

impl<AB: BusBuilder<F = Val>> Air<AB> for BoundaryTable {
    fn eval(&self, builder: &mut AB) {
        let number = segment::number(builder);
        let local: Vec<AB::Expr> = builder.main().current_slice().iter().map(|&v| v.into()).collect();
        let c = |i: usize| local[i].clone();
        let limbs = |at: usize| local[at..at + 4].to_vec();
        let is_real = c(IS_REAL);
        builder.assert_bool(is_real.clone());
        // in_segment < segment (see the module docs).
        range16(builder, number.clone() - c(IN_SEGMENT) - AB::Expr::ONE, is_real.clone());
        let import = [vec![c(CELL)], limbs(IN), vec![c(IN_SEGMENT)]].concat();
        builder.receive(GLOBAL_MEMORY, import, is_real.clone());
        let first = [vec![c(CELL)], limbs(IN), vec![AB::Expr::ZERO]].concat();
        segment::send(builder, MEMORY, first, is_real.clone());
        let last = [vec![c(CELL)], limbs(OUT), vec![c(OUT_TIME)]].concat();
        segment::receive(builder, MEMORY, last, is_real.clone());
        let export = [vec![c(CELL)], limbs(OUT), vec![number]].concat();
        builder.send(GLOBAL_MEMORY, export, is_real);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziskjit_prover::symbolic::TableAnalysis;

    /// The module docs' counts.
    #[test]
    fn the_docs_count_columns_and_interactions() {
        let analysis = TableAnalysis::of(&BoundaryTable, segment::PUBLIC_VALUES);
        assert_eq!((WIDTH, analysis.num_constraints, analysis.interactions.len()), (12, 1, 5));
        assert_eq!(analysis.num_logup_columns(), 5);
    }
}
