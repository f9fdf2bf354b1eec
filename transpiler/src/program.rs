//! The [`Program`]: everything the rest of ziskjit knows about a guest ELF.
//!
//! It holds the loadable segments (the initial memory image), the entry point, the
//! function symbols (for the profiler) and the decoded ROM. The ROM is dense: one
//! [`Inst`] per halfword of the executable span, so that any even pc — including a
//! `jalr` target computed at run time — finds its instruction with one index, and the
//! JIT's pc → code table has the same shape.

use crate::decode::decode;
use crate::inst::{Inst, Op};

/// A `PT_LOAD` segment: `data` (the file bytes) is mapped at `vaddr`, and the rest up
/// to `mem_size` is zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub mem_size: u64,
    pub data: Vec<u8>,
    pub readable: bool,
    pub writable: bool,
    pub executable: bool,
}

impl Segment {
    /// One past the last address of the segment.
    pub fn end(&self) -> u64 {
        self.vaddr + self.mem_size
    }

    /// True if `addr` lies inside the segment.
    pub fn contains(&self, addr: u64) -> bool {
        addr >= self.vaddr && addr < self.end()
    }

    /// The byte at `addr` as loaded (zero past the file bytes).
    fn byte(&self, addr: u64) -> u8 {
        self.data.get((addr - self.vaddr) as usize).copied().unwrap_or(0)
    }
}

/// A function symbol from the ELF symbol table (mangled name as stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub addr: u64,
    pub size: u64,
}

/// Why an instruction could not be fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The pc is not inside an executable segment.
    NotExecutable,
    /// The pc is odd (impossible for well-formed control flow, but checked).
    Misaligned,
}

/// A loaded and decoded guest program.
#[derive(Clone, Debug)]
pub struct Program {
    pub entry: u64,
    pub segments: Vec<Segment>,
    /// Function symbols sorted by address.
    pub symbols: Vec<Symbol>,
    /// Address of `code[0]`: the lowest executable address.
    pub code_base: u64,
    /// The ROM: `code[i]` is the instruction starting at `code_base + 2 * i`.
    pub code: Vec<Inst>,
}

impl Program {
    /// Builds a program from already validated segments; decodes the ROM.
    pub fn new(entry: u64, segments: Vec<Segment>, mut symbols: Vec<Symbol>) -> Program {
        symbols.sort_by(|a, b| a.addr.cmp(&b.addr).then_with(|| a.name.cmp(&b.name)));
        let exec: Vec<&Segment> = segments.iter().filter(|s| s.executable).collect();
        let code_base = exec.iter().map(|s| s.vaddr & !1).min().unwrap_or(0);
        let code_end = exec.iter().map(|s| s.end()).max().unwrap_or(0);
        let halfwords = code_end.saturating_sub(code_base).div_ceil(2) as usize;
        let parcel = |addr: u64| -> u16 {
            match exec.iter().find(|s| s.contains(addr)) {
                Some(s) => {
                    u16::from(s.byte(addr)) | (u16::from(if s.contains(addr + 1) { s.byte(addr + 1) } else { 0 }) << 8)
                }
                None => 0,
            }
        };
        let code = (0..halfwords)
            .map(|i| {
                let pc = code_base + 2 * i as u64;
                decode(parcel(pc), parcel(pc + 2))
            })
            .collect();
        Program { entry, segments, symbols, code_base, code }
    }

    /// The instruction at `pc`.
    #[inline]
    pub fn fetch(&self, pc: u64) -> Result<&Inst, FetchError> {
        let offset = pc.wrapping_sub(self.code_base);
        match self.code.get((offset >> 1) as usize) {
            Some(inst) if offset & 1 == 0 => {
                // The dense ROM also covers gaps between executable segments; only
                // an illegal slot can be such a gap, so the slow check hides there.
                if inst.op == Op::Illegal && !self.is_executable(pc) {
                    Err(FetchError::NotExecutable)
                } else {
                    Ok(inst)
                }
            }
            Some(_) => Err(FetchError::Misaligned),
            None => Err(FetchError::NotExecutable),
        }
    }

    /// True if `addr` lies in an executable segment.
    pub fn is_executable(&self, addr: u64) -> bool {
        self.segments.iter().any(|s| s.executable && s.contains(addr))
    }

    /// The function symbol containing `addr`, if any.
    pub fn symbol_at(&self, addr: u64) -> Option<&Symbol> {
        let idx = self.symbols.partition_point(|s| s.addr <= addr);
        self.symbols[..idx].iter().rev().find(|s| addr < s.addr + s.size.max(1))
    }

    /// Number of ROM slots that decode to a valid instruction (for diagnostics).
    pub fn valid_instructions(&self) -> usize {
        self.code.iter().filter(|i| i.op != Op::Illegal).count()
    }
}
