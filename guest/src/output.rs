//! Output: the public output on fd 1 (committed, part of the proved statement) and
//! debug text on fd 2 (shown to the person running the guest, never committed).

use crate::syscall::{self, FD_DEBUG, FD_PUBLIC};
use core::fmt;

/// Writes all of `bytes` to `fd`, retrying short writes. Returns the error code of a
/// failed `write`, or 0 if it made no progress.
fn write_all(fd: usize, mut bytes: &[u8]) -> Result<(), isize> {
    while !bytes.is_empty() {
        match syscall::write(fd, bytes) {
            n if n > 0 => bytes = &bytes[n as usize..],
            n => return Err(n),
        }
    }
    Ok(())
}

/// Appends `bytes` to the public output.
///
/// The public output is part of the statement a proof attests to, so losing any of it
/// is fatal: a failed write panics (exit code 101) rather than return a result that a
/// guest might ignore.
pub fn commit(bytes: &[u8]) {
    if let Err(code) = write_all(FD_PUBLIC, bytes) {
        panic!("writing {} bytes of public output failed with error {code}", bytes.len());
    }
}

/// Appends `value` to the public output as 4 little-endian bytes.
pub fn commit_u32(value: u32) {
    commit(&value.to_le_bytes());
}

/// Appends `value` to the public output as 8 little-endian bytes.
pub fn commit_u64(value: u64) {
    commit(&value.to_le_bytes());
}

/// A [`fmt::Write`] sink for debug text on fd 2, used by [`print!`](crate::print) and
/// the panic handler. Debug text is best effort: a failed write is ignored, since it
/// cannot change what the guest computes or commits.
#[derive(Debug, Clone, Copy, Default)]
pub struct DebugWriter;

impl fmt::Write for DebugWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let _ = write_all(FD_DEBUG, text.as_bytes());
        Ok(())
    }
}

/// Writes formatted debug text to fd 2 (the body of the print macros).
pub fn print_fmt(args: fmt::Arguments<'_>) {
    let _ = fmt::Write::write_fmt(&mut DebugWriter, args);
}

/// Prints to the debug output (fd 2; fd 1 is the public output, see
/// [`commit`](crate::commit)).
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::__private::print_fmt(::core::format_args!($($arg)*)) };
}

/// Prints a line to the debug output (fd 2).
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::__private::print_fmt(::core::format_args!("{}\n", ::core::format_args!($($arg)*))) };
}

/// The same as [`print!`](crate::print): a guest has one debug stream, fd 2. It exists
/// so that code written for `std` compiles unchanged.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::print!($($arg)*) };
}

/// The same as [`println!`](crate::println), see [`eprint!`](crate::eprint).
#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => { $crate::println!($($arg)*) };
}
