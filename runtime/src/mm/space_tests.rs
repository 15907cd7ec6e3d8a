//! Host tests of the address-space logic against the model of Xen's rules.
use super::frames::FrameAllocator;
use super::mmu::PvMmu;
use super::model::ModelMmu;
use super::pte::{entry_span, PAGE_SIZE};
use super::region::{Backing, Region, APP_REGION_START as B};
use super::space::{Access, AddressSpace, FaultError};

const PAGES: u64 = 4096;
const ROOT: u64 = 0;
const FIRST_FREE: u64 = 16;

fn space() -> AddressSpace<ModelMmu> {
    space_with(PAGES)
}

fn space_with(pages: u64) -> AddressSpace<ModelMmu> {
    let bits = Vec::leak(vec![0; FrameAllocator::words_for(pages)]);
    let frames = FrameAllocator::new(bits, FIRST_FREE, pages);
    AddressSpace::new(ModelMmu::new(pages, ROOT), frames, ROOT)
}

const SPAN: u64 = 1 << 40; // two top-level entries

#[test]
fn faults_across_every_table_boundary_build_the_expected_tables() {
    let mut s = space();
    s.add_region(Region::new("heap", B, SPAN, Backing::ZeroFill))
        .unwrap();
    let l1 = entry_span(2); // bytes one L1 table maps
    let l2 = entry_span(3);
    let l3 = entry_span(4);
    let touches = [
        B,                                        // new L3, L2, L1
        B + PAGE_SIZE,                            // same L1
        B + l1 - PAGE_SIZE,                       // same L1, last entry
        B + l1,                                   // new L1
        B + l2,                                   // new L2 and L1
        B + l3,                                   // new L3, L2, L1
        B + l3 + 5 * l2 + 7 * l1 + 9 * PAGE_SIZE, // new L2 and L1
    ];
    let before = s.mmu.counts;
    for &va in &touches {
        s.handle_fault(va, Access::Write).unwrap();
    }
    assert_eq!(s.stats.faults, 7);
    assert_eq!(s.stats.tables, [5, 4, 2]);
    assert_eq!(
        s.mmu.counts.submits - before.submits,
        7,
        "one batch per fault"
    );
    assert_eq!(s.mmu.table_frames(), 1 + 11);
    assert_eq!(s.frames.used_count(), 11 + 7);
    for &va in &touches {
        let pte = s.translate(va).expect("mapped");
        assert!(pte.is_writable());
        // Each page has its own zeroed frame.
        assert_eq!(s.mmu.word(s.mmu.mfn_to_pfn(pte.mfn()), 0), 0);
    }
    // A second touch of a mapped page is not ours: reported, never retried.
    assert_eq!(
        s.handle_fault(B, Access::Write),
        Err(FaultError::AlreadyMapped)
    );
}

#[test]
fn copy_on_write_shares_until_the_first_write() {
    let mut s = space();
    let src = s.frames.alloc_contiguous(2).unwrap();
    s.mmu.zero_frame(src);
    s.mmu.set_word(src, 0, 0xfeed);
    s.add_region(Region::new(
        "data",
        B,
        2 * PAGE_SIZE,
        Backing::CopyOnWrite { first_pfn: src },
    ))
    .unwrap();
    s.handle_fault(B, Access::Read).unwrap();
    let shared = s.translate(B).unwrap();
    assert_eq!(shared.mfn(), s.mmu.pfn_to_mfn(src));
    assert!(!shared.is_writable());
    s.handle_fault(B, Access::Write).unwrap();
    let private = s.translate(B).unwrap();
    assert_ne!(private.mfn(), shared.mfn());
    assert!(private.is_writable());
    assert_eq!(
        s.mmu.word(s.mmu.mfn_to_pfn(private.mfn()), 0),
        0xfeed,
        "the copy has the data"
    );
    // A write fault on an unmapped CoW page copies at once.
    s.handle_fault(B + PAGE_SIZE, Access::Write).unwrap();
    assert_eq!(s.stats.cow_copies, 2);
    assert_eq!(s.stats.shared_maps, 1);
}

#[test]
fn bad_accesses_are_refused_by_name() {
    let mut s = space();
    let f = s.frames.alloc().unwrap();
    s.add_region(Region::new("code", B, PAGE_SIZE, Backing::Frames { first_pfn: f }).executable())
        .unwrap();
    s.add_region(Region::new(
        "guard",
        B + PAGE_SIZE,
        PAGE_SIZE,
        Backing::Guard,
    ))
    .unwrap();
    s.add_region(Region::new(
        "data",
        B + 2 * PAGE_SIZE,
        PAGE_SIZE,
        Backing::ZeroFill,
    ))
    .unwrap();
    let used = s.frames.used_count();
    assert!(matches!(
        s.handle_fault(B, Access::Write),
        Err(FaultError::WriteToReadOnly { .. })
    ));
    assert!(matches!(
        s.handle_fault(B + PAGE_SIZE, Access::Read),
        Err(FaultError::GuardPage { .. })
    ));
    assert!(matches!(
        s.handle_fault(B + 2 * PAGE_SIZE, Access::Execute),
        Err(FaultError::NotExecutable { .. })
    ));
    assert_eq!(
        s.handle_fault(B + 9 * PAGE_SIZE, Access::Read),
        Err(FaultError::OutsideRegions)
    );
    assert_eq!(
        s.frames.used_count(),
        used,
        "refused faults allocate nothing"
    );
    s.handle_fault(B, Access::Execute).unwrap();
    assert!(matches!(
        s.handle_fault(B, Access::Write),
        Err(FaultError::WriteToReadOnly { .. })
    ));
}

#[test]
fn teardown_returns_every_frame_and_table_over_many_cycles() {
    let mut s = space();
    let free_before = s.frames.free_count();
    let tables_before = s.mmu.table_frames();
    for cycle in 0..1000u64 {
        let base = B + (cycle % 7) * entry_span(3) + (cycle % 5) * entry_span(2);
        s.add_region(Region::new(
            "cycle",
            base,
            64 * PAGE_SIZE,
            Backing::ZeroFill,
        ))
        .unwrap();
        for page in [0, 1, 31, 63] {
            s.handle_fault(base + page * PAGE_SIZE, Access::Write)
                .unwrap();
        }
        s.release_region(base).unwrap();
        assert_eq!(s.frames.free_count(), free_before, "cycle {cycle}");
        assert_eq!(s.mmu.table_frames(), tables_before, "cycle {cycle}");
    }
}

#[test]
fn teardown_keeps_tables_a_neighbour_still_uses() {
    let mut s = space();
    s.add_region(Region::new("a", B, PAGE_SIZE, Backing::ZeroFill))
        .unwrap();
    s.add_region(Region::new(
        "b",
        B + PAGE_SIZE,
        PAGE_SIZE,
        Backing::ZeroFill,
    ))
    .unwrap();
    s.handle_fault(B, Access::Write).unwrap();
    s.handle_fault(B + PAGE_SIZE, Access::Write).unwrap();
    s.release_region(B).unwrap();
    assert!(s.translate(B).is_none());
    assert!(
        s.translate(B + PAGE_SIZE).is_some(),
        "b's page survives a's release"
    );
    s.release_region(B + PAGE_SIZE).unwrap();
    assert_eq!(s.mmu.table_frames(), 1);
    assert_eq!(s.frames.used_count(), 0);
}

#[test]
fn shared_frames_are_not_freed_with_the_region() {
    let mut s = space();
    let f = s.frames.alloc().unwrap();
    s.add_region(Region::new(
        "code",
        B,
        PAGE_SIZE,
        Backing::Frames { first_pfn: f },
    ))
    .unwrap();
    s.handle_fault(B, Access::Read).unwrap();
    s.release_region(B).unwrap();
    assert_eq!(
        s.frames.used_count(),
        1,
        "the shared frame stays with its owner"
    );
}

#[test]
fn out_of_memory_is_an_error_and_leaks_nothing() {
    // 16 reserved + 8 free frames: enough for three tables and a few pages.
    let mut s = space_with(FIRST_FREE + 8);
    s.add_region(Region::new("big", B, 1 << 30, Backing::ZeroFill))
        .unwrap();
    let err = s.populate(B, B + (1 << 30), Access::Write).unwrap_err();
    assert_eq!(err, FaultError::OutOfMemory);
    assert_eq!(s.frames.free_count(), 0);
    // The L1 boundary needs a table and a page, but only the page could be
    // had before: nothing half-done stays behind.
    s.release_region(B).unwrap();
    assert_eq!(s.frames.free_count(), 8);
    assert_eq!(s.mmu.table_frames(), 1);
}

#[test]
fn a_failed_table_allocation_rolls_back() {
    // Room for the three tables of the first fault and no page.
    let mut s = space_with(FIRST_FREE + 3);
    s.add_region(Region::new("heap", B, PAGE_SIZE, Backing::ZeroFill))
        .unwrap();
    assert_eq!(
        s.handle_fault(B, Access::Write),
        Err(FaultError::OutOfMemory)
    );
    assert_eq!(
        s.frames.free_count(),
        3,
        "tables taken for the fault are given back"
    );
    assert_eq!(
        s.mmu.counts.submits, 0,
        "nothing half-done reached the hypervisor"
    );
}

#[test]
fn a_failed_all_or_nothing_populate_leaves_every_frame_free() {
    let mut s = space_with(FIRST_FREE + 64);
    s.add_region(Region::new("heap", B, 1 << 30, Backing::ZeroFill))
        .unwrap();
    // A neighbour's page and its tables, mapped before.
    s.handle_fault(B, Access::Write).unwrap();
    let free = s.frames.free_count();
    let start = B + PAGE_SIZE;
    let err = s
        .populate_all_or_nothing(start, start + 100 * PAGE_SIZE)
        .unwrap_err();
    assert_eq!(err, FaultError::OutOfMemory);
    assert_eq!(
        s.frames.free_count(),
        free,
        "every page this call mapped is back"
    );
    assert!(s.translate(start).is_none());
    assert!(s.translate(B).is_some(), "the page mapped before stays");
    // What fits still maps.
    s.populate_all_or_nothing(start, start + 10 * PAGE_SIZE)
        .unwrap();
    assert_eq!(s.frames.free_count(), free - 10);
}

#[test]
fn populate_sends_the_leaves_of_existing_tables_128_at_a_time() {
    let pages = 1000;
    let mut s = space_with(FIRST_FREE + pages + 16);
    s.add_region(Region::new("heap", B, pages * PAGE_SIZE, Backing::ZeroFill))
        .unwrap();
    let before = s.mmu.counts;
    s.populate(B, B + pages * PAGE_SIZE, Access::Write).unwrap();
    let submits = s.mmu.counts.submits - before.submits;
    // Each of the 2 L1s (512 pages each, the first with the L2 and L3 too)
    // comes with its first page; the other pages' leaves go 128 at a time:
    // 511 = 3 x 128 + 127 and 487 = 3 x 128 + 103.
    assert_eq!(submits, 2 + 4 + 4, "{submits} submits");
    assert_eq!(s.stats.zero_fills, pages);
    for p in 0..pages {
        assert!(s
            .translate(B + p * PAGE_SIZE)
            .is_some_and(|e| e.is_writable()));
    }
    // One leaf per page, and 3 ops for each of the 4 tables.
    assert_eq!(s.mmu.counts.ops - before.ops, pages + 3 * 4);
}

#[test]
fn teardown_of_a_big_region_goes_out_in_bounded_batches() {
    let pages = 2000;
    let mut s = space_with(FIRST_FREE + pages + 16);
    s.add_region(Region::new("heap", B, pages * PAGE_SIZE, Backing::ZeroFill))
        .unwrap();
    s.populate(B, B + pages * PAGE_SIZE, Access::Write).unwrap();
    let free = s.frames.free_count();
    let before = s.mmu.counts;
    s.release_region(B).unwrap();
    let submits = s.mmu.counts.submits - before.submits;
    let ops = s.mmu.counts.ops - before.ops;
    // 2000 leaves plus 4 L1s, an L2 and an L3 (3 ops each), and a flush
    // per batch of at most 128 ops.
    assert!(submits >= ops / 128, "{submits} submits for {ops} ops");
    assert_eq!(ops, 2000 + 6 * 3 + submits);
    assert_eq!(s.frames.free_count(), free + pages + 6);
    assert_eq!(s.mmu.table_frames(), 1, "only the root is left");
}

#[test]
fn unmapping_part_of_a_region_keeps_the_rest() {
    let mut s = space();
    s.add_region(Region::new("heap", B, 64 * PAGE_SIZE, Backing::ZeroFill))
        .unwrap();
    s.populate(B, B + 64 * PAGE_SIZE, Access::Write).unwrap();
    let free = s.frames.free_count();
    s.unmap_range(B + 16 * PAGE_SIZE..B + 48 * PAGE_SIZE)
        .unwrap();
    assert_eq!(s.frames.free_count(), free + 32);
    assert!(s.translate(B + 15 * PAGE_SIZE).is_some());
    assert!(s.translate(B + 16 * PAGE_SIZE).is_none());
    assert!(s.translate(B + 48 * PAGE_SIZE).is_some());
    // The region is still there: an unmapped page faults back in.
    s.handle_fault(B + 20 * PAGE_SIZE, Access::Write).unwrap();
    assert!(
        s.unmap_range(B + 60 * PAGE_SIZE..B + 70 * PAGE_SIZE)
            .is_err(),
        "past the region"
    );
}

#[test]
fn access_is_prepared_only_where_regions_allow_it() {
    let mut s = space();
    let f = s.frames.alloc().unwrap();
    s.add_region(Region::new(
        "code",
        B,
        PAGE_SIZE,
        Backing::Frames { first_pfn: f },
    ))
    .unwrap();
    s.add_region(Region::new(
        "data",
        B + PAGE_SIZE,
        2 * PAGE_SIZE,
        Backing::ZeroFill,
    ))
    .unwrap();
    s.add_region(Region::new(
        "guard",
        B + 3 * PAGE_SIZE,
        PAGE_SIZE,
        Backing::Guard,
    ))
    .unwrap();
    let free = s.frames.free_count();
    // Reading code and data across the boundary maps both.
    s.prepare_access(B + 100, B + PAGE_SIZE + 100, Access::Read)
        .unwrap();
    assert!(s.translate(B).is_some() && s.translate(B + PAGE_SIZE).is_some());
    // Writing code is refused, naming the address, and maps nothing more.
    let used = free - s.frames.free_count();
    assert!(matches!(
        s.prepare_access(B + 8, B + 16, Access::Write),
        Err((a, FaultError::WriteToReadOnly { .. })) if a == B + 8
    ));
    assert!(matches!(
        s.prepare_access(B + 2 * PAGE_SIZE, B + 4 * PAGE_SIZE, Access::Write),
        Err((a, FaultError::GuardPage { .. })) if a == B + 3 * PAGE_SIZE
    ));
    assert!(
        s.translate(B + 2 * PAGE_SIZE).is_none(),
        "a refused range maps nothing"
    );
    assert_eq!(free - s.frames.free_count(), used);
    assert!(matches!(
        s.prepare_access(B + 10 * PAGE_SIZE, B + 11 * PAGE_SIZE, Access::Read),
        Err((_, FaultError::OutsideRegions))
    ));
}

mod shared_code {
    use super::*;
    use crate::mm::region::{RegionError, ShareKey, CHUNK};

    const CODE_PAGES: u64 = 768; // 3 MiB: two chunks, the second half full

    fn code_region(s: &mut AddressSpace<ModelMmu>, base: u64, first_pfn: u64) {
        let r = Region::new(
            "libcode",
            base,
            CODE_PAGES * PAGE_SIZE,
            Backing::Frames { first_pfn },
        )
        .executable()
        .shared(ShareKey { object: 7, base });
        s.add_region(r).unwrap();
    }

    fn touch_all(s: &mut AddressSpace<ModelMmu>, base: u64) -> u64 {
        let before = s.stats.faults;
        for p in 0..CODE_PAGES {
            let va = base + p * PAGE_SIZE;
            if s.translate(va).is_none() {
                s.handle_fault(va, Access::Execute).unwrap();
            }
        }
        s.stats.faults - before
    }

    #[test]
    fn second_instance_links_the_first_ones_tables() {
        let mut s = space();
        let code = s.frames.alloc_contiguous(CODE_PAGES).unwrap();
        let (a, b) = (B, B + 64 * CHUNK);
        code_region(&mut s, a, code);
        code_region(&mut s, b, code);
        assert_eq!(touch_all(&mut s, a), 2, "one fault per 2 MiB chunk");
        let l1_after_first = s.stats.tables[0];
        assert_eq!(s.stats.shared_code_pages(), CODE_PAGES);
        assert_eq!(touch_all(&mut s, b), 2);
        assert_eq!(
            s.stats.tables[0], l1_after_first,
            "no new L1 tables for the second"
        );
        assert_eq!(s.stats.l1_shared_links, 2);
        for p in [0, 1, 511, 512, CODE_PAGES - 1] {
            let (x, y) = (
                s.translate(a + p * PAGE_SIZE).unwrap(),
                s.translate(b + p * PAGE_SIZE).unwrap(),
            );
            assert_eq!(x.mfn(), s.mmu.pfn_to_mfn(code + p));
            assert_eq!(x, y, "both instances map the same frame the same way");
            assert!(!x.is_writable());
        }
    }

    #[test]
    fn shared_tables_live_until_the_last_instance_goes() {
        let mut s = space();
        let baseline = s.mmu.table_frames();
        let free = s.frames.free_count();
        let code = s.frames.alloc_contiguous(CODE_PAGES).unwrap();
        let (a, b) = (B, B + 64 * CHUNK);
        code_region(&mut s, a, code);
        code_region(&mut s, b, code);
        touch_all(&mut s, a);
        touch_all(&mut s, b);
        s.release_region(a).unwrap();
        assert!(s.translate(a).is_none());
        assert_eq!(
            s.translate(b + 600 * PAGE_SIZE).unwrap().mfn(),
            s.mmu.pfn_to_mfn(code + 600)
        );
        s.release_region(b).unwrap();
        assert_eq!(s.mmu.table_frames(), baseline, "every table is gone");
        for p in 0..CODE_PAGES {
            s.frames.free(code + p);
        }
        assert_eq!(s.frames.free_count(), free);
    }

    #[test]
    fn shared_tables_need_their_chunks_to_themselves() {
        let mut s = space();
        code_region(&mut s, B, 100);
        let data = Region::new(
            "data",
            B + CODE_PAGES * PAGE_SIZE,
            PAGE_SIZE,
            Backing::ZeroFill,
        );
        assert_eq!(
            s.add_region(data),
            Err(RegionError::SharesTableRange { other_start: B })
        );
        let ok = Region::new("data", B + 2 * CHUNK, PAGE_SIZE, Backing::ZeroFill);
        s.add_region(ok).unwrap();
        let bad = Region::new("x", B + 4 * CHUNK, PAGE_SIZE, Backing::ZeroFill)
            .shared(ShareKey { object: 1, base: B });
        assert_eq!(s.add_region(bad), Err(RegionError::BadShareKey));
    }

    #[test]
    fn private_copies_when_sharing_is_off() {
        let mut s = space();
        let code = s.frames.alloc().unwrap();
        s.mmu.zero_frame(code);
        s.mmu.set_word(code, 3, 0xc0de);
        for base in [B, B + CHUNK] {
            s.add_region(
                Region::new(
                    "code",
                    base,
                    PAGE_SIZE,
                    Backing::PrivateCopy { first_pfn: code },
                )
                .executable(),
            )
            .unwrap();
            s.handle_fault(base, Access::Execute).unwrap();
        }
        let (x, y) = (s.translate(B).unwrap(), s.translate(B + CHUNK).unwrap());
        assert_ne!(x.mfn(), y.mfn());
        assert!(
            !x.is_writable(),
            "a private copy of code is still read-only"
        );
        assert_eq!(s.mmu.word(s.mmu.mfn_to_pfn(x.mfn()), 3), 0xc0de);
        assert_eq!(s.stats.private_pages(), 2);
        s.release_region(B).unwrap();
        s.release_region(B + CHUNK).unwrap();
        assert_eq!(
            s.frames.used_count(),
            1,
            "copies and tables are freed; the source stays"
        );
    }
}
