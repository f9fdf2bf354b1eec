//! The syscall table (being written): exit, write and read, received from
//! the [`SYSCALL`](crate::bus::SYSCALL) bus.

use p3_air::{Air, BaseAir};
use ziskjit_prover::{BusBuilder, TableName, Val};

/// The syscall table.
#[derive(Clone, Copy, Debug, Default)]
pub struct SyscallTable;

impl TableName for SyscallTable {
    fn name(&self) -> String {
        "syscall".into()
    }
}

impl BaseAir<Val> for SyscallTable {
    fn width(&self) -> usize {
        1
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for SyscallTable {
    fn eval(&self, _builder: &mut AB) {}
}
