//! Where an app instance's pieces go in its slot, and what backs each page
//! of a shared object's segments.
//!
//! A slot is 64 GiB of the application region. Objects (the app first,
//! then its libraries) sit at 2 MiB-aligned bases, one unmapped 2 MiB chunk
//! apart, in the first 256 MiB; the stack (with a guard page below it), the
//! arguments and the start of the heap (zero-filled, mapped as `malloc`
//! grows it) follow; the heap can take the rest of the slot, so that the
//! domain's memory, not the slot, limits it. A small app touches only the
//! slot's first GiB: one L2 table, as with a smaller slot.
use crate::elf::{SharedObject, PAGE};
use crate::SLOT_ALIGN as CHUNK;

pub const SLOT_SIZE: u64 = 64 << 30;
/// An app's stack unless its manifest line says otherwise: 8 MiB, as on
/// Linux (only the pages it touches are mapped).
pub const STACK_SIZE: u64 = 8 << 20;
pub const ARGS_SIZE: u64 = 64 * 1024;

/// The objects' part of a slot: the app and its libraries, with their gaps,
/// must fit in this.
pub const OBJECTS_SIZE: u64 = 256 << 20;
const OBJECTS_END: u64 = OBJECTS_SIZE;
/// The stack and the arguments: after the objects, this big (the largest
/// stack, 32 MiB, and its guard page fit with room to spare).
const STACKS_SIZE: u64 = 64 << 20;
/// The most heap an app can have (its manifest's `heap=SIZE` may give
/// less): most of the rest of the slot, in whole GiB.
pub const HEAP_MAX: u64 = 63 << 30;

/// The stack's top (16-byte aligned); the stack grows down `STACK_SIZE`.
/// The top of the stack, the arguments and the start of the heap share one
/// 2 MiB chunk, so a small app needs one L1 table for all three.
pub fn stack_top(slot_base: u64) -> u64 {
    slot_base + OBJECTS_END + STACKS_SIZE - CHUNK / 2
}

/// The arguments: right above the stack's top.
pub fn args_base(slot_base: u64) -> u64 {
    stack_top(slot_base)
}

/// The heap: right above the arguments.
pub fn heap_base(slot_base: u64) -> u64 {
    args_base(slot_base) + ARGS_SIZE
}

/// Bytes the objects of `sizes` take in a slot, gaps included.
pub fn objects_span(sizes: &[u64]) -> u64 {
    sizes
        .iter()
        .map(|&size| {
            size.div_ceil(CHUNK)
                .saturating_mul(CHUNK)
                .saturating_add(CHUNK)
        })
        .fold(0u64, |a, b| a.saturating_add(b))
}

/// The base of each object, in order (one chunk of gap after each), or
/// `None` if they do not fit in [`OBJECTS_SIZE`].
pub fn place(sizes: &[u64], slot_base: u64) -> Option<alloc::vec::Vec<u64>> {
    if objects_span(sizes) > OBJECTS_END {
        return None;
    }
    let mut next = slot_base;
    let mut bases = alloc::vec::Vec::with_capacity(sizes.len());
    for &size in sizes {
        bases.push(next);
        next += size.div_ceil(CHUNK) * CHUNK + CHUNK;
    }
    Some(bases)
}

/// What backs a run of pages of a segment. File pages are counted from
/// the start of the object's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Read-only pages straight from the file's frames.
    Code { file_page: u64, executable: bool },
    /// Writable pages that start as the file's frames (copy-on-write).
    Data { file_page: u64 },
    /// The page where file data ends and zeros begin: a private frame
    /// with the first `keep` bytes of the file page.
    Boundary { file_page: u64, keep: u64 },
    /// Zero-filled pages (bss).
    Zero,
}

/// One run of pages at image offsets `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub start: u64,
    pub end: u64,
    pub backing: Backing,
}

/// A segment the loader cannot back correctly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOnlyZeroFill {
    pub segment: usize,
}

/// The pieces of every load segment of `obj`, in image offsets.
pub fn pieces(obj: &SharedObject) -> Result<alloc::vec::Vec<Piece>, ReadOnlyZeroFill> {
    let mut out = alloc::vec::Vec::new();
    for (i, seg) in obj.segments.iter().enumerate() {
        // A segment of no bytes maps nothing (and must not become an empty
        // region, which the runtime refuses).
        if seg.memsz == 0 {
            continue;
        }
        let start = seg.page_start();
        let first_file_page = (seg.offset - (seg.vaddr - start)) / PAGE;
        let file_page = |va: u64| first_file_page + (va - start) / PAGE;
        let file_end = seg.vaddr + seg.filesz;
        let end = seg.page_end();
        if !seg.writable {
            if seg.memsz > seg.filesz {
                return Err(ReadOnlyZeroFill { segment: i });
            }
            out.push(Piece {
                start,
                end,
                backing: Backing::Code {
                    file_page: first_file_page,
                    executable: seg.executable,
                },
            });
            continue;
        }
        let full_end = file_end & !(PAGE - 1);
        if full_end > start {
            out.push(Piece {
                start,
                end: full_end,
                backing: Backing::Data {
                    file_page: first_file_page,
                },
            });
        }
        let mut zero_from = full_end.max(start);
        if file_end % PAGE != 0 {
            let page = file_end & !(PAGE - 1);
            let backing = if seg.memsz > seg.filesz {
                Backing::Boundary {
                    file_page: file_page(page),
                    keep: file_end % PAGE,
                }
            } else {
                Backing::Data {
                    file_page: file_page(page),
                }
            };
            out.push(Piece {
                start: page,
                end: page + PAGE,
                backing,
            });
            zero_from = page + PAGE;
        }
        if zero_from < end {
            out.push(Piece {
                start: zero_from,
                end,
                backing: Backing::Zero,
            });
        }
    }
    Ok(out)
}

/// Whether every read-only segment has its 2 MiB chunks to itself, so the
/// L1 tables that map it can be shared between instances. Objects linked
/// with `-z max-page-size=0x200000` are.
pub fn can_share(obj: &SharedObject) -> bool {
    let span = |s: &crate::elf::Segment| {
        (
            s.page_start() & !(CHUNK - 1),
            s.page_end().div_ceil(CHUNK) * CHUNK,
        )
    };
    // Empty segments map nothing, so they cannot share a chunk.
    let mapped = || obj.segments.iter().enumerate().filter(|(_, s)| s.memsz > 0);
    mapped().filter(|(_, s)| !s.writable).all(|(i, code)| {
        let (lo, hi) = span(code);
        mapped().all(|(j, other)| {
            let (olo, ohi) = span(other);
            i == j || ohi <= lo || hi <= olo
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::Segment;
    use alloc::vec;
    use alloc::vec::Vec;

    fn slot_base(slot: usize) -> u64 {
        0x100_0000_0000 + slot as u64 * SLOT_SIZE
    }

    fn seg(vaddr: u64, offset: u64, filesz: u64, memsz: u64, w: bool) -> Segment {
        Segment {
            vaddr,
            memsz,
            offset,
            filesz,
            writable: w,
            executable: !w,
        }
    }

    fn object(segments: Vec<Segment>) -> SharedObject {
        let mut o = SharedObject::empty_for_tests();
        o.segments = segments;
        o
    }

    #[test]
    fn code_data_boundary_and_bss() {
        // Code at 0..0x58c; data at 0x200590 with 0x1b8 file bytes and
        // 0x2000 bytes in memory: a boundary page, then zero pages.
        let o = object(vec![
            seg(0, 0, 0x58c, 0x58c, false),
            seg(0x200590, 0x590, 0x1b8, 0x2000, true),
        ]);
        let p = pieces(&o).unwrap();
        assert_eq!(
            p,
            vec![
                Piece {
                    start: 0,
                    end: 0x1000,
                    backing: Backing::Code {
                        file_page: 0,
                        executable: true
                    }
                },
                Piece {
                    start: 0x200000,
                    end: 0x201000,
                    backing: Backing::Boundary {
                        file_page: 0,
                        keep: 0x748
                    }
                },
                Piece {
                    start: 0x201000,
                    end: 0x203000,
                    backing: Backing::Zero
                },
            ]
        );
        assert!(can_share(&o));
    }

    #[test]
    fn data_with_full_pages_and_no_bss() {
        let o = object(vec![seg(0x200000, 0x1000, 0x2800, 0x2800, true)]);
        assert_eq!(
            pieces(&o).unwrap(),
            vec![
                Piece {
                    start: 0x200000,
                    end: 0x202000,
                    backing: Backing::Data { file_page: 1 }
                },
                Piece {
                    start: 0x202000,
                    end: 0x203000,
                    backing: Backing::Data { file_page: 3 }
                },
            ]
        );
    }

    #[test]
    fn read_only_bss_is_refused_and_shared_chunks_are_detected() {
        let o = object(vec![seg(0, 0, 0x100, 0x2000, false)]);
        assert_eq!(pieces(&o), Err(ReadOnlyZeroFill { segment: 0 }));
        // Code and data in one 2 MiB chunk (4 KiB page size link): no sharing.
        let o = object(vec![
            seg(0, 0, 0x58c, 0x58c, false),
            seg(0x1590, 0x590, 0x10, 0x10, true),
        ]);
        assert!(!can_share(&o));
    }

    #[test]
    fn empty_segments_map_nothing_and_do_not_stop_sharing() {
        // Code, an empty read-only segment in the code's 2 MiB chunk (as a
        // hostile or odd linker may emit), and data two chunks up.
        let o = object(vec![
            seg(0, 0, 0x58c, 0x58c, false),
            seg(0x100000, 0, 0, 0, false),
            seg(0x400000, 0x1000, 0x10, 0x10, true),
        ]);
        let p = pieces(&o).unwrap();
        assert!(p.iter().all(|piece| piece.end > piece.start), "{p:?}");
        assert_eq!(p.len(), 2);
        assert!(can_share(&o));
    }

    #[test]
    fn objects_are_placed_on_2mib_boundaries_with_gaps() {
        let b = slot_base(3);
        assert_eq!(
            place(&[0x201000, 0x1000], b).unwrap(),
            vec![b, b + 3 * CHUNK]
        );
        assert!(place(&[OBJECTS_END], b).is_none());
        assert_eq!(stack_top(b) % 16, 0);
        assert!(heap_base(b) + HEAP_MAX <= b + SLOT_SIZE);
        let biggest_stack = *crate::manifest::STACK_SIZES.end();
        assert!(
            b + OBJECTS_END <= stack_top(b) - biggest_stack - PAGE,
            "the biggest stack and its guard stay clear of the objects"
        );
        assert_eq!(args_base(b) + ARGS_SIZE, heap_base(b));
        let chunk = |va: u64| va / CHUNK;
        assert_eq!(chunk(stack_top(b) - 1), chunk(args_base(b)));
        assert_eq!(chunk(args_base(b)), chunk(heap_base(b)));
    }
}
