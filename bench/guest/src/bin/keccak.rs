//! Benchmark guest: the `keccak` kernel.
#![no_std]
#![no_main]

bench_guest::guest_main!("keccak");
