//! Benchmark guest: the `loop` kernel.
#![no_std]
#![no_main]

bench_guest::guest_main!("loop");
