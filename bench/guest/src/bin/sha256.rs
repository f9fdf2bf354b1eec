//! Benchmark guest: the `sha256` kernel.
#![no_std]
#![no_main]

bench_guest::guest_main!("sha256");
