//! netfront against a model of Xen's grant table and of netback in copy
//! mode: the backend reaches our pages only through the grant references it
//! was given, as the real one does.
use super::*;
use crate::xen::abi::grant::{GrantEntryV1, GTF_PERMIT_ACCESS, GTF_READING, GTF_READONLY};
use crate::xen::ring::BackRing;
use crate::xen::shared_page::test_pages;
use core::mem::size_of;
use hashbrown::HashMap;

/// Pages for the frontend, with the backend's (Xen's) handle on each by
/// machine frame number.
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
        let mfn = 0x1000 + self.next_mfn;
        self.by_mfn.insert(mfn, xens);
        Some((ours, mfn))
    }
}

/// netback: it maps the rings and copies by grant reference.
struct Backend {
    /// Xen's view of the grant table's pages.
    table: Vec<SharedPage>,
    tx: BackRing<NetifTxRequest, NetifTxResponse>,
    rx: BackRing<NetifRxRequest, NetifRxResponse>,
    /// Receive requests taken, not yet answered: (id, gref).
    rx_posted: Vec<(u16, u32)>,
}

impl Backend {
    fn entry_at(&self, gref: u32) -> (&SharedPage, usize) {
        let per_page = 4096 / size_of::<GrantEntryV1>();
        let r = gref as usize;
        (
            &self.table[r / per_page],
            r % per_page * size_of::<GrantEntryV1>(),
        )
    }

    fn entry(&self, gref: u32) -> GrantEntryV1 {
        let (page, at) = self.entry_at(gref);
        page.read(at)
    }

    /// The page a grant reference lets the backend reach.
    fn granted<'a>(&self, pages: &'a Pages, gref: u32, write: bool) -> &'a SharedPage {
        let e = self.entry(gref);
        assert_ne!(e.flags & GTF_PERMIT_ACCESS, 0, "grant {gref} is not valid");
        assert_eq!(e.domid, 0, "granted to the backend's domain");
        if write {
            assert_eq!(e.flags & GTF_READONLY, 0, "grant {gref} is read-only");
        }
        &pages.by_mfn[&(e.frame as u64)]
    }

    fn connect(nf: &NetFront, pages: &Pages, table: Vec<SharedPage>) -> Self {
        let (txr, rxr) = nf.ring_refs();
        let ring = |r| {
            let e: GrantEntryV1 = {
                let per_page = 4096 / size_of::<GrantEntryV1>();
                let r = r as usize;
                table[r / per_page].read(r % per_page * size_of::<GrantEntryV1>())
            };
            test_pages::another(&pages.by_mfn[&(e.frame as u64)])
        };
        let (tx, rx) = (BackRing::attach(ring(txr)), BackRing::attach(ring(rxr)));
        Backend {
            table,
            tx,
            rx,
            rx_posted: Vec::new(),
        }
    }

    /// Takes every frame the frontend sent and answers each request.
    fn take_sent(&mut self, pages: &Pages) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        while let Some(req) = self.tx.take_request() {
            let page = self.granted(pages, req.gref, false);
            let mut f = vec![0; req.size as usize];
            page.read_bytes(req.offset as usize, &mut f);
            frames.push(f);
            self.tx.queue_response(&NetifTxResponse {
                id: req.id,
                status: NETIF_RSP_OKAY,
            });
        }
        self.tx.publish();
        frames
    }

    fn take_rx_requests(&mut self) {
        while let Some(req) = self.rx.take_request() {
            self.rx_posted.push((req.id, req.gref));
        }
    }

    /// Copies `frame` into the next posted buffer and answers with
    /// `adjust` applied to the response (to break it on purpose).
    fn deliver(&mut self, pages: &Pages, frame: &[u8], adjust: impl Fn(&mut NetifRxResponse)) {
        self.take_rx_requests();
        let (id, gref) = self.rx_posted.remove(0);
        self.granted(pages, gref, true).write_bytes(0, frame);
        let mut rsp = NetifRxResponse {
            id,
            offset: 0,
            flags: 0,
            status: frame.len() as i16,
        };
        adjust(&mut rsp);
        self.rx.queue_response(&rsp);
        self.rx.publish();
    }
}

fn setup() -> (NetFront, Pages, GrantTable, Backend) {
    let mut pages = Pages::default();
    // Two rings and 512 buffers need more than one page of references.
    let [ours0, xens0] = test_pages::handles();
    let [ours1, xens1] = test_pages::handles();
    let mut grants = GrantTable::new(vec![ours0, ours1]);
    let nf = NetFront::new(&mut pages, &mut grants, 0).unwrap();
    let backend = Backend::connect(&nf, &pages, vec![xens0, xens1]);
    (nf, pages, grants, backend)
}

fn frame(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn setup_grants_every_page_once_and_posts_every_receive_buffer() {
    let (nf, _pages, grants, mut backend) = setup();
    assert_eq!(grants.active() as usize, 2 + TX_BUFFERS + RX_BUFFERS);
    assert_eq!(nf.rx_posted(), RX_BUFFERS);
    backend.take_rx_requests();
    assert_eq!(
        backend.rx_posted.len(),
        RX_BUFFERS,
        "visible to the backend at once"
    );
    let tx_buf = backend.entry(nf.tx_bufs[0].gref);
    assert_ne!(
        tx_buf.flags & GTF_READONLY,
        0,
        "transmit buffers are read-only to it"
    );
}

#[test]
fn sent_frames_arrive_whole_and_buffers_come_back() {
    let (mut nf, pages, _grants, mut backend) = setup();
    let mut sent = Vec::new();
    // Three rings' worth, so buffers must be reused.
    for i in 0..3 * TX_BUFFERS {
        let f = frame(60 + i % 1400, i as u8);
        nf.send(&f).unwrap();
        sent.push(f);
        if i % 100 == 99 {
            assert_eq!(backend.take_sent(&pages).len(), 100);
        }
    }
    backend.take_sent(&pages);
    assert!(nf.can_send());
    assert_eq!(nf.tx_in_flight(), 0);
    assert_eq!(nf.counts.tx_packets as usize, sent.len());
    assert_eq!(nf.counts.protocol_errors, 0);
}

#[test]
fn frames_are_sent_byte_for_byte() {
    let (mut nf, pages, _grants, mut backend) = setup();
    let frames: Vec<Vec<u8>> = (0..10).map(|i| frame(64 + i * 150, i as u8)).collect();
    for f in &frames {
        nf.send(f).unwrap();
    }
    assert_eq!(backend.take_sent(&pages), frames);
}

#[test]
fn a_full_ring_refuses_until_the_backend_answers() {
    let (mut nf, pages, _grants, mut backend) = setup();
    for _ in 0..TX_BUFFERS {
        nf.send(&frame(100, 1)).unwrap();
    }
    assert_eq!(nf.send(&frame(100, 2)), Err(TxError::Full));
    assert!(!nf.can_send());
    backend.take_sent(&pages);
    assert!(nf.can_send());
    assert_eq!(nf.send(&[]), Err(TxError::BadLength(0)));
    assert_eq!(
        nf.send(&frame(MAX_FRAME + 1, 0)),
        Err(TxError::BadLength(MAX_FRAME + 1))
    );
}

#[test]
fn notifications_are_sent_only_when_the_backend_waits() {
    let (mut nf, _pages, _grants, _backend) = setup();
    let first = nf.send(&frame(60, 0)).unwrap();
    assert!(first, "the backend starts out waiting");
    for _ in 0..100 {
        assert!(
            !nf.send(&frame(60, 0)).unwrap(),
            "no storm while it has not asked again"
        );
    }
    assert_eq!(nf.counts.notifies, 1);
}

#[test]
fn received_frames_are_delivered_and_their_buffers_reposted() {
    let (mut nf, pages, _grants, mut backend) = setup();
    let frames: Vec<Vec<u8>> = (0..600).map(|i| frame(42 + i % 1472, i as u8)).collect();
    let mut got = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        backend.deliver(&pages, f, |_| {});
        if i % 50 == 49 {
            nf.receive(usize::MAX, |f| got.push(f.to_vec()));
        }
    }
    nf.receive(usize::MAX, |f| got.push(f.to_vec()));
    assert_eq!(
        got, frames,
        "600 frames through 256 buffers, in order, whole"
    );
    assert_eq!(
        nf.rx_posted(),
        RX_BUFFERS,
        "every buffer is back with the backend"
    );
    assert_eq!(nf.counts.rx_packets, 600);
}

#[test]
fn bad_responses_are_counted_and_dropped_and_the_device_keeps_going() {
    let (mut nf, pages, _grants, mut backend) = setup();
    let good = frame(100, 7);
    let mut got = Vec::new();
    backend.deliver(&pages, &good, |r| r.status = NETIF_RSP_ERROR);
    backend.deliver(&pages, &good, |r| r.offset = 4000); // runs past the page
    backend.deliver(&pages, &good, |r| r.flags = NETRXF_MORE_DATA);
    backend.deliver(&pages, &good, |r| r.id = 9999); // no such buffer
    backend.deliver(&pages, &good, |_| {});
    nf.receive(usize::MAX, |f| got.push(f.to_vec()));
    assert_eq!(
        got,
        core::slice::from_ref(&good),
        "only the good frame is delivered"
    );
    assert_eq!(nf.counts.rx_dropped, 2, "error status, multi-slot");
    assert_eq!(nf.counts.protocol_errors, 2, "bad offset, unknown id");
    // Every buffer named by a response is posted again; the one whose
    // response named an unknown id is lost to the backend's mistake (the
    // frontend cannot know which it was), and nothing else breaks.
    assert_eq!(nf.rx_posted(), RX_BUFFERS);
    backend.deliver(&pages, &good, |_| {});
    nf.receive(usize::MAX, |f| got.push(f.to_vec()));
    assert_eq!(got.len(), 2);
}

#[test]
fn a_receive_budget_leaves_the_rest_for_later() {
    let (mut nf, pages, _grants, mut backend) = setup();
    for i in 0..10 {
        backend.deliver(&pages, &frame(60, i), |_| {});
    }
    let mut n = 0;
    nf.receive(4, |_| n += 1);
    assert_eq!(n, 4);
    assert!(nf.final_check(), "more is waiting: do not sleep");
    nf.receive(usize::MAX, |_| n += 1);
    assert_eq!(n, 10);
    assert!(!nf.final_check());
}

#[test]
fn release_ends_every_grant_and_leaks_what_the_backend_still_maps() {
    let (nf, _pages, mut grants, backend) = setup();
    let busy = nf.rx_bufs[3].gref;
    let (page, at) = backend.entry_at(busy);
    page.atomic_u16(at)
        .fetch_or(GTF_READING, core::sync::atomic::Ordering::Relaxed);
    let leaked = nf.release(&mut grants);
    assert_eq!(leaked, 1);
    assert_eq!(grants.active(), 1, "only the busy grant remains");
}

#[test]
fn setup_without_memory_is_an_error() {
    let mut pages = Pages {
        limit: Some(10),
        ..Default::default()
    };
    let [ours0] = test_pages::handles();
    let [ours1] = test_pages::handles();
    let mut grants = GrantTable::new(vec![ours0, ours1]);
    assert_eq!(
        NetFront::new(&mut pages, &mut grants, 0).err(),
        Some(SetupError::OutOfMemory)
    );
}
