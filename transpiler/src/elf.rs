//! Loading a guest ELF into a [`Program`].
//!
//! Only statically linked, little-endian, 64-bit RISC-V executables are accepted.
//! Every rejection names what is wrong, because the usual mistake is a build for the
//! wrong target (the host, a 32-bit RISC-V, a Linux dynamic executable) and the user
//! needs to know which.

use crate::program::{Program, Segment, Symbol};
use goblin::elf::header::{EI_CLASS, EI_DATA, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, EM_RISCV, ET_EXEC};
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_DYNAMIC, PT_INTERP, PT_LOAD};
use goblin::elf::sym::STT_FUNC;
use goblin::elf::Elf;

/// Guest addresses are 32-bit: every segment must end at or below this.
pub const ADDRESS_SPACE_END: u64 = 1 << 32;

/// One past the highest address of the guest stack (DESIGN.md §3). Defined here, next
/// to the address space, because compiled code relies on where the stack is (its
/// inline memory checks, `lower::Layout::runs`) as much as the runtime that maps it.
pub const STACK_TOP: u64 = 0x8000_0000;
/// Size of the guest stack region `[STACK_TOP - STACK_SIZE, STACK_TOP)`.
pub const STACK_SIZE: u64 = 8 << 20;

/// Why an ELF was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ElfError {
    #[error("not an ELF file (bad magic bytes)")]
    BadMagic,
    #[error("truncated ELF: {0}")]
    Truncated(String),
    #[error("32-bit ELF (ELFCLASS32): ziskjit runs 64-bit RISC-V ELFs only; build for riscv64imac-unknown-none-elf")]
    Elf32,
    #[error("big-endian ELF: RISC-V ELFs are little-endian")]
    BigEndian,
    #[error("ELF machine is {name} (e_machine {number}), expected RISC-V (e_machine 243); build for riscv64imac-unknown-none-elf")]
    WrongMachine { name: &'static str, number: u16 },
    #[error("ELF type is {0}, expected a statically linked executable (ET_EXEC)")]
    NotExecutable(&'static str),
    #[error("dynamically linked ELF ({0} program header): ziskjit needs a static executable")]
    Dynamic(&'static str),
    #[error("malformed ELF: {0}")]
    Malformed(String),
    #[error("segment at 0x{vaddr:x} with size 0x{size:x} does not fit in the 32-bit guest address space")]
    OutsideAddressSpace { vaddr: u64, size: u64 },
    #[error("segments overlap: [0x{a_start:x}, 0x{a_end:x}) and [0x{b_start:x}, 0x{b_end:x})")]
    Overlap { a_start: u64, a_end: u64, b_start: u64, b_end: u64 },
    #[error("no loadable (PT_LOAD) segments")]
    NoSegments,
    #[error("entry point 0x{0:x} is not inside an executable segment")]
    BadEntry(u64),
}

/// Parses and validates an ELF image and decodes its code into a [`Program`].
pub fn load_elf(bytes: &[u8]) -> Result<Program, ElfError> {
    check_ident(bytes)?;
    let elf = Elf::parse(bytes).map_err(|e| match e {
        goblin::error::Error::Malformed(m) => ElfError::Malformed(m),
        goblin::error::Error::BadMagic(_) => ElfError::BadMagic,
        other => ElfError::Truncated(other.to_string()),
    })?;
    if elf.header.e_machine != EM_RISCV {
        return Err(ElfError::WrongMachine { name: machine_name(elf.header.e_machine), number: elf.header.e_machine });
    }
    if elf.header.e_type != ET_EXEC {
        return Err(ElfError::NotExecutable(goblin::elf::header::et_to_str(elf.header.e_type)));
    }
    let mut segments = Vec::new();
    for ph in &elf.program_headers {
        match ph.p_type {
            PT_INTERP => return Err(ElfError::Dynamic("PT_INTERP")),
            PT_DYNAMIC => return Err(ElfError::Dynamic("PT_DYNAMIC")),
            PT_LOAD if ph.p_memsz > 0 => {}
            _ => continue,
        }
        let fits = ph.p_vaddr.checked_add(ph.p_memsz).is_some_and(|end| end <= ADDRESS_SPACE_END);
        if !fits {
            return Err(ElfError::OutsideAddressSpace { vaddr: ph.p_vaddr, size: ph.p_memsz });
        }
        if ph.p_filesz > ph.p_memsz {
            return Err(ElfError::Malformed(format!(
                "segment at 0x{:x} has file size 0x{:x} larger than its memory size 0x{:x}",
                ph.p_vaddr, ph.p_filesz, ph.p_memsz
            )));
        }
        let file_range =
            ph.p_offset.checked_add(ph.p_filesz).filter(|&end| end <= bytes.len() as u64).ok_or_else(|| {
                ElfError::Truncated(format!(
                    "segment at 0x{:x} needs file bytes [0x{:x}, +0x{:x}) but the file has 0x{:x} bytes",
                    ph.p_vaddr,
                    ph.p_offset,
                    ph.p_filesz,
                    bytes.len()
                ))
            })?;
        segments.push(Segment {
            vaddr: ph.p_vaddr,
            mem_size: ph.p_memsz,
            data: bytes[ph.p_offset as usize..file_range as usize].to_vec(),
            readable: ph.p_flags & PF_R != 0,
            writable: ph.p_flags & PF_W != 0,
            executable: ph.p_flags & PF_X != 0,
        });
    }
    if segments.is_empty() {
        return Err(ElfError::NoSegments);
    }
    segments.sort_by_key(|s| s.vaddr);
    for pair in segments.windows(2) {
        if pair[0].end() > pair[1].vaddr {
            return Err(ElfError::Overlap {
                a_start: pair[0].vaddr,
                a_end: pair[0].end(),
                b_start: pair[1].vaddr,
                b_end: pair[1].end(),
            });
        }
    }
    if !segments.iter().any(|s| s.executable && s.contains(elf.header.e_entry)) {
        return Err(ElfError::BadEntry(elf.header.e_entry));
    }
    let symbols = elf
        .syms
        .iter()
        .filter(|s| s.st_type() == STT_FUNC && s.st_value != 0)
        .filter_map(|s| {
            let name = elf.strtab.get_at(s.st_name)?;
            Some(Symbol { name: name.to_string(), addr: s.st_value, size: s.st_size })
        })
        .collect();
    Ok(Program::new(elf.header.e_entry, segments, symbols))
}

/// Checks the identification bytes first, so the common mistakes get specific errors
/// before goblin's generic ones.
fn check_ident(bytes: &[u8]) -> Result<(), ElfError> {
    if bytes.len() < 4 {
        return Err(ElfError::Truncated(format!("{} bytes, shorter than the ELF magic", bytes.len())));
    }
    if &bytes[..4] != b"\x7fELF" {
        return Err(ElfError::BadMagic);
    }
    if bytes.len() < 64 {
        return Err(ElfError::Truncated(format!("{} bytes, shorter than an ELF64 header (64 bytes)", bytes.len())));
    }
    match bytes[EI_CLASS] {
        ELFCLASS64 => {}
        ELFCLASS32 => return Err(ElfError::Elf32),
        other => return Err(ElfError::Malformed(format!("unknown ELF class {other}"))),
    }
    if bytes[EI_DATA] != ELFDATA2LSB {
        return Err(ElfError::BigEndian);
    }
    Ok(())
}

fn machine_name(machine: u16) -> &'static str {
    match machine {
        3 => "x86 (i386)",
        62 => "x86-64",
        40 => "ARM",
        183 => "AArch64",
        8 => "MIPS",
        21 => "PowerPC64",
        _ => goblin::elf::header::machine_to_str(machine),
    }
}
