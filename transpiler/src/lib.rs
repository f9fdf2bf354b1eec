//! ELF loading and RV64IMAC decoding: turns a guest ELF into a [`Program`]; lowering
//! it to Cranelift IR ([`lower`]), compiling it to host code and writing precompiled
//! images ([`image`]).
//!
//! This crate knows the *encoding* of the ISA; its *semantics* live in exactly one
//! place, the interpreter's step function in `ziskjit-runtime`. Everything downstream
//! (interpreter, JIT, replay, AIRs) consumes the decoded [`Inst`]s built here.

pub mod decode;
pub mod elf;
pub mod image;
pub mod inst;
pub mod lower;
pub mod program;

pub use elf::{load_elf, ElfError, ADDRESS_SPACE_END, STACK_SIZE, STACK_TOP};
pub use inst::{Inst, Op};
pub use program::{FetchError, Program, Segment, Symbol};
