//! Where the physical map lives and which frames hold its own tables.
//!
//! The physical map gives every frame of the domain a runtime address,
//! `PHYS_BASE + pfn * 4 KiB`, in a top-level slot of its own (512 GiB). It
//! is not built at boot: boot links the 2 MiB chunks Xen's initial mapping
//! already covers (their L1 tables are Xen's), and every other chunk is
//! mapped when the frame allocator first hands out one of its frames. So
//! boot work does not grow with memory, and memory is not limited to what
//! one table maps.
//!
//! The tables of the chunks mapped later lie in one run of frames right
//! after the initial mapping (the table area: an L1 per later chunk, then
//! an L2 per GiB after the first), set aside when the frame allocator is
//! made, so that runs of frames elsewhere stay whole. The physical map maps
//! them read-only, as Xen requires of page tables. A chunk's table lies in
//! an earlier chunk, or in the chunk itself for the table area's first, so
//! mapping the chunks a table lies in first always ends.
//! The decisions are here, host-tested; `physmap_xen` carries them out.
use super::pte::{NO_EXECUTE, PAGE_SIZE, TABLE_LINK};

/// The physical map's base: the first address of top-level slot 273, the
/// first slot after the 16 Xen keeps for itself in a 64-bit PV guest.
pub const PHYS_BASE: u64 = 0xffff_8880_0000_0000;
/// Frames one L1 table maps (a chunk: 2 MiB).
pub const CHUNK_FRAMES: u64 = 512;
/// Chunks one L2 table maps (1 GiB).
pub const GIB_CHUNKS: u64 = 512;
/// The largest domain the physical map takes: 64 GiB. The frame bitmap
/// (2 MiB at this size) must also fit in Xen's initial mapping.
pub const MAX_GIB: usize = 64;
pub const MAX_FRAMES: u64 = MAX_GIB as u64 * GIB_CHUNKS * CHUNK_FRAMES;

/// Flags of the physical map's links between its tables: nothing runs
/// through the physical map.
pub const LINK: u64 = TABLE_LINK | NO_EXECUTE;

/// The runtime's address of frame `pfn`.
pub const fn address(pfn: u64) -> u64 {
    PHYS_BASE + pfn * PAGE_SIZE
}

/// The chunk that frame `pfn` lies in.
pub const fn chunk_of(pfn: u64) -> u64 {
    pfn / CHUNK_FRAMES
}

/// The physical map's layout for one domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Chunks `[0, boot_chunks)` are Xen's initial mapping.
    pub boot_chunks: u64,
    /// Frames `[0, frames)` are the domain's.
    pub frames: u64,
}

impl Layout {
    pub fn chunks(&self) -> u64 {
        self.frames.div_ceil(CHUNK_FRAMES)
    }

    pub fn gibs(&self) -> u64 {
        self.chunks().div_ceil(GIB_CHUNKS)
    }

    fn table_base(&self) -> u64 {
        self.boot_chunks * CHUNK_FRAMES
    }

    /// The frame that holds chunk `chunk`'s L1 table (chunks after Xen's
    /// initial mapping only).
    pub fn l1_frame(&self, chunk: u64) -> u64 {
        debug_assert!(chunk >= self.boot_chunks);
        self.table_base() + (chunk - self.boot_chunks)
    }

    /// The frame that holds GiB `gib`'s L2 table (GiBs after the first; the
    /// first one's is made at boot in the initial mapping).
    pub fn l2_frame(&self, gib: u64) -> u64 {
        debug_assert!(gib >= 1);
        self.table_base() + (self.chunks() - self.boot_chunks) + (gib - 1)
    }

    /// The frames the physical map's later tables take, to be set aside
    /// before the frame allocator hands out any.
    pub fn table_frames(&self) -> core::ops::Range<u64> {
        let tables = self.chunks().saturating_sub(self.boot_chunks) + self.gibs().saturating_sub(1);
        let base = self.table_base().min(self.frames);
        base..(base + tables).min(self.frames)
    }

    /// Whether frame `pfn` holds one of the physical map's own tables.
    pub fn is_table_frame(&self, pfn: u64) -> bool {
        self.table_frames().contains(&pfn)
    }

    /// Whether the physical map maps frame `pfn` writable.
    pub fn writable(&self, pfn: u64) -> bool {
        !self.is_table_frame(pfn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 256; // frames

    #[test]
    fn the_slot_is_the_first_after_xens_and_holds_every_frame() {
        assert_eq!(super::super::pte::index(PHYS_BASE, 4), 273);
        let last = address(MAX_FRAMES) - 1;
        assert_eq!(super::super::pte::index(last, 4), 273);
    }

    #[test]
    fn a_domain_inside_the_initial_mapping_needs_no_tables() {
        let l = Layout {
            boot_chunks: 32,
            frames: 64 * MIB,
        };
        assert!(l.table_frames().is_empty());
        assert!((0..l.frames).all(|p| l.writable(p)));
    }

    #[test]
    fn the_table_area_follows_the_initial_mapping_in_one_run() {
        let l = Layout {
            boot_chunks: 8,
            frames: 4096 * MIB + 3,
        };
        // An L1 for chunks 8..2049 (the last has 3 frames), then L2s for
        // GiBs 1 to 4 (the last holds that 3-frame chunk).
        assert_eq!(l.table_frames(), 8 * 512..8 * 512 + (2049 - 8) + 4);
        assert_eq!(
            l.l1_frame(8),
            8 * 512,
            "the area's first chunk holds its own table"
        );
        assert_eq!(l.l1_frame(2048), 8 * 512 + 2040);
        assert_eq!(l.l2_frame(1), 8 * 512 + 2041);
        assert_eq!(l.l2_frame(4), l.table_frames().end - 1);
        assert!(!l.writable(l.l1_frame(100)) && !l.writable(l.l2_frame(2)));
        assert!(l.writable(l.table_frames().end) && l.writable(7 * 512));
    }

    #[test]
    fn each_chunks_table_lies_in_an_earlier_chunk_or_its_own() {
        for frames in [64 * MIB, 1024 * MIB + 1, 4096 * MIB, 65536 * MIB] {
            let l = Layout {
                boot_chunks: 4,
                frames,
            };
            for c in l.boot_chunks..l.chunks() {
                assert!(chunk_of(l.l1_frame(c)) <= c, "chunk {c} of {frames} frames");
            }
            for g in 1..l.gibs() {
                assert!(chunk_of(l.l2_frame(g)) < g * GIB_CHUNKS);
            }
            assert!(l.table_frames().end <= l.frames);
        }
    }
}
