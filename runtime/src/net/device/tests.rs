//! The offloads between two stacks: A's link takes TCP checksums and
//! segmentation as netback does (completing the checksum from the
//! pseudo-header sum, then cutting the packet as Linux's GSO does), B's is
//! a plain wire. What reaches B must be frames of the MTU with valid
//! checksums, cut at the MSS the connection really has.
use super::*;
use crate::errno::Errno;
use crate::net::socket::{App, Sock, AF_INET, SOCK_STREAM};
use crate::net::stack::Stack;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;
use smoltcp::wire::{
    EthernetFrame, IpAddress, IpEndpoint, Ipv4Address, Ipv4Cidr, Ipv4Packet, TcpPacket,
};

type Queue = Rc<RefCell<VecDeque<Vec<u8>>>>;

/// What A's link was handed, packet by packet.
#[derive(Debug, Clone, Copy)]
struct Sent {
    len: usize,
    meta: TxMeta,
    tcp: bool,
}

/// One end of the wire. With `offloads`, it completes blank TCP
/// checksums and cuts GSO packets (a model of netback and dom0's GSO);
/// with `clamp_mss`, it rewrites the MSS option of the SYNs it sends (a
/// middlebox that clamps the MSS).
struct End {
    inbox: Queue,
    outbox: Queue,
    offloads: Offloads,
    clamp_mss: Option<u16>,
    sent: Rc<RefCell<Vec<Sent>>>,
}

const ETH: usize = 14;

/// The TCP header's offset in an Ethernet frame carrying IPv4/TCP.
fn tcp_at(frame: &[u8]) -> Option<usize> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != smoltcp::wire::EthernetProtocol::Ipv4 {
        return None;
    }
    let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
    (ip.next_header() == smoltcp::wire::IpProtocol::Tcp).then(|| ETH + ip.header_len() as usize)
}

fn addrs(frame: &[u8]) -> (IpAddress, IpAddress) {
    let ip = Ipv4Packet::new_unchecked(&frame[ETH..]);
    (ip.src_addr().into(), ip.dst_addr().into())
}

/// netback's completion of a blank checksum: the one's complement sum of
/// the TCP header and data, the field holding what the sender put there.
fn complete_checksum(frame: &mut [u8], tcp: usize) {
    let field = tcp + 16;
    let mut sum: u32 = 0;
    for pair in frame[tcp..].chunks(2) {
        let hi = pair[0] as u32;
        let lo = pair.get(1).copied().unwrap_or(0) as u32;
        sum += (hi << 8) | lo;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let csum = !(sum as u16);
    frame[field..field + 2].copy_from_slice(&csum.to_be_bytes());
}

/// Linux's GSO of a TCP/IPv4 packet whose checksum is already complete:
/// each segment gets the headers, `mss` bytes of data (the last the rest),
/// its sequence number and IP length, FIN and PSH only on the last, and
/// fresh checksums.
fn segment(packet: &[u8], tcp: usize, mss: usize) -> Vec<Vec<u8>> {
    let hdr = tcp + TcpPacket::new_unchecked(&packet[tcp..]).header_len() as usize;
    let seq = TcpPacket::new_unchecked(&packet[tcp..]).seq_number();
    let (src, dst) = addrs(packet);
    let chunks: Vec<&[u8]> = packet[hdr..].chunks(mss).collect();
    let n = chunks.len();
    let mut out = Vec::new();
    for (i, data) in chunks.into_iter().enumerate() {
        let mut f = packet[..hdr].to_vec();
        f.extend_from_slice(data);
        let ip_len = (f.len() - ETH) as u16;
        let mut ip = Ipv4Packet::new_unchecked(&mut f[ETH..]);
        ip.set_total_len(ip_len);
        ip.fill_checksum();
        let mut t = TcpPacket::new_unchecked(&mut f[tcp..]);
        t.set_seq_number(seq + i * mss);
        if i + 1 < n {
            t.set_fin(false);
            t.set_psh(false);
        }
        t.fill_checksum(&src, &dst);
        out.push(f);
    }
    out
}

/// Sets the MSS option of a SYN to `mss` (and fixes its checksum).
fn clamp(frame: &mut [u8], mss: u16) {
    let Some(tcp) = tcp_at(frame) else { return };
    let (src, dst) = addrs(frame);
    let mut t = TcpPacket::new_unchecked(&mut frame[tcp..]);
    if !t.syn() {
        return;
    }
    let opts = t.options_mut();
    let mut i = 0;
    while i + 1 < opts.len() {
        match opts[i] {
            0 => break,
            1 => i += 1,
            2 => {
                opts[i + 2..i + 4].copy_from_slice(&mss.to_be_bytes());
                break;
            }
            _ => i += opts[i + 1].max(2) as usize,
        }
    }
    t.fill_checksum(&src, &dst);
}

impl Link for End {
    fn receive(&mut self, buf: &mut [u8; MAX_FRAME]) -> Option<usize> {
        let f = self.inbox.borrow_mut().pop_front()?;
        buf[..f.len()].copy_from_slice(&f);
        Some(f.len())
    }
    fn can_send(&mut self) -> bool {
        self.outbox.borrow().len() < 4096
    }
    fn send(&mut self, frame: &[u8], meta: TxMeta) {
        let tcp = tcp_at(frame);
        self.sent.borrow_mut().push(Sent {
            len: frame.len(),
            meta,
            tcp: tcp.is_some(),
        });
        let mut f = frame.to_vec();
        if let Some(mss) = self.clamp_mss {
            clamp(&mut f, mss);
        }
        if meta.csum_blank {
            let tcp = tcp.expect("a blank checksum only on TCP");
            complete_checksum(&mut f, tcp);
            let (src, dst) = addrs(&f);
            assert!(
                TcpPacket::new_unchecked(&f[tcp..]).verify_checksum(&src, &dst),
                "the pseudo-header sum covers the whole packet's TCP length"
            );
        }
        let frames = match meta.gso_size {
            Some(mss) => segment(&f, tcp.expect("GSO only on TCP"), mss.get() as usize),
            None => alloc::vec![f],
        };
        self.outbox.borrow_mut().extend(frames);
    }
    fn offloads(&self) -> Offloads {
        self.offloads
    }
}

const A_IP: [u8; 4] = [198, 18, 0, 2];
const B_IP: [u8; 4] = [198, 18, 0, 1];
const A: App = 0;
const B: App = 1;

struct Net {
    a: Stack<End>,
    b: Stack<End>,
    /// Frames on their way to B (after A's link).
    to_b: Queue,
    sent: Rc<RefCell<Vec<Sent>>>,
    now: u64,
}

fn ep(ip: [u8; 4], port: u16) -> IpEndpoint {
    IpEndpoint::new(IpAddress::Ipv4(Ipv4Address::from(ip)), port)
}

impl Net {
    fn new(offloads: Offloads, clamp_mss: Option<u16>) -> Self {
        let (ab, ba): (Queue, Queue) = Default::default();
        let sent = Rc::new(RefCell::new(Vec::new()));
        let end = |inbox: &Queue, outbox: &Queue, offloads, clamp_mss, sent| End {
            inbox: inbox.clone(),
            outbox: outbox.clone(),
            offloads,
            clamp_mss,
            sent,
        };
        let a_end = end(&ba, &ab, offloads, None, sent.clone());
        let mut a = Stack::new(a_end, [2, 0, 0, 0, 0, 2], 1, 0);
        // B's sends are not recorded.
        let mut b = Stack::new(
            end(&ab, &ba, Offloads::default(), clamp_mss, Default::default()),
            [2, 0, 0, 0, 0, 1],
            2,
            0,
        );
        a.set_address(Ipv4Cidr::new(Ipv4Address::from(A_IP), 24), None);
        b.set_address(Ipv4Cidr::new(Ipv4Address::from(B_IP), 24), None);
        Net {
            a,
            b,
            to_b: ab,
            sent,
            now: 0,
        }
    }

    /// Polls both for 1 ms of simulated time; every frame B gets must be
    /// one of the MTU with valid checksums (the filter's checks).
    fn step(&mut self) {
        for _ in 0..4 {
            self.a.poll(self.now);
            for f in self.to_b.borrow().iter() {
                assert!(f.len() <= MAX_FRAME, "a frame of {} bytes", f.len());
                assert_eq!(crate::net::filter::check(f), Ok(()));
            }
            self.b.poll(self.now);
        }
        self.now += 1_000_000;
    }

    /// B listens, A connects; A's and B's descriptors.
    fn connected(&mut self, port: u16) -> (Sock, Sock) {
        let l = self.b.sockets.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
        let bi = &self.b.iface;
        self.b.sockets.bind(bi, B, l, ep([0; 4], port)).unwrap();
        self.b.sockets.listen(B, l, 4).unwrap();
        let c = self.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
        let _ = self
            .a
            .sockets
            .connect(&mut self.a.iface, A, c, ep(B_IP, port));
        for _ in 0..20 {
            self.step();
        }
        assert_eq!(self.a.sockets.connect_status(A, c), Ok(()));
        let (s, _) = self.b.sockets.accept(B, l).unwrap();
        (c, s)
    }

    /// Sends `data` from A to B; what B read.
    fn transfer(&mut self, data: &[u8]) -> Vec<u8> {
        let (c, s) = self.connected(80);
        let (mut sent, mut got) = (0, Vec::new());
        let mut buf = [0u8; 4096];
        for _ in 0..20_000 {
            if sent < data.len() {
                match self.a.sockets.send(A, c, &data[sent..]) {
                    Ok(n) => sent += n,
                    Err(Errno::EAGAIN) => {}
                    Err(e) => panic!("send: {e:?}"),
                }
            }
            self.step();
            loop {
                match self.b.sockets.recv(B, s, &mut buf) {
                    Ok((0, _)) | Err(Errno::EAGAIN) => break,
                    Ok((n, _)) => got.extend_from_slice(&buf[..n]),
                    Err(e) => panic!("recv: {e:?}"),
                }
            }
            if got.len() == data.len() {
                break;
            }
        }
        got
    }

    /// What A's link was handed.
    fn sent(&self) -> Vec<Sent> {
        self.sent.borrow().clone()
    }
}

fn data(n: usize) -> Vec<u8> {
    (0..n as u32).map(|i| (i * 7 + i / 251) as u8).collect()
}

const BOTH: Offloads = Offloads::ALL;

#[test]
fn without_offloads_every_frame_is_complete_and_of_the_mtu() {
    let mut net = Net::new(Offloads::default(), None);
    let body = data(300_000);
    assert_eq!(net.transfer(&body), body);
    let sent = net.sent();
    assert!(sent.iter().all(|s| s.meta == TxMeta::default()));
    assert!(sent.iter().all(|s| s.len <= MAX_FRAME));
}

#[test]
fn checksum_offload_alone_leaves_tcp_checksums_blank_and_frames_of_the_mtu() {
    let csum = Offloads {
        tcp_csum: true,
        tcp_segmentation: false,
    };
    let mut net = Net::new(csum, None);
    let body = data(300_000);
    assert_eq!(net.transfer(&body), body);
    let sent = net.sent();
    assert!(sent
        .iter()
        .all(|s| s.len <= MAX_FRAME && s.meta.gso_size.is_none()));
    // Every TCP frame (SYN and ACKs included) has its checksum left to the
    // link; ARP has none.
    let odd: Vec<&Sent> = sent.iter().filter(|s| s.meta.csum_blank != s.tcp).collect();
    assert!(odd.is_empty(), "{odd:?}");
    assert!(sent.iter().any(|s| !s.tcp), "ARP went out too");
}

#[test]
fn segmentation_sends_large_packets_cut_at_the_connections_mss() {
    let mut net = Net::new(BOTH, None);
    let body = data(1 << 20);
    assert_eq!(net.transfer(&body), body, "every byte through, in order");
    let sent = net.sent();
    let gso: Vec<&Sent> = sent.iter().filter(|s| s.meta.gso_size.is_some()).collect();
    let data_bytes: usize = gso.iter().map(|s| s.len).sum();
    assert!(
        data_bytes > body.len() / 2,
        "most of the data goes in GSO packets ({data_bytes} bytes)"
    );
    assert!(gso
        .iter()
        .all(|s| s.len <= MAX_GSO_PACKET && s.len > MAX_FRAME));
    assert!(gso.iter().all(|s| s.meta.csum_blank));
    // B's MSS is 1460 (MTU 1500), and smoltcp's data segments carry no
    // options here (no timestamps), so a segment has 1460 bytes of data.
    for s in &gso {
        assert_eq!(s.meta.gso_size.map(|m| m.get()), Some(1460), "{s:?}");
    }
    assert!(
        gso.len() < body.len() / 1460 / 10,
        "{} GSO packets for {} segments' worth",
        gso.len(),
        body.len() / 1460
    );
}

#[test]
fn segmentation_follows_a_smaller_mss_from_the_peer() {
    // The SYN-ACK A gets says MSS 536: A's packets are cut at 536 (less
    // the options, none here), and B's checks (frames of the MTU,
    // checksums) hold.
    let mut net = Net::new(BOTH, Some(536));
    let body = data(200_000);
    assert_eq!(net.transfer(&body), body);
    let sizes: Vec<u16> = net
        .sent()
        .iter()
        .filter_map(|s| s.meta.gso_size.map(|m| m.get()))
        .collect();
    assert!(!sizes.is_empty());
    assert!(sizes.iter().all(|&m| m == 536), "{sizes:?}");
}

#[test]
fn segmentation_without_checksum_offload_is_not_used() {
    let odd = Offloads {
        tcp_csum: false,
        tcp_segmentation: true,
    };
    let mut net = Net::new(odd, None);
    let body = data(100_000);
    assert_eq!(net.transfer(&body), body);
    assert!(net
        .sent()
        .iter()
        .all(|s| s.meta == TxMeta::default() && s.len <= MAX_FRAME));
}

#[test]
fn the_tx_offload_option() {
    assert_eq!(Offloads::from_option(None), Ok(Offloads::ALL));
    assert_eq!(Offloads::from_option(Some("tso")), Ok(Offloads::ALL));
    let csum = Offloads::from_option(Some("csum")).unwrap();
    assert!(csum.tcp_csum && !csum.tcp_segmentation);
    assert_eq!(Offloads::from_option(Some("none")), Ok(Offloads::default()));
    assert_eq!(
        Offloads::from_option(Some("gso")),
        Err("uk.tx-offload=\"gso\": one of none, csum, tso; tso is used".into())
    );
}
