//! Example guest: the SHA-256 digest of the whole private input, computed in plain
//! Rust by the `sha2` crate (no precompile), as a hashing benchmark.
//!
//! Input: any bytes (possibly none), hashed as one message.
//! Public output: the 32-byte SHA-256 digest.

#![no_std]
#![no_main]

use sha2::{Digest, Sha256};

ziskjit_guest::entry!(main);

fn main() {
    let input = ziskjit_guest::read_input();
    ziskjit_guest::commit(&Sha256::digest(&input));
}
