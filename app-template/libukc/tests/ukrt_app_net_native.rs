//! ukrt-app's `net` module (app-template/ukrt-app/src/net.rs), built on the
//! host against glibc's socket functions (which have the C ABI libukc
//! gives apps) and exercised on 127.0.0.1: addresses, errors and their
//! kinds, timeouts, TCP and UDP both ways. Only 127.0.0.1 is used.
extern crate alloc;

// Not every method is exercised here.
#[allow(dead_code)]
#[path = "../../ukrt-app/src/io.rs"]
mod io;
#[allow(dead_code)]
#[path = "../../ukrt-app/src/net.rs"]
mod net;

use net::{ErrorKind, Ipv4Addr, Shutdown, SocketAddrV4, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

const LO: Ipv4Addr = Ipv4Addr::LOCALHOST;

#[test]
fn tcp_both_ways() {
    let l = TcpListener::bind((LO, 0)).unwrap();
    let addr = l.local_addr().unwrap();
    assert_eq!(*addr.ip(), LO);
    assert_ne!(addr.port(), 0);
    let t = std::thread::spawn(move || {
        let c = TcpStream::connect(addr).unwrap();
        c.set_nodelay(true).unwrap();
        assert!(c.nodelay().unwrap());
        assert_eq!(c.peer_addr().unwrap(), addr);
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        c.write_all(&data).unwrap();
        // write! goes through TcpStream::write_fmt.
        writeln!(c, "done {}", data.len()).unwrap();
        let line = format!("done {}\n", data.len());
        c.shutdown(Shutdown::Write).unwrap();
        let mut back = [0u8; 3];
        c.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"ok\n");
        let mut more = [0u8; 1];
        assert_eq!(
            c.read(&mut more).unwrap(),
            0,
            "EOF after the server's shutdown"
        );
        line
    });
    let (s, peer) = l.accept().unwrap();
    assert_eq!(peer, s.peer_addr().unwrap());
    assert_eq!(s.local_addr().unwrap(), addr);
    let mut got = Vec::new();
    let mut buf = [0u8; 7000];
    loop {
        match s.read(&mut buf).unwrap() {
            0 => break,
            n => got.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8(got.split_off(300_000)).unwrap();
    assert!(got.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    s.write_all(b"ok\n").unwrap();
    s.shutdown(Shutdown::Both).unwrap();
    assert_eq!(line, t.join().unwrap());
    // read_exact at the end of the stream.
    let mut rest = [0u8; 4];
    assert_eq!(
        s.read_exact(&mut rest).unwrap_err().kind(),
        ErrorKind::UnexpectedEof
    );
}

#[test]
fn incoming_and_addresses() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let clients = std::thread::spawn(move || {
        for i in 0..5u8 {
            let c = TcpStream::connect(([127, 0, 0, 1], port)).unwrap();
            c.write_all(&[i]).unwrap();
        }
    });
    for (i, s) in l.incoming().take(5).enumerate() {
        let s = s.unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
        assert_eq!(b[0] as usize, i);
    }
    clients.join().unwrap();
    // Text addresses: a.b.c.d:port only.
    use net::ToSocketAddrV4;
    assert_eq!(
        "10.1.2.3:80".to_socket_addr_v4().unwrap(),
        SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 3), 80)
    );
    for bad in ["localhost:80", "10.1.2.3", "[::1]:80", "10.1.2.3:99999"] {
        assert_eq!(
            bad.to_socket_addr_v4().unwrap_err().kind(),
            ErrorKind::InvalidInput,
            "{bad}"
        );
    }
    let v6: std::net::SocketAddr = "[::1]:80".parse().unwrap();
    assert_eq!(
        TcpStream::connect(v6).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}

#[test]
fn errors_carry_errno_and_kind() {
    // A port nobody listens on: take one, then close it.
    let port = TcpListener::bind((LO, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = TcpStream::connect((LO, port)).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(111));
    assert_eq!(e.kind(), ErrorKind::ConnectionRefused);
    assert_eq!(e.to_string(), "Connection refused (os error 111)");
    let l = TcpListener::bind((LO, 0)).unwrap();
    let taken = l.local_addr().unwrap();
    let e = UdpSocket::bind(taken)
        .map(|_| ())
        .and_then(|_| TcpListener::bind(taken).map(|_| ()));
    assert_eq!(e.unwrap_err().kind(), ErrorKind::AddrInUse);
    for (errno, kind) in [
        (11, ErrorKind::WouldBlock),
        (104, ErrorKind::ConnectionReset),
        (110, ErrorKind::TimedOut),
        (32, ErrorKind::BrokenPipe),
        (107, ErrorKind::NotConnected),
        (115, ErrorKind::InProgress),
        (38, ErrorKind::Unsupported),
        (9, ErrorKind::Other),
    ] {
        assert_eq!(net::Error::from_raw_os_error(errno).kind(), kind);
    }
    assert_eq!(format!("{:?}", net::Error::from_raw_os_error(11)),
        "Os { code: 11, kind: WouldBlock, message: \"Resource temporarily unavailable (os error 11)\" }");
}

#[test]
fn timeouts_and_nonblocking() {
    let l = TcpListener::bind((LO, 0)).unwrap();
    let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (_s, _) = l.accept().unwrap();
    assert_eq!(c.read_timeout().unwrap(), None);
    assert_eq!(
        c.set_read_timeout(Some(Duration::ZERO)).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    c.set_read_timeout(Some(Duration::from_millis(150)))
        .unwrap();
    let t = c.read_timeout().unwrap().unwrap();
    assert!(
        t >= Duration::from_millis(150) && t < Duration::from_millis(200),
        "{t:?}"
    );
    let start = Instant::now();
    let e = c.read(&mut [0u8; 8]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WouldBlock);
    assert!(start.elapsed() >= Duration::from_millis(140));
    c.set_read_timeout(None).unwrap();
    assert_eq!(c.read_timeout().unwrap(), None);
    c.set_write_timeout(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(c.write_timeout().unwrap(), Some(Duration::from_secs(3)));
    c.set_nonblocking(true).unwrap();
    assert_eq!(
        c.read(&mut [0u8; 8]).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    l.set_nonblocking(true).unwrap();
    assert_eq!(l.accept().unwrap_err().kind(), ErrorKind::WouldBlock);
    assert!(c.take_error().unwrap().is_none());
}

#[test]
fn udp_send_to_recv_from_and_connected() {
    let a = UdpSocket::bind((LO, 0)).unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    for s in [&a, &b] {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    }
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let mut buf = [0u8; 2000];
    for n in [0usize, 1, 1500, 2000] {
        let msg: Vec<u8> = (0..n).map(|i| i as u8).collect();
        assert_eq!(a.send_to(&msg, ba).unwrap(), n);
        let (got, from) = b.recv_from(&mut buf).unwrap();
        assert_eq!((got, from), (n, aa));
        assert_eq!(&buf[..got], &msg[..]);
    }
    // A datagram longer than the buffer is cut short.
    a.send_to(&[7u8; 3000], ba).unwrap();
    assert_eq!(b.recv_from(&mut buf).unwrap().0, 2000);
    a.connect(ba).unwrap();
    assert_eq!(a.peer_addr().unwrap(), ba);
    a.send(b"hi").unwrap();
    assert_eq!(b.recv(&mut buf).unwrap(), 2);
    b.send_to(b"back", aa).unwrap();
    let n = a.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"back");
    b.set_nonblocking(true).unwrap();
    assert_eq!(b.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    assert_eq!(
        UdpSocket::bind((LO, 0))
            .unwrap()
            .peer_addr()
            .unwrap_err()
            .kind(),
        ErrorKind::NotConnected
    );
}
