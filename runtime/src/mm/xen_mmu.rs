//! [`PvMmu`] on real Xen: batches of ops become `mmu_update` and
//! `mmuext_op` calls, wrapped in one `multicall` when there is more than one,
//! so a fault costs one transition to Xen. Every result is checked.
use super::mmu::{MmuError, Op, PvMmu};
use super::pte::{Pte, ACCESSED, DIRTY, NO_EXECUTE, PAGE_SIZE, PRESENT, USER, WRITABLE};
use crate::xen::abi as x;
use crate::xen::hypercall as hc;
use crate::xen::p2m::mfn_to_pfn;

const MMU_CAP: usize = 128;
const EXT_CAP: usize = 64;
const GROUP_CAP: usize = 8;

/// Counts of what was sent to Xen.
#[derive(Debug, Default, Clone, Copy)]
pub struct MmuCounts {
    pub submits: u64,
    pub multicalls: u64,
    pub multicall_entries: u64,
    pub mmu_updates: u64,
    pub mmuext_ops: u64,
    /// TSC cycles spent inside these hypercalls (for benchmarks).
    pub hypercall_cycles: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Update,
    Ext,
}

/// A run of consecutive ops of one kind: one `mmu_update` or `mmuext_op`.
#[derive(Clone, Copy)]
struct Group {
    kind: Kind,
    /// Index of the group's first op in the submitted slice, and its length.
    first_op: usize,
    len: usize,
    /// Where the group's requests start in `updates` or `exts`.
    first_req: usize,
    done: u32,
}

/// The runtime's view of the domain's memory and Xen's MMU.
pub struct XenMmu {
    /// The p2m list Xen gave us (pfn -> mfn).
    p2m: &'static [u64],
    updates: [x::mmu_update; MMU_CAP],
    exts: [x::mmuext_op; EXT_CAP],
    groups: heapless::Vec<Group, GROUP_CAP>,
    pub counts: MmuCounts,
}

// SAFETY: the request buffers hold plain numbers (xen-sys types them with a
// raw pointer in one union member, which the runtime never uses); the whole
// value lives behind the address-space lock.
unsafe impl Send for XenMmu {}

/// The runtime's virtual address of frame `pfn` (its physical map).
pub fn frame_va(pfn: u64) -> *mut u8 {
    super::physmap::address(pfn) as *mut u8
}

fn ext(cmd: u32, arg1: u64) -> x::mmuext_op {
    x::mmuext_op {
        cmd,
        arg1: x::mmuext_op__bindgen_ty_1 { mfn: arg1 },
        arg2: x::mmuext_op__bindgen_ty_2 { src_mfn: 0 },
    }
}

impl XenMmu {
    pub fn new(p2m: &'static [u64]) -> Self {
        Self {
            p2m,
            updates: [x::mmu_update { ptr: 0, val: 0 }; MMU_CAP],
            exts: [ext(0, 0); EXT_CAP],
            groups: heapless::Vec::new(),
            counts: MmuCounts::default(),
        }
    }

    /// Machine address of the physical-map entry that maps `pfn`.
    fn physmap_entry(&self, pfn: u64) -> u64 {
        let chunk = super::physmap::chunk_of(pfn);
        let table = super::physmap_xen::l1_mfn(chunk)
            .unwrap_or_else(|| panic!("pfn {pfn:#x} is not in the physical map yet"));
        (table << 12) + (pfn % 512) * 8
    }

    fn request(&self, op: Op) -> (Kind, Option<x::mmu_update>, Option<x::mmuext_op>) {
        let update = |ptr, val| (Kind::Update, Some(x::mmu_update { ptr, val }), None);
        let extop = |cmd, arg| (Kind::Ext, None, Some(ext(cmd, arg)));
        match op {
            Op::SetEntry { table, index, val } => update(
                (table << 12) + index as u64 * 8 + x::MMU_NORMAL_PT_UPDATE as u64,
                val,
            ),
            Op::ProtectFrame { pfn, writable } => {
                let mut flags = PRESENT | ACCESSED | DIRTY | USER | NO_EXECUTE;
                if writable {
                    flags |= WRITABLE;
                }
                update(
                    self.physmap_entry(pfn),
                    Pte::new(self.pfn_to_mfn(pfn), flags).0,
                )
            }
            Op::Pin { level, mfn } => extop(x::MMUEXT_PIN_L1_TABLE + level as u32 - 1, mfn),
            Op::Unpin { mfn } => extop(x::MMUEXT_UNPIN_TABLE, mfn),
            Op::FlushTlb => extop(x::MMUEXT_TLB_FLUSH_LOCAL, 0),
            Op::FlushPage { va } => extop(x::MMUEXT_INVLPG_LOCAL, va),
        }
    }

    /// Sends the groups gathered so far; `ops` is the submitted slice.
    fn flush(&mut self, ops: &[Op]) -> Result<(), MmuError> {
        let n_updates: usize = self
            .groups
            .iter()
            .filter(|g| g.kind == Kind::Update)
            .map(|g| g.len)
            .sum();
        let n_exts: usize = self
            .groups
            .iter()
            .filter(|g| g.kind == Kind::Ext)
            .map(|g| g.len)
            .sum();
        self.counts.mmu_updates += n_updates as u64;
        self.counts.mmuext_ops += n_exts as u64;
        let t0 = crate::arch::rdtsc();
        let result = if self.groups.len() == 1 {
            self.flush_one(ops)
        } else {
            self.flush_multicall(ops)
        };
        self.counts.hypercall_cycles += crate::arch::rdtsc() - t0;
        self.groups.clear();
        result
    }

    fn group_error(&self, g: &Group, ops: &[Op], code: i64) -> MmuError {
        let failed = (g.done as usize).min(g.len - 1);
        MmuError {
            op: ops[g.first_op + failed],
            code,
        }
    }

    fn flush_one(&mut self, ops: &[Op]) -> Result<(), MmuError> {
        let g = self.groups[0];
        let r = match g.kind {
            Kind::Update => hc::mmu_update(&self.updates[g.first_req..g.first_req + g.len]),
            Kind::Ext => hc::mmuext_op(&self.exts[g.first_req..g.first_req + g.len]),
        };
        match r {
            Ok(done) if done as usize == g.len => Ok(()),
            Ok(done) => Err(self.group_error(
                &Group {
                    done: done as u32,
                    ..g
                },
                ops,
                -1,
            )),
            Err((e, done)) => Err(self.group_error(&Group { done, ..g }, ops, e.0)),
        }
    }

    fn flush_multicall(&mut self, ops: &[Op]) -> Result<(), MmuError> {
        let mut entries = [x::multicall_entry {
            op: 0,
            result: 0,
            args: [0; 6],
        }; GROUP_CAP];
        let n = self.groups.len();
        for (entry, g) in entries.iter_mut().zip(self.groups.iter_mut()) {
            g.done = 0;
            let done = core::ptr::addr_of_mut!(g.done);
            let reqs = g.first_req..g.first_req + g.len;
            (entry.op, entry.args) = match g.kind {
                Kind::Update => (
                    x::__HYPERVISOR_mmu_update as u64,
                    hc::mmu_update_args(&self.updates[reqs], done),
                ),
                Kind::Ext => (
                    x::__HYPERVISOR_mmuext_op as u64,
                    hc::mmuext_op_args(&self.exts[reqs], done),
                ),
            };
        }
        self.counts.multicalls += 1;
        self.counts.multicall_entries += n as u64;
        // SAFETY: each entry points at requests in `self.updates`/`self.exts`
        // and at a `done` counter in `self.groups`, all of which live until
        // the call returns; the requests are well-formed mmu_update/mmuext_op.
        let r = unsafe { hc::multicall(&mut entries[..n]) };
        if let Err(e) = r {
            return Err(MmuError {
                op: ops[self.groups[0].first_op],
                code: e.0,
            });
        }
        for (entry, g) in entries[..n].iter().zip(self.groups.iter()) {
            let result = entry.result as i64;
            if result < 0 || g.done as usize != g.len {
                return Err(self.group_error(g, ops, result.min(-1)));
            }
        }
        Ok(())
    }
}

impl XenMmu {
    /// The pfn of `mfn` if the frame is this domain's (its p2m entry points
    /// back) and the physical map covers it; `None` for Xen's frames and
    /// anyone else's.
    pub fn owned_pfn(&self, mfn: u64) -> Option<u64> {
        let pfn = mfn_to_pfn(mfn);
        (pfn < super::physmap_xen::frames() && self.p2m.get(pfn as usize) == Some(&mfn))
            .then_some(pfn)
    }
}

impl PvMmu for XenMmu {
    fn pfn_to_mfn(&self, pfn: u64) -> u64 {
        self.p2m[pfn as usize]
    }

    fn mfn_to_pfn(&self, mfn: u64) -> u64 {
        mfn_to_pfn(mfn)
    }

    fn read_entry(&self, pfn: u64, index: usize) -> u64 {
        assert!(index < 512);
        // SAFETY: every pfn of the domain is mapped in the physical map (at
        // least read-only), and the entry lies inside that page.
        unsafe { frame_va(pfn).cast::<u64>().add(index).read_volatile() }
    }

    fn zero_frame(&mut self, pfn: u64) {
        // SAFETY: the frame is free (just allocated), so its physical-map
        // mapping is writable and nothing else uses it.
        unsafe { core::ptr::write_bytes(frame_va(pfn), 0, PAGE_SIZE as usize) };
    }

    fn write_entry(&mut self, pfn: u64, index: usize, val: u64) {
        assert!(index < 512);
        // SAFETY: the frame is freshly allocated (mapped writable, unshared)
        // and not yet a page table; the entry lies inside it.
        unsafe { frame_va(pfn).cast::<u64>().add(index).write_volatile(val) };
    }

    fn copy_frame(&mut self, dst: u64, src: u64) {
        // SAFETY: `dst` is a freshly allocated frame (writable, unshared);
        // `src` is mapped; two distinct frames never overlap.
        unsafe { core::ptr::copy_nonoverlapping(frame_va(src), frame_va(dst), PAGE_SIZE as usize) };
    }

    fn copy_prefix(&mut self, dst: u64, src: u64, keep: usize) {
        let keep = keep.min(PAGE_SIZE as usize);
        // SAFETY: `dst` is a freshly allocated frame (writable in the
        // physical map, unshared); `src` is mapped; both are whole pages and
        // two distinct frames never overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(frame_va(src), frame_va(dst), keep);
            core::ptr::write_bytes(frame_va(dst).add(keep), 0, PAGE_SIZE as usize - keep);
        }
    }

    fn submit(&mut self, ops: &[Op]) -> Result<(), MmuError> {
        self.counts.submits += 1;
        let (mut n_updates, mut n_exts) = (0, 0);
        for (i, &op) in ops.iter().enumerate() {
            let (kind, update, extop) = self.request(op);
            let full = match kind {
                Kind::Update => n_updates == MMU_CAP,
                Kind::Ext => n_exts == EXT_CAP,
            };
            let new_group = self.groups.last().is_none_or(|g| g.kind != kind);
            if full || (new_group && self.groups.is_full()) {
                self.flush(ops)?;
                (n_updates, n_exts) = (0, 0);
            }
            if self.groups.last().is_none_or(|g| g.kind != kind) {
                let first_req = if kind == Kind::Update {
                    n_updates
                } else {
                    n_exts
                };
                let _ = self.groups.push(Group {
                    kind,
                    first_op: i,
                    len: 0,
                    first_req,
                    done: 0,
                });
            }
            match kind {
                Kind::Update => {
                    self.updates[n_updates] = update.expect("update request");
                    n_updates += 1;
                }
                Kind::Ext => {
                    self.exts[n_exts] = extop.expect("ext request");
                    n_exts += 1;
                }
            }
            self.groups.last_mut().expect("a group").len += 1;
        }
        if !self.groups.is_empty() {
            self.flush(ops)?;
        }
        Ok(())
    }
}
