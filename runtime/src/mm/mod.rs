//! Memory: frames, the runtime's own mappings, the kernel heap, and the
//! demand-mapped application region.
//!
//! The decision logic (`frames`, `region`, `space`, `pte`) is plain Rust,
//! tested on the host against `model`, a model of Xen's PV MMU rules. The
//! Xen-facing parts (`xen_mmu`, `setup`, `heap`) only build for the guest.
pub mod frames;
pub mod mmu;
pub mod pte;
pub mod region;
pub mod space;

#[cfg(target_os = "none")]
pub mod heap;
#[cfg(target_os = "none")]
pub mod setup;
#[cfg(target_os = "none")]
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

#[cfg(target_os = "none")]
pub use guest::*;

#[cfg(target_os = "none")]
mod guest {
    use super::space::{Access, AddressSpace, FaultError};
    use super::xen_mmu::XenMmu;
    use crate::xen::start_info::BootInfo;

    /// The application region's address space, once memory is set up.
    pub static SPACE: spin::Mutex<Option<AddressSpace<XenMmu>>> = spin::Mutex::new(None);

    /// Frames set aside at boot and for the heap, for the stats line.
    static RESERVED: spin::Once<(u64, u64)> = spin::Once::new();

    /// Takes over memory: physical map, image protection, heap, app region.
    pub fn init(info: &BootInfo, start_info_va: u64) {
        let mut mem = super::setup::init(info, start_info_va, crate::arch::boot_stack_guard());
        let heap = super::heap::init(&mut mem.frames, mem.usable_frames);
        RESERVED.call_once(|| (mem.boot_frames, heap));
        *SPACE.lock() = Some(AddressSpace::new(mem.mmu, mem.frames, mem.root_pfn));
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
    pub fn with_space<R>(f: impl FnOnce(&mut AddressSpace<XenMmu>) -> R) -> R {
        f(SPACE.lock().as_mut().expect("memory is set up at boot"))
    }

    /// The `uk-stats:` line's fields.
    pub fn write_stats(w: &mut impl core::fmt::Write) -> core::fmt::Result {
        let hypercalls =
            crate::xen::hypercall::HYPERCALLS.load(core::sync::atomic::Ordering::Relaxed);
        with_space(|s| {
            let (boot, heap) = RESERVED.get().copied().unwrap_or_default();
            let st = s.stats;
            let c = s.mmu.counts;
            write!(
                w,
                "faults={} tables={} hypercalls={} mmu_updates={} frames_used={} frames_free={} \
                 tables_l1={} tables_l2={} tables_l3={} tables_freed={} multicalls={} \
                 multicall_entries={} mmuext_ops={} zero_fills={} cow_copies={} shared_maps={} \
                 shared_code_pages={} private_pages={} l1_shared_links={} boot_frames={} heap_frames={} \
                 timer_events={} blocks={} upcalls={} switches={}",
                st.faults,
                st.tables_total(),
                hypercalls,
                c.mmu_updates,
                s.frames.used_count(),
                s.frames.free_count(),
                st.tables[0],
                st.tables[1],
                st.tables[2],
                st.tables_freed,
                c.multicalls,
                c.multicall_entries,
                c.mmuext_ops,
                st.zero_fills,
                st.cow_copies,
                st.shared_maps,
                st.shared_code_pages(),
                st.private_pages(),
                st.l1_shared_links,
                boot,
                heap,
                crate::boot::TIMER_EVENTS.load(core::sync::atomic::Ordering::Relaxed),
                crate::sched::BLOCKS.load(core::sync::atomic::Ordering::Relaxed),
                crate::xen::events::UPCALLS.load(core::sync::atomic::Ordering::Relaxed),
                crate::sched::SWITCHES.load(core::sync::atomic::Ordering::Relaxed),
            )
        })
    }
}
