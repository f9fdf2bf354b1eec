//! The ziskjit runtime: guest memory, syscalls, and the reference interpreter.
//!
//! [`interp::step`] is the one definition of the ISA's semantics. Compiled code
//! (the JIT) runs over the same [`memory::GuestMemory`] and calls the same
//! [`syscall::syscall`], so every engine agrees on memory layout, faults and I/O.

pub mod fault;
pub mod interp;
pub mod jit;
pub mod memory;
pub mod syscall;

pub use fault::{Access, Fault, FaultKind};
pub use interp::{step, Bus, Cpu, Interpreter, RunResult};
pub use memory::GuestMemory;
pub use syscall::{Io, SyscallOutcome};
pub mod record;
pub mod trace;
