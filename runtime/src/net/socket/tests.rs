//! The socket layer between two stacks joined by a model wire: what a
//! Linux programmer would see.
use super::*;
use crate::net::device::{Link, TxMeta, MAX_FRAME};
use crate::net::stack::Stack;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use core::cell::RefCell;
use smoltcp::wire::Ipv4Cidr;

type Queue = Rc<RefCell<VecDeque<Vec<u8>>>>;

/// One end of a wire: frames sent go into the other end's queue.
struct End {
    inbox: Queue,
    outbox: Queue,
}

impl Link for End {
    fn receive(&mut self, buf: &mut [u8; MAX_FRAME]) -> Option<usize> {
        let f = self.inbox.borrow_mut().pop_front()?;
        buf[..f.len()].copy_from_slice(&f);
        Some(f.len())
    }
    fn can_send(&mut self) -> bool {
        self.outbox.borrow().len() < 512
    }
    fn send(&mut self, frame: &[u8], _meta: TxMeta) {
        self.outbox.borrow_mut().push_back(frame.to_vec());
    }
}

const A_IP: [u8; 4] = [198, 18, 0, 2];
const B_IP: [u8; 4] = [198, 18, 0, 1];
const A: App = 0;
const B: App = 1;

struct Net {
    a: Stack<End>,
    b: Stack<End>,
    now: u64,
}

fn ep(ip: [u8; 4], port: u16) -> IpEndpoint {
    IpEndpoint::new(IpAddress::Ipv4(Ipv4Address::from(ip)), port)
}

impl Net {
    fn new() -> Self {
        let (ab, ba): (Queue, Queue) = Default::default();
        let mut a = Stack::new(
            End {
                inbox: ba.clone(),
                outbox: ab.clone(),
            },
            [2, 0, 0, 0, 0, 2],
            1,
            0,
        );
        let mut b = Stack::new(
            End {
                inbox: ab,
                outbox: ba,
            },
            [2, 0, 0, 0, 0, 1],
            2,
            0,
        );
        a.set_address(Ipv4Cidr::new(Ipv4Address::from(A_IP), 24), None);
        b.set_address(Ipv4Cidr::new(Ipv4Address::from(B_IP), 24), None);
        Net { a, b, now: 0 }
    }

    /// Polls both ends for `ms` of simulated time, 1 ms at a time.
    fn run(&mut self, ms: u64) {
        for _ in 0..ms {
            for _ in 0..4 {
                self.a.poll(self.now);
                self.b.poll(self.now);
            }
            self.now += 1_000_000;
        }
    }

    /// B listens on `port` (app B), A connects (app A); both descriptors.
    fn connected(&mut self, port: u16) -> (Sock, Sock, Sock) {
        let l = self.b.sockets.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
        self.b
            .sockets
            .bind(&self.b.iface, B, l, ep([0; 4], port))
            .unwrap();
        self.b.sockets.listen(B, l, 4).unwrap();
        let c = self.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
        assert_eq!(
            self.a
                .sockets
                .connect(&mut self.a.iface, A, c, ep(B_IP, port)),
            Err(Errno::EINPROGRESS)
        );
        assert_eq!(self.a.sockets.connect_status(A, c), Err(Errno::EAGAIN));
        self.run(20);
        assert_eq!(self.a.sockets.connect_status(A, c), Ok(()));
        let (s, peer) = self.b.sockets.accept(B, l).unwrap();
        assert_eq!(peer.addr, IpAddress::Ipv4(Ipv4Address::from(A_IP)));
        (l, s, c)
    }
}

/// Sends all of `data` from `from` while reading at `to`, polling between.
fn pump(net: &mut Net, data: &[u8], c: Sock, s: Sock) -> Vec<u8> {
    let (mut sent, mut got) = (0, Vec::new());
    let mut buf = [0u8; 4096];
    for _ in 0..10_000 {
        if sent < data.len() {
            match net.a.sockets.send(A, c, &data[sent..]) {
                Ok(n) => sent += n,
                Err(Errno::EAGAIN) => {}
                Err(e) => panic!("send: {e:?}"),
            }
        }
        net.run(1);
        loop {
            match net.b.sockets.recv(B, s, &mut buf) {
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

#[test]
fn tcp_connect_accept_and_bytes_both_ways() {
    let mut net = Net::new();
    let (_l, s, c) = net.connected(7);
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    assert_eq!(pump(&mut net, &data, c, s), data, "every byte, in order");
    // And back.
    net.b.sockets.send(B, s, b"pong").unwrap();
    net.run(5);
    let mut buf = [0u8; 16];
    assert_eq!(net.a.sockets.recv(A, c, &mut buf).unwrap().0, 4);
    assert_eq!(&buf[..4], b"pong");
    assert_eq!(
        net.a.sockets.peer_addr(A, c).unwrap(),
        ep(B_IP, 7),
        "getpeername"
    );
    assert_eq!(net.b.sockets.local_addr(B, s).unwrap(), ep(B_IP, 7));
}

#[test]
fn closing_gives_the_peer_end_of_stream() {
    let mut net = Net::new();
    let (_l, s, c) = net.connected(8);
    net.a.sockets.send(A, c, b"last words").unwrap();
    net.a.sockets.close(A, c).unwrap();
    net.run(10);
    let mut buf = [0u8; 64];
    assert_eq!(net.b.sockets.recv(B, s, &mut buf).unwrap().0, 10);
    assert_eq!(net.b.sockets.recv(B, s, &mut buf), Ok((0, None)), "EOF");
    let ready = net.b.sockets.ready(B, s).unwrap();
    assert!(ready.readable, "EOF is readable");
    assert_eq!(
        net.a.sockets.recv(A, c, &mut buf),
        Err(Errno::EBADF),
        "closed sock"
    );
}

#[test]
fn a_closed_port_refuses_the_connection() {
    let mut net = Net::new();
    let c = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
    let _ = net
        .a
        .sockets
        .connect(&mut net.a.iface, A, c, ep(B_IP, 9999));
    net.run(20);
    assert_eq!(net.a.sockets.connect_status(A, c), Err(Errno::ECONNREFUSED));
    assert_eq!(net.a.sockets.counts.refused, 1);
}

#[test]
fn an_unaccepted_connection_is_reset_when_its_listener_closes() {
    let mut net = Net::new();
    let l = net.b.sockets.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
    net.b
        .sockets
        .bind(&net.b.iface, B, l, ep([0; 4], 80))
        .unwrap();
    net.b.sockets.listen(B, l, 1).unwrap();
    let c = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
    let _ = net.a.sockets.connect(&mut net.a.iface, A, c, ep(B_IP, 80));
    net.run(20);
    assert_eq!(net.a.sockets.connect_status(A, c), Ok(()));
    net.b.sockets.close(B, l).unwrap();
    net.run(20);
    let mut buf = [0u8; 8];
    assert_eq!(net.a.sockets.recv(A, c, &mut buf), Err(Errno::ECONNRESET));
}

#[test]
fn a_backlog_takes_simultaneous_connections_and_refills() {
    let mut net = Net::new();
    let l = net.b.sockets.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
    net.b
        .sockets
        .bind(&net.b.iface, B, l, ep([0; 4], 8080))
        .unwrap();
    net.b.sockets.listen(B, l, 16).unwrap();
    assert!(
        !net.b.sockets.ready(B, l).unwrap().readable,
        "nothing waiting yet"
    );
    let clients: Vec<Sock> = (0..16)
        .map(|_| {
            let c = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
            let _ = net
                .a
                .sockets
                .connect(&mut net.a.iface, A, c, ep(B_IP, 8080));
            c
        })
        .collect();
    net.run(30);
    assert!(net.b.sockets.ready(B, l).unwrap().readable);
    let mut accepted = 0;
    while net.b.sockets.accept(B, l).is_ok() {
        accepted += 1;
    }
    assert_eq!(accepted, 16);
    for &c in &clients {
        assert_eq!(net.a.sockets.connect_status(A, c), Ok(()));
    }
    // The backlog was refilled: 16 more get in too.
    for _ in 0..16 {
        let c = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
        let _ = net
            .a
            .sockets
            .connect(&mut net.a.iface, A, c, ep(B_IP, 8080));
    }
    net.run(30);
    let mut more = 0;
    while net.b.sockets.accept(B, l).is_ok() {
        more += 1;
    }
    assert_eq!(more, 16);
}

#[test]
fn ports_are_bound_once_across_apps_and_addresses_must_be_ours() {
    let mut net = Net::new();
    let s = &mut net.b.sockets;
    let iface = &net.b.iface;
    let x = s.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
    s.bind(iface, B, x, ep([0; 4], 5000)).unwrap();
    let y = s.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
    assert_eq!(
        s.bind(iface, A, y, ep([0; 4], 5000)),
        Err(Errno::EADDRINUSE)
    );
    assert_eq!(
        s.bind(iface, A, y, ep([10, 0, 0, 1], 5001)),
        Err(Errno::EADDRNOTAVAIL)
    );
    s.bind(iface, A, y, ep(B_IP, 0)).unwrap();
    let port = s.local_addr(A, y).unwrap().port;
    assert!(EPHEMERAL.contains(&port), "bind(0) picks {port}");
    // UDP ports are a separate space.
    let u = s.socket(A, AF_INET, SOCK_DGRAM, 0).unwrap();
    s.bind(iface, A, u, ep([0; 4], 5000)).unwrap();
    assert_eq!(s.socket(B, 10, SOCK_STREAM, 0), Err(Errno::EAFNOSUPPORT));
    assert_eq!(s.socket(B, AF_INET, 5, 0), Err(Errno::EPROTOTYPE));
    assert_eq!(
        s.socket(B, AF_INET, SOCK_STREAM, IPPROTO_UDP),
        Err(Errno::EPROTONOSUPPORT)
    );
}

#[test]
fn udp_datagrams_carry_their_sender() {
    let mut net = Net::new();
    let srv = net.b.sockets.socket(B, AF_INET, SOCK_DGRAM, 0).unwrap();
    net.b
        .sockets
        .bind(&net.b.iface, B, srv, ep([0; 4], 9))
        .unwrap();
    let cli = net.a.sockets.socket(A, AF_INET, SOCK_DGRAM, 0).unwrap();
    assert_eq!(net.a.sockets.send(A, cli, b"x"), Err(Errno::EDESTADDRREQ));
    assert_eq!(net.a.sockets.send_to(A, cli, b"hello", ep(B_IP, 9)), Ok(5));
    net.run(5);
    let mut buf = [0u8; 64];
    let (n, from) = net.b.sockets.recv(B, srv, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello");
    let from = from.unwrap();
    assert_eq!(
        from,
        net.a
            .sockets
            .local_addr(A, cli)
            .map(|l| ep(A_IP, l.port))
            .unwrap()
    );
    net.b.sockets.send_to(B, srv, b"world", from).unwrap();
    net.run(5);
    assert!(net.a.sockets.ready(A, cli).unwrap().readable);
    let (n, from) = net.a.sockets.recv(A, cli, &mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"world"[..], Some(ep(B_IP, 9))));
    assert_eq!(net.a.sockets.recv(A, cli, &mut buf), Err(Errno::EAGAIN));
}

#[test]
fn descriptors_are_the_lowest_free_and_bounded() {
    let mut s = Sockets::new();
    let a = s.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
    let b = s.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
    assert_eq!((a, b), (3, 4));
    assert_eq!(s.socket(B, AF_INET, SOCK_STREAM, 0).unwrap(), 3, "per app");
    s.close(A, a).unwrap();
    assert_eq!(
        s.socket(A, AF_INET, SOCK_STREAM, 0).unwrap(),
        3,
        "lowest free"
    );
    assert_eq!(s.close(A, 99), Err(Errno::EBADF));
    while s.socket(A, AF_INET, SOCK_STREAM, 0).is_ok() {}
    assert_eq!(s.socket(A, AF_INET, SOCK_STREAM, 0), Err(Errno::EMFILE));
    s.close_all(A);
    assert!(!s.is_socket(A, 3));
    assert!(s.is_socket(B, 3));
}

#[test]
fn shutdown_write_sends_eof_but_reading_goes_on() {
    let mut net = Net::new();
    let (_l, s, c) = net.connected(22);
    net.a.sockets.shutdown(A, c, Shutdown::Write).unwrap();
    assert_eq!(net.a.sockets.send(A, c, b"x"), Err(Errno::EPIPE));
    net.run(10);
    let mut buf = [0u8; 8];
    assert_eq!(net.b.sockets.recv(B, s, &mut buf), Ok((0, None)));
    net.b.sockets.send(B, s, b"reply").unwrap();
    net.run(10);
    assert_eq!(net.a.sockets.recv(A, c, &mut buf).unwrap().0, 5);
}

#[test]
fn the_stack_answers_ping() {
    use smoltcp::socket::icmp;
    use smoltcp::wire::{Icmpv4Packet, Icmpv4Repr};
    let mut net = Net::new();
    let buffer = || icmp::PacketBuffer::new(vec![icmp::PacketMetadata::EMPTY; 4], vec![0; 1024]);
    let handle = net.b.sockets.set.add(icmp::Socket::new(buffer(), buffer()));
    let caps = smoltcp::phy::ChecksumCapabilities::default();
    let request = Icmpv4Repr::EchoRequest {
        ident: 0x1234,
        seq_no: 7,
        data: b"are you there",
    };
    {
        let s = net.b.sockets.set.get_mut::<icmp::Socket>(handle);
        s.bind(icmp::Endpoint::Ident(0x1234)).unwrap();
        let out = s
            .send(
                request.buffer_len(),
                IpAddress::Ipv4(Ipv4Address::from(A_IP)),
            )
            .unwrap();
        request.emit(&mut Icmpv4Packet::new_unchecked(out), &caps);
    }
    net.run(20);
    let s = net.b.sockets.set.get_mut::<icmp::Socket>(handle);
    let (bytes, from) = s.recv().expect("an echo reply");
    assert_eq!(from, IpAddress::Ipv4(Ipv4Address::from(A_IP)));
    let reply = Icmpv4Repr::parse(&Icmpv4Packet::new_checked(bytes).unwrap(), &caps).unwrap();
    assert_eq!(
        reply,
        Icmpv4Repr::EchoReply {
            ident: 0x1234,
            seq_no: 7,
            data: b"are you there",
        }
    );
}

#[test]
fn a_listener_holds_buffers_only_for_connections_and_queues_its_backlog() {
    let mut net = Net::new();
    let l = net.b.sockets.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
    net.b
        .sockets
        .bind(&net.b.iface, B, l, ep([0; 4], 8080))
        .unwrap();
    net.b.sockets.listen(B, l, 3).unwrap();
    // listen(128) or listen(3): a couple of listening sockets, not a
    // backlog's worth of buffers.
    assert_eq!(net.b.sockets.set.iter().count(), ARMED);
    let clients: Vec<Sock> = (0..5)
        .map(|_| {
            let c = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
            let _ = net
                .a
                .sockets
                .connect(&mut net.a.iface, A, c, ep(B_IP, 8080));
            c
        })
        .collect();
    net.run(30);
    let status: Vec<_> = clients
        .iter()
        .map(|&c| net.a.sockets.connect_status(A, c))
        .collect();
    let refused = status
        .iter()
        .filter(|s| **s == Err(Errno::ECONNREFUSED))
        .count();
    assert_eq!((status.len() - refused, refused), (3, 2), "{status:?}");
    // The queue is full: nothing listens until an accept makes room.
    assert_eq!(net.b.sockets.set.iter().count(), 3);
    let mut accepted = 0;
    while net.b.sockets.accept(B, l).is_ok() {
        accepted += 1;
    }
    assert_eq!(accepted, 3);
    net.run(1);
    assert_eq!(net.b.sockets.set.iter().count(), 3 + ARMED);
}

#[test]
fn when_the_network_goes_down_connections_fail_and_listeners_go_quiet() {
    let mut net = Net::new();
    let (l, s, _c) = net.connected(8080);
    let u = net.b.sockets.socket(B, AF_INET, SOCK_DGRAM, 0).unwrap();
    net.b.sockets.network_down();
    let mut buf = [0u8; 16];
    // The connection: ENETDOWN once, then it is reset; poll says so.
    let ready = net.b.sockets.ready(B, s).unwrap();
    assert!(ready.error && ready.hangup, "{ready:?}");
    assert_eq!(net.b.sockets.recv(B, s, &mut buf), Err(Errno::ENETDOWN));
    assert_eq!(net.b.sockets.send(B, s, b"x"), Err(Errno::ECONNRESET));
    // The listener stays, takes nothing, and is never readable.
    net.run(20);
    assert!(!net.b.sockets.ready(B, l).unwrap().readable);
    assert_eq!(net.b.sockets.accept(B, l), Err(Errno::EAGAIN));
    // Nothing new goes out.
    let c = net.b.sockets.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
    assert_eq!(
        net.b.sockets.connect(&mut net.b.iface, B, c, ep(A_IP, 80)),
        Err(Errno::ENETDOWN)
    );
    assert_eq!(
        net.b.sockets.send_to(B, u, b"x", ep(A_IP, 7)),
        Err(Errno::ENETDOWN)
    );
    // Descriptors stay valid until closed.
    for sock in [l, s, u, c] {
        assert_eq!(net.b.sockets.close(B, sock), Ok(()));
    }
    net.run(1);
    assert_eq!(net.b.sockets.set.iter().count(), 0);
}

#[test]
fn default_send_buffers_are_a_share_of_the_free_memory_within_bounds() {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    let cases = [
        (0, TCP_SEND_MIN),
        (MIB, TCP_SEND_MIN),
        (2 * MIB, 32 * KIB),
        (3 * MIB, 32 * KIB),
        (4 * MIB, 64 * KIB),
        // A 32 MiB domain's free memory at boot.
        (26 * MIB, 256 * KIB),
        (32 * MIB, TCP_SEND_MAX),
        (usize::MAX, TCP_SEND_MAX),
    ];
    for (free, want) in cases {
        assert_eq!(send_buffer_for(free), want, "{free} bytes free");
    }
    // Above the floor, a connection never takes more than its share.
    for free in (TCP_SEND_MIN * SEND_SHARE..64 * MIB).step_by(777_777) {
        let b = send_buffer_for(free);
        assert!(
            b <= free / SEND_SHARE && b * 2 > (free / SEND_SHARE).min(TCP_SEND_MAX),
            "{free}"
        );
    }
}

std::thread_local! {
    /// The free memory the sockets of a test see.
    static FREE: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

fn test_free_memory() -> usize {
    FREE.with(|f| f.get())
}

fn set_free(bytes: usize) {
    FREE.with(|f| f.set(bytes));
}

#[test]
fn connections_get_send_buffers_for_the_memory_free_when_they_are_made() {
    let mut net = Net::new();
    net.a.sockets.set_free_memory(test_free_memory);
    set_free(64 << 20);
    let c = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
    // Before connect: what connect would give it now.
    let now = net.a.sockets.buffer_sizes(A, c).unwrap();
    assert_eq!(
        now,
        Sizes {
            recv: TCP_RECV_BUFFER,
            send: TCP_SEND_MAX
        }
    );
    let l = net.b.sockets.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
    net.b
        .sockets
        .bind(&net.b.iface, B, l, ep([0; 4], 80))
        .unwrap();
    net.b.sockets.listen(B, l, 4).unwrap();
    let _ = net.a.sockets.connect(&mut net.a.iface, A, c, ep(B_IP, 80));
    // Memory got short after the connection was made: it keeps its buffer,
    // and a new one gets a smaller one.
    set_free(2 << 20);
    net.run(20);
    assert_eq!(net.a.sockets.connect_status(A, c), Ok(()));
    assert_eq!(net.a.sockets.buffer_sizes(A, c).unwrap().send, TCP_SEND_MAX);
    let c2 = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
    let _ = net.a.sockets.connect(&mut net.a.iface, A, c2, ep(B_IP, 80));
    net.run(20);
    assert_eq!(net.a.sockets.connect_status(A, c2), Ok(()));
    assert_eq!(net.a.sockets.buffer_sizes(A, c2).unwrap().send, 32 * 1024);
    // A big send buffer carries a long body intact.
    let (s, _) = net.b.sockets.accept(B, l).unwrap();
    let data: Vec<u8> = (0..1_500_000u32).map(|i| (i * 13 % 253) as u8).collect();
    assert_eq!(pump(&mut net, &data, c, s), data);
}

#[test]
fn so_sndbuf_and_so_rcvbuf_size_later_connections_and_report_the_truth() {
    let mut net = Net::new();
    let l = net.b.sockets.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
    net.b
        .sockets
        .bind(&net.b.iface, B, l, ep([0; 4], 80))
        .unwrap();
    net.b.sockets.listen(B, l, 4).unwrap();
    // No memory figure (as in these tests): the fixed defaults.
    let defaults = Sizes {
        recv: TCP_RECV_BUFFER,
        send: TCP_SEND_UNKNOWN,
    };
    assert_eq!(net.b.sockets.buffer_sizes(B, l).unwrap(), defaults);
    // On a listener: its sockets already listening are made again, so the
    // next connection has the sizes asked for.
    net.b.sockets.set_buffer_size(B, l, true, 200_000).unwrap();
    net.b.sockets.set_buffer_size(B, l, false, 1).unwrap();
    let asked = Sizes {
        recv: 4096,
        send: 200_000,
    };
    assert_eq!(net.b.sockets.buffer_sizes(B, l).unwrap(), asked);
    assert_eq!(net.b.sockets.set.iter().count(), ARMED);
    let c = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
    net.a.sockets.set_buffer_size(A, c, true, 1 << 30).unwrap();
    assert_eq!(net.a.sockets.buffer_sizes(A, c).unwrap().send, 1 << 20);
    let _ = net.a.sockets.connect(&mut net.a.iface, A, c, ep(B_IP, 80));
    net.run(20);
    let (s, _) = net.b.sockets.accept(B, l).unwrap();
    assert_eq!(net.b.sockets.buffer_sizes(B, s).unwrap(), asked);
    assert_eq!(
        net.a.sockets.buffer_sizes(A, c).unwrap(),
        Sizes {
            recv: TCP_RECV_BUFFER,
            send: 1 << 20
        }
    );
    // An established connection keeps its buffers, and says so.
    net.b.sockets.set_buffer_size(B, s, true, 8192).unwrap();
    assert_eq!(net.b.sockets.buffer_sizes(B, s).unwrap(), asked);
    // A 4 KiB receive window still carries data intact.
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    assert_eq!(pump(&mut net, &data, c, s), data);
    // UDP: its payload room each way.
    let u = net.b.sockets.socket(B, AF_INET, SOCK_DGRAM, 0).unwrap();
    assert_eq!(
        net.b.sockets.buffer_sizes(B, u).unwrap(),
        Sizes {
            recv: UDP_BUFFER,
            send: UDP_BUFFER
        }
    );
}

#[test]
fn buffers_of_closed_connections_count_as_free_again() {
    let mut net = Net::new();
    net.a.sockets.set_free_memory(test_free_memory);
    let l = net.b.sockets.socket(B, AF_INET, SOCK_STREAM, 0).unwrap();
    net.b
        .sockets
        .bind(&net.b.iface, B, l, ep([0; 4], 80))
        .unwrap();
    net.b.sockets.listen(B, l, 4).unwrap();
    let connect = |net: &mut Net| {
        let c = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
        let _ = net.a.sockets.connect(&mut net.a.iface, A, c, ep(B_IP, 80));
        net.run(20);
        assert_eq!(net.a.sockets.connect_status(A, c), Ok(()));
        c
    };
    set_free(64 << 20);
    let big = connect(&mut net);
    assert_eq!(
        net.a.sockets.buffer_sizes(A, big).unwrap().send,
        TCP_SEND_MAX
    );
    // The frames went (the heap keeps them): 1.5 MiB free gives 16 KiB.
    set_free(1536 * 1024);
    let small = connect(&mut net);
    assert_eq!(
        net.a.sockets.buffer_sizes(A, small).unwrap().send,
        TCP_SEND_MIN
    );
    // The listener closes with both unaccepted: reset, closed, freed.
    net.b.sockets.close(B, l).unwrap();
    net.run(5);
    net.a.sockets.close(A, big).unwrap();
    net.a.sockets.close(A, small).unwrap();
    net.run(5);
    assert_eq!(net.a.sockets.set.iter().count(), 0);
    // What they held is free heap now: 1.5 MiB + 656 KiB gives 32 KiB.
    let c = net.a.sockets.socket(A, AF_INET, SOCK_STREAM, 0).unwrap();
    assert_eq!(net.a.sockets.buffer_sizes(A, c).unwrap().send, 32 * 1024);
}
