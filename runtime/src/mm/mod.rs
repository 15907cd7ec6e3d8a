//! Memory: frames, the runtime's own mappings, the kernel heap, and the
//! demand-mapped application region.
//!
//! The decision logic (`frames`, `region`, `space`, `pte`) is plain Rust,
//! tested on the host against `model`, a model of Xen's PV MMU rules. The
//! Xen-facing parts (`xen_mmu`, `setup`, `heap`, `image`, `stack`,
//! `uaccess`) only build for the guest; they hold this module's `unsafe`.
pub mod frames;
pub mod mmu;
pub mod physmap;
pub mod pte;
pub mod region;
pub mod space;

#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod heap;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod image;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod peek;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod physmap_xen;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod setup;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod shared;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod stack;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod uaccess;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod xen_mmu;

#[cfg(test)]
mod model;
#[cfg(test)]
mod space_tests;

pub use region::{APP_REGION_END, APP_REGION_START};

/// Whether `va` lies in the application region.
pub fn in_app_region(va: u64) -> bool {
    (APP_REGION_START..APP_REGION_END).contains(&va)
}

/// Frames kept back from apps for the runtime's own growth (the kernel
/// heap): 2 MiB.
pub const RESERVE_FRAMES: u64 = 512;

#[cfg(target_os = "none")]
pub use guest::*;

#[cfg(target_os = "none")]
mod guest {
    use super::frames::{FrameAllocator, Frames, OutOfMemory};
    use super::space::{Access, AddressSpace, FaultError};
    use super::xen_mmu::XenMmu;
    use crate::stats::MemoryStats;
    use crate::xen::start_info::BootInfo;

    /// The frame allocator, apart from the address space so that the kernel
    /// heap can grow while the address space is locked. Whoever holds it
    /// never allocates from the heap.
    static FRAMES: spin::Mutex<Option<FrameAllocator>> = spin::Mutex::new(None);

    /// The frame allocator as the address space sees it.
    pub struct GlobalFrames;

    impl Frames for GlobalFrames {
        fn alloc(&mut self) -> Result<u64, OutOfMemory> {
            with_frames(|f| mapped(f.alloc(), 1))
        }
        fn free(&mut self, pfn: u64) {
            with_frames(|f| f.free(pfn))
        }
    }

    fn with_frames<R>(f: impl FnOnce(&mut FrameAllocator) -> R) -> R {
        f(FRAMES.lock().as_mut().expect("memory is set up at boot"))
    }

    /// `run` once the physical map maps its `count` frames (called with
    /// the frame allocator locked, before anyone uses them).
    fn mapped(run: Result<u64, OutOfMemory>, count: u64) -> Result<u64, OutOfMemory> {
        let first = run?;
        super::physmap_xen::ensure(first, count);
        Ok(first)
    }

    /// A run of frames for the kernel heap (reserve included), or `None`
    /// before memory is set up or when none is left.
    pub(super) fn take_heap_frames(count: u64) -> Option<u64> {
        let mut frames = FRAMES.try_lock()?;
        mapped(frames.as_mut()?.alloc_contiguous_reserved(count), count).ok()
    }

    /// A run of frames for the runtime's own use outside the heap (thread
    /// stacks); apps' reserve rules apply.
    pub fn alloc_contiguous(count: u64) -> Result<u64, OutOfMemory> {
        with_frames(|f| mapped(f.alloc_contiguous(count), count))
    }

    /// Returns frames taken with [`alloc_contiguous`].
    pub fn free_contiguous(first: u64, count: u64) {
        with_frames(|f| (first..first + count).for_each(|p| f.free(p)))
    }

    /// Frames kept back from apps (see `FrameAllocator::set_reserve`).
    pub fn reserve() -> u64 {
        with_frames(|f| f.reserve())
    }

    /// Frames in use and free (free includes the reserve).
    pub fn frame_counts() -> (u64, u64) {
        with_frames(|f| (f.used_count(), f.free_count()))
    }

    /// The application region's address space, once memory is set up.
    pub static SPACE: spin::Mutex<Option<AddressSpace<XenMmu, GlobalFrames>>> =
        spin::Mutex::new(None);

    /// Frames set aside at boot, for the stats line.
    static BOOT_FRAMES: spin::Once<u64> = spin::Once::new();

    /// Takes over memory: physical map, image protection, frames, app region.
    pub fn init(info: &BootInfo, start_info_va: u64) {
        let mem = super::setup::init(info, start_info_va, crate::arch::boot_stack_guard());
        let mut frames = mem.frames;
        BOOT_FRAMES.call_once(|| mem.boot_frames + frames.aside_count());
        frames.set_reserve(super::RESERVE_FRAMES.min(frames.total() / 8));
        *FRAMES.lock() = Some(frames);
        *SPACE.lock() = Some(AddressSpace::new(mem.mmu, GlobalFrames, mem.root_pfn));
    }

    /// Handles a page fault in the application region.
    pub fn handle_fault(va: u64, access: Access) -> Result<(), FaultError> {
        // A fault while the memory manager holds its lock came from the
        // memory manager itself: refuse rather than deadlock.
        let mut guard = SPACE.try_lock().ok_or(FaultError::MemoryManagerBusy)?;
        let space = guard.as_mut().ok_or(FaultError::OutsideRegions)?;
        space.handle_fault(va, access)
    }

    /// Runs `f` on the address space.
    pub fn with_space<R>(f: impl FnOnce(&mut AddressSpace<XenMmu, GlobalFrames>) -> R) -> R {
        f(SPACE.lock().as_mut().expect("memory is set up at boot"))
    }

    /// Whether `addr` lies in an executable region of the app region.
    /// The machine frame of the top-level page table.
    pub fn root_mfn() -> u64 {
        with_space(|s| s.root_mfn())
    }

    pub fn is_app_code(addr: u64) -> bool {
        with_space(|s| s.regions.find(addr).is_some_and(|r| r.executable))
    }

    /// Whether `stack` is wholly inside one writable region (its pages are
    /// faulted in as app code touches them: apps run in guest user mode,
    /// so those faults arrive on the runtime stack).
    pub fn is_app_stack(stack: core::ops::Range<u64>) -> bool {
        with_space(|s| {
            s.regions
                .find(stack.start)
                .is_some_and(|r| r.writable && stack.end <= r.end)
        })
    }

    /// Whether the page of `va` is mapped (a read there cannot fault).
    /// `false` when the memory manager is busy: it may be what crashed,
    /// so this never waits for it.
    pub fn is_mapped(va: u64) -> bool {
        SPACE
            .try_lock()
            .and_then(|g| g.as_ref().map(|s| s.translate(va).is_some()))
            .unwrap_or(false)
    }

    /// Page-table pages made so far: the physical map's (its L3 and first
    /// L2 at boot, then one per chunk mapped) and the app region's.
    pub fn tables_made() -> u64 {
        let map = 2 + super::physmap_xen::TABLES_MADE.load(core::sync::atomic::Ordering::Relaxed);
        map + with_space(|s| s.stats.tables.iter().sum::<u64>())
    }

    /// Faults handled so far.
    pub fn faults() -> u64 {
        with_space(|s| s.stats.faults)
    }

    /// The memory figures of the stats line; `None` if the memory manager
    /// is busy (it may be what crashed: never wait for it).
    pub fn stats() -> Option<MemoryStats> {
        let guard = SPACE.try_lock()?;
        let s = guard.as_ref()?;
        let (used, free) = FRAMES
            .try_lock()?
            .as_ref()
            .map(|f| (f.used_count(), f.free_count()))?;
        let st = s.stats;
        let c = s.mmu.counts;
        Some(MemoryStats {
            faults: st.faults,
            tables: st.tables,
            tables_freed: st.tables_freed,
            mmu_updates: c.mmu_updates,
            multicalls: c.multicalls,
            multicall_entries: c.multicall_entries,
            mmuext_ops: c.mmuext_ops,
            frames_used: used,
            frames_free: free,
            zero_fills: st.zero_fills,
            cow_copies: st.cow_copies,
            shared_maps: st.shared_maps,
            shared_code_pages: st.shared_code_pages(),
            private_pages: st.private_pages(),
            l1_shared_links: st.l1_shared_links,
            boot_frames: BOOT_FRAMES.get().copied().unwrap_or(0),
            heap_frames: super::heap::frames(),
        })
    }
}
