//! The physical map on Xen: linked at boot over Xen's initial mapping, and
//! extended a 2 MiB chunk at a time as the frame allocator reaches new
//! frames (the layout and its rules are in `physmap`).
//!
//! A new table is written through one scratch page of the image
//! (`update_va_mapping` points it at the table's frame, which the physical
//! map holds read-only or not yet at all), then the scratch page is unmapped
//! and the table pinned and linked.
//! All of it runs under the frame allocator's lock, which serialises the
//! scratch page; nothing here allocates.
use super::physmap::{self, Layout, GIB_CHUNKS, LINK, MAX_GIB};
use super::pte::{leaf_flags, Pte, ENTRIES};
use crate::xen::abi as x;
use crate::xen::hypercall as hc;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Xen's p2m marks pfns without a frame with this.
const INVALID_MFN: u64 = u64::MAX;

/// What boot decided, fixed afterwards.
struct Map {
    layout: Layout,
    p2m: &'static [u64],
    l3_mfn: u64,
}

static MAP: spin::Once<Map> = spin::Once::new();

/// The pfn of GiB `g`'s L2 table, 0 while it has none.
static L2_PFN: [AtomicU64; MAX_GIB] = [const { AtomicU64::new(0) }; MAX_GIB];

/// Tables made after boot (an L1 per chunk mapped, an L2 per GiB).
pub static TABLES_MADE: AtomicU64 = AtomicU64::new(0);

/// The page the new tables are written through (its own frame is never
/// used: the first table written through it unmaps it for good).
#[repr(C, align(4096))]
struct Page([u8; 4096]);
static mut SCRATCH: Page = Page([0; 4096]);

fn scratch() -> *mut u64 {
    core::ptr::addr_of_mut!(SCRATCH).cast()
}

/// Called by boot once the physical map's L3 and first L2 are linked.
pub fn init(layout: Layout, p2m: &'static [u64], l3_mfn: u64, l2_pfn: u64) {
    L2_PFN[0].store(l2_pfn, Relaxed);
    MAP.call_once(|| Map {
        layout,
        p2m,
        l3_mfn,
    });
}

fn map() -> &'static Map {
    MAP.get().expect("the physical map is set up at boot")
}

/// The machine frame of the L1 table that maps chunk `chunk`, if mapped.
pub fn l1_mfn(chunk: u64) -> Option<u64> {
    let l2 = L2_PFN.get((chunk / GIB_CHUNKS) as usize)?.load(Relaxed);
    if l2 == 0 {
        return None;
    }
    let i = (chunk % GIB_CHUNKS) as usize;
    // SAFETY: an L2 of the physical map lies in a mapped chunk (boot's in
    // the initial mapping, later ones in the table area, whose chunk is
    // mapped first), read-only and never freed; `i` < 512.
    let e = Pte(unsafe { (physmap::address(l2) as *const u64).add(i).read_volatile() });
    e.is_present().then(|| e.mfn())
}

/// Maps every chunk of frames `[first, first + count)` that is not mapped
/// yet. Call with the frame allocator locked, before the frames are used.
pub fn ensure(first: u64, count: u64) {
    if count == 0 {
        return;
    }
    let last = physmap::chunk_of(first + count - 1);
    for chunk in physmap::chunk_of(first)..=last {
        ensure_chunk(map(), chunk);
    }
}

/// Maps chunk `chunk` if it is not mapped, the chunks its tables lie in
/// first (earlier chunks: this ends).
fn ensure_chunk(m: &Map, chunk: u64) {
    if l1_mfn(chunk).is_some() {
        return;
    }
    assert!(
        chunk >= m.layout.boot_chunks && chunk < m.layout.chunks(),
        "chunk {chunk} is outside the physical map's later chunks"
    );
    let l1 = m.layout.l1_frame(chunk);
    if physmap::chunk_of(l1) != chunk {
        ensure_chunk(m, physmap::chunk_of(l1));
    }
    let gib = chunk / GIB_CHUNKS;
    let l2 = match L2_PFN[gib as usize].load(Relaxed) {
        0 => new_gib(m, gib),
        l2 => l2,
    };
    let l1_mfn = write_l1(m, chunk);
    let slot = (m.p2m[l2 as usize] << 12) + (chunk % GIB_CHUNKS) * 8;
    set_entry(slot, Pte::new(l1_mfn, LINK).0);
}

/// Makes GiB `gib`'s L2 table, empty, and links it; returns its pfn.
fn new_gib(m: &Map, gib: u64) -> u64 {
    let l2 = m.layout.l2_frame(gib);
    ensure_chunk(m, physmap::chunk_of(l2));
    let l2_mfn = m.p2m[l2 as usize];
    through_scratch(l2_mfn, |t| t.fill(0));
    pin(x::MMUEXT_PIN_L1_TABLE + 1, l2_mfn);
    set_entry((m.l3_mfn << 12) + gib * 8, Pte::new(l2_mfn, LINK).0);
    L2_PFN[gib as usize].store(l2, Relaxed);
    TABLES_MADE.fetch_add(1, Relaxed);
    l2
}

/// Writes and pins chunk `chunk`'s L1 table; returns its machine frame.
fn write_l1(m: &Map, chunk: u64) -> u64 {
    let table = m.layout.l1_frame(chunk);
    let first = chunk * physmap::CHUNK_FRAMES;
    let mfn = m.p2m[table as usize];
    through_scratch(mfn, |t| {
        for (i, e) in t.iter_mut().enumerate() {
            let pfn = first + i as u64;
            let frame = m.p2m.get(pfn as usize).copied().unwrap_or(INVALID_MFN);
            *e = if pfn >= m.layout.frames || frame == INVALID_MFN {
                0
            } else {
                Pte::new(frame, leaf_flags(m.layout.writable(pfn), false)).0
            };
        }
    });
    pin(x::MMUEXT_PIN_L1_TABLE, mfn);
    TABLES_MADE.fetch_add(1, Relaxed);
    mfn
}

/// Runs `fill` on frame `mfn` mapped at the scratch page, then unmaps it
/// (a page table must not stay mapped writable).
fn through_scratch(mfn: u64, fill: impl FnOnce(&mut [u64; ENTRIES])) {
    let va = scratch() as u64;
    hc::update_va_mapping(va, Pte::new(mfn, leaf_flags(true, false)).0)
        .unwrap_or_else(|e| panic!("mapping a new physical-map table: {e}"));
    // SAFETY: the scratch page now maps frame `mfn` writable; it is a frame
    // the physical map set aside for this table, which nothing else writes
    // (the physical map holds it read-only, if at all), and the frame
    // allocator's lock keeps anyone else off the scratch page.
    fill(unsafe { &mut *scratch().cast::<[u64; ENTRIES]>() });
    hc::update_va_mapping(va, 0)
        .unwrap_or_else(|e| panic!("unmapping a new physical-map table: {e}"));
}

fn pin(cmd: u32, mfn: u64) {
    let op = x::mmuext_op {
        cmd,
        arg1: x::mmuext_op__bindgen_ty_1 { mfn },
        arg2: x::mmuext_op__bindgen_ty_2 { src_mfn: 0 },
    };
    hc::mmuext_op(&[op]).unwrap_or_else(|(e, _)| panic!("pinning a physical-map table: {e}"));
}

fn set_entry(machine_address: u64, val: u64) {
    let req = x::mmu_update {
        ptr: machine_address + x::MMU_NORMAL_PT_UPDATE as u64,
        val,
    };
    hc::mmu_update(&[req]).unwrap_or_else(|(e, _)| panic!("linking a physical-map table: {e}"));
}

/// Frames `[0, frames())` are in the physical map (mapped or mappable).
pub fn frames() -> u64 {
    MAP.get().map_or(0, |m| m.layout.frames)
}
