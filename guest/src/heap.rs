//! Bump-allocation bookkeeping for the guest heap.
//!
//! A proof pays for every instruction, so the allocator must be as short as possible:
//! allocation is an aligned pointer bump, and memory is reclaimed only when the most
//! recent allocation is freed or resized (the common `Vec` growth pattern, which then
//! grows in place without copying). Everything else is never reused: guests are
//! short-lived batch programs with a fixed heap (see the linker script).
//!
//! This module works on plain addresses so its arithmetic is tested on the host; the
//! `GlobalAlloc` wrapper lives in `allocator.rs`.

/// The state of a bump heap over the address range `[next, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BumpHeap {
    next: usize,
    end: usize,
}

impl BumpHeap {
    /// A heap handing out addresses from `[start, end)`.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { next: start, end }
    }

    /// Bytes still available (ignoring alignment padding).
    pub fn remaining(&self) -> usize {
        self.end.saturating_sub(self.next)
    }

    /// Reserves `size` bytes aligned to `align` (a power of two) and returns their
    /// address, or `None` when the heap is exhausted.
    pub fn alloc(&mut self, size: usize, align: usize) -> Option<usize> {
        debug_assert!(align.is_power_of_two());
        let start = self.next.checked_add(align - 1)? & !(align - 1);
        let new_next = start.checked_add(size)?;
        if new_next > self.end {
            return None;
        }
        self.next = new_next;
        Some(start)
    }

    /// Releases the block `[addr, addr + size)`: reclaimed only if it is the most
    /// recent allocation, otherwise the bytes are simply abandoned.
    pub fn dealloc(&mut self, addr: usize, size: usize) {
        if addr + size == self.next {
            self.next = addr;
        }
    }

    /// Resizes the block at `addr` from `old_size` to `new_size` bytes without moving
    /// it, which is possible when it is the most recent allocation and the heap has
    /// room. Returns whether it succeeded; on failure nothing changes.
    pub fn resize_in_place(&mut self, addr: usize, old_size: usize, new_size: usize) -> bool {
        if addr + old_size != self.next {
            return false;
        }
        match addr.checked_add(new_size) {
            Some(new_next) if new_next <= self.end => {
                self.next = new_next;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BumpHeap;

    #[test]
    fn allocations_are_aligned_disjoint_and_bounded() {
        let mut heap = BumpHeap::new(0x1001, 0x2000);
        let a = heap.alloc(3, 1).unwrap();
        assert_eq!(a, 0x1001);
        let b = heap.alloc(16, 16).unwrap();
        assert_eq!(b, 0x1010, "rounded up to the 16-byte boundary past the first block");
        let c = heap.alloc(8, 8).unwrap();
        assert_eq!(c, 0x1020);
        assert_eq!(heap.remaining(), 0x2000 - 0x1028);
        assert_eq!(heap.alloc(0x1000, 8), None, "larger than what is left");
        assert_eq!(heap.remaining(), 0x2000 - 0x1028, "a failed allocation changes nothing");
        assert_eq!(heap.alloc(0x2000 - 0x1028, 1), Some(0x1028), "exactly what is left fits");
        assert_eq!(heap.alloc(1, 1), None);
    }

    #[test]
    fn address_overflow_is_exhaustion_not_wraparound() {
        let mut heap = BumpHeap::new(usize::MAX - 4, usize::MAX);
        assert_eq!(heap.alloc(1, 16), None);
        assert_eq!(heap.alloc(usize::MAX, 1), None);
        assert_eq!(heap.alloc(2, 1), Some(usize::MAX - 4));
    }

    #[test]
    fn only_the_last_block_is_reclaimed_or_resized() {
        let mut heap = BumpHeap::new(0x1000, 0x1100);
        let a = heap.alloc(0x10, 8).unwrap();
        let b = heap.alloc(0x10, 8).unwrap();
        assert_eq!((a, b), (0x1000, 0x1010));
        assert!(!heap.resize_in_place(a, 0x10, 0x20), "a is not the last block");
        heap.dealloc(a, 0x10);
        assert_eq!(heap.alloc(8, 8), Some(0x1020), "freeing an inner block reclaims nothing");
        let c = 0x1020;
        assert!(heap.resize_in_place(c, 8, 0x40), "the last block grows in place");
        assert_eq!(heap.alloc(1, 1), Some(0x1060));
        heap.dealloc(0x1060, 1);
        assert!(heap.resize_in_place(c, 0x40, 4), "and shrinks in place");
        assert_eq!(heap.alloc(4, 4), Some(0x1024));
        assert!(!heap.resize_in_place(0x1024, 4, 0x1000), "no room: refused");
        assert_eq!(heap.alloc(4, 4), Some(0x1028), "a refused resize changes nothing");
        heap.dealloc(0x1028, 4);
        heap.dealloc(0x1024, 4);
        heap.dealloc(c, 4);
        assert_eq!(heap.alloc(4, 4), Some(c), "freeing in reverse order rewinds the heap");
    }
}
