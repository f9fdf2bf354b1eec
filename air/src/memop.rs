//! The memop table (being written): loads, stores, LR/SC and AMOs, received from
//! the [`MEMOP`](crate::bus::MEMOP) bus.

use p3_air::{Air, BaseAir};
use ziskjit_prover::{BusBuilder, TableName, Val};

/// The memop table.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemOpTable;

impl TableName for MemOpTable {
    fn name(&self) -> String {
        "memop".into()
    }
}

impl BaseAir<Val> for MemOpTable {
    fn width(&self) -> usize {
        1
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for MemOpTable {
    fn eval(&self, _builder: &mut AB) {}
}
