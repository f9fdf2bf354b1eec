//! Guest memory: one reserved host window covering the whole 32-bit guest address
//! space, so that host address = `base + guest address` for every engine.
//!
//! The window is reserved with `MAP_NORESERVE`: pages cost host memory only once
//! touched, so a 128 MiB guest heap in `.bss` or an 8 MiB stack is free until used.
//! Permissions are kept per 4 KiB guest page in a byte table ([`GuestMemory::perms`])
//! that the interpreter checks on every access and the JIT checks inline; two
//! segments that share a page get the union of their permissions (page granularity,
//! as on Linux).
//!
//! Layout (DESIGN.md §3): the ELF's `PT_LOAD` segments at their addresses, and a
//! stack `[STACK_TOP - STACK_SIZE, STACK_TOP)`; everything else is unmapped.

use crate::fault::{Access, FaultKind};
use ziskjit_transpiler::{Program, ADDRESS_SPACE_END};
/// The stack region `[STACK_TOP - STACK_SIZE, STACK_TOP)`, defined with the guest
/// contract in the transpiler, whose compiled code relies on it too.
pub use ziskjit_transpiler::{STACK_SIZE, STACK_TOP};

/// Guest page size for permissions.
pub const PAGE_SIZE: u64 = 4096;
/// `log2(PAGE_SIZE)`.
pub const PAGE_SHIFT: u32 = 12;
/// The initial `sp`: Linux puts `argc`, `argv`, `envp` and the auxiliary vector at
/// the top of the stack; for a guest with no arguments they are all zero words, and
/// the region is zero already, so only `sp` has to be set.
pub const INITIAL_SP: u64 = STACK_TOP - 64;

/// Permission bit: readable.
pub const PERM_R: u8 = 1;
/// Permission bit: writable.
pub const PERM_W: u8 = 2;

/// Bytes reserved past 2^32 so that an 8-byte access starting just below 2^32 stays
/// inside the host window even before its bounds are checked.
const WINDOW_SLACK: u64 = PAGE_SIZE;

/// Why a program's memory image could not be built.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error(
        "ELF segment [0x{start:x}, 0x{end:x}) overlaps the guest stack region [0x{stack_start:x}, 0x{stack_end:x})"
    )]
    StackOverlap { start: u64, end: u64, stack_start: u64, stack_end: u64 },
    #[error("cannot reserve the 4 GiB guest memory window: {0}")]
    Reserve(std::io::Error),
}

/// The guest's memory.
pub struct GuestMemory {
    base: *mut u8,
    len: usize,
    /// One entry per guest page: [`PERM_R`] | [`PERM_W`], 0 if unmapped.
    perms: Vec<u8>,
}

// The window is owned exclusively by this value; moving it to another thread is sound.
unsafe impl Send for GuestMemory {}

impl GuestMemory {
    /// Builds the initial memory of `program`: segments loaded, bss and stack zero.
    pub fn new(program: &Program) -> Result<GuestMemory, MemoryError> {
        let stack_start = STACK_TOP - STACK_SIZE;
        for seg in &program.segments {
            if seg.vaddr < STACK_TOP && seg.end() > stack_start {
                return Err(MemoryError::StackOverlap {
                    start: seg.vaddr,
                    end: seg.end(),
                    stack_start,
                    stack_end: STACK_TOP,
                });
            }
        }
        let len = (ADDRESS_SPACE_END + WINDOW_SLACK) as usize;
        // SAFETY: an anonymous private mapping with no address hint; checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(MemoryError::Reserve(std::io::Error::last_os_error()));
        }
        let mut mem =
            GuestMemory { base: base.cast(), len, perms: vec![0; (ADDRESS_SPACE_END >> PAGE_SHIFT) as usize] };
        for seg in &program.segments {
            // Code is fixed at load time (DESIGN.md §3): an executable segment is
            // still data memory, readable, and writable only if the ELF says W.
            let perm = if seg.writable { PERM_R | PERM_W } else { PERM_R };
            mem.map(seg.vaddr, seg.mem_size, perm);
            mem.bytes_mut(seg.vaddr, seg.data.len()).copy_from_slice(&seg.data);
        }
        mem.map(stack_start, STACK_SIZE, PERM_R | PERM_W);
        Ok(mem)
    }

    fn map(&mut self, start: u64, size: u64, perm: u8) {
        if size == 0 {
            return;
        }
        let first = start >> PAGE_SHIFT;
        let last = (start + size - 1) >> PAGE_SHIFT;
        for p in &mut self.perms[first as usize..=last as usize] {
            *p |= perm;
        }
    }

    /// The host address of guest address 0. Guest address `a` lives at `base + a`.
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// The page permission table (index: guest address >> [`PAGE_SHIFT`]).
    pub fn perms(&self) -> &[u8] {
        &self.perms
    }

    /// Checks that `[addr, addr + size)` (size ≤ [`PAGE_SIZE`]) may be accessed with
    /// `access`, returning the cause if not.
    #[inline]
    pub fn check(&self, addr: u64, size: u64, access: Access) -> Result<(), FaultKind> {
        let last = addr.wrapping_add(size - 1);
        if last >= ADDRESS_SPACE_END || last < addr {
            return Err(FaultKind::OutsideAddressSpace { access, addr });
        }
        let need = if access == Access::Store { PERM_W } else { PERM_R };
        for page in [addr >> PAGE_SHIFT, last >> PAGE_SHIFT] {
            let perm = self.perms[page as usize];
            if perm & need == 0 {
                // Report the first byte that is not accessible.
                let bad = if page == addr >> PAGE_SHIFT { addr } else { page << PAGE_SHIFT };
                return Err(if perm == 0 {
                    FaultKind::Unmapped { access, addr: bad }
                } else {
                    FaultKind::ReadOnly { addr: bad }
                });
            }
        }
        Ok(())
    }

    /// Checks a whole range of any length (for syscall buffers).
    pub fn check_range(&self, addr: u64, len: u64, access: Access) -> Result<(), FaultKind> {
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len).filter(|&e| e <= ADDRESS_SPACE_END);
        let Some(end) = end else {
            return Err(FaultKind::OutsideAddressSpace { access, addr: addr.max(ADDRESS_SPACE_END) });
        };
        let mut page_addr = addr;
        while page_addr < end {
            let chunk = (PAGE_SIZE - (page_addr & (PAGE_SIZE - 1))).min(end - page_addr);
            self.check(page_addr, chunk.min(8), access)?;
            page_addr += chunk;
        }
        Ok(())
    }

    /// Loads `size` (1, 2, 4 or 8) bytes little-endian, zero-extended, any alignment.
    #[inline]
    pub fn load(&self, addr: u64, size: u8) -> Result<u64, FaultKind> {
        self.check(addr, u64::from(size), Access::Load)?;
        Ok(self.read_unchecked(addr, size))
    }

    /// Stores the low `size` bytes of `value` little-endian, any alignment.
    #[inline]
    pub fn store(&mut self, addr: u64, size: u8, value: u64) -> Result<(), FaultKind> {
        self.check(addr, u64::from(size), Access::Store)?;
        self.write_unchecked(addr, size, value);
        Ok(())
    }

    /// Reads without a permission check (the caller has checked, or is reading
    /// memory it knows is mapped, e.g. for logging). `addr < 2^32` is required.
    #[inline]
    pub fn read_unchecked(&self, addr: u64, size: u8) -> u64 {
        debug_assert!(addr < ADDRESS_SPACE_END);
        // SAFETY: addr < 2^32 and size ≤ 8, so the access lies inside the window
        // (which has WINDOW_SLACK bytes past 2^32).
        unsafe {
            let p = self.base.add(addr as usize);
            match size {
                1 => u64::from(*p),
                2 => u64::from(p.cast::<u16>().read_unaligned()),
                4 => u64::from(p.cast::<u32>().read_unaligned()),
                _ => p.cast::<u64>().read_unaligned(),
            }
        }
    }

    #[inline]
    fn write_unchecked(&mut self, addr: u64, size: u8, value: u64) {
        debug_assert!(addr < ADDRESS_SPACE_END);
        // SAFETY: as in read_unchecked.
        unsafe {
            let p = self.base.add(addr as usize);
            match size {
                1 => *p = value as u8,
                2 => p.cast::<u16>().write_unaligned(value as u16),
                4 => p.cast::<u32>().write_unaligned(value as u32),
                _ => p.cast::<u64>().write_unaligned(value),
            }
        }
    }

    /// The guest bytes `[addr, addr + len)` without a permission check.
    /// Callers check with [`GuestMemory::check_range`] first.
    pub fn bytes(&self, addr: u64, len: usize) -> &[u8] {
        assert!(addr + len as u64 <= ADDRESS_SPACE_END);
        // SAFETY: in bounds of the window, asserted above.
        unsafe { std::slice::from_raw_parts(self.base.add(addr as usize), len) }
    }

    /// Mutable variant of [`GuestMemory::bytes`].
    pub fn bytes_mut(&mut self, addr: u64, len: usize) -> &mut [u8] {
        assert!(addr + len as u64 <= ADDRESS_SPACE_END);
        // SAFETY: in bounds of the window, asserted above; &mut self is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.base.add(addr as usize), len) }
    }
}

impl Drop for GuestMemory {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the mapping created in `new`.
        unsafe {
            libc::munmap(self.base.cast(), self.len);
        }
    }
}
