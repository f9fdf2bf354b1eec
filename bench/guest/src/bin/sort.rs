//! Benchmark guest: the `sort` kernel.
#![no_std]
#![no_main]

bench_guest::guest_main!("sort");
