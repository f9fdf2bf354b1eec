//! Example guest: sorts an array of u64 with `sort_unstable` (a memory-heavy
//! benchmark: 2^22 values is the suite's size) and commits a digest of the result.
//!
//! Input: the values as consecutive little-endian u64s (8 bytes each, possibly none).
//! An input whose length is not a multiple of 8 exits with code 1.
//!
//! Public output, all little-endian u64:
//! * `n`, the number of values;
//! * a position-dependent checksum of the sorted array: `h = 0`, then for each value
//!   `v` in order, `h = (h rotl 5 ^ v) * 0x100000001b3` (wrapping), so any change of
//!   a value or of the order changes it;
//! * if `n > 0`: the smallest value, the one at index `n / 2`, and the largest.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

ziskjit_guest::entry!(main);

/// The order-sensitive checksum documented above (cheap next to the sort itself).
fn checksum(sorted: &[u64]) -> u64 {
    sorted.iter().fold(0u64, |h, &v| (h.rotate_left(5) ^ v).wrapping_mul(0x0000_0100_0000_01b3))
}

fn main() -> Result<(), String> {
    let input = ziskjit_guest::read_input();
    if !input.len().is_multiple_of(8) {
        return Err(format!(
            "the input is {} bytes, not a whole number of little-endian u64s (8 bytes each)",
            input.len()
        ));
    }
    let mut values: Vec<u64> =
        input.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("chunks_exact yields 8 bytes"))).collect();
    drop(input);
    values.sort_unstable();
    ziskjit_guest::commit_u64(values.len() as u64);
    ziskjit_guest::commit_u64(checksum(&values));
    if let (Some(first), Some(last)) = (values.first(), values.last()) {
        for v in [*first, values[values.len() / 2], *last] {
            ziskjit_guest::commit_u64(v);
        }
    }
    Ok(())
}
