//! The global allocator: a [`BumpHeap`] over the heap region that the linker script
//! reserves after `.bss` (`__ziskjit_heap_start..__ziskjit_heap_end`).
//!
//! The region's addresses are only known at link time, so the heap is set up on the
//! first allocation. Exhaustion returns null, which Rust turns into a panic
//! ("memory allocation of N bytes failed") and so exit code 101.

use crate::heap::BumpHeap;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::{addr_of, null_mut};

unsafe extern "C" {
    static __ziskjit_heap_start: u8;
    static __ziskjit_heap_end: u8;
}

struct GuestAllocator {
    heap: UnsafeCell<Option<BumpHeap>>,
}

// SAFETY: a guest is a single hart with no interrupts or threads, so the allocator
// is never entered concurrently or re-entrantly.
unsafe impl Sync for GuestAllocator {}

impl GuestAllocator {
    /// The heap state, initialised from the linker symbols on first use.
    ///
    /// # Safety
    /// Must not be called while another reference from it is alive (see `Sync` above).
    #[allow(clippy::mut_from_ref)]
    unsafe fn heap(&self) -> &mut BumpHeap {
        // SAFETY: single-threaded, and each GlobalAlloc method holds the reference
        // only for its own duration.
        let slot = unsafe { &mut *self.heap.get() };
        slot.get_or_insert_with(|| {
            // Only the symbols' addresses are taken, never their contents.
            BumpHeap::new(addr_of!(__ziskjit_heap_start) as usize, addr_of!(__ziskjit_heap_end) as usize)
        })
    }
}

unsafe impl GlobalAlloc for GuestAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see `heap`.
        match unsafe { self.heap() }.alloc(layout.size(), layout.align()) {
            Some(addr) => addr as *mut u8,
            None => null_mut(),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // Fresh heap memory is zero (the region is NOBITS), but memory given back by
        // `dealloc` and handed out again is not, so it is cleared like any other.
        let ptr = unsafe { self.alloc(layout) };
        if !ptr.is_null() {
            // SAFETY: `ptr` points to `layout.size()` bytes just allocated.
            unsafe { ptr.write_bytes(0, layout.size()) };
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: see `heap`.
        unsafe { self.heap() }.dealloc(ptr as usize, layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see `heap`.
        if unsafe { self.heap() }.resize_in_place(ptr as usize, layout.size(), new_size) {
            return ptr;
        }
        // SAFETY: `layout.align()` is valid and the caller guarantees `new_size` does
        // not overflow when rounded up to it (the `GlobalAlloc::realloc` contract).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let new_ptr = unsafe { self.alloc(new_layout) };
        if !new_ptr.is_null() {
            // SAFETY: both blocks are live, distinct, and at least this long.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new_ptr
    }
}

#[global_allocator]
static ALLOCATOR: GuestAllocator = GuestAllocator { heap: UnsafeCell::new(None) };
