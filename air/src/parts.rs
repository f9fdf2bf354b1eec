//! Tables of independent rows proved as several parts of power-of-two heights.
//!
//! A trace's height must be a power of two, so a table of `n` rows pays for the next
//! power of two: on the sha256 and keccak examples the logic table fills 51–54% of its
//! height, memop 62–87%, the add/sub table 53%. Every padding row is committed, hashed,
//! extended and constrained like a real one.
//!
//! The ALU, mul/div, memop and word tables never look at the next row: each row satisfies its
//! table's constraints on its own and talks to the bus on its own. So such a table can
//! be proved as [`PARTS`] tables with the same AIR, whose rows together are the table's
//! rows: the bus sees the same messages, and a proof of the parts is a proof of one table
//! holding their rows one after the other (padding rows included, which put nothing on
//! the bus). No soundness argument changes; the parts are just more tables.
//!
//! The heights come from [`part_heights`]: the largest power of two that fits the rows
//! left, for every part but the last, which rounds up. With two parts a table pays at
//! most a quarter of its height in padding instead of a half (71 255 logic rows:
//! 65 536 + 8 192 instead of 131 072). The price is per part, not per row: each part is
//! a separate matrix in every commitment, so its row is opened at every FRI query (its
//! width in proof bytes) and its constraints are checked once more by the verifier; a
//! part with nothing to do has 2 rows. Measured on sha256 (2^18-step segments): two parts
//! commit 14% fewer cells than one and make the proof ~35% larger; three parts save 4%
//! more cells for another ~35% of proof size, so the default is two.
//!
use crate::Val;
use p3_matrix::dense::RowMajorMatrix;

/// How many parts each table of independent rows is proved as.
pub const PARTS: usize = 2;

/// The smallest trace height (the prover needs a next row).
const MIN_HEIGHT: usize = 2;

/// The heights of `parts` traces holding `rows` rows: greedily the largest power of two
/// ≤ the rows left (at least `MIN_HEIGHT`), the last part rounded up to a power of two.
/// Their sum is `rows` rounded up at the granularity of the last part.
pub fn part_heights(rows: usize, parts: usize) -> Vec<usize> {
    assert!(parts > 0, "a table has at least one part");
    let mut left = rows;
    let mut heights = Vec::with_capacity(parts);
    for _ in 1..parts {
        let h = if left == 0 { MIN_HEIGHT } else { (1 << left.ilog2()).max(MIN_HEIGHT) };
        left = left.saturating_sub(h);
        heights.push(h);
    }
    heights.push(left.next_power_of_two().max(MIN_HEIGHT));
    heights
}

/// A table's rows before padding, with the row that pads it (a row that satisfies the
/// table's constraints and puts nothing on the bus).
pub struct Rows {
    values: Vec<Val>,
    width: usize,
    padding: Vec<Val>,
}

impl Rows {
    /// `values` holds whole rows of `padding.len()` values each.
    pub fn new(values: Vec<Val>, padding: Vec<Val>) -> Self {
        let width = padding.len();
        assert!(width > 0 && values.len().is_multiple_of(width), "rows of width {width} in {} values", values.len());
        Rows { values, width, padding }
    }

    /// The rows as one trace, padded to a power of two.
    pub fn into_trace(self) -> RowMajorMatrix<Val> {
        self.into_parts(1).pop().expect("one part")
    }

    /// The rows as `parts` traces of the heights [`part_heights`] gives, in order.
    pub fn into_parts(self, parts: usize) -> Vec<RowMajorMatrix<Val>> {
        let Rows { mut values, width, padding } = self;
        let heights = part_heights(values.len() / width, parts);
        let mut traces = Vec::with_capacity(parts);
        // Split from the back, so that each split moves only the rows after it.
        let mut starts: Vec<usize> =
            heights.iter().scan(0, |start, h| Some(std::mem::replace(start, *start + h))).collect();
        starts.reverse();
        for (start, height) in starts.into_iter().zip(heights.iter().rev()) {
            let mut part = values.split_off((start * width).min(values.len()));
            part.reserve_exact(height * width - part.len());
            while part.len() < height * width {
                part.extend_from_slice(&padding);
            }
            traces.push(RowMajorMatrix::new(part, width));
        }
        traces.reverse();
        traces
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p3_field::PrimeCharacteristicRing;

    #[test]
    fn heights_cover_the_rows_with_little_padding() {
        assert_eq!(part_heights(71_255, 3), vec![65_536, 4_096, 2_048]);
        assert_eq!(part_heights(71_255, 1), vec![131_072]);
        assert_eq!(part_heights(0, 3), vec![2, 2, 2]);
        assert_eq!(part_heights(1, 3), vec![2, 2, 2]);
        assert_eq!(part_heights(3, 2), vec![2, 2]);
        assert_eq!(part_heights(65_536, 3), vec![65_536, 2, 2]);
        assert_eq!(part_heights(65_535, 3), vec![32_768, 16_384, 16_384]);
        for rows in (0..5_000).chain([1 << 20, (1 << 20) + 1, 3 << 19]) {
            for parts in 1..=4 {
                let heights = part_heights(rows, parts);
                assert_eq!(heights.len(), parts);
                assert!(heights.iter().all(|h| h.is_power_of_two() && *h >= MIN_HEIGHT));
                let total: usize = heights.iter().sum();
                assert!(total >= rows, "{rows} rows in {heights:?}");
                // Never more than one table would pay.
                assert!(total <= rows.next_power_of_two().max(MIN_HEIGHT) + MIN_HEIGHT * (parts - 1));
            }
        }
    }

    #[test]
    fn parts_hold_the_rows_in_order_then_padding() {
        let width = 3;
        for n in [0, 1, 5, 8, 13, 64] {
            let values: Vec<Val> = (0..n * width).map(|i| Val::from_usize(i + 1)).collect();
            let padding = vec![Val::ZERO, Val::ONE, Val::ZERO];
            let parts = Rows::new(values.clone(), padding.clone()).into_parts(3);
            let heights: Vec<usize> = parts.iter().map(|p| p.values.len() / width).collect();
            assert_eq!(heights, part_heights(n, 3));
            let mut real = Vec::new();
            for p in &parts {
                let rows: Vec<&[Val]> = p.values.chunks(width).collect();
                let cut = rows.iter().position(|r| *r == padding.as_slice()).unwrap_or(rows.len());
                assert!(rows[cut..].iter().all(|r| *r == padding.as_slice()));
                real.extend(rows[..cut].iter().flat_map(|r| r.iter().copied()));
            }
            assert_eq!(real, values);
        }
    }
}
