//! The private input: a byte stream on fd 0 that the guest reads front to back.
//!
//! The VM delivers it from `--input`; QEMU from stdin. Reads keep a running offset so
//! that a short input is reported as "needed N bytes at offset K", which tells the
//! person preparing the input exactly what is missing.

use crate::syscall::{self, FD_INPUT};
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of private input consumed so far.
static OFFSET: AtomicUsize = AtomicUsize::new(0);

/// The private input ended before a read was satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputError {
    /// Offset in the input where the failed read started.
    pub offset: usize,
    /// Bytes the read needed.
    pub wanted: usize,
    /// Bytes that were left (all consumed by the failed read).
    pub got: usize,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "private input too short: needed {} bytes at offset {}, only {} left",
            self.wanted, self.offset, self.got
        )
    }
}

/// One `read` syscall into `len` bytes at `ptr`; returns the byte count, 0 at end of
/// input.
///
/// # Safety
/// `ptr..ptr+len` must be writable memory owned by the caller (it may be
/// uninitialised: `read` only writes to it).
unsafe fn read_raw(ptr: *mut u8, len: usize) -> usize {
    // SAFETY: the caller's contract is exactly read's buffer contract.
    let n = unsafe { syscall::syscall3(syscall::SYS_READ, FD_INPUT, ptr as usize, len) };
    if n < 0 {
        panic!("read(fd 0) failed with error {n} at input offset {}", OFFSET.load(Ordering::Relaxed));
    }
    let n = n as usize;
    // A guest is single-threaded: a plain load and store (no AMO) is enough.
    OFFSET.store(OFFSET.load(Ordering::Relaxed) + n, Ordering::Relaxed);
    n
}

/// Fills `buf` completely from the private input.
pub fn read_exact(buf: &mut [u8]) -> Result<(), InputError> {
    let offset = OFFSET.load(Ordering::Relaxed);
    let mut filled = 0;
    while filled < buf.len() {
        let rest = &mut buf[filled..];
        // SAFETY: `rest` is writable memory of exactly `rest.len()` bytes.
        match unsafe { read_raw(rest.as_mut_ptr(), rest.len()) } {
            0 => return Err(InputError { offset, wanted: buf.len(), got: filled }),
            n => filled += n,
        }
    }
    Ok(())
}

/// Reads exactly `N` bytes.
pub fn read_array<const N: usize>() -> Result<[u8; N], InputError> {
    let mut bytes = [0; N];
    read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Reads a little-endian `u32`.
pub fn read_u32() -> Result<u32, InputError> {
    read_array().map(u32::from_le_bytes)
}

/// Reads a little-endian `u64`.
pub fn read_u64() -> Result<u64, InputError> {
    read_array().map(u64::from_le_bytes)
}

/// Reads exactly `len` bytes into a new vector.
pub fn read_vec(len: usize) -> Result<Vec<u8>, InputError> {
    let mut bytes = alloc::vec![0; len];
    read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Reads the rest of the private input (all of it, if nothing was read before).
pub fn read_input() -> Vec<u8> {
    let mut bytes: Vec<u8> = Vec::with_capacity(4096);
    loop {
        if bytes.len() == bytes.capacity() {
            // The bump allocator grows the last allocation in place, so doubling does
            // not copy while nothing else is allocated in between.
            bytes.reserve(bytes.capacity());
        }
        let spare = bytes.spare_capacity_mut();
        // SAFETY: the spare capacity is writable memory owned by `bytes`.
        let n = unsafe { read_raw(spare.as_mut_ptr().cast::<u8>(), spare.len()) };
        if n == 0 {
            // Give the unused doubling slack back: the buffer is the last allocation,
            // so this shrinks it in place and the heap can use the rest.
            bytes.shrink_to_fit();
            return bytes;
        }
        // SAFETY: the first `n` spare bytes were just written by `read`.
        unsafe { bytes.set_len(bytes.len() + n) };
    }
}
