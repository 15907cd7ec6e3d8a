//! Boot-time memory setup: take over what Xen's domain builder left.
//!
//! 1. Walk the page tables Xen built (from `pt_base`) to find the tables that
//!    map the image and how far the initial mapping reaches.
//! 2. Work out the first pfn no boot structure uses, and place the frame
//!    bitmap there.
//! 3. Start the physical map (`physmap`): an L3 and a first L2 table, the
//!    L2 linking Xen's own L1 tables of the initial mapping. Nothing else is
//!    mapped now, so this costs the same at any memory size.
//! 4. Tighten the image's own mappings: code read-only, read-only data
//!    read-only and no-execute, everything else no-execute, and the boot
//!    stack's guard page unmapped.
use super::frames::FrameAllocator;
use super::mmu::{Op, PvMmu};
use super::physmap::{self, Layout, MAX_FRAMES};
use super::pte::{index, leaf_flags, Pte, ENTRIES, NO_EXECUTE, PAGE_SIZE, WRITABLE};
use super::xen_mmu::XenMmu;
use crate::xen::p2m::{mfn_to_pfn, VIRT_BASE};
use crate::xen::start_info::BootInfo;

/// What `init` hands to the rest of the runtime.
pub struct Memory {
    pub mmu: XenMmu,
    pub frames: FrameAllocator,
    pub root_pfn: u64,
    /// Frames below the allocator's: Xen's structures, the image, the
    /// frame bitmap and the physical map's first tables (the table area it
    /// sets aside is counted by the allocator).
    pub boot_frames: u64,
}

fn va_to_pfn(va: u64) -> u64 {
    (va - VIRT_BASE) / PAGE_SIZE
}

fn pfn_end(va: u64, len: u64) -> u64 {
    (va + len - VIRT_BASE).div_ceil(PAGE_SIZE)
}

/// A frame of the initial mapping, at its address there (the physical map
/// is not linked yet).
fn boot_va(pfn: u64) -> *mut u64 {
    (VIRT_BASE + pfn * PAGE_SIZE) as *mut u64
}

fn read(pfn: u64, i: usize) -> Pte {
    // SAFETY: only called for frames inside the initial mapping (Xen's page
    // tables and frames below `mapped`), and `i` < 512.
    Pte(unsafe { boot_va(pfn).add(i).read_volatile() })
}

extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_end: u8;
    static __image_end: u8;
}

/// Takes over the domain's memory. `start_info_va` is where Xen put it.
pub fn init(info: &BootInfo, start_info_va: u64, stack_guard: u64) -> Memory {
    // SAFETY: Xen maps the p2m list (nr_pages entries) at mfn_list.
    let p2m: &'static [u64] =
        unsafe { core::slice::from_raw_parts(info.mfn_list as *const u64, info.nr_pages as usize) };

    // 1. From the top-level table down to the L2 that maps the image, and
    //    its L1 tables (one per 2 MiB chunk) as far as Xen filled them.
    let root_pfn = va_to_pfn(info.pt_base);
    let l3 = read(root_pfn, index(VIRT_BASE, 4));
    let l2 = read(mfn_to_pfn(l3.mfn()), index(VIRT_BASE, 3));
    assert!(
        l3.is_present() && l2.is_present(),
        "Xen's tables do not map the image base"
    );
    let l2_pfn = mfn_to_pfn(l2.mfn());
    let mut xen_l1 = [0u64; ENTRIES];
    let mut mapped = 0; // pfns [0, mapped) are mapped
    while mapped < info.nr_pages && mapped / 512 < ENTRIES as u64 {
        let e = read(l2_pfn, (mapped / 512) as usize);
        if !e.is_present() || e.is_huge() {
            break;
        }
        xen_l1[(mapped / 512) as usize] = e.mfn();
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

    // The frame bitmap takes the first free frames; it and the physical
    // map's two first tables must fit in the initial mapping, which decides
    // how much memory the bitmap can cover.
    let room = mapped.saturating_sub(first_free + 2);
    let usable = info.nr_pages.min(MAX_FRAMES).min(room * PAGE_SIZE * 8);
    if usable < info.nr_pages {
        crate::println!(
            "ukrt: warning: using {} MiB of {} MiB: the physical map takes at most {} GiB",
            usable >> 8,
            info.nr_pages >> 8,
            (usable >> 18).max(1)
        );
    }
    let words = FrameAllocator::words_for(usable);
    let bitmap_pages = (words as u64 * 8).div_ceil(PAGE_SIZE);
    // SAFETY: these frames are mapped, free, and handed over for good.
    let bits = unsafe { core::slice::from_raw_parts_mut(boot_va(first_free), words) };
    first_free += bitmap_pages;

    // 3. The physical map's L3 and first L2, in the next two free frames.
    let layout = Layout {
        boot_chunks: mapped / 512,
        frames: usable,
    };
    let (map_l3, map_l2) = (first_free, first_free + 1);
    first_free += 2;
    assert!(
        first_free <= mapped,
        "no mapped frame left for the physical map"
    );
    for (pfn, links) in [
        (map_l3, &[p2m[map_l2 as usize]][..]),
        (map_l2, &xen_l1[..layout.boot_chunks as usize]),
    ] {
        for i in 0..ENTRIES {
            // Nothing runs through the physical map.
            let e = links
                .get(i)
                .map_or(0, |&mfn| Pte::new(mfn, physmap::LINK).0);
            // SAFETY: a free, mapped, writable frame of the initial mapping.
            unsafe { boot_va(pfn).add(i).write_volatile(e) };
        }
    }
    let mut mmu = XenMmu::new(p2m);
    let read_only = |pfn: u64| Op::SetEntry {
        table: xen_l1[(pfn / 512) as usize],
        index: (pfn % 512) as usize,
        val: Pte::new(p2m[pfn as usize], leaf_flags(false, false)).0,
    };
    let ops = [
        read_only(map_l3),
        read_only(map_l2),
        Op::Pin {
            level: 2,
            mfn: p2m[map_l2 as usize],
        },
        Op::Pin {
            level: 3,
            mfn: p2m[map_l3 as usize],
        },
        Op::SetEntry {
            table: p2m[root_pfn as usize],
            index: index(physmap::PHYS_BASE, 4),
            val: Pte::new(p2m[map_l3 as usize], physmap::LINK).0,
        },
    ];
    mmu.submit(&ops)
        .unwrap_or_else(|e| panic!("linking the physical map: {e}"));
    super::physmap_xen::init(layout, p2m, p2m[map_l3 as usize], map_l2);

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
    // Entry by entry in the chunks that hold the image, the bundle, the
    // module or the guard; the chunks after them (the p2m list, Xen's boot
    // structures, free frames: more of them the more memory there is) are
    // made no-execute with one entry each in Xen's L2, so this costs the
    // same at any memory size.
    let image_chunks = pfn_end(image_end, 0)
        .max(module.end)
        .max(guard + 1)
        .div_ceil(512)
        .min(layout.boot_chunks);
    let mut ops = heapless::Vec::<Op, 128>::new();
    for pfn in 0..image_chunks * 512 {
        let table = xen_l1[(pfn / 512) as usize];
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
    mmu.submit(&ops)
        .unwrap_or_else(|e| panic!("protecting the image: {e}"));
    ops.clear();
    for chunk in image_chunks..layout.boot_chunks {
        let old = read(l2_pfn, chunk as usize);
        let _ = ops.push(Op::SetEntry {
            table: l2.mfn(),
            index: chunk as usize,
            val: old.0 | NO_EXECUTE,
        });
        if ops.len() == ops.capacity() - 1 {
            mmu.submit(&ops)
                .unwrap_or_else(|e| panic!("protecting the boot structures: {e}"));
            ops.clear();
        }
    }
    let _ = ops.push(Op::FlushTlb);
    mmu.submit(&ops)
        .unwrap_or_else(|e| panic!("protecting the boot structures: {e}"));

    let mut frames = FrameAllocator::new(bits, first_free, usable);
    layout.table_frames().for_each(|pfn| frames.set_aside(pfn));
    Memory {
        frames,
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
