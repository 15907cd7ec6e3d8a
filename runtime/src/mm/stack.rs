//! Runtime stacks for threads: runs of frames in the physical map, with
//! the frame below each stack unmapped as a guard page, so an overflow
//! faults instead of overwriting the next frame's owner.
//!
//! They come from the frame allocator rather than the kernel heap: a stack
//! per app would otherwise make the heap, not memory, the limit on apps.
use super::frames::OutOfMemory;
use super::pte::{leaf_flags, Pte, PAGE_SIZE};
use super::xen_mmu::frame_va;
use crate::xen::hypercall::{self, XenError};
use core::ops::Range;

/// A thread's runtime stack and its guard page.
pub struct RuntimeStack {
    /// The guard frame; the stack's frames follow it.
    guard: u64,
    pages: u64,
}

/// Why no stack could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackError {
    OutOfMemory,
    Hypervisor(XenError),
}

impl core::fmt::Display for StackError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::OutOfMemory => write!(f, "out of memory for a runtime stack"),
            Self::Hypervisor(e) => write!(f, "unmapping a stack guard page: {e}"),
        }
    }
}

impl From<OutOfMemory> for StackError {
    fn from(_: OutOfMemory) -> Self {
        StackError::OutOfMemory
    }
}

impl RuntimeStack {
    /// A stack of `pages` pages.
    pub fn new(pages: u64) -> Result<Self, StackError> {
        let guard = super::alloc_contiguous(pages + 1)?;
        if let Err(e) = hypercall::update_va_mapping(frame_va(guard) as u64, 0) {
            super::free_contiguous(guard, pages + 1);
            return Err(StackError::Hypervisor(e));
        }
        Ok(RuntimeStack { guard, pages })
    }

    /// The stack's addresses (it grows down from `end`).
    pub fn range(&self) -> Range<u64> {
        let bottom = frame_va(self.guard + 1) as u64;
        bottom..bottom + self.pages * PAGE_SIZE
    }
}

// SAFETY: the stack's frames are mapped writable in the physical map for
// as long as the value lives (the guard below them is not part of the
// range), and nothing else uses them: they were taken from the allocator.
unsafe impl crate::arch::switch::StackMemory for RuntimeStack {
    fn range(&self) -> Range<u64> {
        RuntimeStack::range(self)
    }
}

impl Drop for RuntimeStack {
    fn drop(&mut self) {
        // Map the guard frame again before it goes back to the allocator:
        // its next owner expects it in the physical map.
        let mfn = super::with_space(|s| crate::mm::mmu::PvMmu::pfn_to_mfn(&s.mmu, self.guard));
        let pte = Pte::new(mfn, leaf_flags(true, false));
        if let Err(e) = hypercall::update_va_mapping(frame_va(self.guard) as u64, pte.0) {
            panic!("remapping a stack guard page: {e}");
        }
        super::free_contiguous(self.guard, self.pages + 1);
    }
}
