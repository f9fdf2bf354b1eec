//! Example guest: the n-th Fibonacci number modulo 2^64, by iteration (a tight
//! register loop of 5 instructions per step, so n sets the run length).
//!
//! Input: `n` as a little-endian u64 (8 bytes; anything after it is ignored).
//! Public output: `n` (u64 LE), then fib(n) mod 2^64 (u64 LE), with fib(0) = 0,
//! fib(1) = 1. A shorter input exits with code 1 and says what is missing.

#![no_std]
#![no_main]

use ziskjit_guest::{commit_u64, read_u64, InputError};

ziskjit_guest::entry!(main);

fn main() -> Result<(), InputError> {
    let n = read_u64()?;
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    commit_u64(n);
    commit_u64(a);
    Ok(())
}
