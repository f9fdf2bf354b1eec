//! The entry point: `_start` (in assembly, because no Rust code may run before `gp`
//! and the stack alignment are set), the [`entry!`](crate::entry) macro that names the
//! guest's `main`, and how `main`'s result becomes the exit code.
//!
//! `_start` takes the stack pointer it is given (the VM sets `sp` = 0x8000_0000 − 64,
//! QEMU its own) and zeroes nothing: the loader already zero-fills `.bss` and the
//! heap (bytes past `p_filesz`).

use core::fmt::Display;

core::arch::global_asm!(
    ".section .text._start, \"ax\", @progbits",
    ".globl _start",
    ".type _start, @function",
    "_start:",
    // gp must be loaded without relaxation, or the linker would relax this very
    // instruction against the not-yet-set gp.
    ".option push",
    ".option norelax",
    "la gp, __global_pointer$",
    ".option pop",
    // The psABI wants a 16-byte aligned stack at calls.
    "andi sp, sp, -16",
    "call {start}",
    start = sym rust_start,
);

unsafe extern "Rust" {
    /// Defined by [`entry!`](crate::entry) in the guest binary.
    fn __ziskjit_main() -> i32;
}

extern "C" fn rust_start() -> ! {
    // SAFETY: `entry!` defines this symbol with exactly this signature; without it the
    // guest fails to link with "undefined symbol: __ziskjit_main".
    let code = unsafe { __ziskjit_main() };
    crate::syscall::exit(code)
}

/// What a guest's `main` may return, and the exit code it maps to (the way `std`'s
/// `Termination` works): `()` exits 0; `Result<(), E>` exits 0 on `Ok`, and on `Err`
/// prints `error: {E}` to the debug output and exits 1.
pub trait MainResult {
    /// Reports the result and returns the exit code.
    fn exit_code(self) -> i32;
}

impl MainResult for () {
    fn exit_code(self) -> i32 {
        0
    }
}

impl<E: Display> MainResult for Result<(), E> {
    fn exit_code(self) -> i32 {
        match self {
            Ok(()) => 0,
            Err(error) => {
                crate::println!("error: {error}");
                1
            }
        }
    }
}

/// Converts `main`'s result into the exit code (used by [`entry!`](crate::entry)).
pub fn main_exit_code(result: impl MainResult) -> i32 {
    result.exit_code()
}

/// Declares the guest's entry function: `ziskjit_guest::entry!(main);` in a
/// `#![no_std] #![no_main]` binary, where `main` is `fn()` or `fn() -> Result<(), E>`
/// with `E: Display` (see [`MainResult`]). When `main` returns, the guest exits with
/// the code it maps to.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        fn __ziskjit_main() -> i32 {
            $crate::__private::main_exit_code($main())
        }
    };
}
