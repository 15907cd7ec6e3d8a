//! The kernel heap behind `GlobalAlloc`: talc (a well-kept, fast `no_std`
//! allocator that manages any number of separate spans) over runs of
//! frames of the physical map.
//!
//! The heap starts empty and grows when an allocation finds no room: its
//! out-of-memory handler takes a run of contiguous frames (every frame is
//! mapped in the physical map, so a run of frames is a run of addresses)
//! and gives it to talc. The frames may come from the allocator's reserve,
//! which apps cannot take, so the runtime can still keep its books when the
//! apps have used all the memory they may.
use super::pte::PAGE_SIZE;
use super::xen_mmu::frame_va;
use core::alloc::Layout;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use talc::{OomHandler, Span, Talc, Talck};

/// The smallest growth: 64 frames (256 KiB), so small allocations do not
/// take a hypercall-free but bitmap-scanning trip to the allocator each.
const GROW_FRAMES: u64 = 64;
/// Room for talc's own bookkeeping in a new span (its bins live in the
/// first span it gets, about 1 KiB; a word per span after that).
const SPAN_OVERHEAD: usize = 2 * 4096;

/// Frames the heap holds.
static HEAP_FRAMES: AtomicU64 = AtomicU64::new(0);

/// Grows the heap from the frame allocator.
pub struct GrowFromFrames;

impl OomHandler for GrowFromFrames {
    fn handle_oom(talc: &mut Talc<Self>, layout: Layout) -> Result<(), ()> {
        let need = layout.size().saturating_add(layout.align()) + SPAN_OVERHEAD;
        let frames = (need.div_ceil(PAGE_SIZE as usize) as u64).max(GROW_FRAMES);
        let first = super::take_heap_frames(frames).ok_or(())?;
        let span = Span::from_base_size(frame_va(first), (frames * PAGE_SIZE) as usize);
        // SAFETY: the frames were just taken from the frame allocator for
        // good: nothing else uses them, and they stay mapped writable in the
        // physical map; distinct runs never overlap an existing span.
        unsafe { talc.claim(span) }?;
        HEAP_FRAMES.fetch_add(frames, Relaxed);
        Ok(())
    }
}

#[global_allocator]
static HEAP: Talck<spin::Mutex<()>, GrowFromFrames> = Talc::new(GrowFromFrames).lock();

/// Frames the heap has taken so far.
pub fn frames() -> u64 {
    HEAP_FRAMES.load(Relaxed)
}
