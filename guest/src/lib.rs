//! `ziskjit-guest`: the SDK for programs that run inside the ziskjit zkVM.
//!
//! A guest is an ordinary `no_std` Rust binary for the stock target
//! `riscv64imac-unknown-none-elf`. This crate owns everything between that binary
//! and the VM's ABI (DESIGN.md §3), so example programs contain only their workload:
//!
//! * the `_start` entry point and the [`entry!`] macro that names the guest's `main`;
//! * the private input ([`read_input`], [`read_exact`], [`read_u64`], …, `read` on fd 0);
//! * the public output ([`commit`] and typed helpers, `write` on fd 1);
//! * debug text ([`print!`], [`println!`], [`eprint!`], [`eprintln!`], `write` on fd 2);
//! * [`exit`], a global heap allocator and a panic handler (message and location to
//!   fd 2, exit code 101);
//! * the linker script `link/ziskjit-guest.ld` (the memory layout), put on the linker
//!   search path by this crate's build script.
//!
//! Only the Linux riscv64 syscalls `read` (63), `write` (64) and `exit` (93) are used,
//! so the same ELF runs under `qemu-riscv64`, the reference the VM is tested against.
//! See `guest/README.md` for the ABI and the memory layout.
//!
//! The heap bookkeeping ([`heap`]) is plain arithmetic and is unit-tested on the host
//! (`cargo test --lib` in `guest/`); everything else exists only on the guest target.

#![cfg_attr(not(test), no_std)]

#[cfg(not(any(test, guest)))]
compile_error!(
    "ziskjit-guest builds only for `--target riscv64imac-unknown-none-elf`; on the host only its unit tests build (`cargo test --lib`)"
);

extern crate alloc;

pub mod heap;

// `guest` is set by build.rs when building for a riscv64 bare-metal target: the
// runtime below exists only there, so the host can still run the unit tests of the
// target-independent parts.
#[cfg(guest)]
mod allocator;
#[cfg(guest)]
mod input;
#[cfg(guest)]
mod output;
#[cfg(guest)]
mod panic;
#[cfg(guest)]
mod start;
#[cfg(guest)]
pub mod syscall;

#[cfg(guest)]
pub use input::{read_array, read_exact, read_input, read_u32, read_u64, read_vec, InputError};
#[cfg(guest)]
pub use output::{commit, commit_u32, commit_u64, DebugWriter};
#[cfg(guest)]
pub use start::MainResult;
#[cfg(guest)]
pub use syscall::exit;

/// Items the exported macros expand to; not part of the API.
#[doc(hidden)]
#[cfg(guest)]
pub mod __private {
    pub use crate::output::print_fmt;
    pub use crate::start::main_exit_code;
}
