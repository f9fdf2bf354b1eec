//! Example guest: verifies one secp256k1 ECDSA signature over SHA-256 with the `k256`
//! crate (plain Rust field arithmetic, no precompile), as an elliptic-curve benchmark.
//!
//! Input layout:
//! | bytes | content |
//! |---|---|
//! | 0..33 | public key, SEC1 compressed (0x02/0x03 prefix, 32-byte big-endian x) |
//! | 33..97 | signature `r ‖ s`, two 32-byte big-endian scalars |
//! | 97.. | the signed message (any length, possibly empty) |
//!
//! Public output: 1 byte, 1 if the signature verifies (as `k256` defines it: low-S
//! only) and 0 if not (including `r` or `s` zero or out of range); then SHA-256 of the
//! message (32 bytes) and the public key (33 bytes), i.e. what was verified against
//! whom. An input that ends before the message starts, or a public key that is not a
//! point on the curve, exits with code 1 and says which field is wrong.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use k256::ecdsa::signature::Verifier;
use k256::ecdsa::{Signature, VerifyingKey};
use k256::sha2::{Digest, Sha256};
use ziskjit_guest::{commit, read_array, read_input};

ziskjit_guest::entry!(main);

fn main() -> Result<(), String> {
    let key: [u8; 33] = read_array().map_err(|e| format!("public key: {e}"))?;
    let signature: [u8; 64] = read_array().map_err(|e| format!("signature: {e}"))?;
    let message = read_input();
    let key = VerifyingKey::from_sec1_bytes(&key)
        .map_err(|_| String::from("the public key (input bytes 0..33) is not a compressed secp256k1 point"))?;
    let verified = Signature::from_slice(&signature).is_ok_and(|signature| key.verify(&message, &signature).is_ok());
    commit(&[u8::from(verified)]);
    commit(&Sha256::digest(&message));
    commit(key.to_encoded_point(true).as_bytes());
    Ok(())
}
