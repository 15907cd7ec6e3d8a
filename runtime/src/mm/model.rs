//! A model of Xen's PV MMU rules, for host tests of the page-table logic.
//!
//! It keeps page tables in "machine" frames whose numbers differ from the
//! pfns (so a pfn/mfn mix-up shows), and refuses what Xen refuses:
//! - pinning or linking a table that has a writable mapping somewhere;
//! - pinning at a level whose rules the table's entries break;
//! - an entry that points at a frame the domain does not own;
//! - a writable mapping of a frame that is a page table;
//! - writing an entry of a frame that is not a page table.
use super::mmu::{MmuError, Op, PvMmu};
use super::pte::{Pte, ENTRIES};
use std::collections::HashMap;

const MFN_OFFSET: u64 = 0x10_0000;

#[derive(Clone)]
struct Frame {
    data: Box<[u64; ENTRIES]>,
    /// The page-table level this frame is validated as, if any.
    table_level: Option<u8>,
    pinned: bool,
    /// Entries of validated tables that point at this frame as a table.
    table_refs: u32,
    /// Writable leaf entries that map this frame, plus the runtime's own
    /// mapping when it is writable.
    writable_refs: u32,
    physmap_writable: bool,
}

/// What the model was asked to do, to assert batch sizes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ModelCounts {
    pub submits: u64,
    pub ops: u64,
    pub tlb_flushes: u64,
}

pub struct ModelMmu {
    frames: HashMap<u64, Frame>,
    pub counts: ModelCounts,
}

impl ModelMmu {
    /// A domain owning pfns `0..nr_pages`, with pfn `root` pinned as its
    /// top-level table.
    pub fn new(nr_pages: u64, root: u64) -> Self {
        let mut frames = HashMap::new();
        for pfn in 0..nr_pages {
            frames.insert(
                pfn + MFN_OFFSET,
                Frame {
                    data: Box::new([0; ENTRIES]),
                    table_level: None,
                    pinned: false,
                    table_refs: 0,
                    writable_refs: 1,
                    physmap_writable: true,
                },
            );
        }
        let mut m = Self {
            frames,
            counts: ModelCounts::default(),
        };
        m.submit(&[
            Op::ProtectFrame {
                pfn: root,
                writable: false,
            },
            Op::Pin {
                level: 4,
                mfn: root + MFN_OFFSET,
            },
        ])
        .expect("the root pins");
        m.counts = ModelCounts::default();
        m
    }

    pub fn pfn_to_mfn_raw(pfn: u64) -> u64 {
        pfn + MFN_OFFSET
    }

    /// Frames that are page tables right now.
    pub fn table_frames(&self) -> usize {
        self.frames
            .values()
            .filter(|f| f.table_level.is_some())
            .count()
    }

    /// Reads a byte-sized word of a data frame (tests write patterns here).
    pub fn word(&self, pfn: u64, i: usize) -> u64 {
        self.frames[&(pfn + MFN_OFFSET)].data[i]
    }

    pub fn set_word(&mut self, pfn: u64, i: usize, v: u64) {
        self.frames.get_mut(&(pfn + MFN_OFFSET)).unwrap().data[i] = v;
    }

    fn frame(&mut self, mfn: u64) -> Result<&mut Frame, i64> {
        self.frames.get_mut(&mfn).ok_or(-1) // EPERM: not ours
    }

    /// Whether entry `e` may live in a table of `level`.
    fn entry_allowed(&self, level: u8, e: Pte) -> Result<(), i64> {
        if !e.is_present() {
            return Ok(());
        }
        let target = self.frames.get(&e.mfn()).ok_or(-1i64)?;
        if level == 1 {
            if e.is_writable() && target.table_level.is_some() {
                return Err(-22); // EINVAL: writable mapping of a page table
            }
        } else if target.table_level != Some(level - 1) {
            return Err(-22); // EINVAL: not a table of the level below
        }
        Ok(())
    }

    fn take_refs(&mut self, level: u8, e: Pte, delta: i32) {
        if !e.is_present() {
            return;
        }
        let f = self.frames.get_mut(&e.mfn()).unwrap();
        if level == 1 {
            if e.is_writable() {
                f.writable_refs = (f.writable_refs as i32 + delta) as u32;
            }
        } else {
            f.table_refs = (f.table_refs as i32 + delta) as u32;
            if f.table_refs == 0 && !f.pinned {
                f.table_level = None;
            }
        }
    }

    fn apply(&mut self, op: Op) -> Result<(), i64> {
        match op {
            Op::SetEntry { table, index, val } => {
                let level = self.frame(table)?.table_level.ok_or(-22i64)?;
                let new = Pte(val);
                self.entry_allowed(level, new)?;
                let old = Pte(self.frames[&table].data[index]);
                self.take_refs(level, old, -1);
                self.take_refs(level, new, 1);
                self.frames.get_mut(&table).unwrap().data[index] = val;
            }
            Op::ProtectFrame { pfn, writable } => {
                let f = self.frame(pfn + MFN_OFFSET)?;
                if writable && f.table_level.is_some() {
                    return Err(-22);
                }
                if writable != f.physmap_writable {
                    f.physmap_writable = writable;
                    f.writable_refs = if writable {
                        f.writable_refs + 1
                    } else {
                        f.writable_refs - 1
                    };
                }
            }
            Op::Pin { level, mfn } => {
                let f = self.frame(mfn)?;
                if f.writable_refs > 0 || f.pinned {
                    return Err(-22);
                }
                if f.table_level.is_some_and(|l| l != level) {
                    return Err(-22);
                }
                let entries = *f.data;
                for e in entries {
                    self.entry_allowed(level, Pte(e))?;
                }
                if self.frames[&mfn].table_level.is_none() {
                    for e in entries {
                        self.take_refs(level, Pte(e), 1);
                    }
                }
                let f = self.frames.get_mut(&mfn).unwrap();
                f.table_level = Some(level);
                f.pinned = true;
            }
            Op::Unpin { mfn } => {
                let f = self.frame(mfn)?;
                if !f.pinned {
                    return Err(-22);
                }
                f.pinned = false;
                if f.table_refs == 0 {
                    let level = f.table_level.take().unwrap();
                    let entries = *f.data;
                    for e in entries {
                        self.take_refs(level, Pte(e), -1);
                    }
                }
            }
            Op::FlushTlb | Op::FlushPage { .. } => self.counts.tlb_flushes += 1,
        }
        Ok(())
    }
}

impl PvMmu for ModelMmu {
    fn pfn_to_mfn(&self, pfn: u64) -> u64 {
        pfn + MFN_OFFSET
    }
    fn mfn_to_pfn(&self, mfn: u64) -> u64 {
        mfn - MFN_OFFSET
    }
    fn read_entry(&self, pfn: u64, index: usize) -> u64 {
        self.frames[&(pfn + MFN_OFFSET)].data[index]
    }
    fn zero_frame(&mut self, pfn: u64) {
        let f = self.frames.get_mut(&(pfn + MFN_OFFSET)).unwrap();
        assert!(
            f.physmap_writable,
            "the runtime wrote pfn {pfn:#x} through a read-only mapping"
        );
        f.data.fill(0);
    }
    fn write_entry(&mut self, pfn: u64, index: usize, val: u64) {
        let f = self.frames.get_mut(&(pfn + MFN_OFFSET)).unwrap();
        assert!(
            f.physmap_writable,
            "the runtime wrote pfn {pfn:#x} through a read-only mapping"
        );
        f.data[index] = val;
    }
    fn copy_frame(&mut self, dst: u64, src: u64) {
        let data = self.frames[&(src + MFN_OFFSET)].data.clone();
        let f = self.frames.get_mut(&(dst + MFN_OFFSET)).unwrap();
        assert!(
            f.physmap_writable,
            "the runtime wrote pfn {dst:#x} through a read-only mapping"
        );
        f.data = data;
    }
    fn copy_prefix(&mut self, dst: u64, src: u64, keep: usize) {
        let mut bytes: Vec<u8> = self.frames[&(src + MFN_OFFSET)]
            .data
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        bytes[keep..].fill(0);
        let f = self.frames.get_mut(&(dst + MFN_OFFSET)).unwrap();
        assert!(
            f.physmap_writable,
            "the runtime wrote pfn {dst:#x} through a read-only mapping"
        );
        for (w, b) in f.data.iter_mut().zip(bytes.chunks(8)) {
            *w = u64::from_le_bytes(b.try_into().unwrap());
        }
    }
    fn submit(&mut self, ops: &[Op]) -> Result<(), MmuError> {
        self.counts.submits += 1;
        self.counts.ops += ops.len() as u64;
        for &op in ops {
            self.apply(op).map_err(|code| MmuError { op, code })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod rules {
    //! The model itself refuses what Xen refuses.
    use super::*;
    use crate::mm::pte::{leaf_flags, TABLE_LINK};

    #[test]
    fn a_table_with_a_writable_mapping_cannot_be_pinned() {
        let mut m = ModelMmu::new(16, 0);
        let e = m
            .submit(&[Op::Pin {
                level: 1,
                mfn: 5 + MFN_OFFSET,
            }])
            .unwrap_err();
        assert_eq!(e.code, -22);
        m.submit(&[Op::ProtectFrame {
            pfn: 5,
            writable: false,
        }])
        .unwrap();
        m.submit(&[Op::Pin {
            level: 1,
            mfn: 5 + MFN_OFFSET,
        }])
        .unwrap();
        // ...and a pinned table cannot be mapped writable again.
        let e = m
            .submit(&[Op::ProtectFrame {
                pfn: 5,
                writable: true,
            }])
            .unwrap_err();
        assert_eq!(e.code, -22);
    }

    #[test]
    fn a_pin_at_the_wrong_level_is_refused() {
        let mut m = ModelMmu::new(16, 0);
        // Frame 3 holds a writable leaf entry: fine for an L1, not for an L2.
        m.set_word(3, 0, Pte::new(7 + MFN_OFFSET, leaf_flags(true, false)).0);
        m.submit(&[Op::ProtectFrame {
            pfn: 3,
            writable: false,
        }])
        .unwrap();
        assert!(m
            .submit(&[Op::Pin {
                level: 2,
                mfn: 3 + MFN_OFFSET
            }])
            .is_err());
        m.submit(&[Op::Pin {
            level: 1,
            mfn: 3 + MFN_OFFSET,
        }])
        .unwrap();
        // Linking an L1 into the L4 (which wants L3s) is refused too.
        let link = Pte::new(3 + MFN_OFFSET, TABLE_LINK).0;
        let e = m.submit(&[Op::SetEntry {
            table: MFN_OFFSET,
            index: 0,
            val: link,
        }]);
        assert!(e.is_err());
    }

    #[test]
    fn an_entry_pointing_at_an_unowned_frame_is_refused() {
        let mut m = ModelMmu::new(16, 0);
        m.submit(&[Op::ProtectFrame {
            pfn: 2,
            writable: false,
        }])
        .unwrap();
        m.submit(&[Op::Pin {
            level: 1,
            mfn: 2 + MFN_OFFSET,
        }])
        .unwrap();
        let foreign = Pte::new(0x42, leaf_flags(false, false)).0;
        let e = m.submit(&[Op::SetEntry {
            table: 2 + MFN_OFFSET,
            index: 9,
            val: foreign,
        }]);
        assert_eq!(e.unwrap_err().code, -1);
        // Writing entries of a frame that is no page table is refused.
        let ok = Pte::new(4 + MFN_OFFSET, leaf_flags(false, false)).0;
        assert!(m
            .submit(&[Op::SetEntry {
                table: 6 + MFN_OFFSET,
                index: 0,
                val: ok
            }])
            .is_err());
    }
}
