//! The panic handler: prints `panicked at FILE:LINE:COL:` and the message to the debug
//! output (fd 2) and exits with code 101, as a panicking `std` program does, so the
//! VM and QEMU report a guest panic identically.

use crate::output::DebugWriter;
use core::fmt::Write;
use core::panic::PanicInfo;

/// Exit code of a panicking guest (the same as Rust's `std`).
const PANIC_EXIT_CODE: i32 = 101;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    let mut out = DebugWriter;
    let _ = match info.location() {
        Some(location) => write!(out, "guest panicked at {location}:\n{}\n", info.message()),
        None => write!(out, "guest panicked:\n{}\n", info.message()),
    };
    crate::syscall::exit(PANIC_EXIT_CODE)
}
