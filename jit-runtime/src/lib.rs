//! The ziskjit runtime: guest memory, syscalls, the reference interpreter, and running
//! compiled code (plain, recording the minimal trace, or feeding the profiler).
//!
//! [`interp::step`] is the one definition of the ISA's semantics. Compiled code
//! ([`jit`], compiled now or loaded from a precompiled image) runs over the same
//! [`memory::GuestMemory`] and calls the same [`syscall::syscall`], so every engine
//! agrees on memory layout, faults and I/O.

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
