//! The smallest runtime a benchmark guest needs, self-contained so the benchmark does
//! not depend on the SDK: an entry point that runs on the stack the loader gives it,
//! `write` and `exit` through `ecall` (Linux riscv64 numbers, so ziskjit and
//! qemu-riscv64 run the same ELF), and a panic handler that exits with code 101.
//!
//! Each binary in `src/bin/` is one line: [`guest_main!`] with the kernel's name.

#![no_std]

/// The sort kernel's scratch: 2^22 u64s in `.bss` (zero pages cost nothing until used).
pub static mut SCRATCH: [u64; bench_kernels::SORT_LEN] = [0; bench_kernels::SORT_LEN];

fn ecall3(number: u64, a0: u64, a1: u64, a2: u64) -> u64 {
    let ret;
    // SAFETY: a Linux-numbered syscall; the arguments are plain values or a pointer to
    // a live buffer of the stated length.
    unsafe {
        core::arch::asm!("ecall", inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2, in("a7") number);
    }
    ret
}

/// Writes `bytes` to file descriptor `fd`.
pub fn write(fd: u64, bytes: &[u8]) {
    ecall3(64, fd, bytes.as_ptr() as u64, bytes.len() as u64);
}

/// Ends the program with `code`.
pub fn exit(code: u64) -> ! {
    ecall3(93, code, 0, 0);
    unreachable!("exit returned")
}

/// Runs kernel `name`, writes its digest as 16 hex digits and a newline to fd 1, exits 0.
pub fn run(name: &str) -> ! {
    // SAFETY: the only reference to SCRATCH in the program, on its only thread.
    let scratch = unsafe { &mut *core::ptr::addr_of_mut!(SCRATCH) };
    let Some(digest) = bench_kernels::run(name, scratch) else {
        write(2, b"unknown kernel\n");
        exit(2)
    };
    let mut line = [b'\n'; 17];
    for (i, c) in line[..16].iter_mut().enumerate() {
        *c = b"0123456789abcdef"[(digest >> (60 - 4 * i) & 0xf) as usize];
    }
    write(1, &line);
    exit(0)
}

/// Defines `_start` for a guest that runs kernel `$name`.
#[macro_export]
macro_rules! guest_main {
    ($name:literal) => {
        #[no_mangle]
        #[link_section = ".text.start"]
        pub extern "C" fn _start() -> ! {
            $crate::run($name)
        }
    };
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    write(2, b"guest panicked\n");
    exit(101)
}
