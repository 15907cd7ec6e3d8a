//! blkfront against a model of Xen's grant table and of blkback: the
//! backend reaches our pages only through the grant references in the
//! requests, checks every request as a careful backend would, keeps a
//! write cache that only a flush makes durable, and can answer out of
//! order, late, never, wrongly, or go away.
use super::*;
use crate::xen::abi::grant::{GrantEntryV1, GTF_PERMIT_ACCESS, GTF_READONLY, GTF_WRITING};
use crate::xen::ring::BackRing;
use crate::xen::shared_page::test_pages;
use alloc::vec;
use core::mem::size_of;
use hashbrown::HashMap;

#[derive(Default)]
struct Pages {
    next_mfn: u64,
    by_mfn: HashMap<u64, SharedPage>,
    limit: Option<usize>,
}

impl PageSource for Pages {
    fn page(&mut self) -> Option<(SharedPage, u64)> {
        if self.limit.is_some_and(|l| self.by_mfn.len() >= l) {
            return None;
        }
        let (ours, xens) = test_pages::pair();
        self.next_mfn += 1;
        let mfn = 0x2000 + self.next_mfn;
        self.by_mfn.insert(mfn, xens);
        Some((ours, mfn))
    }
}

/// A bad response made from the request it stands in for.
type BadAnswer = Box<dyn Fn(&BlkifRequest) -> BlkifResponse + Send>;

/// How the model answers.
#[derive(Default)]
struct Behaviour {
    /// Answer each batch last request first.
    reverse: bool,
    /// Take requests but never answer (a hung backend).
    hold: bool,
    /// The status of every read/write response (default OKAY).
    status: Option<i16>,
    /// The status of flush responses (default OKAY).
    flush_status: Option<i16>,
    /// For the first requests of the next batch: a bad response in place
    /// of the real one (the request is held, to be answered later).
    replace: Vec<BadAnswer>,
    /// The backend has gone away: waits fail with Gone.
    gone: bool,
}

/// blkback with a write cache.
struct Model {
    pages: Pages,
    /// Xen's view of the grant table's pages.
    table: Vec<SharedPage>,
    ring: BackRing<BlkifRequest, BlkifResponse>,
    sector_size: usize,
    /// What reads see (the cache included).
    data: Vec<u8>,
    /// What a power cut leaves.
    durable: Vec<u8>,
    /// Every request, in the order taken.
    log: Vec<BlkifRequest>,
    /// Taken, not answered (held).
    held: Vec<BlkifRequest>,
    /// The most requests taken in one go (in flight at once).
    max_batch: usize,
    /// Write requests not yet answered when a flush was taken, per flush.
    writes_open_at_flush: Vec<usize>,
    how: Behaviour,
}

impl Model {
    fn entry(&self, gref: u32) -> GrantEntryV1 {
        let per_page = SIZE / size_of::<GrantEntryV1>();
        let r = gref as usize;
        self.table[r / per_page].read(r % per_page * size_of::<GrantEntryV1>())
    }

    /// The page a grant lets the backend reach (as Xen would check it).
    fn granted(&self, gref: u32, write: bool) -> &SharedPage {
        let e = self.entry(gref);
        assert_ne!(e.flags & GTF_PERMIT_ACCESS, 0, "grant {gref} is not valid");
        assert_eq!(e.domid, 0, "granted to the backend's domain");
        if write {
            assert_eq!(e.flags & GTF_READONLY, 0, "grant {gref} is read-only");
        }
        &self.pages.by_mfn[&(e.frame as u64)]
    }

    /// Carries a request out (checking it as blkback does); its status.
    fn execute(&mut self, req: &BlkifRequest) -> i16 {
        match req.operation {
            BLKIF_OP_FLUSH_DISKCACHE | BLKIF_OP_WRITE_BARRIER => {
                assert_eq!(req.nr_segments, 0, "a flush carries no data");
                let status = self.how.flush_status.unwrap_or(BLKIF_RSP_OKAY);
                if status == BLKIF_RSP_OKAY {
                    self.durable.clone_from(&self.data);
                }
                return status;
            }
            BLKIF_OP_READ | BLKIF_OP_WRITE => {}
            op => panic!("unexpected operation {op}"),
        }
        let n = req.nr_segments as usize;
        assert!((1..=SEGMENTS).contains(&n), "{n} segments");
        let per = (self.sector_size / RING_SECTOR) as u64;
        assert_eq!(req.sector_number % per, 0, "aligned to the disk's sector");
        let mut at = req.sector_number as usize * RING_SECTOR;
        for (i, seg) in req.seg[..n].iter().enumerate() {
            assert!(seg.first_sect <= seg.last_sect && seg.last_sect < 8);
            // Every segment but the last is a whole page: the request is
            // one contiguous range of the disk.
            if i + 1 < n {
                assert_eq!((seg.first_sect, seg.last_sect), (0, 7));
            }
            let from = seg.first_sect as usize * RING_SECTOR;
            let len = (seg.last_sect - seg.first_sect + 1) as usize * RING_SECTOR;
            if i + 1 == n {
                let total = at + len - req.sector_number as usize * RING_SECTOR;
                assert_eq!(total % self.sector_size, 0, "whole sectors");
            }
            assert!(at + len <= self.data.len(), "past the end of the disk");
            let write_to_page = req.operation == BLKIF_OP_READ;
            let page = self.granted(seg.gref, write_to_page);
            if write_to_page {
                page.write_bytes(from, &self.data[at..at + len]);
            } else {
                let mut buf = vec![0; len];
                page.read_bytes(from, &mut buf);
                self.data[at..at + len].copy_from_slice(&buf);
            }
            at += len;
        }
        self.how.status.unwrap_or(BLKIF_RSP_OKAY)
    }

    /// Takes every request and answers them (unless holding).
    fn serve(&mut self) {
        let mut batch = Vec::new();
        while let Some(req) = self.ring.take_request() {
            batch.push(req);
        }
        self.max_batch = self.max_batch.max(batch.len() + self.held.len());
        self.log.extend(batch.iter().copied());
        if self.how.hold {
            self.held.extend(batch);
            return;
        }
        if self.how.reverse {
            batch.reverse();
        }
        let replace = core::mem::take(&mut self.how.replace);
        let (replaced, batch) = batch.split_at(replace.len().min(batch.len()));
        for (req, bad) in replaced.iter().zip(&replace) {
            self.ring.queue_response(&bad(req));
            self.held.push(*req);
        }
        let mut open_writes = batch
            .iter()
            .filter(|r| r.operation == BLKIF_OP_WRITE)
            .count();
        for &req in batch {
            if matches!(
                req.operation,
                BLKIF_OP_FLUSH_DISKCACHE | BLKIF_OP_WRITE_BARRIER
            ) {
                self.writes_open_at_flush.push(open_writes);
            }
            let status = self.execute(&req);
            if req.operation == BLKIF_OP_WRITE {
                open_writes -= 1;
            }
            self.ring.queue_response(&BlkifResponse {
                id: req.id,
                operation: req.operation,
                status,
                ..Default::default()
            });
        }
        self.ring.publish();
        self.ring.want_next_request();
    }

    /// Answers the held requests now (a late backend).
    fn release_held(&mut self) {
        self.how.hold = false;
        for req in core::mem::take(&mut self.held) {
            let status = self.execute(&req);
            self.ring.queue_response(&BlkifResponse {
                id: req.id,
                operation: req.operation,
                status,
                ..Default::default()
            });
        }
        self.ring.publish();
    }

    /// The bytes of `count` disk sectors from `sector`.
    fn sectors(&self, sector: u64, count: usize) -> &[u8] {
        let at = sector as usize * self.sector_size;
        &self.data[at..at + count * self.sector_size]
    }
}

/// The model as the frontend's channel, with a clock of its own.
struct TestChannel {
    model: Model,
    now: u64,
    waits: u64,
    said: Vec<String>,
}

impl Channel for TestChannel {
    fn notify(&mut self) {}
    fn wait(&mut self, deadline_ns: u64) -> Result<(), BlockError> {
        self.waits += 1;
        if self.model.how.gone {
            return Err(BlockError::Gone);
        }
        self.model.serve();
        // An answer takes a while; nothing answering lets time run out.
        self.now = if self.model.how.hold {
            deadline_ns
        } else {
            self.now + 100_000
        };
        Ok(())
    }
    fn now_ns(&self) -> u64 {
        self.now
    }
    fn say(&mut self, message: &str) {
        self.said.push(message.into());
    }
}

struct Setup {
    sectors: u64,
    sector_size: usize,
    slots: usize,
    read_only: bool,
    flush: Flush,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            sectors: 4096,
            sector_size: 512,
            slots: 8,
            read_only: false,
            flush: Flush::Cache,
        }
    }
}

fn disk_with(s: Setup) -> (Disk<TestChannel>, GrantTable) {
    let mut pages = Pages::default();
    let [ours, xens] = test_pages::handles();
    let mut grants = GrantTable::new(vec![ours]);
    let front = BlkFront::new(&mut pages, &mut grants, 0, s.slots).unwrap();
    let ring_gref = front.ring_ref();
    let table = vec![xens];
    let ring = {
        let per_page = SIZE / size_of::<GrantEntryV1>();
        let r = ring_gref as usize;
        let e: GrantEntryV1 = table[r / per_page].read(r % per_page * size_of::<GrantEntryV1>());
        test_pages::another(&pages.by_mfn[&(e.frame as u64)])
    };
    let bytes = s.sectors as usize * s.sector_size;
    // A recognisable starting image: byte i is i mod 251.
    let data: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
    let model = Model {
        pages,
        table,
        ring: BackRing::attach(ring),
        sector_size: s.sector_size,
        durable: data.clone(),
        data,
        log: Vec::new(),
        held: Vec::new(),
        max_batch: 0,
        writes_open_at_flush: Vec::new(),
        how: Behaviour::default(),
    };
    let geometry = Geometry {
        sector_size: s.sector_size,
        sectors: s.sectors,
        read_only: s.read_only,
        flush: s.flush,
    };
    let chan = TestChannel {
        model,
        now: 1,
        waits: 0,
        said: Vec::new(),
    };
    (Disk::new(front, geometry, chan, 51712, "xvda"), grants)
}

fn disk() -> Disk<TestChannel> {
    disk_with(Setup::default()).0
}

fn pattern(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[test]
fn setup_grants_the_ring_and_every_buffer_page_once() {
    let (d, grants) = disk_with(Setup::default());
    assert_eq!(grants.active() as usize, 1 + 8 * SEGMENTS);
    assert_eq!(d.front.grants(), 1 + 8 * SEGMENTS);
    assert_eq!(RING_ENTRIES, 32);
    assert_eq!(REQUEST_BYTES, 45056);
}

#[test]
fn data_written_reads_back_and_lands_where_it_was_written() {
    let mut d = disk();
    let data = pattern(300 * 512, 1);
    d.write(1000, &data).unwrap();
    assert_eq!(d.chan.model.sectors(1000, 300), &data[..], "on the disk");
    assert_eq!(
        d.chan.model.sectors(999, 1),
        &(999 * 512..1000 * 512)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<_>>()[..],
        "the sector before is untouched"
    );
    let mut back = vec![0; data.len()];
    d.read(1000, &mut back).unwrap();
    assert_eq!(back, data);
    // Reads of what was there before come back as it was.
    let mut first = vec![0; 4096];
    d.read(0, &mut first).unwrap();
    assert!(first.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    assert_eq!(d.front.counts.sectors_written, 300);
    assert_eq!(d.front.counts.sectors_read, 308);
    assert_eq!(d.front.counts.bad_responses, 0);
    assert_eq!(d.front.in_flight(), 0, "every slot is free again");
}

#[test]
fn long_transfers_are_cut_into_requests_of_up_to_eleven_pages_several_in_flight() {
    let mut d = disk();
    // 1 MiB + 3 sectors: 23 full requests (88 sectors each) and a short one.
    let sectors = 2048 + 3;
    let data = pattern(sectors * 512, 2);
    d.write(7, &data).unwrap();
    let log = &d.chan.model.log;
    let expect = sectors.div_ceil(88);
    assert_eq!(log.len(), expect);
    let mut next = 7u64;
    for (i, r) in log.iter().enumerate() {
        assert_eq!(r.operation, BLKIF_OP_WRITE);
        assert_eq!(r.handle, 51712);
        assert_eq!(r.sector_number, next, "contiguous, in order");
        let n = r.nr_segments as usize;
        let last = r.seg[n - 1];
        let count = (n - 1) * 8 + last.last_sect as usize + 1;
        if i + 1 < log.len() {
            assert_eq!(n, SEGMENTS, "full requests carry 11 segments");
        } else {
            assert_eq!(count, sectors - 88 * (expect - 1));
        }
        next += count as u64;
    }
    assert_eq!(next, 7 + sectors as u64);
    assert_eq!(
        d.chan.model.max_batch, 8,
        "as many in flight as there are slots"
    );
    let mut back = vec![0; data.len()];
    d.read(7, &mut back).unwrap();
    assert_eq!(back, data);
    assert_eq!(d.front.counts.requests as usize, 2 * expect);
}

#[test]
fn responses_out_of_order_complete_the_right_requests() {
    let mut d = disk();
    d.chan.model.how.reverse = true;
    let data = pattern(500 * 512, 3);
    d.write(10, &data).unwrap();
    let mut back = vec![0; data.len()];
    d.read(10, &mut back).unwrap();
    assert_eq!(back, data);
    assert_eq!(d.front.counts.bad_responses, 0);
}

#[test]
fn large_sectors_are_addressed_in_512_byte_units_on_the_ring() {
    let (mut d, _g) = disk_with(Setup {
        sectors: 256,
        sector_size: 4096,
        ..Default::default()
    });
    let data = pattern(20 * 4096, 4);
    d.write(3, &data).unwrap();
    assert_eq!(d.chan.model.log[0].sector_number, 24);
    assert_eq!(d.chan.model.log[1].sector_number, 24 + 88);
    assert_eq!(d.chan.model.sectors(3, 20), &data[..]);
    assert_eq!(d.read(0, &mut [0; 512]), Err(BlockError::Misaligned));
    assert_eq!(d.front.counts.sectors_written, 20);
}

#[test]
fn geometry_errors_send_nothing() {
    let mut d = disk();
    let mut buf = vec![0; 1024];
    assert_eq!(d.read(4095, &mut buf), Err(BlockError::OutOfRange));
    assert_eq!(d.read(u64::MAX, &mut buf), Err(BlockError::OutOfRange));
    assert_eq!(d.write(0, &buf[..100]), Err(BlockError::Misaligned));
    d.read(0, &mut []).unwrap();
    assert!(d.chan.model.log.is_empty());
    assert_eq!(d.front.counts.requests, 0);
}

#[test]
fn a_read_only_disk_refuses_writes_without_a_request_and_still_reads() {
    let (mut d, _g) = disk_with(Setup {
        read_only: true,
        ..Default::default()
    });
    assert_eq!(d.write(0, &[1; 512]), Err(BlockError::ReadOnly));
    assert_eq!(BlockError::ReadOnly.errno(), crate::errno::Errno::EROFS);
    d.flush().unwrap();
    assert!(d.chan.model.log.is_empty(), "no write, no flush reached it");
    let mut buf = [0; 512];
    d.read(0, &mut buf).unwrap();
    assert_eq!(buf[1], 1);
}

#[test]
fn a_flush_makes_completed_writes_durable_and_comes_after_them() {
    let mut d = disk();
    d.chan.model.how.reverse = true;
    let a = pattern(200 * 512, 5);
    let b = pattern(200 * 512, 6);
    d.write(0, &a).unwrap();
    d.flush().unwrap();
    d.write(1000, &b).unwrap();
    // A power cut now keeps a, not b.
    let m = &d.chan.model;
    assert_eq!(&m.durable[..a.len()], &a[..]);
    assert_ne!(&m.durable[1000 * 512..1000 * 512 + b.len()], &b[..]);
    assert_eq!(
        m.writes_open_at_flush,
        [0],
        "no write in flight at the flush"
    );
    let flushes: Vec<_> = m
        .log
        .iter()
        .filter(|r| r.operation == BLKIF_OP_FLUSH_DISKCACHE)
        .collect();
    assert_eq!(flushes.len(), 1);
    assert_eq!(d.front.counts.flushes, 1);
    d.flush().unwrap();
    assert_eq!(
        &d.chan.model.durable[1000 * 512..1000 * 512 + b.len()],
        &b[..]
    );
}

#[test]
fn flush_uses_a_barrier_or_nothing_as_the_backend_offers() {
    let (mut d, _g) = disk_with(Setup {
        flush: Flush::Barrier,
        ..Default::default()
    });
    d.write(0, &[9; 512]).unwrap();
    d.flush().unwrap();
    assert_eq!(d.chan.model.log[1].operation, BLKIF_OP_WRITE_BARRIER);
    assert_eq!(d.chan.model.durable[0], 9);

    let (mut d, _g) = disk_with(Setup {
        flush: Flush::None,
        ..Default::default()
    });
    d.write(0, &[9; 512]).unwrap();
    d.flush().unwrap();
    assert_eq!(d.chan.model.log.len(), 1, "no flush request");
    assert_eq!(d.front.counts.flushes, 0);
}

#[test]
fn a_refused_flush_is_said_once_and_flush_becomes_a_no_op() {
    let mut d = disk();
    d.chan.model.how.flush_status = Some(BLKIF_RSP_EOPNOTSUPP);
    d.flush().unwrap();
    d.flush().unwrap();
    assert_eq!(
        d.chan.said,
        ["xvda: the backend refused a cache flush; flush is a no-op from now on"]
    );
    assert_eq!(d.geometry.flush, Flush::None);
    assert_eq!(d.chan.model.log.len(), 1, "asked once");
    d.chan.model.how.flush_status = Some(BLKIF_RSP_ERROR);
    let (mut d, _g) = disk_with(Setup::default());
    d.chan.model.how.flush_status = Some(BLKIF_RSP_ERROR);
    assert_eq!(d.flush(), Err(BlockError::Io));
}

#[test]
fn an_error_status_fails_the_operation_and_the_device_goes_on() {
    let mut d = disk();
    d.chan.model.how.status = Some(BLKIF_RSP_ERROR);
    let mut buf = vec![0; 200 * 512];
    assert_eq!(d.read(0, &mut buf), Err(BlockError::Io));
    assert_eq!(d.front.in_flight(), 0, "every request was waited for");
    assert_eq!(d.front.counts.errors, 3);
    d.chan.model.how.status = None;
    d.read(0, &mut buf).unwrap();
    assert_eq!(buf[300], (300 % 251) as u8);
}

#[test]
fn bad_responses_are_counted_and_never_trusted() {
    let mut d = disk();
    let data = pattern(5 * 88 * 512, 7);
    d.write(0, &data).unwrap();
    let stale = d.chan.model.log[0].id;
    fn rsp(id: u64, operation: u8, status: i16) -> BlkifResponse {
        BlkifResponse {
            id,
            operation,
            status,
            ..Default::default()
        }
    }
    // The next read's first four requests get bad answers instead of
    // theirs: an id never used, the completed write's id again (stale),
    // the right id with the wrong operation, and an undefined status.
    d.chan.model.how.replace = vec![
        Box::new(|_| rsp(0xdead_0000_0005, BLKIF_OP_READ, 0)),
        Box::new(move |_| rsp(stale, BLKIF_OP_WRITE, 0)),
        Box::new(|r| rsp(r.id, BLKIF_OP_WRITE, 0)),
        Box::new(|r| rsp(r.id, BLKIF_OP_READ, 7)),
    ];
    d.timeout_ns = 5_000_000;
    let mut buf = vec![0u8; data.len()];
    assert_eq!(
        d.read(0, &mut buf),
        Err(BlockError::TimedOut),
        "the four requests never got a real answer"
    );
    assert_eq!(d.front.counts.bad_responses, 4);
    assert_eq!(d.front.in_flight(), 4, "their slots are still held");
    assert_eq!(
        d.front.counts.sectors_read, 88,
        "only the real answer counted"
    );
    // The backend spent those requests' ring entries on the bad answers:
    // their slots stay held for good, and the device goes on with the
    // others.
    d.chan.model.held.clear();
    buf.fill(0);
    d.read(0, &mut buf).unwrap();
    assert_eq!(buf, data);
    assert_eq!(d.front.counts.bad_responses, 4);
    assert_eq!(d.front.in_flight(), 4);
}

#[test]
fn more_responses_than_requests_breaks_the_device_for_good() {
    let mut d = disk();
    d.write(0, &[1; 512]).unwrap();
    d.chan.model.ring.publish_raw(1000);
    let mut buf = [0; 512];
    assert_eq!(d.read(0, &mut buf), Err(BlockError::Io));
    assert_eq!(d.front.counts.bad_responses, 1);
    assert_eq!(
        d.read(0, &mut buf),
        Err(BlockError::Io),
        "not believed again"
    );
    assert_eq!(d.flush(), Err(BlockError::Io));
}

#[test]
fn a_backend_that_never_answers_times_out_and_its_slots_stay_held() {
    let mut d = disk();
    d.chan.model.how.hold = true;
    let mut buf = vec![0; 100 * 512];
    assert_eq!(d.read(0, &mut buf), Err(BlockError::TimedOut));
    assert_eq!(d.chan.now, 1 + TIMEOUT_NS, "waited the whole bound");
    assert_eq!(d.front.counts.timeouts, 1);
    assert_eq!(d.front.in_flight(), 2, "the backend may still write them");
    // It answers late: the slots come free, the late data goes nowhere,
    // and the device works again.
    d.chan.model.release_held();
    let data = pattern(4096, 8);
    d.write(5, &data).unwrap();
    assert_eq!(d.front.in_flight(), 0);
    assert_eq!(d.front.counts.bad_responses, 0);
    d.read(5, &mut buf[..4096]).unwrap();
    assert_eq!(&buf[..4096], &data[..]);
}

#[test]
fn with_every_slot_abandoned_a_request_waits_for_one_to_come_free() {
    let (mut d, _g) = disk_with(Setup {
        slots: 1,
        ..Default::default()
    });
    d.chan.model.how.hold = true;
    assert_eq!(d.write(0, &[1; 512]), Err(BlockError::TimedOut));
    // The one slot is held; the next operation waits for it (bounded).
    assert_eq!(d.flush(), Err(BlockError::TimedOut));
    d.chan.model.release_held();
    d.write(1, &[2; 512]).unwrap();
    d.flush().unwrap();
    assert_eq!(d.chan.model.durable[512], 2);
}

#[test]
fn a_backend_that_goes_away_gives_gone_from_then_on() {
    let mut d = disk();
    d.chan.model.how.gone = true;
    let mut buf = [0; 512];
    assert_eq!(d.read(0, &mut buf), Err(BlockError::Gone));
    assert!(d.gone());
    let waits = d.chan.waits;
    assert_eq!(d.write(0, &buf), Err(BlockError::Gone));
    assert_eq!(d.flush(), Err(BlockError::Gone));
    assert_eq!(d.chan.waits, waits, "nothing more is sent or waited for");
    assert_eq!(BlockError::Gone.errno(), crate::errno::Errno::EIO);
}

#[test]
fn release_ends_every_grant_and_leaks_what_the_backend_still_maps() {
    let (d, mut grants) = disk_with(Setup::default());
    let busy = d.front.slots[2].bufs[4].gref;
    let per_page = SIZE / size_of::<GrantEntryV1>();
    d.chan.model.table[0]
        .atomic_u16(busy as usize % per_page * size_of::<GrantEntryV1>())
        .fetch_or(GTF_WRITING, core::sync::atomic::Ordering::Relaxed);
    let Disk { front, .. } = d;
    assert_eq!(front.release(&mut grants), 1);
    assert_eq!(grants.active(), 1, "only the busy grant remains");
}

#[test]
fn setup_without_memory_is_an_error() {
    let mut pages = Pages {
        limit: Some(20),
        ..Default::default()
    };
    let [ours] = test_pages::handles();
    let mut grants = GrantTable::new(vec![ours]);
    assert_eq!(
        BlkFront::new(&mut pages, &mut grants, 0, 8).err(),
        Some(SetupError::OutOfMemory)
    );
}

#[test]
fn geometry_from_the_backends_keys() {
    let keys = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| String::from(*v))
        }
    };
    let g = Geometry::from_backend(keys(&[
        ("sectors", "131072"),
        ("sector-size", "512"),
        ("info", "0"),
        ("mode", "w"),
        ("feature-flush-cache", "1"),
        ("feature-barrier", "1"),
    ]))
    .unwrap();
    assert_eq!(
        g,
        Geometry {
            sector_size: 512,
            sectors: 131072,
            read_only: false,
            flush: Flush::Cache
        }
    );
    assert_eq!(g.bytes(), 64 << 20);
    let g = Geometry::from_backend(keys(&[
        ("sectors", "80"),
        ("sector-size", "4096"),
        ("info", "4"),
        ("feature-barrier", "1"),
    ]))
    .unwrap();
    assert_eq!(
        (g.sectors, g.read_only, g.flush),
        (10, true, Flush::Barrier)
    );
    let g = Geometry::from_backend(keys(&[("sectors", "8"), ("mode", "r")])).unwrap();
    assert_eq!(
        (g.sector_size, g.read_only, g.flush),
        (512, true, Flush::None)
    );
    let e = Geometry::from_backend(keys(&[("sectors", "8"), ("sector-size", "1000")]));
    assert_eq!(
        e.unwrap_err().to_string(),
        "the backend's sector-size is \"1000\""
    );
    let e = Geometry::from_backend(keys(&[("sector-size", "512")]));
    assert_eq!(e.unwrap_err().to_string(), "the backend has no sectors");
    let e = Geometry::from_backend(keys(&[("sectors", "-1")]));
    assert!(e.is_err());
}
