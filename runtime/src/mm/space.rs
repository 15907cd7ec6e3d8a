//! The application region's address space: demand faults and teardown.
//!
//! A fault on an unmapped page allocates each missing level of page table
//! (zeroed, its own mapping made read-only, pinned at its level, linked into
//! its parent), then maps the page as its region says. Everything one fault
//! needs goes to the hypervisor as one batch.
use super::frames::{FrameAllocator, Frames, OutOfMemory};
use super::mmu::{MmuError, Op, PvMmu};
use super::pte::{self, entry_span, index, Pte, ENTRIES, PAGE_SIZE, TABLE_LINK};
use super::region::{Backing, Region, RegionError, RegionMap, ShareKey, CHUNK};
use core::ops::Range;
use hashbrown::HashMap;

/// How the faulting access touched the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

/// Why an access to the application region cannot be satisfied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultError {
    /// No region holds the address.
    OutsideRegions,
    /// The address is in a guard region.
    GuardPage { region: heapless::String<32> },
    /// A write to a page its region maps read-only.
    WriteToReadOnly { region: heapless::String<32> },
    /// An instruction fetch from a region that is not executable.
    NotExecutable { region: heapless::String<32> },
    /// The page is mapped and allows the access: the fault is not ours.
    AlreadyMapped,
    /// A huge page where a table was expected (not ours either).
    UnexpectedHugePage,
    /// No frame left for the page or one of its tables.
    OutOfMemory,
    /// Xen refused the batch.
    Hypervisor(MmuError),
    /// The fault came from inside the memory manager.
    MemoryManagerBusy,
}

impl From<OutOfMemory> for FaultError {
    fn from(_: OutOfMemory) -> Self {
        FaultError::OutOfMemory
    }
}

impl core::fmt::Display for FaultError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::OutsideRegions => write!(f, "address is outside every region"),
            Self::GuardPage { region } => write!(f, "guard page of region {region:?}"),
            Self::WriteToReadOnly { region } => {
                write!(f, "write to read-only page of region {region:?}")
            }
            Self::NotExecutable { region } => {
                write!(f, "instruction fetch from non-executable region {region:?}")
            }
            Self::AlreadyMapped => write!(f, "page is already mapped with this access"),
            Self::UnexpectedHugePage => write!(f, "huge page in the application region"),
            Self::OutOfMemory => write!(f, "out of memory"),
            Self::Hypervisor(e) => write!(f, "{e}"),
            Self::MemoryManagerBusy => write!(f, "fault inside the memory manager"),
        }
    }
}

/// Why a region could not be released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseError {
    Region(RegionError),
    Hypervisor(MmuError),
}

impl ReleaseError {
    /// The hypervisor's refusal, for callers that only expect that.
    pub fn mmu_error(self) -> MmuError {
        match self {
            Self::Hypervisor(e) => e,
            Self::Region(e) => panic!("releasing a range the region map lost: {e}"),
        }
    }
}

impl core::fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Region(e) => write!(f, "{e}"),
            Self::Hypervisor(e) => write!(f, "{e}"),
        }
    }
}

/// Deterministic counts of what the address space did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SpaceStats {
    /// Page faults handled (successfully or not).
    pub faults: u64,
    /// Page-table pages allocated, by level: `[L1, L2, L3]`.
    pub tables: [u64; 3],
    /// Page-table pages freed by teardown.
    pub tables_freed: u64,
    pub zero_fills: u64,
    pub cow_copies: u64,
    /// Pages mapped straight from shared frames, one fault at a time.
    pub shared_maps: u64,
    /// Shared frames mapped by filling a shared L1 table (all of its 2 MiB).
    pub shared_prefills: u64,
    /// Times an existing shared L1 table was linked into another instance.
    pub l1_shared_links: u64,
    /// Private copies of code made because sharing was off.
    pub private_copies: u64,
}

impl SpaceStats {
    /// Pages of code mapped from shared frames.
    pub fn shared_code_pages(&self) -> u64 {
        self.shared_maps + self.shared_prefills
    }
    /// Frames that belong to one instance alone (zero-fill, copies).
    pub fn private_pages(&self) -> u64 {
        self.zero_fills + self.cow_copies + self.private_copies
    }
}

/// An L1 table mapping one 2 MiB chunk of an object's shared code.
#[derive(Debug, Clone, Copy)]
struct SharedTable {
    pfn: u64,
    mfn: u64,
    /// L2 entries that point at it.
    links: u32,
}

/// The ops of one fault, in the order Xen needs them: frames become
/// read-only before they are pinned, and are pinned before they are linked.
#[derive(Default)]
struct Batch {
    protect: heapless::Vec<Op, 3>,
    pin: heapless::Vec<Op, 3>,
    link: heapless::Vec<Op, 5>,
    new_frames: heapless::Vec<u64, 4>,
    /// A shared table this fault creates (registered once Xen took it), or
    /// one it links (its count goes up once Xen took it).
    new_shared: Option<((u32, u64), SharedTable)>,
    linked_shared: Option<(u32, u64)>,
}

impl Batch {
    fn ops(&self) -> heapless::Vec<Op, 11> {
        let mut all = heapless::Vec::new();
        for op in self.protect.iter().chain(&self.pin).chain(&self.link) {
            all.push(*op).expect("a fault needs at most 11 ops");
        }
        all
    }
}

/// The application region's page tables, frames and regions.
pub struct AddressSpace<M: PvMmu, F: Frames = FrameAllocator> {
    pub mmu: M,
    pub frames: F,
    pub regions: RegionMap,
    pub stats: SpaceStats,
    root_pfn: u64,
    root_mfn: u64,
    /// Shared L1 tables by (object, chunk), and which mfns they are.
    shared: HashMap<(u32, u64), SharedTable>,
    shared_mfns: HashMap<u64, (u32, u64)>,
}

impl<M: PvMmu, F: Frames> AddressSpace<M, F> {
    /// The machine frame of the top-level table.
    pub fn root_mfn(&self) -> u64 {
        self.root_mfn
    }

    /// `root_pfn` is the top-level table the vCPU runs on (already pinned).
    pub fn new(mmu: M, frames: F, root_pfn: u64) -> Self {
        let root_mfn = mmu.pfn_to_mfn(root_pfn);
        Self {
            mmu,
            frames,
            regions: RegionMap::new(),
            stats: SpaceStats::default(),
            root_pfn,
            root_mfn,
            shared: HashMap::new(),
            shared_mfns: HashMap::new(),
        }
    }

    pub fn add_region(&mut self, region: Region) -> Result<(), RegionError> {
        self.regions.insert(region)
    }

    /// Handles a page fault at `va`.
    pub fn handle_fault(&mut self, va: u64, access: Access) -> Result<(), FaultError> {
        self.stats.faults += 1;
        self.map_page(va, access)
    }

    /// Maps every page of `[start, end)` now, as `access` would (a stack
    /// that must never fault, the pages a relocation writes). Pages mapped
    /// so far stay mapped on error and are freed with their region. Pages
    /// whose tables exist go to Xen together, up to 128 at a time.
    pub fn populate(&mut self, start: u64, end: u64, access: Access) -> Result<(), FaultError> {
        let pages = ((start & !(PAGE_SIZE - 1))..end).step_by(PAGE_SIZE as usize);
        self.map_pages(pages, access).map_err(|(_, e)| e)
    }

    /// Maps each page of `pages` that is not mapped for `access` yet, the
    /// leaves together (see `populate`); the error names the page.
    fn map_pages(
        &mut self,
        pages: impl Iterator<Item = u64>,
        access: Access,
    ) -> Result<(), (u64, FaultError)> {
        let mut pending = Pending::default();
        let mut last = 0;
        for va in pages {
            last = va;
            match self.translate(va) {
                Some(pte) if access != Access::Write || pte.is_writable() => {}
                _ => {
                    if let Err(e) = self.map_page_into(va, access, &mut pending) {
                        self.send_pending(&mut pending).map_err(|e| (va, e))?;
                        return Err((va, e));
                    }
                }
            }
        }
        self.send_pending(&mut pending).map_err(|e| (last, e))
    }

    /// Checks that each of `pages` (page addresses) lies in a region that
    /// allows `access`, then maps those not mapped yet, their leaves
    /// together: the pages a batch of relocations writes. Nothing is mapped
    /// when a page is refused; the error names it.
    pub fn prepare_pages(
        &mut self,
        pages: &[u64],
        access: Access,
    ) -> Result<(), (u64, FaultError)> {
        for &va in pages {
            let region = self
                .regions
                .find(va)
                .ok_or((va, FaultError::OutsideRegions))?;
            Self::check_access(region, access).map_err(|e| (va, e))?;
        }
        self.map_pages(pages.iter().copied(), access)
    }

    /// Checks that every page of `[start, end)` lies in a region that allows
    /// `access`, then maps those not mapped yet, as faults would. Nothing is
    /// mapped when a page is refused. The error names the first bad address.
    pub fn prepare_access(
        &mut self,
        start: u64,
        end: u64,
        access: Access,
    ) -> Result<(), (u64, FaultError)> {
        let mut va = start;
        while va < end {
            let region = self
                .regions
                .find(va)
                .ok_or((va, FaultError::OutsideRegions))?;
            Self::check_access(region, access).map_err(|e| (va, e))?;
            va = region.end;
        }
        self.populate(start, end, access).map_err(|e| (start, e))
    }

    /// Maps the unmapped pages `[start, end)` for writing, all or none: on
    /// error every page this call mapped is unmapped and its frame freed, so
    /// a failed heap growth leaves nothing behind for others to trip on.
    pub fn populate_all_or_nothing(&mut self, start: u64, end: u64) -> Result<(), FaultError> {
        let mut pending = Pending::default();
        let mut va = start & !(PAGE_SIZE - 1);
        while va < end {
            if let Err(e) = self.map_page_into(va, Access::Write, &mut pending) {
                self.send_pending(&mut pending)?;
                if va > start {
                    self.unmap_range(start..va)
                        .map_err(|r| FaultError::Hypervisor(r.mmu_error()))?;
                }
                return Err(e);
            }
            va += PAGE_SIZE;
        }
        self.send_pending(&mut pending)
    }

    /// The leaf entry mapping `va`, if it is mapped.
    pub fn translate(&self, va: u64) -> Option<Pte> {
        let mut pfn = self.root_pfn;
        for level in (1..=4).rev() {
            let e = Pte(self.mmu.read_entry(pfn, index(va, level)));
            if !e.is_present() {
                return None;
            }
            if level == 1 {
                return Some(e);
            }
            pfn = self.mmu.mfn_to_pfn(e.mfn());
        }
        None
    }

    fn check_access(region: &Region, access: Access) -> Result<(), FaultError> {
        let name = || region.name.clone();
        match (region.backing, access) {
            (Backing::Guard, _) => Err(FaultError::GuardPage { region: name() }),
            (_, Access::Write) if !region.writable => {
                Err(FaultError::WriteToReadOnly { region: name() })
            }
            (_, Access::Execute) if !region.executable => {
                Err(FaultError::NotExecutable { region: name() })
            }
            _ => Ok(()),
        }
    }

    fn map_page(&mut self, va: u64, access: Access) -> Result<(), FaultError> {
        let mut pending = Pending::default();
        self.map_page_into(va, access, &mut pending)?;
        self.send_pending(&mut pending)
    }

    /// Plans the mapping of `va`'s page. A page whose tables exist only
    /// needs its leaf entry: that joins `pending`, to go to Xen with the
    /// pages after it. Anything more (new tables, a shared table) is sent
    /// now, after what is pending, since the next page's plan reads it.
    fn map_page_into(
        &mut self,
        va: u64,
        access: Access,
        pending: &mut Pending,
    ) -> Result<(), FaultError> {
        let region = self
            .regions
            .find(va)
            .ok_or(FaultError::OutsideRegions)?
            .clone();
        Self::check_access(&region, access)?;
        let page_va = va & !(PAGE_SIZE - 1);
        let mut batch = Batch::default();
        let counted = match self.plan_page(page_va, access, &region, &mut batch) {
            Ok(counted) => counted,
            Err(e) => {
                for &f in &batch.new_frames {
                    self.frames.free(f);
                }
                return Err(e);
            }
        };
        let leaf_only = batch.protect.is_empty()
            && batch.pin.is_empty()
            && batch.new_shared.is_none()
            && batch.linked_shared.is_none();
        if leaf_only {
            if pending.ops.len() + batch.link.len() > pending.ops.capacity() {
                self.send_pending(pending)?;
            }
            for op in &batch.link {
                pending.ops.push(*op).expect("room was made");
            }
            pending
                .mapped
                .push(counted)
                .expect("one op per page at least");
            return Ok(());
        }
        self.send_pending(pending)?;
        self.mmu
            .submit(&batch.ops())
            .map_err(FaultError::Hypervisor)?;
        for op in &batch.pin {
            if let Op::Pin { level, .. } = op {
                self.stats.tables[*level as usize - 1] += 1;
            }
        }
        if let Some((key, table)) = batch.new_shared {
            self.shared.insert(key, table);
            self.shared_mfns.insert(table.mfn, key);
        }
        if let Some(key) = batch.linked_shared {
            self.shared
                .get_mut(&key)
                .expect("linked table is registered")
                .links += 1;
            self.stats.l1_shared_links += 1;
        }
        self.count(counted);
        Ok(())
    }

    /// Sends the leaf entries gathered in `pending` in one submit.
    fn send_pending(&mut self, pending: &mut Pending) -> Result<(), FaultError> {
        if pending.ops.is_empty() {
            return Ok(());
        }
        self.mmu
            .submit(&pending.ops)
            .map_err(FaultError::Hypervisor)?;
        for &kind in &pending.mapped {
            self.count(kind);
        }
        pending.ops.clear();
        pending.mapped.clear();
        Ok(())
    }

    fn count(&mut self, kind: Mapped) {
        match kind {
            Mapped::ZeroFill => self.stats.zero_fills += 1,
            Mapped::Copy => self.stats.cow_copies += 1,
            Mapped::Shared => self.stats.shared_maps += 1,
            Mapped::PrivateCopy => self.stats.private_copies += 1,
            Mapped::SharedTable(pages) => self.stats.shared_prefills += pages,
            Mapped::SharedLink => {}
        }
    }

    fn alloc_frame(&mut self, batch: &mut Batch) -> Result<u64, FaultError> {
        let pfn = self.frames.alloc()?;
        batch
            .new_frames
            .push(pfn)
            .expect("a fault allocates at most 4 frames");
        Ok(pfn)
    }

    /// Fills `batch` with what mapping `page_va` takes; allocates the frames.
    fn plan_page(
        &mut self,
        page_va: u64,
        access: Access,
        region: &Region,
        batch: &mut Batch,
    ) -> Result<Mapped, FaultError> {
        // Walk down from the top, creating each missing table.
        let (mut pfn, mut mfn, mut fresh) = (self.root_pfn, self.root_mfn, false);
        for level in (2..=4u8).rev() {
            let idx = index(page_va, level);
            let e = if fresh {
                Pte::EMPTY
            } else {
                Pte(self.mmu.read_entry(pfn, idx))
            };
            if e.is_present() {
                if e.is_huge() {
                    return Err(FaultError::UnexpectedHugePage);
                }
                mfn = e.mfn();
                pfn = self.mmu.mfn_to_pfn(mfn);
                continue;
            }
            if level == 2 {
                if let Some(key) = region.share {
                    return self.plan_shared_table(page_va, region, key, mfn, idx, batch);
                }
            }
            let table = self.alloc_frame(batch)?;
            self.mmu.zero_frame(table);
            let table_mfn = self.add_table(table, level - 1, mfn, idx, batch);
            (pfn, mfn, fresh) = (table, table_mfn, true);
        }

        let idx = index(page_va, 1);
        let old = if fresh {
            Pte::EMPTY
        } else {
            Pte(self.mmu.read_entry(pfn, idx))
        };
        let write = access == Access::Write;
        let executable = region.executable;
        let source = region.source_pfn(page_va);
        let (leaf, kind) = match (region.backing, old.is_present()) {
            (Backing::CopyOnWrite { .. }, true) if write && !old.is_writable() => (
                self.private_copy(old.mfn(), true, executable, batch)?,
                Mapped::Copy,
            ),
            (_, true) => return Err(FaultError::AlreadyMapped),
            (Backing::CopyOnWrite { .. }, false) if write => {
                let src = self.mmu.pfn_to_mfn(source.expect("frame-backed"));
                (
                    self.private_copy(src, true, executable, batch)?,
                    Mapped::Copy,
                )
            }
            (Backing::Frames { .. } | Backing::CopyOnWrite { .. }, false) => {
                let src = self.mmu.pfn_to_mfn(source.expect("frame-backed"));
                (
                    Pte::new(src, pte::leaf_flags(false, executable)),
                    Mapped::Shared,
                )
            }
            (Backing::PrivateCopy { .. }, false) => {
                let src = self.mmu.pfn_to_mfn(source.expect("frame-backed"));
                (
                    self.private_copy(src, region.writable, executable, batch)?,
                    Mapped::PrivateCopy,
                )
            }
            (Backing::ZeroFill, false) => {
                let page = self.alloc_frame(batch)?;
                self.mmu.zero_frame(page);
                let flags = pte::leaf_flags(region.writable, executable);
                (Pte::new(self.mmu.pfn_to_mfn(page), flags), Mapped::ZeroFill)
            }
            (Backing::Guard, false) => unreachable!("guard access is refused before planning"),
        };
        let _ = batch.link.push(Op::SetEntry {
            table: mfn,
            index: idx,
            val: leaf.0,
        });
        if old.is_present() {
            let _ = batch.link.push(Op::FlushPage { va: page_va });
        }
        Ok(kind)
    }

    /// Adds the ops that turn zeroed frame `table` into a pinned table of
    /// `level` linked at entry `idx` of `parent_mfn`. Returns its mfn.
    fn add_table(
        &mut self,
        table: u64,
        level: u8,
        parent_mfn: u64,
        idx: usize,
        batch: &mut Batch,
    ) -> u64 {
        let table_mfn = self.mmu.pfn_to_mfn(table);
        let _ = batch.protect.push(Op::ProtectFrame {
            pfn: table,
            writable: false,
        });
        let _ = batch.pin.push(Op::Pin {
            level,
            mfn: table_mfn,
        });
        let link = Pte::new(table_mfn, TABLE_LINK).0;
        let _ = batch.link.push(Op::SetEntry {
            table: parent_mfn,
            index: idx,
            val: link,
        });
        table_mfn
    }

    /// The L2 entry for a shared code chunk is empty: link the chunk's shared
    /// L1 table, or build it (every page of the chunk filled in at once).
    fn plan_shared_table(
        &mut self,
        page_va: u64,
        region: &Region,
        key: ShareKey,
        l2_mfn: u64,
        idx: usize,
        batch: &mut Batch,
    ) -> Result<Mapped, FaultError> {
        let chunk_key = (key.object, (page_va - key.base) / CHUNK);
        if let Some(t) = self.shared.get(&chunk_key) {
            let _ = batch.link.push(Op::SetEntry {
                table: l2_mfn,
                index: idx,
                val: Pte::new(t.mfn, TABLE_LINK).0,
            });
            batch.linked_shared = Some(chunk_key);
            return Ok(Mapped::SharedLink);
        }
        let table = self.alloc_frame(batch)?;
        self.mmu.zero_frame(table);
        let chunk = page_va & !(CHUNK - 1);
        let mut pages = 0;
        let mut va = chunk.max(region.start);
        while va < (chunk + CHUNK).min(region.end) {
            let src = self
                .mmu
                .pfn_to_mfn(region.source_pfn(va).expect("frame-backed"));
            let e = Pte::new(src, pte::leaf_flags(false, region.executable));
            self.mmu.write_entry(table, index(va, 1), e.0);
            pages += 1;
            va += PAGE_SIZE;
        }
        let mfn = self.add_table(table, 1, l2_mfn, idx, batch);
        batch.new_shared = Some((
            chunk_key,
            SharedTable {
                pfn: table,
                mfn,
                links: 1,
            },
        ));
        Ok(Mapped::SharedTable(pages))
    }

    fn private_copy(
        &mut self,
        src_mfn: u64,
        writable: bool,
        executable: bool,
        batch: &mut Batch,
    ) -> Result<Pte, FaultError> {
        let page = self.alloc_frame(batch)?;
        self.mmu.copy_frame(page, self.mmu.mfn_to_pfn(src_mfn));
        let flags = pte::leaf_flags(writable, executable);
        Ok(Pte::new(self.mmu.pfn_to_mfn(page), flags))
    }

    /// A private frame holding the first `keep` bytes of frame `source`, then
    /// zeros (the page where a segment's file data ends and its bss begins).
    pub fn alloc_prefix_copy(&mut self, source: u64, keep: u64) -> Result<u64, FaultError> {
        let frame = self.frames.alloc()?;
        self.mmu
            .copy_prefix(frame, source, keep.min(PAGE_SIZE) as usize);
        Ok(frame)
    }

    /// Returns a frame from [`Self::alloc_prefix_copy`].
    pub fn free_frame(&mut self, pfn: u64) {
        self.frames.free(pfn);
    }

    /// Removes the region starting at `start`: unmaps its pages, unpins and
    /// frees the tables left empty, flushes the TLB, returns every frame.
    pub fn release_region(&mut self, start: u64) -> Result<(), ReleaseError> {
        let region = self.regions.remove(start).map_err(ReleaseError::Region)?;
        let range = region.start..region.end;
        self.teardown(&region, range)
    }

    /// Unmaps the pages of `range` (inside one region) and frees their
    /// private frames and the tables left empty; the region stays.
    pub fn unmap_range(&mut self, range: Range<u64>) -> Result<(), ReleaseError> {
        let region = self
            .regions
            .find(range.start)
            .filter(|r| range.end <= r.end)
            .ok_or(ReleaseError::Region(RegionError::NotFound))?
            .clone();
        self.teardown(&region, range)
    }

    fn teardown(&mut self, region: &Region, range: Range<u64>) -> Result<(), ReleaseError> {
        let mut batch = Teardown::default();
        let (root_pfn, root_mfn) = (self.root_pfn, self.root_mfn);
        self.clear(root_pfn, root_mfn, 4, 0, region, &range, &mut batch)?;
        self.finish(&mut batch)
    }

    /// Sends the teardown ops gathered so far with a TLB flush, then frees
    /// the frames they unmapped (only now can nothing reach them).
    fn finish(&mut self, batch: &mut Teardown) -> Result<(), ReleaseError> {
        if batch.ops.is_empty() && batch.freed.is_empty() {
            return Ok(());
        }
        batch
            .ops
            .push(Op::FlushTlb)
            .expect("room is kept for the flush");
        self.mmu
            .submit(&batch.ops)
            .map_err(ReleaseError::Hypervisor)?;
        for f in &batch.freed {
            self.frames.free(f.pfn);
            if f.table {
                self.stats.tables_freed += 1;
            }
        }
        batch.freed.clear();
        batch.ops.clear();
        Ok(())
    }

    /// Queues `ops` and the frames they free, sending the batch first when
    /// it would overflow: teardown needs no memory however big the region.
    fn queue(
        &mut self,
        batch: &mut Teardown,
        ops: &[Op],
        freed: Option<Freed>,
    ) -> Result<(), ReleaseError> {
        if batch.ops.len() + ops.len() >= TEARDOWN_OPS || batch.freed.is_full() {
            self.finish(batch)?;
        }
        for &op in ops {
            batch.ops.push(op).expect("checked above");
        }
        if let Some(f) = freed {
            batch.freed.push(f).expect("checked above");
        }
        Ok(())
    }

    /// Clears `range`'s part of the table in `pfn` (at `level`, mapping from
    /// `base`). Returns how many entries of the table stay present.
    #[allow(clippy::too_many_arguments)]
    fn clear(
        &mut self,
        pfn: u64,
        mfn: u64,
        level: u8,
        base: u64,
        region: &Region,
        range: &Range<u64>,
        batch: &mut Teardown,
    ) -> Result<usize, ReleaseError> {
        let span = entry_span(level);
        let mut present = 0;
        for idx in 0..ENTRIES {
            let e = Pte(self.mmu.read_entry(pfn, idx));
            if !e.is_present() {
                continue;
            }
            let lo = base + idx as u64 * span;
            let hi = lo + span;
            if hi <= range.start || range.end <= lo {
                present += 1;
                continue;
            }
            let unlink = Op::SetEntry {
                table: mfn,
                index: idx,
                val: 0,
            };
            let child = self.mmu.mfn_to_pfn(e.mfn());
            if level == 1 {
                let freed = Self::is_private(region, lo, e.mfn(), &self.mmu).then_some(Freed {
                    pfn: child,
                    table: false,
                });
                self.queue(batch, &[unlink], freed)?;
                continue;
            }
            if level == 2 {
                if let Some(&key) = self.shared_mfns.get(&e.mfn()) {
                    // Another instance's table too: unlink, free with the last.
                    let t = self.shared.get_mut(&key).expect("registered");
                    t.links -= 1;
                    if t.links > 0 {
                        self.queue(batch, &[unlink], None)?;
                        continue;
                    }
                    let t = *t;
                    self.shared.remove(&key);
                    self.shared_mfns.remove(&e.mfn());
                    let ops = [
                        unlink,
                        Op::Unpin { mfn: t.mfn },
                        Op::ProtectFrame {
                            pfn: t.pfn,
                            writable: true,
                        },
                    ];
                    let freed = Freed {
                        pfn: t.pfn,
                        table: true,
                    };
                    self.queue(batch, &ops, Some(freed))?;
                    continue;
                }
            }
            let child_base = sign_extend(lo);
            if self.clear(child, e.mfn(), level - 1, child_base, region, range, batch)? > 0 {
                present += 1;
                continue;
            }
            let ops = [
                unlink,
                Op::Unpin { mfn: e.mfn() },
                Op::ProtectFrame {
                    pfn: child,
                    writable: true,
                },
            ];
            let freed = Freed {
                pfn: child,
                table: true,
            };
            self.queue(batch, &ops, Some(freed))?;
        }
        Ok(present)
    }

    /// Whether the frame mapped at `va` belongs to the region alone.
    fn is_private(region: &Region, va: u64, mfn: u64, mmu: &M) -> bool {
        match region.backing {
            Backing::ZeroFill | Backing::PrivateCopy { .. } => true,
            Backing::CopyOnWrite { .. } => {
                mfn != mmu.pfn_to_mfn(region.source_pfn(va).expect("frame-backed"))
            }
            Backing::Frames { .. } | Backing::Guard => false,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Mapped {
    ZeroFill,
    Copy,
    Shared,
    PrivateCopy,
    /// A new shared L1 table with this many pages filled in.
    SharedTable(u64),
    SharedLink,
}

/// Leaf entries of pages mapped but not yet sent to Xen (`populate`),
/// and what each page was, for the counters once Xen took them.
#[derive(Default)]
struct Pending {
    ops: heapless::Vec<Op, PENDING_OPS>,
    mapped: heapless::Vec<Mapped, PENDING_OPS>,
}

/// Leaf entries sent at once: one `mmu_update` takes 128.
const PENDING_OPS: usize = 128;

#[derive(Debug, Clone, Copy)]
struct Freed {
    pfn: u64,
    table: bool,
}

/// Ops a teardown sends in one go (and the frames they free).
const TEARDOWN_OPS: usize = 128;

#[derive(Default)]
struct Teardown {
    ops: heapless::Vec<Op, TEARDOWN_OPS>,
    freed: heapless::Vec<Freed, TEARDOWN_OPS>,
}

/// Canonical form of an address built from table indexes.
fn sign_extend(va: u64) -> u64 {
    (((va << 16) as i64) >> 16) as u64
}
