//! Frames the runtime shares with a backend (rings, I/O buffers): a frame
//! from the allocator, zeroed, reached only as a [`SharedPage`] while the
//! other side may write it. Dropping the page gives the frame back.
//!
//! The drivers' rule, as for any memory a device can write: a frame may be
//! dropped only once no grant of it remains (`GrantTable::end_access`
//! succeeded). A frame a backend may still map is leaked instead.
use super::frames::OutOfMemory;
use super::pte::PAGE_SIZE;
use super::xen_mmu::frame_va;
use crate::xen::shared_page::SharedPage;

/// Gives the frame back when the page that owns it is dropped.
struct FrameOwner {
    pfn: u64,
}

impl Drop for FrameOwner {
    fn drop(&mut self) {
        super::free_contiguous(self.pfn, 1);
    }
}

/// A zeroed page of a frame of ours, and that frame's machine number (what
/// a grant names).
pub fn alloc() -> Result<(SharedPage, u64), OutOfMemory> {
    let pfn = super::alloc_contiguous(1)?;
    let mfn = super::with_space(|s| crate::mm::mmu::PvMmu::pfn_to_mfn(&s.mmu, pfn));
    let base = core::ptr::NonNull::new(frame_va(pfn)).expect("the physical map is not at 0");
    // SAFETY: the frame was just taken from the allocator: it is mapped
    // writable in the physical map and nothing else uses it, so no Rust
    // reference covers it; the owner gives it back only when the page (the
    // one handle) is dropped.
    let page = unsafe { SharedPage::owned(base, FrameOwner { pfn }) };
    page.fill(0, PAGE_SIZE as usize, 0);
    Ok((page, mfn))
}
