//! The network examples (examples/http-server, tcp-echo, udp-echo) built
//! natively and run on the host on 127.0.0.1 only: their logic, before the
//! runtime can run them. Each is built twice: against glibc's headers, and
//! against libukc's headers (as apps are built: -ffreestanding -nostdinc)
//! linked with glibc, which also checks that our headers' layouts and
//! numbers work with a real kernel.
//!
//! Every server binds 127.0.0.1 and port 0 and prints the port it got.
//! Clients have read timeouts, and every server is killed when its test
//! ends.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds `examples/<name>` both ways; returns the two executables.
fn build(name: &str) -> Vec<PathBuf> {
    let dir = std::env::temp_dir().join(format!("ukc-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src: Vec<PathBuf> = std::fs::read_dir(root().join("examples").join(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    let gcc_inc = String::from_utf8(
        Command::new("gcc")
            .arg("-print-file-name=include")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let shim = dir.join("errno-shim.h");
    std::fs::write(
        &shim,
        "int *__errno_location(void);\n#define errno (*__errno_location())\n",
    )
    .unwrap();
    let include = root().join("app-template/include");
    let variants: [(&str, Vec<String>); 2] = [
        ("glibc", vec![]),
        (
            "ukc-headers",
            vec![
                "-ffreestanding".into(),
                "-nostdinc".into(),
                "-isystem".into(),
                gcc_inc.trim().into(),
                "-I".into(),
                include.to_str().unwrap().into(),
                "-include".into(),
                shim.to_str().unwrap().into(),
            ],
        ),
    ];
    variants
        .iter()
        .map(|(tag, flags)| {
            let exe = dir.join(format!("{name}-{tag}"));
            let out = Command::new("gcc")
                .args(["-O2", "-g", "-Wall", "-Wextra", "-Werror"])
                .args(flags)
                .arg("-o")
                .arg(&exe)
                .args(&src)
                .output()
                .expect("gcc runs");
            assert!(
                out.status.success(),
                "building {name} ({tag}) failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            exe
        })
        .collect()
}

/// A running example server, killed on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(exe: &Path, ready_prefix: &str) -> Server {
        let mut child = Command::new(exe)
            .args(["addr=127.0.0.1", "port=0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix(ready_prefix)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("{exe:?} printed {line:?}, not its ready line"));
        Server { child, port }
    }
    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr()).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s.set_write_timeout(Some(TIMEOUT)).unwrap();
        // Requests go out as written (no Nagle wait for the server's
        // delayed ACK).
        s.set_nodelay(true).unwrap();
        s
    }
    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --- HTTP ----------------------------------------------------------------

/// The body of /bytes/N (N up to 1 MiB here).
fn pattern(n: usize) -> &'static [u8] {
    static P: OnceLock<Vec<u8>> = OnceLock::new();
    &P.get_or_init(|| {
        (0..1usize << 20)
            .map(|i| (i ^ (i >> 8) ^ (i >> 16) ^ (i >> 24)) as u8)
            .collect()
    })[..n]
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response (no body for HEAD).
fn read_response(r: &mut BufReader<TcpStream>, head: bool) -> Response {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("HTTP/1.1 ") && line.ends_with("\r\n"),
        "status line {line:?}"
    );
    let status = line[9..12].parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        assert!(h.ends_with("\r\n"), "header line {h:?}");
        if h == "\r\n" {
            break;
        }
        let (k, v) = h.trim_end().split_once(": ").unwrap();
        headers.push((k.to_string(), v.to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "Content-Length")
        .expect("every response has Content-Length")
        .1
        .parse()
        .unwrap();
    let mut body = vec![0; if head { 0 } else { len }];
    r.read_exact(&mut body).unwrap();
    Response {
        status,
        headers,
        body,
    }
}

fn get(r: &mut BufReader<TcpStream>, path: &str) -> Response {
    let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    r.get_mut().write_all(req.as_bytes()).unwrap();
    read_response(r, false)
}

/// The connection is closed by the server: EOF, nothing more.
fn assert_closed(r: &mut BufReader<TcpStream>) {
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "bytes after the last response: {rest:?}");
}

fn http_servers() -> &'static [PathBuf] {
    static EXES: OnceLock<Vec<PathBuf>> = OnceLock::new();
    EXES.get_or_init(|| build("http-server"))
}

fn each_http_server(f: impl Fn(&Server)) {
    for exe in http_servers() {
        let mut s = Server::start(exe, "http-server: listening on port ");
        f(&s);
        assert!(s.alive(), "{exe:?} is still serving");
    }
}

#[test]
fn http_index_bytes_and_errors() {
    each_http_server(|s| {
        let mut c = BufReader::new(s.connect());
        let r = get(&mut c, "/");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
        assert_eq!(r.header("Connection"), Some("keep-alive"));
        let text = String::from_utf8(r.body).unwrap();
        assert!(text.starts_with("<!DOCTYPE html>") && text.contains("Hello from ukrt"));
        assert_eq!(get(&mut c, "/index.html?x=1").status, 200);
        let r = get(&mut c, "/bytes/1048576");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Content-Type"), Some("application/octet-stream"));
        assert!(r.body == pattern(1 << 20), "1 MiB body matches the pattern");
        for n in [0, 1, 255, 256, 65536, 65537, 100_000] {
            let r = get(&mut c, &format!("/bytes/{n}"));
            assert_eq!((r.status, r.body.len()), (200, n));
            assert!(r.body == pattern(n));
        }
        for path in [
            "/nope",
            "/bytes/",
            "/bytes/12x",
            "/bytes/-1",
            "/index.htm",
            "//",
        ] {
            let r = get(&mut c, path);
            assert_eq!(r.status, 404, "{path}");
            assert_eq!(r.body, b"404 Not Found\n");
        }
        assert_eq!(get(&mut c, "/bytes/2000000000").status, 400);
        // HEAD: the headers of GET, no body; the connection goes on.
        write!(c.get_mut(), "HEAD /bytes/100 HTTP/1.1\r\n\r\n").unwrap();
        let r = read_response(&mut c, true);
        assert_eq!((r.status, r.header("Content-Length")), (200, Some("100")));
        write!(c.get_mut(), "HEAD /missing HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(read_response(&mut c, true).status, 404);
        // Other methods: 405 with Allow; a body with Content-Length is
        // skipped and the connection stays usable.
        write!(
            c.get_mut(),
            "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world"
        )
        .unwrap();
        let r = read_response(&mut c, false);
        assert_eq!((r.status, r.header("Allow")), (405, Some("GET, HEAD")));
        assert_eq!(get(&mut c, "/bytes/3").body, pattern(3));
        // Absolute-form target, header names in any case.
        write!(
            c.get_mut(),
            "GET http://example/bytes/5 HTTP/1.1\r\nconnection: Keep-Alive\r\n\r\n"
        )
        .unwrap();
        assert_eq!(read_response(&mut c, false).body, pattern(5));
    });
}

#[test]
fn http_keep_alive_pipelining_and_close() {
    each_http_server(|s| {
        // 200 requests on one connection.
        let mut c = BufReader::new(s.connect());
        for i in 0..200 {
            let r = get(&mut c, &format!("/bytes/{}", i * 97));
            assert_eq!(r.body.len(), i * 97);
        }
        // Pipelined: many requests in one write, answered in order.
        let mut batch = String::new();
        for i in 0..50 {
            batch += &format!("GET /bytes/{i} HTTP/1.1\r\n\r\n");
        }
        batch += "GET /nope HTTP/1.1\r\n\r\n";
        c.get_mut().write_all(batch.as_bytes()).unwrap();
        for i in 0..50 {
            assert_eq!(read_response(&mut c, false).body, pattern(i));
        }
        assert_eq!(read_response(&mut c, false).status, 404);
        // Connection: close is honoured.
        write!(c.get_mut(), "GET / HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
        let r = read_response(&mut c, false);
        assert_eq!((r.status, r.header("Connection")), (200, Some("close")));
        assert_closed(&mut c);
        // HTTP/1.0 closes unless asked to keep the connection.
        let mut c = BufReader::new(s.connect());
        write!(
            c.get_mut(),
            "GET /bytes/10 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        )
        .unwrap();
        assert_eq!(
            read_response(&mut c, false).header("Connection"),
            Some("keep-alive")
        );
        write!(c.get_mut(), "GET /bytes/10 HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!(
            read_response(&mut c, false).header("Connection"),
            Some("close")
        );
        assert_closed(&mut c);
        // Requests sent before the client's FIN are still answered.
        let mut c = BufReader::new(s.connect());
        c.get_mut()
            .write_all(b"GET /bytes/7 HTTP/1.1\r\n\r\nGET /bytes/8 HTTP/1.1\r\n\r\n")
            .unwrap();
        c.get_mut().shutdown(Shutdown::Write).unwrap();
        assert_eq!(read_response(&mut c, false).body, pattern(7));
        assert_eq!(read_response(&mut c, false).body, pattern(8));
        assert_closed(&mut c);
        // Bare LF line ends are accepted.
        let mut c = BufReader::new(s.connect());
        c.get_mut()
            .write_all(b"GET /bytes/4 HTTP/1.1\nHost: x\n\n")
            .unwrap();
        assert_eq!(read_response(&mut c, false).body, pattern(4));
    });
}

#[test]
fn http_bad_requests() {
    each_http_server(|s| {
        for req in [
            &b"GARBAGE\r\n\r\n"[..],
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET /\r\n\r\n",
        ] {
            let mut c = BufReader::new(s.connect());
            c.get_mut().write_all(req).unwrap();
            let r = read_response(&mut c, false);
            assert_eq!((r.status, r.header("Connection")), (400, Some("close")));
            assert_closed(&mut c);
        }
        // A head larger than the server's 8 KiB buffer.
        let mut c = BufReader::new(s.connect());
        let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(9000));
        let _ = c.get_mut().write_all(big.as_bytes());
        assert_eq!(read_response(&mut c, false).status, 431);
        // A chunked body cannot be skipped: answered, then closed.
        let mut c = BufReader::new(s.connect());
        write!(
            c.get_mut(),
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        )
        .unwrap();
        let r = read_response(&mut c, false);
        assert_eq!((r.status, r.header("Connection")), (405, Some("close")));
        assert_closed(&mut c);
    });
}

#[test]
fn http_many_connections_at_once() {
    each_http_server(|s| {
        // 100 connections, each with half a request; completed in reverse.
        let mut conns: Vec<_> = (0..100)
            .map(|i| {
                let mut c = BufReader::new(s.connect());
                write!(c.get_mut(), "GET /bytes/{} HT", 1000 + i).unwrap();
                c
            })
            .collect();
        for (i, c) in conns.iter_mut().enumerate().rev() {
            c.get_mut().write_all(b"TP/1.1\r\n\r\n").unwrap();
            assert_eq!(read_response(c, false).body, pattern(1000 + i));
        }
        // 16 clients fetching 1 MiB each at the same time, some reading
        // slowly, so the server juggles partial sends.
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let addr = s.addr();
                std::thread::spawn(move || {
                    let s = TcpStream::connect(addr).unwrap();
                    s.set_read_timeout(Some(TIMEOUT)).unwrap();
                    let mut c = BufReader::with_capacity(if i % 4 == 0 { 512 } else { 65536 }, s);
                    for _ in 0..3 {
                        let r = get(&mut c, "/bytes/1048576");
                        assert!(r.body == pattern(1 << 20));
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        // Clients that vanish mid-response do not take the server down.
        for _ in 0..20 {
            let mut c = s.connect();
            c.write_all(b"GET /bytes/10000000 HTTP/1.1\r\n\r\n")
                .unwrap();
            let mut first = [0u8; 100];
            c.read_exact(&mut first).unwrap();
        }
        let mut c = BufReader::new(s.connect());
        assert_eq!(get(&mut c, "/").status, 200);
    });
}

// --- TCP and UDP echo ------------------------------------------------------

#[test]
fn tcp_echo_concurrent_clients_and_half_close() {
    for exe in build("tcp-echo") {
        let mut s = Server::start(&exe, "tcp-echo: listening on port ");
        let handles: Vec<_> = (0..20u64)
            .map(|i| {
                let addr = s.addr();
                std::thread::spawn(move || {
                    let c = TcpStream::connect(addr).unwrap();
                    c.set_read_timeout(Some(TIMEOUT)).unwrap();
                    let data: Vec<u8> = (0..262_144u64)
                        .map(|k| (k * 7 + i * 13 + (k >> 9)) as u8)
                        .collect();
                    let mut w = c.try_clone().unwrap();
                    let sent = data.clone();
                    // Write in uneven pieces while the main thread reads,
                    // then half-close.
                    let writer = std::thread::spawn(move || {
                        let mut off = 0;
                        let mut step = 1 + (i as usize) * 331;
                        while off < sent.len() {
                            let n = step.min(sent.len() - off);
                            w.write_all(&sent[off..off + n]).unwrap();
                            off += n;
                            step = step * 3 % 20_011 + 1;
                        }
                        w.shutdown(Shutdown::Write).unwrap();
                    });
                    let mut back = Vec::new();
                    (&c).read_to_end(&mut back).unwrap();
                    writer.join().unwrap();
                    assert!(
                        back == data,
                        "client {i}: {} bytes back of {}",
                        back.len(),
                        data.len()
                    );
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        // A client that resets its connection does not stop the server.
        {
            let c = s.connect();
            (&c).write_all(b"x").unwrap();
        }
        let c = s.connect();
        (&c).write_all(b"still here").unwrap();
        c.shutdown(Shutdown::Write).unwrap();
        let mut back = String::new();
        (&c).read_to_string(&mut back).unwrap();
        assert_eq!(back, "still here");
        assert!(s.alive());
    }
}

#[test]
fn udp_echo_datagrams() {
    for exe in build("udp-echo") {
        let mut s = Server::start(&exe, "udp-echo: listening on port ");
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut buf = vec![0u8; 65536];
        for n in [0usize, 1, 2, 100, 1472, 1473, 4000, 8192, 30_000, 65_507] {
            let msg: Vec<u8> = (0..n).map(|k| (k * 31 + n) as u8).collect();
            sock.send_to(&msg, s.addr()).unwrap();
            let (got, from) = sock.recv_from(&mut buf).unwrap();
            assert_eq!(from, s.addr());
            assert!(buf[..got] == msg[..], "datagram of {n} bytes");
        }
        // Two senders: each gets its own datagrams back.
        let other = UdpSocket::bind("127.0.0.1:0").unwrap();
        other.set_read_timeout(Some(TIMEOUT)).unwrap();
        sock.send_to(b"one", s.addr()).unwrap();
        other.send_to(b"two", s.addr()).unwrap();
        let n = sock.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"one");
        let n = other.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"two");
        assert!(s.alive());
    }
}
