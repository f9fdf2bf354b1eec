//! The mul/div table (being written): the M extension, received from
//! the [`ALU`](crate::bus::ALU) bus.

use p3_air::{Air, BaseAir};
use ziskjit_prover::{BusBuilder, TableName, Val};

/// The mul/div table.
#[derive(Clone, Copy, Debug, Default)]
pub struct MulDivTable;

impl TableName for MulDivTable {
    fn name(&self) -> String {
        "muldiv".into()
    }
}

impl BaseAir<Val> for MulDivTable {
    fn width(&self) -> usize {
        1
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for MulDivTable {
    fn eval(&self, _builder: &mut AB) {}
}
