//! Example guest that panics on purpose: it tests that a guest panic reaches the
//! debug output with its message and location and ends the run with exit code 101,
//! under the VM exactly as under QEMU.
//!
//! Input: any bytes. Public output: the input length (u64 LE), committed before the
//! panic, so a test also sees that output written before a panic is kept. Then it
//! panics with `deliberate panic after reading N bytes of input`.

#![no_std]
#![no_main]

ziskjit_guest::entry!(main);

fn main() {
    let input = ziskjit_guest::read_input();
    ziskjit_guest::commit_u64(input.len() as u64);
    panic!("deliberate panic after reading {} bytes of input", input.len());
}
