//! The kernel heap behind `GlobalAlloc`: a linked-list allocator (the
//! `linked_list_allocator` crate, as used by many hobby and teaching kernels)
//! over a run of frames in the physical map, set aside at boot.
use super::frames::FrameAllocator;
use super::xen_mmu::frame_va;
use linked_list_allocator::LockedHeap;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

/// Heap size: 1/16 of the domain's memory, between 1 and 16 MiB.
pub fn size_for(frames: u64) -> u64 {
    (frames / 16).clamp(256, 4096)
}

/// Gives the heap `size_for(usable)` frames. Returns the frame count.
pub fn init(frames: &mut FrameAllocator, usable: u64) -> u64 {
    let pages = size_for(usable);
    let first = frames
        .alloc_contiguous(pages)
        .unwrap_or_else(|_| panic!("no {pages} contiguous frames for the kernel heap"));
    // SAFETY: the frames were just taken from the allocator, are mapped
    // writable in the physical map, and are handed to the heap for good.
    unsafe { HEAP.lock().init(frame_va(first), (pages * 4096) as usize) };
    pages
}
