//! The ALU table (being written): add/sub, logic, shifts and comparisons, received from
//! the [`ALU`](crate::bus::ALU) bus.

use p3_air::{Air, BaseAir};
use ziskjit_prover::{BusBuilder, TableName, Val};

/// The ALU table.
#[derive(Clone, Copy, Debug, Default)]
pub struct AluTable;

impl TableName for AluTable {
    fn name(&self) -> String {
        "alu".into()
    }
}

impl BaseAir<Val> for AluTable {
    fn width(&self) -> usize {
        1
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for AluTable {
    fn eval(&self, _builder: &mut AB) {}
}
