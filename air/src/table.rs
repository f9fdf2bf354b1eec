//! [`Table`]: every RISC-V table as one type, as the prover takes a program's tables
//! (`&[T]` of one `T`). Each variant forwards to its table; [`Table::Part`] is one of
//! the parts a table of independent rows is proved as (see [`crate::parts`]).

use crate::alu::AluTable;
use crate::boundary::BoundaryTable;
use crate::bytes::BytesTable;
use crate::cpu::CpuTable;
use crate::final_memory::FinalMemoryTable;
use crate::memop::MemOpTable;
use crate::memword::MemWordTable;
use crate::muldiv::MulDivTable;
use crate::rom::RomTable;
use crate::syscall::SyscallTable;
use crate::Val;
use p3_air::{Air, BaseAir};
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName};

/// One of the RISC-V tables.
#[derive(Clone, Debug)]
pub enum Table {
    Cpu(CpuTable),
    Rom(RomTable),
    Boundary(BoundaryTable),
    FinalMemory(FinalMemoryTable),
    Alu(AluTable),
    MulDiv(MulDivTable),
    MemOp(MemOpTable),
    MemWord(MemWordTable),
    Syscall(SyscallTable),
    Bytes(BytesTable),
    /// Part `.0` of the table (named `<table>#<part>`).
    Part(u8, Box<Table>),
}

impl Table {
    /// The tables proved as `parts` parts each, in order: every part of the first
    /// table, then of the next.
    pub fn parts(tables: impl IntoIterator<Item = Table>, parts: usize) -> impl Iterator<Item = Table> {
        let parts = u8::try_from(parts).expect("fewer than 256 parts");
        tables.into_iter().flat_map(move |t| (0..parts).map(move |k| Table::Part(k, Box::new(t.clone()))))
    }
}

/// Calls `$body` with `$t` bound to the variant's table.
macro_rules! forward {
    ($self:expr, $t:ident => $body:expr) => {
        match $self {
            Table::Cpu($t) => $body,
            Table::Rom($t) => $body,
            Table::Boundary($t) => $body,
            Table::FinalMemory($t) => $body,
            Table::Alu($t) => $body,
            Table::MulDiv($t) => $body,
            Table::MemOp($t) => $body,
            Table::MemWord($t) => $body,
            Table::Syscall($t) => $body,
            Table::Bytes($t) => $body,
            Table::Part(_, table) => {
                let $t: &Table = table;
                $body
            }
        }
    };
}

impl TableName for Table {
    fn name(&self) -> String {
        match self {
            Table::Part(k, table) => format!("{}#{k}", table.name()),
            _ => forward!(self, t => t.name()),
        }
    }

    fn may_be_absent(&self) -> bool {
        forward!(self, t => t.may_be_absent())
    }
}

impl BaseAir<Val> for Table {
    fn width(&self) -> usize {
        forward!(self, t => BaseAir::<Val>::width(t))
    }

    fn preprocessed_width(&self) -> usize {
        forward!(self, t => BaseAir::<Val>::preprocessed_width(t))
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<Val>> {
        forward!(self, t => BaseAir::<Val>::preprocessed_trace(t))
    }

    /// Every table reads the segment's public values: each one puts messages on a local
    /// bus, which carry the segment number ([`crate::bus::LOCAL_BUSES`]).
    fn num_public_values(&self) -> usize {
        crate::segment::PUBLIC_VALUES
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for Table {
    fn eval(&self, builder: &mut AB) {
        forward!(self, t => t.eval(builder))
    }
}
