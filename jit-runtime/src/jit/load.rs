//! Loading compiled code: mapping the relocatable object the transpiler emits
//! (`ziskjit_transpiler::image::compile`) into executable memory and applying its
//! relocations, which is all a dynamic linker would do for it.
//!
//! Both the JIT (code compiled a moment ago) and precompiled images (code read from a
//! file) come through here, so they run identical machine code. The object is an ELF
//! for this host; every allocated section (the region code, the region-address
//! tables) is copied into one anonymous mapping at its alignment, the absolute
//! relocations (`R_X86_64_64`, the only kind the compiler emits: table entries
//! pointing at region functions) are resolved against the placed sections, and then
//! the mapping is made read-only and executable (never writable and executable at
//! once). Anything else in the object is refused with an error naming it, never run.

use object::elf::{R_X86_64_64, SHF_ALLOC};
use object::read::{Object, ObjectSection, ObjectSymbol, RelocationTarget};
use object::{Architecture, RelocationFlags, SectionFlags, SectionIndex};
use std::collections::HashMap;

/// Why compiled code could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("loading the compiled code: {0}")]
pub struct LoadError(pub String);

fn error(message: impl Into<String>) -> LoadError {
    LoadError(message.into())
}

/// Executable memory holding the loaded sections; unmapped on drop.
pub struct CodeMap {
    base: *mut u8,
    len: usize,
    /// Where each loaded section was placed: section index -> (offset, size).
    sections: HashMap<SectionIndex, (usize, usize)>,
}

// SAFETY: the mapping is read-only after loading and owned by this value alone.
unsafe impl Send for CodeMap {}
unsafe impl Sync for CodeMap {}

impl Drop for CodeMap {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` are the mapping created in `CodeMap::load`, unmapped once.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

fn is_allocated(flags: SectionFlags) -> bool {
    matches!(flags, SectionFlags::Elf { sh_flags } if sh_flags & u64::from(SHF_ALLOC) != 0)
}

impl CodeMap {
    /// Maps the allocated sections of `object` and applies its relocations.
    pub fn load(object: &[u8]) -> Result<CodeMap, LoadError> {
        let file = object::File::parse(object).map_err(|e| error(format!("not a readable object file: {e}")))?;
        if file.architecture() != Architecture::X86_64 || !file.is_little_endian() || !file.is_64() {
            return Err(error(format!("the code is for {:?}, this host runs x86-64 code only", file.architecture())));
        }
        let mut sections = HashMap::new();
        let mut len = 0usize;
        for section in file.sections().filter(|s| is_allocated(s.flags())) {
            let align = usize::try_from(section.align().max(1)).map_err(|_| error("section alignment"))?;
            if !align.is_power_of_two() || align > page_size() {
                return Err(error(format!("section `{}` has alignment {align}", section.name().unwrap_or("?"))));
            }
            let size = usize::try_from(section.size()).map_err(|_| error("section size"))?;
            len = len.next_multiple_of(align);
            sections.insert(section.index(), (len, size));
            len = len.checked_add(size).ok_or_else(|| error("sections too large"))?;
        }
        let len = len.max(1).next_multiple_of(page_size());
        // SAFETY: a fresh private anonymous mapping; checked for failure below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(error(format!("mapping {len} bytes: {}", std::io::Error::last_os_error())));
        }
        let map = CodeMap { base: base.cast(), len, sections };
        // SAFETY: the mapping is `len` bytes, readable and writable until `seal`, and
        // every section's range was laid out inside it above.
        let memory = unsafe { std::slice::from_raw_parts_mut(map.base, len) };
        for section in file.sections().filter(|s| is_allocated(s.flags())) {
            let (offset, size) = map.sections[&section.index()];
            let data = section.data().map_err(|e| error(format!("section data: {e}")))?;
            // A NOBITS section has no data and stays zero; others hold exactly `size` bytes.
            if !data.is_empty() {
                if data.len() != size {
                    return Err(error("a section's data does not match its size"));
                }
                memory[offset..offset + size].copy_from_slice(data);
            }
            for (place, reloc) in section.relocations() {
                let name = section.name().unwrap_or("?");
                if reloc.flags() != (RelocationFlags::Elf { r_type: R_X86_64_64 }) {
                    return Err(error(format!("unsupported relocation {:?} in `{name}`", reloc.flags())));
                }
                let RelocationTarget::Symbol(index) = reloc.target() else {
                    return Err(error(format!("relocation in `{name}` without a symbol")));
                };
                let symbol = file.symbol_by_index(index).map_err(|e| error(format!("relocation symbol: {e}")))?;
                let target = symbol
                    .section_index()
                    .and_then(|s| map.address(s, symbol.address()))
                    .ok_or_else(|| error(format!("relocation in `{name}` to a symbol outside the loaded code")))?;
                let value = (target as i64).wrapping_add(reloc.addend());
                let at = usize::try_from(place).ok().filter(|&p| p.checked_add(8).is_some_and(|end| end <= size));
                let at = at.ok_or_else(|| error(format!("relocation at 0x{place:x} outside `{name}`")))?;
                memory[offset + at..offset + at + 8].copy_from_slice(&value.to_le_bytes());
            }
        }
        // SAFETY: the whole mapping becomes read-only and executable: the relocated
        // tables are only read from now on.
        if unsafe { libc::mprotect(map.base.cast(), len, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
            return Err(error(format!("making the code executable: {}", std::io::Error::last_os_error())));
        }
        Ok(map)
    }

    /// The host address of `offset` bytes into the loaded section `section`.
    fn address(&self, section: SectionIndex, offset: u64) -> Option<usize> {
        let &(start, size) = self.sections.get(&section)?;
        let offset = usize::try_from(offset).ok().filter(|&o| o <= size)?;
        Some(self.base as usize + start + offset)
    }

    /// The host address of `[offset, offset + size)` in a loaded section, if inside it.
    fn range(&self, section: SectionIndex, offset: u64, size: u64) -> Option<usize> {
        self.address(section, offset.checked_add(size)?)?;
        self.address(section, offset)
    }

    /// The addresses in the table `name` of `object` (which must be the object this
    /// map was loaded from): `count` 8-byte entries, each pointing into an executable
    /// section.
    pub fn table(&self, object: &[u8], name: &str, count: usize) -> Result<Vec<usize>, LoadError> {
        let file = object::File::parse(object).map_err(|e| error(format!("not a readable object file: {e}")))?;
        let symbol = file.symbol_by_name(name).ok_or_else(|| error(format!("the code has no `{name}` table")))?;
        if symbol.size() != 8 * count as u64 {
            return Err(error(format!(
                "`{name}` has {} entries, the program has {count} code regions",
                symbol.size() / 8
            )));
        }
        let start = symbol
            .section_index()
            .and_then(|s| self.range(s, symbol.address(), symbol.size()))
            .ok_or_else(|| error(format!("`{name}` lies outside the loaded code")))?;
        let executable: Vec<(usize, usize)> = file
            .sections()
            .filter(|s| matches!(s.flags(), SectionFlags::Elf { sh_flags } if sh_flags & u64::from(object::elf::SHF_EXECINSTR) != 0))
            .filter_map(|s| self.sections.get(&s.index()).map(|&(o, n)| (self.base as usize + o, n)))
            .collect();
        (0..count)
            .map(|i| {
                // SAFETY: `start..start + 8 * count` lies inside the mapping (checked
                // by `map_range`), which is readable.
                let entry = unsafe { std::ptr::read_unaligned((start + 8 * i) as *const u64) } as usize;
                executable
                    .iter()
                    .any(|&(s, n)| entry >= s && entry < s + n)
                    .then_some(entry)
                    .ok_or_else(|| error(format!("entry {i} of `{name}` does not point at code")))
            })
            .collect()
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziskjit_transpiler::image::{compile_object, table_symbol};
    use ziskjit_transpiler::lower::{layout, Variant};
    use ziskjit_transpiler::{Program, Segment};

    /// Two functions (`_start` calling `f`) so the program has two regions.
    fn program() -> Program {
        // _start: jal ra, f; ecall    f: addi a0, a0, 1; ret
        let words: [u32; 4] = [0x0080_00ef, 0x0000_0073, 0x0015_0513, 0x0000_8067];
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let segment = Segment { vaddr: 0x1000, mem_size: 16, data, readable: true, writable: false, executable: true };
        let symbols = vec![
            ziskjit_transpiler::Symbol { name: "_start".into(), addr: 0x1000, size: 8 },
            ziskjit_transpiler::Symbol { name: "f".into(), addr: 0x1008, size: 8 },
        ];
        Program::new(0x1000, vec![segment], symbols)
    }

    /// The tables are zeros in the object and only get their values from relocations:
    /// after loading, every entry points at distinct code inside the mapping.
    #[test]
    fn relocations_fill_the_region_tables() {
        let program = program();
        let regions = layout(&program).regions.len();
        assert_eq!(regions, 2);
        let object = compile_object(&program, &[Variant::Plain, Variant::Profile]).unwrap();
        let file = object::File::parse(&object[..]).unwrap();
        let relocations: usize = file.sections().map(|s| s.relocations().count()).sum();
        assert_eq!(relocations, 2 * regions, "one relocation per table entry");
        let map = CodeMap::load(&object).unwrap();
        let mut seen = Vec::new();
        for variant in [Variant::Plain, Variant::Profile] {
            let table = map.table(&object, &table_symbol(variant), regions).unwrap();
            for address in table {
                assert!(address >= map.base as usize && address < map.base as usize + map.len);
                assert!(!seen.contains(&address), "every region has its own code");
                seen.push(address);
            }
        }
        let err = map.table(&object, &table_symbol(Variant::Trace), regions).unwrap_err();
        assert!(err.to_string().contains("no `ziskjit_regions_trace` table"), "{err}");
        let err = map.table(&object, &table_symbol(Variant::Plain), regions + 1).unwrap_err();
        assert!(err.to_string().contains("has 2 entries, the program has 3"), "{err}");
    }

    #[test]
    fn broken_objects_are_refused() {
        let object = compile_object(&program(), &[Variant::Plain]).unwrap();
        for len in [0, 10, object.len() / 2] {
            assert!(CodeMap::load(&object[..len]).is_err(), "a truncated object ({len} bytes)");
        }
        // A RISC-V ELF is an object file too, but not code for this host.
        let mut foreign = object.clone();
        foreign[18..20].copy_from_slice(&243u16.to_le_bytes());
        let err = CodeMap::load(&foreign).err().expect("refused");
        assert!(err.to_string().contains("this host runs x86-64 code only"), "{err}");
    }
}
