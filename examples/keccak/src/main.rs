//! Example guest: the Keccak-256 digest (Ethereum's hash: original Keccak padding,
//! not FIPS-202 SHA3-256) of the whole private input, computed in plain Rust by the
//! `tiny-keccak` crate (no precompile), as a Keccak-f[1600] benchmark.
//!
//! Input: any bytes (possibly none), hashed as one message.
//! Public output: the 32-byte Keccak-256 digest.

#![no_std]
#![no_main]

use tiny_keccak::{Hasher, Keccak};

ziskjit_guest::entry!(main);

fn main() {
    let input = ziskjit_guest::read_input();
    let mut hasher = Keccak::v256();
    hasher.update(&input);
    let mut digest = [0u8; 32];
    hasher.finalize(&mut digest);
    ziskjit_guest::commit(&digest);
}
