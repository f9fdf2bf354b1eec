//! The bytes table: 2^16 preprocessed rows serving three lookups, and [`Lookups`], the
//! counter every witness generator reports its lookups to. Every segment holds the
//! table and serves its own lookups: the lookup buses are local (their tuples start with
//! the segment number, [`crate::bus::LOCAL_BUSES`]), so a segment's counts, and the
//! number of times any one tuple is looked up, stay far below the field's order.
//!
//! Row `r = 256·a + b` holds the fixed columns `(r, a, b, a AND b, a OR b, a XOR b)` and
//! three witness columns: how many times the segment looked up `r` on
//! [`RANGE16`], `(a, b)` on [`BYTE_PAIR`],
//! and `(a, b, and, or, xor)` on [`LOGIC`]. A tuple that is not in
//! the table cannot be received, so a send of an out-of-range value leaves the bus
//! unbalanced.

use crate::bus::{BYTE_PAIR, LOGIC, RANGE16};
use crate::segment;
use crate::Val;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName};

/// Rows of the table.
pub const ROWS: usize = 1 << 16;

/// The bytes table.
#[derive(Clone, Copy, Debug, Default)]
pub struct BytesTable;

/// Preprocessed columns.
const PRE_WIDTH: usize = 6;
/// Witness columns: the three multiplicities.
const WIDTH: usize = 3;

impl TableName for BytesTable {
    fn name(&self) -> String {
        "bytes".into()
    }

    /// It only receives, with witness multiplicities, so zero counts put nothing on the
    /// bus (every segment holds it all the same).
    fn may_be_absent(&self) -> bool {
        true
    }
}

impl BaseAir<Val> for BytesTable {
    fn width(&self) -> usize {
        WIDTH
    }

    fn preprocessed_width(&self) -> usize {
        PRE_WIDTH
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<Val>> {
        let mut values = Vec::with_capacity(ROWS * PRE_WIDTH);
        for r in 0..ROWS as u64 {
            let (a, b) = (r >> 8, r & 0xff);
            values.extend([r, a, b, a & b, a | b, a ^ b].map(Val::from_u64));
        }
        Some(RowMajorMatrix::new(values, PRE_WIDTH))
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for BytesTable {
    fn eval(&self, builder: &mut AB) {
        let fixed = builder.preprocessed().current_slice().to_vec();
        let counts = builder.main().current_slice().to_vec();
        let f = |i: usize| -> AB::Expr { fixed[i].into() };
        segment::receive(builder, RANGE16, [f(0)], counts[0]);
        segment::receive(builder, BYTE_PAIR, [f(1), f(2)], counts[1]);
        segment::receive(builder, LOGIC, [f(1), f(2), f(3), f(4), f(5)], counts[2]);
    }
}

/// The lookups witness generators make into the bytes table. Every witness generator
/// that sends on [`RANGE16`], [`BYTE_PAIR`] or [`LOGIC`] reports the same lookups here,
/// once per send with multiplicity one (a send with multiplicity `m` is reported `m`
/// times); [`Lookups::trace`] turns a segment's counts into its bytes table's witness.
/// Counts are per segment, far below the field's order, as LogUp requires.
#[derive(Clone, Debug)]
pub struct Lookups {
    counts: Vec<[u64; WIDTH]>,
}

impl Default for Lookups {
    fn default() -> Self {
        Self { counts: vec![[0; WIDTH]; ROWS] }
    }
}

impl Lookups {
    /// `value < 2^16` (panics otherwise: the witness generator has a bug).
    pub fn range16(&mut self, value: u64) {
        assert!(value < ROWS as u64, "range16 lookup of {value}");
        self.counts[value as usize][0] += 1;
    }

    /// `a < 2^8`, `b < 2^8`.
    pub fn byte_pair(&mut self, a: u64, b: u64) {
        assert!(a < 256 && b < 256, "byte-pair lookup of ({a}, {b})");
        self.counts[(a * 256 + b) as usize][1] += 1;
    }

    /// The logic row of bytes `(a, b)`.
    pub fn logic(&mut self, a: u64, b: u64) {
        assert!(a < 256 && b < 256, "logic lookup of ({a}, {b})");
        self.counts[(a * 256 + b) as usize][2] += 1;
    }

    /// The lookups of [`crate::gadgets::window14`] for `v < 2^30`.
    pub fn window14(&mut self, v: u64) {
        crate::gadgets::window14_split(v).into_iter().for_each(|d| self.range16(d));
    }

    /// The lookups of [`crate::gadgets::bound`]: `x < 2^n`, `n ≤ 16`.
    pub fn bound(&mut self, x: u64, n: u32) {
        assert!(n <= 16 && x < 1 << n, "bound lookup of {x} < 2^{n}");
        self.range16(x);
        self.range16((1 << n) - 1 - x);
    }

    /// The lookup of [`crate::gadgets::small14`]: `x < 2^14`.
    pub fn small14(&mut self, x: u64) {
        assert!(x < 1 << 14, "small14 lookup of {x}");
        self.range16(4 * x);
    }

    /// The bytes table's witness.
    pub fn trace(&self) -> RowMajorMatrix<Val> {
        RowMajorMatrix::new(self.counts.iter().flatten().map(|&c| Val::from_u64(c)).collect(), WIDTH)
    }
}
