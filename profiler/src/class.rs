//! Instruction classes: the coarse mix a guest's steps fall into.
//!
//! The mix answers "what kind of work is this program doing", which per-function
//! counts cannot: a hash function that is all ALU steps, a sort that is a third
//! loads and stores, a parser dominated by branches. In a zkVM the mix is also a
//! rough cost model, since each class is proved by different tables (ALU and
//! mul/div tables, the memory table for loads, stores and atomics), so the classes
//! follow that split rather than the ISA manual's chapters.

use ziskjit_transpiler::Op;

/// The class of one instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstClass {
    /// Integer arithmetic, logic, shifts, comparisons, `lui`, `auipc`.
    Alu,
    /// The M extension: multiplications, divisions, remainders.
    MulDiv,
    Load,
    Store,
    /// The A extension: LR/SC and AMOs (each both reads and writes memory).
    Atomic,
    /// Conditional branches.
    Branch,
    /// `jal` and `jalr` (calls, returns, tail calls and plain jumps).
    Jump,
    /// `ecall`.
    Syscall,
    /// `fence`, `fence.i`, and encodings that stop the run when executed.
    Other,
}

impl InstClass {
    /// Every class, in report order.
    pub const ALL: [InstClass; 9] = [
        InstClass::Alu,
        InstClass::MulDiv,
        InstClass::Load,
        InstClass::Store,
        InstClass::Atomic,
        InstClass::Branch,
        InstClass::Jump,
        InstClass::Syscall,
        InstClass::Other,
    ];

    /// The class of `op`.
    pub fn of(op: Op) -> InstClass {
        use Op::*;
        match op {
            Lui | Auipc | Addi | Slti | Sltiu | Xori | Ori | Andi | Slli | Srli | Srai | Addiw | Slliw | Srliw
            | Sraiw | Add | Sub | Sll | Slt | Sltu | Xor | Srl | Sra | Or | And | Addw | Subw | Sllw | Srlw | Sraw => {
                InstClass::Alu
            }
            Mul | Mulh | Mulhsu | Mulhu | Div | Divu | Rem | Remu | Mulw | Divw | Divuw | Remw | Remuw => {
                InstClass::MulDiv
            }
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => InstClass::Load,
            Sb | Sh | Sw | Sd => InstClass::Store,
            LrW | ScW | AmoSwapW | AmoAddW | AmoXorW | AmoAndW | AmoOrW | AmoMinW | AmoMaxW | AmoMinuW | AmoMaxuW
            | LrD | ScD | AmoSwapD | AmoAddD | AmoXorD | AmoAndD | AmoOrD | AmoMinD | AmoMaxD | AmoMinuD | AmoMaxuD => {
                InstClass::Atomic
            }
            Beq | Bne | Blt | Bge | Bltu | Bgeu => InstClass::Branch,
            Jal | Jalr => InstClass::Jump,
            Ecall => InstClass::Syscall,
            Fence | FenceI | Unsupported(_) | Illegal => InstClass::Other,
        }
    }

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            InstClass::Alu => "alu",
            InstClass::MulDiv => "mul/div",
            InstClass::Load => "load",
            InstClass::Store => "store",
            InstClass::Atomic => "atomic",
            InstClass::Branch => "branch",
            InstClass::Jump => "jump",
            InstClass::Syscall => "syscall",
            InstClass::Other => "other",
        }
    }
}
