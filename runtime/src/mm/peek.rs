//! The gdb stub's reach into memory: reads and writes of any address that
//! report failure instead of faulting.
//!
//! Every page is looked up first by walking the page tables, following
//! only tables that are frames of this domain (Xen's own slots of the
//! top-level table lead elsewhere), and then reached through the physical
//! map, whose mapping of the frame is looked up the same way. A page of the
//! application region that is not mapped yet is mapped as a fault would
//! map it. A write to a page the physical map holds read-only (code: the
//! runtime's text, an app's shared code frames) makes that mapping
//! writable for the copy and read-only again after; Xen refuses that for a
//! page table, and the write fails. A breakpoint in shared code is
//! therefore seen by every app instance that shares the frame.
use super::mmu::PvMmu;
use super::pte::{index, Pte, PAGE_SIZE, WRITABLE};
use super::space::{Access, AddressSpace};
use super::xen_mmu::{frame_va, XenMmu};
use super::GlobalFrames;

type Space = AddressSpace<XenMmu, GlobalFrames>;

/// The leaf entry that maps `va`, through tables of our own only.
fn leaf(space: &Space, va: u64) -> Option<Pte> {
    let mut pfn = space.mmu.owned_pfn(space.root_mfn())?;
    for level in (1..=4).rev() {
        let e = Pte(space.mmu.read_entry(pfn, index(va, level)));
        if !e.is_present() || e.is_huge() {
            return None;
        }
        if level == 1 {
            return Some(e);
        }
        pfn = space.mmu.owned_pfn(e.mfn())?;
    }
    None
}

/// The frame behind `va` and the physical map's entry for it.
fn frame(space: &Space, va: u64) -> Option<(u64, Pte)> {
    let pfn = space.mmu.owned_pfn(leaf(space, va)?.mfn())?;
    let map = leaf(space, frame_va(pfn) as u64)?;
    (map.mfn() == space.mmu.pfn_to_mfn(pfn)).then_some((pfn, map))
}

/// The frame behind `va`, mapping an app-region page first if need be
/// (for writing when its region is writable, so a copy-on-write page gets
/// its private copy before the stub writes it).
fn reach(space: &mut Space, va: u64, write: bool) -> Option<(u64, Pte)> {
    if super::in_app_region(va) {
        let writable = space.regions.find(va)?.writable;
        let access = if write && writable {
            Access::Write
        } else {
            Access::Read
        };
        space.prepare_access(va, va + 1, access).ok()?;
    }
    frame(space, va)
}

/// The page-sized pieces of `[addr, addr + len)`: (address, length).
fn pieces(addr: u64, len: usize) -> impl Iterator<Item = (u64, usize)> {
    let mut at = 0usize;
    core::iter::from_fn(move || {
        if at >= len {
            return None;
        }
        let va = addr.checked_add(at as u64)?;
        let room = (PAGE_SIZE - (va % PAGE_SIZE)) as usize;
        let n = room.min(len - at);
        at += n;
        Some((va, n))
    })
}

/// Copies from `addr` into `buf`; returns how many leading bytes could be
/// read. Nothing is read while the memory manager is busy (a stop inside
/// it): its tables may be half-changed.
pub fn read(addr: u64, buf: &mut [u8]) -> usize {
    let Some(mut guard) = super::SPACE.try_lock() else {
        return 0;
    };
    let Some(space) = guard.as_mut() else {
        return 0;
    };
    let mut done = 0;
    for (va, n) in pieces(addr, buf.len()) {
        let Some((pfn, _)) = reach(space, va, false) else {
            break;
        };
        let src = frame_va(pfn).wrapping_add((va % PAGE_SIZE) as usize);
        // SAFETY: the physical map maps frame `pfn` (just looked up), and
        // the `n` bytes stay inside that page.
        unsafe { core::ptr::copy_nonoverlapping(src, buf[done..].as_mut_ptr(), n) };
        done += n;
    }
    done
}

/// Writes all of `data` at `addr`, or nothing and false (every page is
/// looked up before the first byte is written).
pub fn write(addr: u64, data: &[u8]) -> bool {
    let Some(mut guard) = super::SPACE.try_lock() else {
        return false;
    };
    let Some(space) = guard.as_mut() else {
        return false;
    };
    let mut frames = heapless::Vec::<(u64, Pte), 4>::new();
    for (va, _) in pieces(addr, data.len()) {
        match reach(space, va, true) {
            Some(f) if frames.push(f).is_ok() => {}
            _ => return false, // unreachable, or more than 4 pages at once
        }
    }
    let mut done = 0;
    for ((va, n), (pfn, map)) in pieces(addr, data.len()).zip(frames) {
        let page = frame_va(pfn);
        let read_only = !map.is_writable();
        if read_only
            && crate::xen::hypercall::update_va_mapping(page as u64, map.0 | WRITABLE).is_err()
        {
            return false;
        }
        let dst = page.wrapping_add((va % PAGE_SIZE) as usize);
        // SAFETY: the physical map maps frame `pfn` writable now (it was, or
        // Xen accepted the writable entry, so it is no page table), and the
        // `n` bytes stay inside that page. The stopped program does not run
        // while the stub writes.
        unsafe { core::ptr::copy_nonoverlapping(data[done..].as_ptr(), dst, n) };
        if read_only {
            let _ = crate::xen::hypercall::update_va_mapping(page as u64, map.0);
        }
        done += n;
    }
    true
}
