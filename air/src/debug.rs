//! Bus debugging for witness generators: every message every row of every table puts
//! on the bus, summed per tuple, so an unbalanced bus names the tuples that do not
//! cancel (the prover only reports that the sum is not zero).

use crate::table::Table;
use crate::Val;
use p3_air::{AirBuilder, BaseAir, RowWindow};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use std::collections::BTreeMap;
use ziskjit_prover::{BusBuilder, BusId, BusMessage};

/// One tuple whose sends and receives do not cancel: `count` is sends minus receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unbalanced {
    pub bus: BusId,
    pub values: Vec<u64>,
    pub count: i64,
    /// Where it was put on the bus first: `(table name, row)`, or `None` for the statement.
    pub first_seen: Option<(String, usize)>,
}

/// Per tuple: the net count and where it was first seen.
type Sums = BTreeMap<(BusId, Vec<u64>), (i64, Option<(String, usize)>)>;

/// Collects the interactions of one row.
struct Collector<'a> {
    main: RowWindow<'a, Val>,
    preprocessed: RowWindow<'a, Val>,
    public_values: &'a [Val],
    first: Val,
    last: Val,
    messages: Vec<(BusId, Vec<u64>, Val)>,
}

impl<'a> AirBuilder for Collector<'a> {
    type F = Val;
    type Expr = Val;
    type Var = Val;
    type PreprocessedWindow = RowWindow<'a, Val>;
    type MainWindow = RowWindow<'a, Val>;
    type PublicVar = Val;
    type PeriodicVar = Val;

    fn main(&self) -> Self::MainWindow {
        self.main
    }

    fn preprocessed(&self) -> &Self::PreprocessedWindow {
        &self.preprocessed
    }

    fn is_first_row(&self) -> Val {
        self.first
    }

    fn is_last_row(&self) -> Val {
        self.last
    }

    fn is_transition(&self) -> Val {
        Val::ONE - self.last
    }

    fn assert_zero<I: Into<Val>>(&mut self, _x: I) {}

    fn public_values(&self) -> &[Val] {
        self.public_values
    }
}

impl BusBuilder for Collector<'_> {
    fn interact<I>(&mut self, bus: BusId, values: I, multiplicity: Val)
    where
        I: IntoIterator<Item = Val>,
    {
        if !multiplicity.is_zero() {
            self.messages.push((bus, values.into_iter().map(|v| v.as_canonical_u64()).collect(), multiplicity));
        }
    }
}

/// A row of a table and its successor (main and preprocessed), and where the row is.
#[derive(Clone, Copy, Debug)]
pub struct Rows<'a> {
    pub main: [&'a [Val]; 2],
    pub preprocessed: [&'a [Val]; 2],
    pub first: bool,
    pub last: bool,
}

/// The messages `table` puts on the bus on one row: `(bus, tuple, multiplicity)` for
/// every interaction with a nonzero multiplicity (positive: sent, negative: received).
pub fn row_messages(table: &Table, rows: Rows<'_>, public_values: &[Val]) -> Vec<(BusId, Vec<u64>, Val)> {
    let mut collector = Collector {
        main: RowWindow::from_two_rows(rows.main[0], rows.main[1]),
        preprocessed: RowWindow::from_two_rows(rows.preprocessed[0], rows.preprocessed[1]),
        public_values,
        first: Val::from_bool(rows.first),
        last: Val::from_bool(rows.last),
        messages: Vec::new(),
    };
    p3_air::Air::eval(table, &mut collector);
    collector.messages
}

/// A signed count from a multiplicity (small positive or negative field elements: the
/// residues above half the field's order are the negative ones, for any field size).
fn signed(m: Val) -> i64 {
    let v = m.as_canonical_u64();
    if v <= Val::ORDER_U64 / 2 {
        v as i64
    } else {
        -((Val::ORDER_U64 - v) as i64)
    }
}

/// The tuples that do not balance over `tables` (one segment, traces in table order,
/// `public_values` the segment's) and the statement's `boundary` messages, sorted by bus
/// and tuple. Empty means the bus balances.
pub fn bus_imbalance(
    tables: &[Table],
    traces: &[RowMajorMatrix<Val>],
    public_values: &[Val],
    boundary: &[BusMessage<Val>],
) -> Vec<Unbalanced> {
    let mut sums = Sums::new();
    for m in boundary {
        let entry = sums.entry((m.bus, m.values.iter().map(|v| v.as_canonical_u64()).collect())).or_default();
        entry.0 += signed(m.multiplicity);
    }
    for (table, trace) in tables.iter().zip(traces) {
        let fixed = table.preprocessed_trace();
        let height = trace.height();
        for row in 0..height {
            let next = (row + 1) % height;
            let (pre_local, pre_next) = match &fixed {
                Some(f) => (f.row_slice(row).unwrap().to_vec(), f.row_slice(next).unwrap().to_vec()),
                None => (vec![], vec![]),
            };
            let (local, next_row) = (trace.row_slice(row).unwrap().to_vec(), trace.row_slice(next).unwrap().to_vec());
            let rows = Rows {
                main: [&local, &next_row],
                preprocessed: [&pre_local, &pre_next],
                first: row == 0,
                last: row + 1 == height,
            };
            for (bus, values, m) in row_messages(table, rows, public_values) {
                let entry = sums.entry((bus, values)).or_default();
                entry.0 += signed(m);
                entry.1.get_or_insert_with(|| (ziskjit_prover::TableName::name(table), row));
            }
        }
    }
    sums.into_iter()
        .filter(|(_, (count, _))| *count != 0)
        .map(|((bus, values), (count, first_seen))| Unbalanced { bus, values, count, first_seen })
        .collect()
}
