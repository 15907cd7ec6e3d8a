//! `SharedObject::parse` on arbitrary bytes; for objects that parse, the
//! layout and a whole load plan as the runtime would make it, with every
//! relocation write. Nothing may panic or overflow (cargo fuzz builds with
//! overflow checks).
#![no_main]
use libfuzzer_sys::fuzz_target;
use ukrt_loader::elf::SharedObject;
use ukrt_loader::layout;
use ukrt_loader::link::{self, Placed};
use ukrt_loader::manifest::AppSpec;
use ukrt_loader::plan::{self, Object, PlanError, Region, RegionKind};
use ukrt_loader::SLOT_ALIGN as CHUNK;

/// The first slot of the application region, as the runtime places apps.
const SLOT_BASE: u64 = 0x100_0000_0000;

fuzz_target!(|data: &[u8]| {
    let obj = match SharedObject::parse("fuzz.so", data) {
        Ok(o) => o,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let _ = layout::pieces(&obj);
    let _ = layout::can_share(&obj);
    let _ = layout::place(&[obj.image_size], SLOT_BASE);
    let spec = AppSpec {
        name: "fuzz".into(),
        file: "fuzz.so".into(),
        args: Vec::new(),
        stack: None,
        heap: None,
    };
    let objects = [Object {
        object: &obj,
        file: data,
        id: 0,
    }];
    let exports = |_: &str| Some(0x1000);
    // Writes stay in the object's image (parse keeps relocations there).
    let in_image = |base: u64, addr: u64| base <= addr && addr + 8 <= base + obj.image_size;
    match plan::plan(&spec, &objects, &[], &[], SLOT_BASE, &exports) {
        Ok(p) => {
            // What the runtime's region set insists on: whole pages, inside
            // the slot, and at most one backing for every page.
            let mut regions: Vec<_> = p.regions.iter().collect();
            regions.sort_by_key(|r| r.start);
            for r in &regions {
                assert!(r.start % 4096 == 0 && r.len % 4096 == 0, "{r:?}");
                assert!(r.len > 0, "empty region {r:?}");
                assert!(
                    p.slot.start <= r.start && r.start + r.len <= p.slot.end,
                    "{r:?}"
                );
            }
            for w in regions.windows(2) {
                assert!(
                    w[0].start + w[0].len <= w[1].start,
                    "{:?} overlaps {:?}",
                    w[0],
                    w[1]
                );
            }
            // A shared code region's L1 tables map its whole 2 MiB chunks,
            // so no other region may reach into them.
            let chunks = |r: &Region| {
                (
                    r.start & !(CHUNK - 1),
                    (r.start + r.len).div_ceil(CHUNK) * CHUNK,
                )
            };
            for (i, r) in regions.iter().enumerate() {
                if let RegionKind::Code {
                    shareable: true, ..
                } = r.kind
                {
                    let (lo, hi) = chunks(r);
                    for (_, o) in regions.iter().enumerate().filter(|&(j, _)| j != i) {
                        let (olo, ohi) = chunks(o);
                        assert!(ohi <= lo || hi <= olo, "{o:?} is in the chunks of {r:?}");
                    }
                }
            }
            for w in p.relocations(&objects, &exports) {
                let w = w.expect("every symbol resolves");
                assert!(in_image(p.bases[0], w.addr), "{w:?}");
            }
        }
        // A library (no main) still gets linked, as it would be for an app.
        Err(PlanError::NoMain { .. }) => {
            let scope = [Placed {
                object: &obj,
                base: SLOT_BASE,
            }];
            for w in link::relocate(&scope, &exports).expect("every symbol resolves") {
                assert!(in_image(SLOT_BASE, w.addr), "{w:?}");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
