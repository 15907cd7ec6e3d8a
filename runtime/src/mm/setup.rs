//! Boot-time memory setup: take over what Xen's domain builder left.
//!
//! 1. Walk the page tables Xen built (from `pt_base`) to find the tables that
//!    map the image and how far the initial mapping reaches.
//! 2. Work out the first pfn no boot structure uses.
//! 3. Extend the initial mapping into a physical map of every frame
//!    (virtual address = image base + pfn * 4 KiB), building its L1 tables
//!    in free frames: fill, make read-only, pin, link.
//! 4. Tighten the image's own mappings: code read-only, read-only data
//!    read-only and no-execute, everything else no-execute, and the boot
//!    stack's guard page unmapped.
use super::frames::FrameAllocator;
use super::mmu::{Op, PvMmu};
use super::pte::{index, Pte, ENTRIES, NO_EXECUTE, PAGE_SIZE, TABLE_LINK, WRITABLE};
use super::xen_mmu::{frame_va, XenMmu};
use crate::xen::p2m::{mfn_to_pfn, VIRT_BASE};
use crate::xen::start_info::BootInfo;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The physical map lives in the L2 table that maps the image, so it covers
/// at most 1 GiB; memory above that is left unused (and said so at boot).
pub const MAX_FRAMES: u64 = 512 * 512;
/// Xen's p2m marks pfns without a frame with this.
const INVALID_MFN: u64 = u64::MAX;

/// Machine frame of the L1 table that maps pfns `[512 i, 512 (i + 1))` in
/// the physical map. Atomics only so that boot can fill it in while the MMU
/// code already reads it; it never changes after boot.
pub static PHYSMAP_L1: [AtomicU64; 512] = [const { AtomicU64::new(0) }; 512];

/// What `init` hands to the rest of the runtime.
pub struct Memory {
    pub mmu: XenMmu,
    pub frames: FrameAllocator,
    pub root_pfn: u64,
    /// Frames set aside at boot: Xen's structures, the image, the frame
    /// bitmap and the physical map's tables.
    pub boot_frames: u64,
}

fn va_to_pfn(va: u64) -> u64 {
    (va - VIRT_BASE) / PAGE_SIZE
}

fn pfn_end(va: u64, len: u64) -> u64 {
    (va + len - VIRT_BASE).div_ceil(PAGE_SIZE)
}

fn read(pfn: u64, i: usize) -> Pte {
    // SAFETY: only called for frames inside the mapped part of the physical
    // map (page tables of the initial mapping and frames below `mapped`).
    Pte(unsafe { frame_va(pfn).cast::<u64>().add(i).read_volatile() })
}

extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_end: u8;
    static __image_end: u8;
}

/// Takes over the domain's memory. `start_info_va` is where Xen put it.
pub fn init(info: &BootInfo, start_info_va: u64, stack_guard: u64) -> Memory {
    let usable = info.nr_pages.min(MAX_FRAMES);
    if usable < info.nr_pages {
        crate::println!(
            "ukrt: warning: using {} MiB of {} MiB: the physical map covers 1 GiB",
            usable >> 8,
            info.nr_pages >> 8
        );
    }
    // SAFETY: Xen maps the p2m list (nr_pages entries) at mfn_list.
    let p2m: &'static [u64] =
        unsafe { core::slice::from_raw_parts(info.mfn_list as *const u64, info.nr_pages as usize) };

    // 1. From the top-level table down to the L2 that maps the image.
    let root_pfn = va_to_pfn(info.pt_base);
    let l3 = read(root_pfn, index(VIRT_BASE, 4));
    let l2 = read(mfn_to_pfn(l3.mfn()), index(VIRT_BASE, 3));
    assert!(
        l3.is_present() && l2.is_present(),
        "Xen's tables do not map the image base"
    );
    let l2_pfn = mfn_to_pfn(l2.mfn());
    let l2_mfn = l2.mfn();
    let mut mapped = 0; // pfns [0, mapped) are mapped
    while mapped < usable {
        let e = read(l2_pfn, (mapped / 512) as usize);
        if !e.is_present() || e.is_huge() {
            break;
        }
        PHYSMAP_L1[(mapped / 512) as usize].store(e.mfn(), Relaxed);
        let l1 = mfn_to_pfn(e.mfn());
        let full = (0..ENTRIES)
            .take_while(|&i| read(l1, i).is_present())
            .count() as u64;
        mapped += full;
        if full < 512 {
            break;
        }
    }
    assert!(
        mapped % 512 == 0,
        "initial mapping ends inside a 2 MiB chunk (at pfn {mapped:#x})"
    );

    // 2. Boot structures end before `first_free`.
    let pt_end = va_to_pfn(info.pt_base) + info.nr_pt_frames + 1; // + Xen's boot stack
    super::image::set_image_limit(info);
    let image_end = match super::image::embedded_extent() {
        Some((va, len)) => va + len,
        None => core::ptr::addr_of!(__image_end) as u64,
    };
    let mut first_free = pt_end
        .max(pfn_end(image_end, 0))
        .max(pfn_end(info.mfn_list, info.nr_pages * 8))
        .max(pfn_end(start_info_va, PAGE_SIZE));
    if info.mod_start != 0 && info.mod_len != 0 {
        first_free = first_free.max(pfn_end(info.mod_start, info.mod_len));
    }
    if !info.is_initial_domain() {
        for mfn in [info.store_mfn, console_mfn(info)] {
            first_free = first_free.max(mfn_to_pfn(mfn) + 1);
        }
    }

    // The frame bitmap takes the first free frames.
    let words = FrameAllocator::words_for(usable);
    let bitmap_pages = (words as u64 * 8).div_ceil(PAGE_SIZE);
    // SAFETY: these frames are mapped, free, and handed over for good.
    let bits =
        unsafe { core::slice::from_raw_parts_mut(frame_va(first_free).cast::<u64>(), words) };
    first_free += bitmap_pages;

    let initial_mapped = mapped;
    let mut mmu = XenMmu::new(p2m);
    // 3. Extend the physical map, a batch of chunks at a time.
    let chunks = usable.div_ceil(512);
    let mut chunk = mapped / 512;
    while chunk < chunks {
        let batch = (chunks - chunk).min(32);
        let mut ops = heapless::Vec::<Op, 96>::new();
        let mut pins = heapless::Vec::<Op, 32>::new();
        let mut links = heapless::Vec::<Op, 32>::new();
        for c in chunk..chunk + batch {
            let table = first_free;
            first_free += 1;
            assert!(table < mapped, "no mapped frame left for the physical map");
            for i in 0..ENTRIES {
                let pfn = c * 512 + i as u64;
                let mfn = if pfn < usable {
                    p2m[pfn as usize]
                } else {
                    INVALID_MFN
                };
                let e = if mfn == INVALID_MFN {
                    0
                } else {
                    Pte::new(mfn, super::pte::leaf_flags(true, false)).0
                };
                // SAFETY: `table` is a free, mapped, writable frame.
                unsafe { frame_va(table).cast::<u64>().add(i).write_volatile(e) };
            }
            let mfn = p2m[table as usize];
            let _ = ops.push(Op::ProtectFrame {
                pfn: table,
                writable: false,
            });
            let _ = pins.push(Op::Pin { level: 1, mfn });
            let link = Pte::new(mfn, TABLE_LINK).0;
            let _ = links.push(Op::SetEntry {
                table: l2_mfn,
                index: c as usize,
                val: link,
            });
            PHYSMAP_L1[c as usize].store(mfn, Relaxed);
        }
        for op in pins.iter().chain(&links) {
            let _ = ops.push(*op);
        }
        mmu.submit(&ops)
            .unwrap_or_else(|e| panic!("building the physical map: {e}"));
        mapped = (chunk + batch) * 512;
        chunk += batch;
    }

    // 4. Tighten the image's mappings.
    let text = va_to_pfn(core::ptr::addr_of!(__text_start) as u64);
    let text_end = va_to_pfn(core::ptr::addr_of!(__text_end) as u64);
    let rodata_end = va_to_pfn(core::ptr::addr_of!(__rodata_end) as u64);
    let guard = va_to_pfn(stack_guard);
    // The embedded bundle and the ramdisk module are read-only data too:
    // their bytes are handed out as `&'static [u8]` (mm/image.rs).
    let extent =
        |e: Option<(u64, u64)>| e.map_or(0..0, |(va, len)| va_to_pfn(va)..pfn_end(va, len));
    let bundle = extent(super::image::embedded_extent());
    let module = extent(super::image::module_extent(info));
    let mut ops = heapless::Vec::<Op, 128>::new();
    for pfn in 0..initial_mapped {
        let table = PHYSMAP_L1[(pfn / 512) as usize].load(Relaxed);
        let old = read(mfn_to_pfn(table), (pfn % 512) as usize);
        if !old.is_present() {
            continue;
        }
        let val = if pfn == guard {
            0
        } else if (text..text_end).contains(&pfn) {
            old.0 & !WRITABLE
        } else if (text_end..rodata_end).contains(&pfn)
            || bundle.contains(&pfn)
            || module.contains(&pfn)
        {
            (old.0 & !WRITABLE) | NO_EXECUTE
        } else {
            old.0 | NO_EXECUTE
        };
        if val != old.0 {
            let _ = ops.push(Op::SetEntry {
                table,
                index: (pfn % 512) as usize,
                val,
            });
        }
        if ops.len() == ops.capacity() {
            mmu.submit(&ops)
                .unwrap_or_else(|e| panic!("protecting the image: {e}"));
            ops.clear();
        }
    }
    let _ = ops.push(Op::FlushTlb);
    mmu.submit(&ops)
        .unwrap_or_else(|e| panic!("protecting the image: {e}"));

    Memory {
        frames: FrameAllocator::new(bits, first_free, usable),
        mmu,
        root_pfn,
        boot_frames: first_free,
    }
}

fn console_mfn(info: &BootInfo) -> u64 {
    match info.console {
        crate::xen::start_info::ConsoleKind::Ring { mfn, .. } => mfn,
        crate::xen::start_info::ConsoleKind::Hypervisor => 0,
    }
}
