//! blkfront: the block frontend's ring and buffers (io/blkif.h), and the
//! [`BlockDevice`] the file layer uses on top of them.
//!
//! One ring page (32 entries). Each request slot owns
//! [`BLKIF_MAX_SEGMENTS_PER_REQUEST`] buffer pages, granted once when the
//! device is set up and granted for as long as it lives: a request costs a
//! copy into (write) or out of (read) those pages and no grant operation.
//! A read or write of any length is cut into requests of up to 11 pages
//! (44 KiB), and up to `slots` of them are in flight at once.
//!
//! Sector quantities on the ring (`sector_number`, `first_sect`,
//! `last_sect`) and the backend's `sectors` are in 512-byte units: the
//! frontend does not offer `feature-large-sector-size`. The disk's own
//! sector (`sector-size`, 512 or 4096) is what [`BlockDevice`] counts in and
//! what every request is a whole number of.
//!
//! Everything the backend writes is checked before use: a response must
//! name a request in flight (slot and generation, so a duplicate or stale
//! answer is refused), carry that request's operation and a status blkif
//! defines. A bad response is counted and dropped (the request it spent
//! keeps its slot: no later answer could be told from another bad one); a
//! ring whose producer
//! index claims more responses than requests makes the device unusable
//! (`Io` from then on). Waits are bounded: no response for
//! [`Disk::timeout_ns`] is [`BlockError::TimedOut`], and a request that
//! timed out keeps its slot (its pages may still be written by the
//! backend) until its response comes.
//!
//! The logic here is host-tested against a model backend; the guest
//! supplies pages, grants, the event channel and the waiting.
use super::netfront::{PageSource, SetupError};
use crate::fs::block::{check, BlockDevice, BlockError};
use crate::xen::abi::grant::GrantRef;
use crate::xen::abi::io::*;
use crate::xen::abi::DomId;
use crate::xen::grant_table::GrantTable;
use crate::xen::ring::FrontRing;
use crate::xen::shared_page::{SharedPage, SIZE};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Segments (pages) per request.
pub const SEGMENTS: usize = BLKIF_MAX_SEGMENTS_PER_REQUEST;
/// The most one request carries: 11 pages, 44 KiB.
pub const REQUEST_BYTES: usize = SEGMENTS * SIZE;
/// Ring entries (one page).
pub const RING_ENTRIES: usize = FrontRing::<BlkifRequest, BlkifResponse>::ENTRIES as usize;
/// The unit of ring sector quantities.
pub const RING_SECTOR: usize = 512;
/// How long a request may go without any response before it is given up.
pub const TIMEOUT_NS: u64 = 30_000_000_000;

/// How a flush reaches the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// `BLKIF_OP_FLUSH_DISKCACHE` (`feature-flush-cache`).
    Cache,
    /// `BLKIF_OP_WRITE_BARRIER` (`feature-barrier`).
    Barrier,
    /// Neither is offered: a flush is a no-op.
    None,
}

impl Flush {
    pub fn name(self) -> &'static str {
        match self {
            Self::Cache => "cache",
            Self::Barrier => "barrier",
            Self::None => "none",
        }
    }
}

/// What the backend says about the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Bytes per sector (`sector-size`): 512, 1024, 2048 or 4096.
    pub sector_size: usize,
    /// Sectors of `sector_size` bytes.
    pub sectors: u64,
    pub read_only: bool,
    pub flush: Flush,
}

/// A backend key that holds something blkif does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadKey {
    pub key: &'static str,
    pub value: String,
}

impl core::fmt::Display for BadKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.value.as_str() {
            "" => write!(f, "the backend has no {}", self.key),
            v => write!(f, "the backend's {} is {v:?}", self.key),
        }
    }
}

fn flag(v: Option<String>) -> bool {
    v.is_some_and(|v| v.trim() == "1")
}

impl Geometry {
    /// Reads the backend's keys through `key` (`None`: absent): `sectors`
    /// (512-byte units), `sector-size` (default 512), `info` (the
    /// `VDISK_READONLY` bit), `mode` (`r` is read-only too),
    /// `feature-flush-cache`, `feature-barrier`.
    pub fn from_backend(mut key: impl FnMut(&str) -> Option<String>) -> Result<Self, BadKey> {
        let bad = |key: &'static str, value: String| BadKey { key, value };
        let sectors_text = key("sectors").ok_or_else(|| bad("sectors", String::new()))?;
        let sectors512: u64 = sectors_text
            .trim()
            .parse()
            .map_err(|_| bad("sectors", sectors_text.clone()))?;
        let sector_size = match key("sector-size") {
            None => 512,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if n.is_power_of_two() && (RING_SECTOR..=SIZE).contains(&n) => n,
                _ => return Err(bad("sector-size", v)),
            },
        };
        let info = match key("info") {
            None => 0,
            Some(v) => v.trim().parse::<u32>().map_err(|_| bad("info", v))?,
        };
        let mode_ro = key("mode").is_some_and(|m| !m.contains('w'));
        let flush = if flag(key("feature-flush-cache")) {
            Flush::Cache
        } else if flag(key("feature-barrier")) {
            Flush::Barrier
        } else {
            Flush::None
        };
        Ok(Geometry {
            sector_size,
            // A tail shorter than one sector cannot be addressed.
            sectors: sectors512 / (sector_size / RING_SECTOR) as u64,
            read_only: info & VDISK_READONLY != 0 || mode_ro,
            flush,
        })
    }

    pub fn bytes(&self) -> u64 {
        self.sectors * self.sector_size as u64
    }
}

/// What the device counted (for the stats line and tests).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Requests put on the ring (reads, writes, flushes).
    pub requests: u64,
    /// Sectors (of the disk's size) read and written by completed requests.
    pub sectors_read: u64,
    pub sectors_written: u64,
    /// Flush requests completed.
    pub flushes: u64,
    /// Responses that were dropped: unknown or stale ids, a wrong
    /// operation, an undefined status, a ring index past what was asked.
    pub bad_responses: u64,
    /// Responses with an error status.
    pub errors: u64,
    /// Waits that ran out.
    pub timeouts: u64,
    /// Notifications sent to the backend.
    pub notifies: u64,
}

/// How the frontend reaches the backend while it waits (the event channel
/// and the scheduler in the guest, a model backend in host tests).
pub trait Channel {
    /// Tells the backend that requests are waiting.
    fn notify(&mut self);
    /// Waits until the backend may have answered (an event) or system time
    /// `deadline_ns`, whichever is first; `Err(Gone)` once the backend has
    /// gone away.
    fn wait(&mut self, deadline_ns: u64) -> Result<(), BlockError>;
    /// System time (ns).
    fn now_ns(&self) -> u64;
    /// A message for the console (said once by the caller).
    fn say(&mut self, message: &str);
}

struct Buffer {
    page: SharedPage,
    gref: GrantRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Free,
    /// A request of the operation now running: its bytes are at `offset`
    /// of the caller's buffer.
    Busy {
        op: u8,
        offset: usize,
        len: usize,
    },
    /// A request of an operation that gave up waiting: its response only
    /// frees the slot.
    Abandoned {
        op: u8,
    },
}

struct Slot {
    bufs: Vec<Buffer>,
    state: SlotState,
    /// Bumped every time the slot is freed: a response names slot and
    /// generation, so one for an earlier use is refused.
    generation: u64,
}

/// Request ids: the slot in the low 16 bits, its generation above.
fn request_id(slot: usize, generation: u64) -> u64 {
    generation << 16 | slot as u64
}

/// A completed request the caller has to look at.
struct Done {
    slot: usize,
    op: u8,
    offset: usize,
    len: usize,
    status: i16,
}

/// The ring, its slots and their granted pages.
pub struct BlkFront {
    ring: FrontRing<BlkifRequest, BlkifResponse>,
    ring_ref: GrantRef,
    slots: Vec<Slot>,
    free: Vec<usize>,
    pub counts: Counts,
}

impl BlkFront {
    /// Allocates and grants the ring and `slots` × 11 buffer pages to
    /// `backend` (at most one ring's worth of slots).
    pub fn new(
        pages: &mut impl PageSource,
        grants: &mut GrantTable,
        backend: DomId,
        slots: usize,
    ) -> Result<Self, SetupError> {
        let slots = slots.clamp(1, RING_ENTRIES);
        let mut page = || pages.page().ok_or(SetupError::OutOfMemory);
        let (ring_page, ring_mfn) = page()?;
        let ring_ref = grants
            .grant(backend, ring_mfn, false)
            .map_err(SetupError::Grant)?;
        let mut all = Vec::with_capacity(slots);
        for _ in 0..slots {
            let mut bufs = Vec::with_capacity(SEGMENTS);
            for _ in 0..SEGMENTS {
                let (page, mfn) = page()?;
                // Writable: reads land in these pages.
                let gref = grants
                    .grant(backend, mfn, false)
                    .map_err(SetupError::Grant)?;
                bufs.push(Buffer { page, gref });
            }
            all.push(Slot {
                bufs,
                state: SlotState::Free,
                generation: 0,
            });
        }
        Ok(BlkFront {
            ring: FrontRing::init(ring_page),
            ring_ref,
            slots: all,
            free: (0..slots).rev().collect(),
            counts: Counts::default(),
        })
    }

    /// `ring-ref` for xenstore.
    pub fn ring_ref(&self) -> GrantRef {
        self.ring_ref
    }

    /// Grant references in use (the ring and every buffer page).
    #[cfg(test)]
    pub fn grants(&self) -> usize {
        1 + self.slots.len() * SEGMENTS
    }

    /// Slots whose request has no response yet (this operation's and
    /// abandoned ones).
    #[cfg(test)]
    pub fn in_flight(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Queues a read/write request of `len` bytes at 512-byte sector
    /// `sector512` in a free slot; for a write, `data` is copied into the
    /// slot's pages first.
    fn queue_rw(
        &mut self,
        op: u8,
        handle: u16,
        sector512: u64,
        offset: usize,
        data: Option<&[u8]>,
        len: usize,
    ) -> Option<()> {
        let slot = self.free.pop()?;
        let s = &mut self.slots[slot];
        let mut req = BlkifRequest {
            operation: op,
            nr_segments: len.div_ceil(SIZE) as u8,
            handle,
            id: request_id(slot, s.generation),
            sector_number: sector512,
            ..Default::default()
        };
        for (i, seg) in req.seg[..req.nr_segments as usize].iter_mut().enumerate() {
            let bytes = (len - i * SIZE).min(SIZE);
            if let Some(data) = data {
                s.bufs[i]
                    .page
                    .write_bytes(0, &data[i * SIZE..i * SIZE + bytes]);
            }
            *seg = BlkifRequestSegment {
                gref: s.bufs[i].gref,
                first_sect: 0,
                last_sect: (bytes / RING_SECTOR - 1) as u8,
                _pad: 0,
            };
        }
        s.state = SlotState::Busy { op, offset, len };
        self.ring.queue(&req).expect("a free slot has a ring entry");
        self.counts.requests += 1;
        Some(())
    }

    /// Queues a flush (no data) in a free slot.
    fn queue_flush(&mut self, op: u8, handle: u16) -> Option<()> {
        let slot = self.free.pop()?;
        let s = &mut self.slots[slot];
        let req = BlkifRequest {
            operation: op,
            nr_segments: 0,
            handle,
            id: request_id(slot, s.generation),
            ..Default::default()
        };
        s.state = SlotState::Busy {
            op,
            offset: 0,
            len: 0,
        };
        self.ring.queue(&req).expect("a free slot has a ring entry");
        self.counts.requests += 1;
        Some(())
    }

    fn release_slot(&mut self, slot: usize) {
        let s = &mut self.slots[slot];
        s.state = SlotState::Free;
        s.generation = s.generation.wrapping_add(1) & ((1 << 48) - 1);
        self.free.push(slot);
    }

    /// Takes every published response: valid ones of the running
    /// operation are returned (their slots still held, for the caller to
    /// copy out of), abandoned slots are freed, bad ones are counted and
    /// dropped; also how many abandoned slots came free. `Err` when the
    /// ring itself cannot be believed.
    fn reap(&mut self) -> Result<(Vec<Done>, usize), BlockError> {
        let mut done = Vec::new();
        let mut freed = 0;
        loop {
            let rsp = match self.ring.take_response() {
                Ok(Some(rsp)) => rsp,
                Ok(None) => return Ok((done, freed)),
                Err(_) => {
                    self.counts.bad_responses += 1;
                    return Err(BlockError::Io);
                }
            };
            let slot = (rsp.id & 0xffff) as usize;
            let valid_status = matches!(
                rsp.status,
                BLKIF_RSP_OKAY | BLKIF_RSP_ERROR | BLKIF_RSP_EOPNOTSUPP
            );
            let state = match self.slots.get(slot) {
                Some(s) if request_id(slot, s.generation) == rsp.id => s.state,
                _ => SlotState::Free,
            };
            match state {
                SlotState::Busy { op, offset, len } if op == rsp.operation && valid_status => {
                    done.push(Done {
                        slot,
                        op,
                        offset,
                        len,
                        status: rsp.status,
                    });
                }
                SlotState::Abandoned { op } if op == rsp.operation && valid_status => {
                    self.release_slot(slot);
                    freed += 1;
                }
                _ => self.counts.bad_responses += 1,
            }
        }
    }

    /// Gives up on every busy slot: they stay held until their responses
    /// come, but those only free them.
    fn abandon(&mut self) {
        for s in &mut self.slots {
            if let SlotState::Busy { op, .. } = s.state {
                s.state = SlotState::Abandoned { op };
            }
        }
    }

    /// Publishes what is queued; whether the backend must be notified.
    fn publish(&mut self) -> bool {
        let notify = self.ring.publish();
        self.counts.notifies += notify as u64;
        notify
    }

    /// Ends every grant of the device. Pages the backend still maps are
    /// leaked (returned in the count), never reused.
    pub fn release(self, grants: &mut GrantTable) -> usize {
        let mut leaked = 0;
        for b in self.slots.into_iter().flat_map(|s| s.bufs) {
            if grants.end_access(b.gref).is_err() {
                core::mem::forget(b.page);
                leaked += 1;
            }
        }
        if grants.end_access(self.ring_ref).is_err() {
            leaked += 1;
            // A ring page still mapped by the backend must not be reused.
            core::mem::forget(self.ring);
        }
        leaked
    }
}

/// Why the device cannot take requests any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Ok,
    /// The backend broke the ring protocol.
    Broken,
    /// The backend went away.
    Gone,
}

/// The caller's buffer of one read or write.
enum Data<'a> {
    In(&'a mut [u8]),
    Out(&'a [u8]),
}

/// A connected disk: the frontend, what the backend said, and the way to
/// wait for it.
pub struct Disk<C: Channel> {
    pub front: BlkFront,
    pub geometry: Geometry,
    pub chan: C,
    /// The virtual device number (the requests' `handle`).
    handle: u16,
    /// `xvda`, for messages.
    pub name: String,
    pub timeout_ns: u64,
    health: Health,
}

impl<C: Channel + Send> Disk<C> {
    pub fn new(front: BlkFront, geometry: Geometry, chan: C, handle: u16, name: &str) -> Self {
        Disk {
            front,
            geometry,
            chan,
            handle,
            name: name.into(),
            timeout_ns: TIMEOUT_NS,
            health: Health::Ok,
        }
    }

    fn usable(&self) -> Result<(), BlockError> {
        match self.health {
            Health::Ok => Ok(()),
            Health::Broken => Err(BlockError::Io),
            Health::Gone => Err(BlockError::Gone),
        }
    }

    /// Whether the backend went away (the device gives `Gone` from then on).
    pub fn gone(&self) -> bool {
        self.health == Health::Gone
    }

    /// The failure that ends a wait: the device's health follows it.
    fn fail(&mut self, e: BlockError) -> BlockError {
        self.front.abandon();
        match e {
            BlockError::Gone => self.health = Health::Gone,
            BlockError::Io => self.health = Health::Broken,
            BlockError::TimedOut => self.front.counts.timeouts += 1,
            _ => {}
        }
        e
    }

    /// Waits for the next responses: returns this operation's (empty if
    /// only abandoned slots came free), or the error that ended the wait.
    /// `deadline` moves on with every response.
    fn next_done(&mut self, deadline: &mut u64) -> Result<Vec<Done>, BlockError> {
        loop {
            let (done, freed) = self.front.reap().map_err(|e| self.fail(e))?;
            if !done.is_empty() || freed > 0 {
                *deadline = self.chan.now_ns().saturating_add(self.timeout_ns);
                return Ok(done);
            }
            match self.front.ring.final_check() {
                Ok(true) => continue,
                Ok(false) => {}
                Err(_) => {
                    self.front.counts.bad_responses += 1;
                    return Err(self.fail(BlockError::Io));
                }
            }
            if self.chan.now_ns() >= *deadline {
                return Err(self.fail(BlockError::TimedOut));
            }
            if let Err(e) = self.chan.wait(*deadline) {
                return Err(self.fail(e));
            }
        }
    }

    /// A read or a write of whole sectors, cut into requests, several in
    /// flight.
    fn transfer(&mut self, sector: u64, mut data: Data<'_>) -> Result<(), BlockError> {
        let (len, write) = match &data {
            Data::In(b) => (b.len(), false),
            Data::Out(b) => (b.len(), true),
        };
        check(self, sector, len, write)?;
        self.usable()?;
        if len == 0 {
            return Ok(());
        }
        let op = if write { BLKIF_OP_WRITE } else { BLKIF_OP_READ };
        let per_sector = (self.geometry.sector_size / RING_SECTOR) as u64;
        let first = sector * per_sector;
        let mut next = 0;
        let mut mine = 0usize;
        let mut failed = None;
        let mut deadline = self.chan.now_ns().saturating_add(self.timeout_ns);
        loop {
            let mut queued = false;
            while failed.is_none() && next < len {
                let n = (len - next).min(REQUEST_BYTES);
                let out = match &data {
                    Data::Out(b) => Some(&b[next..next + n]),
                    Data::In(_) => None,
                };
                let sector512 = first + (next / RING_SECTOR) as u64;
                if self
                    .front
                    .queue_rw(op, self.handle, sector512, next, out, n)
                    .is_none()
                {
                    break; // every slot is in flight
                }
                next += n;
                mine += 1;
                queued = true;
            }
            if queued && self.front.publish() {
                self.chan.notify();
            }
            if mine == 0 && (next >= len || failed.is_some()) {
                break;
            }
            for d in self.next_done(&mut deadline)? {
                mine -= 1;
                let sectors = (d.len / self.geometry.sector_size) as u64;
                if d.status == BLKIF_RSP_OKAY {
                    if let Data::In(buf) = &mut data {
                        let s = &self.front.slots[d.slot];
                        for (i, b) in buf[d.offset..d.offset + d.len].chunks_mut(SIZE).enumerate() {
                            s.bufs[i].page.read_bytes(0, b);
                        }
                        self.front.counts.sectors_read += sectors;
                    } else {
                        self.front.counts.sectors_written += sectors;
                    }
                } else {
                    self.front.counts.errors += 1;
                    failed.get_or_insert(BlockError::Io);
                }
                debug_assert_eq!(d.op, op);
                self.front.release_slot(d.slot);
            }
        }
        failed.map_or(Ok(()), Err)
    }
}

impl<C: Channel + Send> BlockDevice for Disk<C> {
    fn sector_size(&self) -> usize {
        self.geometry.sector_size
    }

    fn sectors(&self) -> u64 {
        self.geometry.sectors
    }

    fn read_only(&self) -> bool {
        self.geometry.read_only
    }

    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        self.transfer(sector, Data::In(buf))
    }

    fn write(&mut self, sector: u64, data: &[u8]) -> Result<(), BlockError> {
        self.transfer(sector, Data::Out(data))
    }

    /// Every write has completed when `write` returned, so a flush needs
    /// no draining: it is one request with no data. A backend that offers
    /// no flush, or refuses one (`EOPNOTSUPP`), makes this a no-op, said
    /// once.
    fn flush(&mut self) -> Result<(), BlockError> {
        self.usable()?;
        let op = match self.geometry.flush {
            _ if self.geometry.read_only => return Ok(()),
            Flush::Cache => BLKIF_OP_FLUSH_DISKCACHE,
            Flush::Barrier => BLKIF_OP_WRITE_BARRIER,
            Flush::None => return Ok(()),
        };
        let mut deadline = self.chan.now_ns().saturating_add(self.timeout_ns);
        // Slots can all be held by abandoned requests: wait for one.
        while self.front.queue_flush(op, self.handle).is_none() {
            self.next_done(&mut deadline)?;
        }
        if self.front.publish() {
            self.chan.notify();
        }
        let d = loop {
            if let Some(d) = self.next_done(&mut deadline)?.pop() {
                break d;
            }
        };
        self.front.release_slot(d.slot);
        match d.status {
            BLKIF_RSP_OKAY => {
                self.front.counts.flushes += 1;
                Ok(())
            }
            BLKIF_RSP_EOPNOTSUPP => {
                let msg = format!(
                    "{}: the backend refused a {} flush; flush is a no-op from now on",
                    self.name,
                    self.geometry.flush.name()
                );
                self.geometry.flush = Flush::None;
                self.chan.say(&msg);
                Ok(())
            }
            _ => {
                self.front.counts.errors += 1;
                Err(BlockError::Io)
            }
        }
    }
}

#[cfg(test)]
mod tests;
