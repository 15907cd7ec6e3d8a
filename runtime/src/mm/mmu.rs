//! The interface between the page-table logic and the hypervisor's MMU.
//!
//! The logic in `space.rs` decides *what* to change; an implementation of
//! [`PvMmu`] carries the changes out: `xen_mmu.rs` with hypercalls in the
//! guest, and `model.rs` in host tests with a model of Xen's PV rules.

/// One change to the MMU state. A batch of them is submitted at once and
/// carried out in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Write `val` into entry `index` of the page table in machine frame
    /// `table` (`mmu_update`, `MMU_NORMAL_PT_UPDATE`).
    SetEntry { table: u64, index: usize, val: u64 },
    /// Make the runtime's own mapping of frame `pfn` read-only (so it can
    /// become a page table) or writable again (after it stopped being one).
    ProtectFrame { pfn: u64, writable: bool },
    /// Pin machine frame `mfn` as a page table of `level` (1..=4).
    Pin { level: u8, mfn: u64 },
    /// Drop the pin on machine frame `mfn`.
    Unpin { mfn: u64 },
    /// Flush this vCPU's whole TLB.
    FlushTlb,
    /// Flush the TLB entry for one virtual address.
    FlushPage { va: u64 },
}

/// The hypervisor refused an operation of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MmuError {
    /// The first refused operation.
    pub op: Op,
    /// Xen's error code (negative errno) or the model's reason.
    pub code: i64,
}

impl core::fmt::Display for MmuError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Xen refused {:?} with error {}", self.op, self.code)
    }
}

/// The hypervisor's MMU as the page-table logic sees it.
pub trait PvMmu {
    /// The machine frame behind pseudo-physical frame `pfn` (the p2m).
    fn pfn_to_mfn(&self, pfn: u64) -> u64;
    /// The pseudo-physical frame of machine frame `mfn` (the m2p).
    fn mfn_to_pfn(&self, mfn: u64) -> u64;
    /// Entry `index` of the page table in frame `pfn`.
    fn read_entry(&self, pfn: u64, index: usize) -> u64;
    /// Fills frame `pfn` with zeros (it is mapped writable for the runtime).
    fn zero_frame(&mut self, pfn: u64);
    /// Writes entry `index` of frame `pfn` directly, while the frame is not
    /// yet a page table (still writable for the runtime).
    fn write_entry(&mut self, pfn: u64, index: usize, val: u64);
    /// Copies frame `src` into frame `dst`.
    fn copy_frame(&mut self, dst: u64, src: u64);
    /// Copies the first `keep` bytes of frame `src` into frame `dst` and
    /// zeros the rest of `dst`.
    fn copy_prefix(&mut self, dst: u64, src: u64, keep: usize);
    /// Carries out `ops` in order, in as few transitions to Xen as it can.
    fn submit(&mut self, ops: &[Op]) -> Result<(), MmuError>;
}
