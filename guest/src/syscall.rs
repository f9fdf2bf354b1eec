//! The raw syscall interface: `ecall` with the number in `a7`, arguments in `a0..a2`,
//! result in `a0`, using the Linux riscv64 numbers (so `qemu-riscv64` runs the same
//! ELF). These are the only three calls a guest may make.

use core::arch::asm;

/// `read(fd, ptr, len) -> n`: the private input is fd 0; `n = 0` at its end.
pub const SYS_READ: usize = 63;
/// `write(fd, ptr, len) -> len`: fd 1 is the public output, fd 2 debug text.
pub const SYS_WRITE: usize = 64;
/// `exit(code)`: halts; the exit code is part of the public statement.
pub const SYS_EXIT: usize = 93;

/// File descriptor of the private input.
pub const FD_INPUT: usize = 0;
/// File descriptor of the public output.
pub const FD_PUBLIC: usize = 1;
/// File descriptor of the debug text.
pub const FD_DEBUG: usize = 2;

/// Issues syscall `number` with three arguments and returns `a0` (negative = -errno
/// under Linux/QEMU).
///
/// # Safety
/// The arguments must be valid for the call: for `read`/`write`, `a1..a1+a2` must be
/// memory the guest owns (writable for `read`).
#[inline(always)]
pub unsafe fn syscall3(number: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller guarantees the buffer contract; `ecall` clobbers only a0.
    unsafe {
        asm!("ecall", inlateout("a0") a0 as isize => ret, in("a1") a1, in("a2") a2, in("a7") number, options(nostack));
    }
    ret
}

/// `read(fd, buf)`: fills a prefix of `buf` and returns its length (0 at end of
/// input), or the negative error code.
pub fn read(fd: usize, buf: &mut [u8]) -> isize {
    // SAFETY: `buf` is writable memory of exactly `buf.len()` bytes.
    unsafe { syscall3(SYS_READ, fd, buf.as_mut_ptr() as usize, buf.len()) }
}

/// `write(fd, buf)`: returns how many bytes were written, or the negative error code.
pub fn write(fd: usize, buf: &[u8]) -> isize {
    // SAFETY: `buf` is readable memory of exactly `buf.len()` bytes.
    unsafe { syscall3(SYS_WRITE, fd, buf.as_ptr() as usize, buf.len()) }
}

/// `exit(code)`: never returns.
pub fn exit(code: i32) -> ! {
    // SAFETY: exit takes no pointers.
    unsafe {
        syscall3(SYS_EXIT, code as usize, 0, 0);
    }
    // The VM and Linux both stop at exit; this loop is never reached.
    loop {
        core::hint::spin_loop();
    }
}
