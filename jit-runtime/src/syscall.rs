//! The guest's syscalls (DESIGN.md §3): `exit` (93), `write` (64) and `read` (63),
//! with Linux riscv64 numbers so that `qemu-riscv64` runs the same ELF.
//!
//! The ABI (which register holds what, which file descriptors exist, what is
//! returned in `a0`) is decided once, in [`dispatch`]; *where the bytes come from*
//! is a [`SyscallHost`]: live guest memory and host I/O ([`LiveHost`]) when running,
//! the minimal trace when replaying. Every engine calls [`dispatch`].

use crate::fault::{Access, FaultKind};
use crate::memory::GuestMemory;
use std::io::{Read, Write};

/// `exit(code)`.
pub const SYS_EXIT: u64 = 93;
/// `write(fd, ptr, len) -> len`.
pub const SYS_WRITE: u64 = 64;
/// `read(fd, ptr, len) -> n`.
pub const SYS_READ: u64 = 63;

/// Register numbers of the syscall ABI.
const A0: usize = 10;
const A1: usize = 11;
const A2: usize = 12;
const A7: usize = 17;

/// The host ends of the guest's file descriptors.
pub struct Io<'a> {
    /// fd 0: the private input stream.
    pub input: Box<dyn Read + 'a>,
    /// fd 1: the public output (committed, part of the statement).
    pub public: Box<dyn Write + 'a>,
    /// fd 2: debug text (not committed).
    pub debug: Box<dyn Write + 'a>,
}

impl<'a> Io<'a> {
    /// An `Io` over in-memory input that collects both outputs into the given vectors.
    pub fn in_memory(input: &'a [u8], public: &'a mut Vec<u8>, debug: &'a mut Vec<u8>) -> Io<'a> {
        Io { input: Box::new(input), public: Box::new(public), debug: Box::new(debug) }
    }
}

/// What a syscall did, beyond updating registers and memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyscallOutcome {
    /// Continue with the next instruction.
    Continue,
    /// The guest called `exit` with this code (`a0 & 0xff`, as a Linux process).
    Exit(u8),
}

/// A guest file descriptor that can be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFd {
    /// fd 1.
    Public,
    /// fd 2.
    Debug,
}

/// Where syscall data comes from and goes to. The buffer arguments are guest
/// addresses; implementations check and access guest memory (or its trace).
pub trait SyscallHost {
    /// Writes the guest bytes `[ptr, ptr + len)` to `fd`.
    fn write(&mut self, fd: OutputFd, ptr: u64, len: u64) -> Result<(), FaultKind>;
    /// Reads up to `len` bytes of private input into `[ptr, ptr + len)`; returns how
    /// many were delivered (0 at the end of the input).
    fn read(&mut self, ptr: u64, len: u64) -> Result<u64, FaultKind>;
}

/// Executes the syscall named by `a7`, reading arguments from and writing the result to
/// `regs`.
pub fn dispatch(regs: &mut [u64; 32], host: &mut impl SyscallHost) -> Result<SyscallOutcome, FaultKind> {
    match regs[A7] {
        SYS_EXIT => Ok(SyscallOutcome::Exit(regs[A0] as u8)),
        SYS_WRITE => {
            let (fd, ptr, len) = (regs[A0], regs[A1], regs[A2]);
            let fd = match fd {
                1 => OutputFd::Public,
                2 => OutputFd::Debug,
                _ => return Err(FaultKind::BadFileDescriptor { syscall: "write", fd }),
            };
            host.write(fd, ptr, len)?;
            regs[A0] = len;
            Ok(SyscallOutcome::Continue)
        }
        SYS_READ => {
            let (fd, ptr, len) = (regs[A0], regs[A1], regs[A2]);
            if fd != 0 {
                return Err(FaultKind::BadFileDescriptor { syscall: "read", fd });
            }
            regs[A0] = host.read(ptr, len)?;
            Ok(SyscallOutcome::Continue)
        }
        number => Err(FaultKind::UnknownSyscall { number }),
    }
}

/// Syscalls over live guest memory and host I/O. The minimal-trace recorder wraps
/// [`LiveHost::write_checked`] and [`LiveHost::read_checked`] to log what they touched.
pub struct LiveHost<'m, 'io> {
    pub mem: &'m mut GuestMemory,
    pub io: &'m mut Io<'io>,
}

impl LiveHost<'_, '_> {
    /// Writes `[ptr, ptr+len)` to `fd` after checking the buffer is readable.
    pub fn write_checked(&mut self, fd: OutputFd, ptr: u64, len: u64) -> Result<(), FaultKind> {
        self.mem.check_range(ptr, len, Access::Load)?;
        let sink: &mut dyn Write = match fd {
            OutputFd::Public => &mut self.io.public,
            OutputFd::Debug => &mut self.io.debug,
        };
        sink.write_all(self.mem.bytes(ptr, len as usize)).map_err(host_io)
    }

    /// Fills `[ptr, ptr+len)` from the input as far as it allows (so the result does
    /// not depend on how the host delivers the stream, e.g. pipe chunking).
    pub fn read_checked(&mut self, ptr: u64, len: u64) -> Result<&[u8], FaultKind> {
        self.mem.check_range(ptr, len, Access::Store)?;
        let buf = self.mem.bytes_mut(ptr, len as usize);
        let mut n = 0;
        while n < buf.len() {
            match self.io.input.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(host_io(e)),
            }
        }
        Ok(&buf[..n])
    }
}

impl SyscallHost for LiveHost<'_, '_> {
    fn write(&mut self, fd: OutputFd, ptr: u64, len: u64) -> Result<(), FaultKind> {
        self.write_checked(fd, ptr, len)
    }

    fn read(&mut self, ptr: u64, len: u64) -> Result<u64, FaultKind> {
        Ok(self.read_checked(ptr, len)?.len() as u64)
    }
}

/// Executes a syscall over live memory and host I/O (used by the interpreter and by
/// compiled code's exit path).
pub fn syscall(regs: &mut [u64; 32], mem: &mut GuestMemory, io: &mut Io<'_>) -> Result<SyscallOutcome, FaultKind> {
    dispatch(regs, &mut LiveHost { mem, io })
}

fn host_io(e: std::io::Error) -> FaultKind {
    FaultKind::HostIo { message: e.to_string() }
}
