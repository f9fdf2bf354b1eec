//! Why a guest run stopped abnormally: [`Fault`] and its [`FaultKind`].
//!
//! Every engine (interpreter, JIT, replay) reports the same values, so tests can
//! compare faults for equality and the CLI prints one message format everywhere.

use std::fmt;

/// What kind of memory access failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    Load,
    Store,
    Fetch,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Load => "load from",
            Access::Store => "store to",
            Access::Fetch => "instruction fetch from",
        })
    }
}

/// The cause of a fault.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// Bits that are no RV64IMAC instruction (`raw_hex` has the encoding's width).
    IllegalInstruction { raw_hex: String },
    /// A recognised instruction outside the supported ISA (CSRs, `ebreak`, …).
    UnsupportedInstruction { mnemonic: &'static str, raw_hex: String },
    /// An access to an address nothing is mapped at.
    Unmapped { access: Access, addr: u64 },
    /// A store into a segment without the W flag.
    ReadOnly { addr: u64 },
    /// An access (or a fetch) at or past 2^32.
    OutsideAddressSpace { access: Access, addr: u64 },
    /// An instruction fetch from an address outside the executable segments.
    NotExecutable { addr: u64 },
    /// LR/SC and AMOs need natural alignment.
    MisalignedAtomic { addr: u64, size: u8 },
    /// `ecall` with an `a7` that names no supported syscall.
    UnknownSyscall { number: u64 },
    /// `read`/`write` on a file descriptor the guest ABI does not provide.
    BadFileDescriptor { syscall: &'static str, fd: u64 },
    /// The host side of a syscall failed (e.g. stdout closed).
    HostIo { message: String },
    /// The run retired `--max-steps` instructions without exiting.
    StepLimit { limit: u64 },
}

/// A fault at a guest pc.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fault {
    pub pc: u64,
    pub kind: FaultKind,
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultKind::IllegalInstruction { raw_hex } => write!(f, "illegal instruction {raw_hex}"),
            FaultKind::UnsupportedInstruction { mnemonic, raw_hex } => {
                write!(f, "unsupported instruction `{mnemonic}` ({raw_hex}): ziskjit runs RV64IMAC without CSRs or privileged instructions")
            }
            FaultKind::Unmapped { access, addr } => {
                write!(f, "{access} unmapped address 0x{addr:x}")
            }
            FaultKind::ReadOnly { addr } => {
                write!(f, "store to read-only memory at address 0x{addr:x}")
            }
            FaultKind::OutsideAddressSpace { access, addr } => {
                write!(f, "{access} address 0x{addr:x}, outside the 32-bit guest address space")
            }
            FaultKind::NotExecutable { addr } => {
                write!(f, "jump to non-executable address 0x{addr:x}")
            }
            FaultKind::MisalignedAtomic { addr, size } => {
                write!(f, "misaligned {size}-byte atomic access at address 0x{addr:x}")
            }
            FaultKind::UnknownSyscall { number } => {
                write!(f, "unknown syscall {number} (a7); supported: 93 exit, 64 write, 63 read")
            }
            FaultKind::BadFileDescriptor { syscall, fd } => {
                write!(f, "{syscall} on unsupported file descriptor {fd} (read: fd 0; write: fd 1 or 2)")
            }
            FaultKind::HostIo { message } => write!(f, "host I/O error: {message}"),
            FaultKind::StepLimit { limit } => {
                write!(f, "step limit of {limit} instructions reached without exit")
            }
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at pc 0x{:x}", self.kind, self.pc)
    }
}

impl std::error::Error for Fault {}
