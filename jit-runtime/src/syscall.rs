//! The guest's syscalls (DESIGN.md §3): `exit` (93), `write` (64) and `read` (63),
//! with Linux riscv64 numbers so that `qemu-riscv64` runs the same ELF.
//!
//! Shared by every engine: the interpreter calls [`syscall`] from its step function,
//! compiled code leaves to the runtime and calls the same function.

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

/// Executes the syscall named by `a7`, reading arguments from and writing the result
/// to `regs`. Bytes delivered by `read` are also passed to `on_read` (the minimal
/// trace logs them).
pub fn syscall(
    regs: &mut [u64; 32],
    mem: &mut GuestMemory,
    io: &mut Io<'_>,
    on_read: &mut dyn FnMut(&[u8]),
) -> Result<SyscallOutcome, FaultKind> {
    match regs[A7] {
        SYS_EXIT => Ok(SyscallOutcome::Exit(regs[A0] as u8)),
        SYS_WRITE => {
            let (fd, ptr, len) = (regs[A0], regs[A1], regs[A2]);
            let sink: &mut dyn Write = match fd {
                1 => &mut io.public,
                2 => &mut io.debug,
                _ => return Err(FaultKind::BadFileDescriptor { syscall: "write", fd }),
            };
            mem.check_range(ptr, len, Access::Load)?;
            sink.write_all(mem.bytes(ptr, len as usize)).map_err(host_io)?;
            regs[A0] = len;
            Ok(SyscallOutcome::Continue)
        }
        SYS_READ => {
            let (fd, ptr, len) = (regs[A0], regs[A1], regs[A2]);
            if fd != 0 {
                return Err(FaultKind::BadFileDescriptor { syscall: "read", fd });
            }
            mem.check_range(ptr, len, Access::Store)?;
            let buf = mem.bytes_mut(ptr, len as usize);
            // Fill the buffer as far as the input allows, so the result does not
            // depend on how the host delivers the stream (pipe chunking).
            let mut n = 0;
            while n < buf.len() {
                match io.input.read(&mut buf[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(host_io(e)),
                }
            }
            on_read(&buf[..n]);
            regs[A0] = n as u64;
            Ok(SyscallOutcome::Continue)
        }
        number => Err(FaultKind::UnknownSyscall { number }),
    }
}

fn host_io(e: std::io::Error) -> FaultKind {
    FaultKind::HostIo { message: e.to_string() }
}
