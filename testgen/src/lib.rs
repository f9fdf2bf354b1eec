//! Test support shared by every differential test in the workspace.
//!
//! The interpreter is the one specification of the ISA; this crate supplies the
//! independent oracles it is checked against: GNU binutils (an encoder we did not
//! write) to turn assembly into ELFs, and `qemu-riscv64` (an emulator we did not
//! write) to run them. The JIT, the trace replay and the AIRs are then checked
//! against the interpreter on the same programs.

pub mod gen;
pub mod guests;
pub mod toolchain;
