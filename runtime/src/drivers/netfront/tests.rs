//! netfront against a model of Xen's grant table and of netback in copy
//! mode: the backend reaches our pages only through the grant references it
//! was given, as the real one does.
use super::*;
use crate::xen::abi::grant::{GrantEntryV1, GTF_PERMIT_ACCESS, GTF_READING, GTF_READONLY};
use crate::xen::ring::BackRing;
use crate::xen::shared_page::test_pages;
use core::mem::size_of;
use hashbrown::HashMap;
use zerocopy::{FromBytes, IntoBytes};

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
        self.take_packets(pages)
            .into_iter()
            .map(|p| p.data)
            .collect()
    }

    /// Takes every packet the frontend sent as Linux's netback does
    /// (xenvif_tx_build_gops): the first slot, its extra-info slots, the
    /// slots chained with more_data; what netback treats as a fatal error
    /// (the vif taken down) fails the test. Answers each slot, the extra
    /// ones with `NETIF_RSP_NULL` and a stale id, as netback does.
    fn take_packets(&mut self, pages: &Pages) -> Vec<Packet> {
        let mut packets = Vec::new();
        while let Some(first) = self.tx.take_request() {
            let mut extras = Vec::new();
            if first.flags & NETTXF_EXTRA_INFO != 0 {
                loop {
                    let raw = self.tx.take_request().expect("netback: missing extra info");
                    let (e, _) = NetifExtraInfo::read_from_prefix(raw.as_bytes()).unwrap();
                    assert!(
                        e.ty != 0 && e.ty < 6,
                        "netback: invalid extra type {}",
                        e.ty
                    );
                    extras.push(e);
                    if e.flags & XEN_NETIF_EXTRA_FLAG_MORE == 0 {
                        break;
                    }
                }
            }
            let mut slots = vec![first];
            let mut more = first.flags & NETTXF_MORE_DATA != 0;
            while more {
                assert!(slots.len() < 18, "netback: too many slots");
                let r = self
                    .tx
                    .take_request()
                    .expect("netback: asked for more slots");
                more = r.flags & NETTXF_MORE_DATA != 0;
                slots.push(r);
            }
            let rest: usize = slots[1..].iter().map(|r| r.size as usize).sum();
            assert!(rest <= first.size as usize, "slot sizes past the packet's");
            let first_len = first.size as usize - rest;
            let mut data = Vec::new();
            for (i, r) in slots.iter().enumerate() {
                let len = if i == 0 { first_len } else { r.size as usize };
                assert!(r.offset as usize + len <= 4096, "netback: crosses a page");
                let page = self.granted(pages, r.gref, false);
                let mut part = vec![0; len];
                page.read_bytes(r.offset as usize, &mut part);
                data.extend_from_slice(&part);
            }
            assert!(
                data.len() >= 14,
                "netback drops packets shorter than ETH_HLEN"
            );
            let gso = extras
                .iter()
                .find(|e| e.ty == XEN_NETIF_EXTRA_TYPE_GSO)
                .map(|e| {
                    let size = u16::from_le_bytes([e.u[0], e.u[1]]);
                    assert_ne!(size, 0, "netback: GSO size must not be zero");
                    assert_eq!(e.u[2], XEN_NETIF_GSO_TYPE_TCPV4, "netback: bad GSO type");
                    size
                });
            for (i, r) in slots.iter().enumerate() {
                self.tx.queue_response(&NetifTxResponse {
                    id: r.id,
                    status: NETIF_RSP_OKAY,
                });
                if i == 0 {
                    for _ in &extras {
                        self.tx.queue_response(&NetifTxResponse {
                            id: 0xdead,
                            status: NETIF_RSP_NULL,
                        });
                    }
                }
            }
            packets.push(Packet {
                data,
                flags: first.flags,
                gso,
                slots: slots.len(),
            });
        }
        self.tx.publish();
        packets
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

/// A packet as netback took it.
#[derive(Debug)]
struct Packet {
    data: Vec<u8>,
    /// The first slot's flags.
    flags: u16,
    /// The GSO extra's segment size.
    gso: Option<u16>,
    /// Data slots.
    slots: usize,
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

/// An Ethernet/IPv4/TCP packet with `payload` bytes of data.
fn tcp_packet(payload: usize) -> Vec<u8> {
    let mut f = frame(14 + 20 + 20 + payload, 3);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14] = 0x45; // IPv4, 20-byte header
    f[14 + 9] = 6; // TCP
    f[14 + 20 + 12] = 5 << 4; // 20-byte TCP header
    f
}

fn gso(mss: u16) -> TxOffload {
    TxOffload {
        csum_blank: true,
        gso_size: core::num::NonZeroU16::new(mss),
    }
}

#[test]
fn a_gso_packet_goes_in_page_slots_after_its_first_and_an_extra_info_slot() {
    let (mut nf, pages, _grants, mut backend) = setup();
    nf.enable_gso();
    let p = tcp_packet(60_000);
    assert!(nf.send_packet(&p, gso(1448)).unwrap(), "the backend waits");
    let got = backend.take_packets(&pages);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, p, "byte for byte across the slots");
    assert_eq!(got[0].slots, p.len().div_ceil(4096));
    assert_eq!(got[0].gso, Some(1448));
    assert_eq!(
        got[0].flags,
        NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED | NETTXF_MORE_DATA | NETTXF_EXTRA_INFO
    );
    // The extra slot's answer (RSP_NULL, a stale id) is no error, and
    // every buffer comes back.
    assert!(nf.can_send());
    assert_eq!(nf.tx_in_flight(), 0);
    assert_eq!(nf.counts.protocol_errors, 0);
    assert_eq!(nf.counts.tx_errors, 0);
    assert_eq!(nf.counts.tx_packets, 1);
    assert_eq!(nf.counts.tx_gso_packets, 1);
    assert_eq!(nf.counts.tx_segments, 60_000u64.div_ceil(1448));
}

#[test]
fn the_largest_gso_packet_takes_sixteen_slots_and_longer_ones_are_refused() {
    let (mut nf, pages, _grants, mut backend) = setup();
    nf.enable_gso();
    let p = tcp_packet(MAX_GSO_PACKET - 54);
    nf.send_packet(&p, gso(1460)).unwrap();
    let got = backend.take_packets(&pages);
    assert_eq!(got[0].slots, 16);
    assert_eq!(got[0].data, p);
    let long = tcp_packet(MAX_GSO_PACKET - 53);
    assert_eq!(
        nf.send_packet(&long, gso(1460)),
        Err(TxError::BadLength(MAX_GSO_PACKET + 1))
    );
}

#[test]
fn gso_requests_netback_would_not_take_are_refused_and_nothing_is_queued() {
    let (mut nf, pages, _grants, mut backend) = setup();
    let p = tcp_packet(10_000);
    assert_eq!(
        nf.send_packet(&p, gso(1460)),
        Err(TxError::BadGso),
        "the backend did not offer GSO"
    );
    nf.enable_gso();
    let no_csum = TxOffload {
        csum_blank: false,
        ..gso(1460)
    };
    assert_eq!(nf.send_packet(&p, no_csum), Err(TxError::BadGso));
    let mut udp = p.clone();
    udp[14 + 9] = 17;
    assert_eq!(nf.send_packet(&udp, gso(1460)), Err(TxError::BadGso));
    let mut ipv6 = p.clone();
    ipv6[12..14].copy_from_slice(&[0x86, 0xdd]);
    assert_eq!(nf.send_packet(&ipv6, gso(1460)), Err(TxError::BadGso));
    assert_eq!(
        nf.send_packet(&tcp_packet(0), gso(1460)),
        Err(TxError::BadGso),
        "no payload to cut"
    );
    assert_eq!(
        nf.send_packet(&frame(2000, 0), TxOffload::default()),
        Err(TxError::BadLength(2000)),
        "a plain frame is at most the MTU"
    );
    assert_eq!(nf.send(&frame(13, 0)), Err(TxError::BadLength(13)));
    assert!(backend.take_packets(&pages).is_empty());
    assert_eq!(nf.tx_in_flight(), 0);
    assert_eq!(nf.counts.tx_errors, 7, "each refusal counted");
}

#[test]
fn a_plain_frame_with_its_checksum_left_blank_is_one_slot() {
    let (mut nf, pages, _grants, mut backend) = setup();
    let f = tcp_packet(1000);
    let csum = TxOffload {
        csum_blank: true,
        gso_size: None,
    };
    nf.send_packet(&f, csum).unwrap();
    let got = backend.take_packets(&pages);
    assert_eq!(got[0].data, f);
    assert_eq!(got[0].slots, 1);
    assert_eq!(got[0].gso, None);
    assert_eq!(got[0].flags, NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED);
    assert_eq!(nf.counts.tx_segments, 1);
}

#[test]
fn a_gso_packet_that_does_not_fit_waits_whole() {
    let (mut nf, pages, _grants, mut backend) = setup();
    nf.enable_gso();
    // 244 single-slot frames leave 12 buffers and 12 ring entries: fewer
    // than a 16-slot packet needs, so the device says it cannot send.
    for _ in 0..TX_BUFFERS - 12 {
        nf.send(&frame(100, 1)).unwrap();
    }
    assert!(!nf.can_send());
    let p = tcp_packet(MAX_GSO_PACKET - 54);
    assert_eq!(nf.send_packet(&p, gso(1460)), Err(TxError::Full));
    // A packet of 11 slots and its extra slot fill the ring exactly.
    let fits = tcp_packet(11 * 4096 - 54);
    nf.send_packet(&fits, gso(1460)).unwrap();
    assert_eq!(nf.tx_in_flight(), TX_BUFFERS - 1);
    // One buffer is free, but no ring entry: the extra slot took it.
    assert_eq!(nf.send(&frame(100, 1)), Err(TxError::Full));
    let got = backend.take_packets(&pages);
    assert_eq!(got.len(), TX_BUFFERS - 12 + 1);
    assert_eq!(got.last().unwrap().data, fits);
    assert!(nf.can_send());
    nf.send_packet(&p, gso(1460)).unwrap();
    assert_eq!(backend.take_packets(&pages)[0].data, p);
}

#[test]
fn many_gso_packets_wrap_the_ring_and_every_buffer_comes_back() {
    let (mut nf, pages, _grants, mut backend) = setup();
    nf.enable_gso();
    let mut sent = Vec::new();
    for i in 0..100 {
        let p = tcp_packet(1000 + i * 613);
        nf.send_packet(&p, gso(1460)).unwrap();
        sent.push(p);
        if i % 10 == 9 {
            let got: Vec<Vec<u8>> = backend
                .take_packets(&pages)
                .into_iter()
                .map(|p| p.data)
                .collect();
            assert_eq!(got, sent[i - 9..=i]);
        }
    }
    assert!(nf.can_send());
    assert_eq!(nf.tx_in_flight(), 0);
    assert_eq!(nf.counts.protocol_errors, 0);
    assert_eq!(nf.counts.tx_gso_packets, 100);
}
