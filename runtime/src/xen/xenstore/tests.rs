//! The client against a fake xenstored that checks each request's exact
//! bytes and answers with recorded byte sequences, as a real xenstored
//! sends them (see xs_wire.h: a 16-byte little-endian header
//! {type, req_id, tx_id, len} and the payload).
use super::ring::tests::Server;
use super::ring::RingIo;
use super::*;
use crate::xen::shared_page::test_pages;
use alloc::collections::VecDeque;
use alloc::string::ToString;
use alloc::vec;

// Message types, counted from the enum in xs_wire.h (independently of
// wire::MsgType, which a test there checks).
const DIRECTORY: u32 = 1;
const READ: u32 = 2;
const WATCH: u32 = 4;
const UNWATCH: u32 = 5;
const TRANSACTION_START: u32 = 6;
const TRANSACTION_END: u32 = 7;
const GET_DOMAIN_PATH: u32 = 10;
const WRITE: u32 = 11;
const MKDIR: u32 = 12;
const RM: u32 = 13;
const WATCH_EVENT: u32 = 15;
const ERROR: u32 = 16;

/// A message as it travels on the wire.
fn msg(ty: u32, req_id: u32, tx_id: u32, payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    for w in [ty, req_id, tx_id, payload.len() as u32] {
        m.extend_from_slice(&w.to_le_bytes());
    }
    m.extend_from_slice(payload);
    m
}

/// A watch event as xenstored sends it: req_id and tx_id 0.
fn event(path: &str, token: &str) -> Vec<u8> {
    msg(WATCH_EVENT, 0, 0, format!("{path}\0{token}\0").as_bytes())
}

/// A message, readable in assertion failures.
fn show(m: &[u8]) -> String {
    let word = |i: usize| u32::from_le_bytes(m[i * 4..i * 4 + 4].try_into().unwrap());
    let payload: String = m[16..]
        .iter()
        .flat_map(|&b| core::ascii::escape_default(b))
        .map(char::from)
        .collect();
    format!(
        "type {} req {} tx {} len {} \"{payload}\"",
        word(0),
        word(1),
        word(2),
        word(3)
    )
}

/// The daemon: a script of expected requests, each with the recorded bytes
/// it is answered with (replies, and watch events in any order).
#[derive(Default)]
struct Xenstored {
    script: VecDeque<(Vec<u8>, Vec<Vec<u8>>)>,
    inbox: Vec<u8>,
    outbox: VecDeque<u8>,
}

impl Xenstored {
    fn expect(&mut self, request: Vec<u8>, answer: Vec<Vec<u8>>) {
        self.script.push_back((request, answer));
    }

    /// Sends bytes nobody asked for (watch events, stale replies).
    fn send(&mut self, bytes: &[u8]) {
        self.outbox.extend(bytes);
    }

    /// Takes request bytes and answers every complete request.
    fn receive(&mut self, bytes: &[u8]) {
        self.inbox.extend_from_slice(bytes);
        while self.inbox.len() >= 16 {
            let len = u32::from_le_bytes(self.inbox[12..16].try_into().unwrap()) as usize;
            assert!(len <= 4096, "the client sent a payload of {len} bytes");
            if self.inbox.len() < 16 + len {
                break;
            }
            let request: Vec<u8> = self.inbox.drain(..16 + len).collect();
            let Some((expected, answer)) = self.script.pop_front() else {
                panic!("unexpected request {}", show(&request));
            };
            assert_eq!(show(&request), show(&expected));
            assert_eq!(request, expected);
            for m in answer {
                self.outbox.extend(m);
            }
        }
    }

    fn assert_done(&self) {
        assert!(
            self.script.is_empty(),
            "requests never made: {}",
            self.script.len()
        );
        assert!(self.inbox.is_empty(), "a partial request: {:?}", self.inbox);
    }
}

/// A transport to the fake daemon. Written bytes sit in a bounded "ring"
/// until the daemon runs, which it does only when the client waits after
/// notifying, as the real one runs only when signalled. A wait that brings
/// nothing times out, so a client that forgets to notify, or waits with
/// unread bytes, fails its test.
struct Fake {
    xs: Xenstored,
    ring: Vec<u8>,
    ring_size: usize,
    read_chunk: usize,
    kicked: bool,
    /// Waits time out without the daemon running.
    stalled: bool,
    /// Messages the daemon sends at the next waits, one per wait.
    on_wait: VecDeque<Vec<u8>>,
    notifies: usize,
    waits: usize,
    reads: usize,
    /// Operations started (each gets its own deadline).
    begins: usize,
}

impl Fake {
    fn new() -> Self {
        Fake {
            xs: Xenstored::default(),
            ring: Vec::new(),
            ring_size: usize::MAX,
            read_chunk: usize::MAX,
            kicked: false,
            stalled: false,
            on_wait: VecDeque::new(),
            notifies: 0,
            waits: 0,
            reads: 0,
            begins: 0,
        }
    }

    fn expect(&mut self, request: Vec<u8>, answer: Vec<Vec<u8>>) -> &mut Self {
        self.xs.expect(request, answer);
        self
    }
}

impl Transport for Fake {
    fn write(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.ring_size - self.ring.len());
        self.ring.extend_from_slice(&bytes[..n]);
        n
    }

    fn read(&mut self, buf: &mut [u8]) -> usize {
        self.reads += 1;
        let n = buf.len().min(self.read_chunk).min(self.xs.outbox.len());
        for (b, v) in buf.iter_mut().zip(self.xs.outbox.drain(..n)) {
            *b = v;
        }
        n
    }

    fn notify(&mut self) {
        self.notifies += 1;
        self.kicked = true;
    }

    fn begin(&mut self) {
        self.begins += 1;
    }

    fn wait(&mut self) -> Result<(), Timeout> {
        self.waits += 1;
        if self.stalled {
            return Err(Timeout);
        }
        let mut progress = false;
        if core::mem::take(&mut self.kicked) && !self.ring.is_empty() {
            let bytes = core::mem::take(&mut self.ring);
            self.xs.receive(&bytes);
            progress = true;
        }
        if let Some(m) = self.on_wait.pop_front() {
            self.xs.send(&m);
        }
        progress |= !self.xs.outbox.is_empty();
        if progress {
            Ok(())
        } else {
            Err(Timeout)
        }
    }
}

fn client(fake: Fake) -> Client<Fake> {
    Client::new(fake)
}

fn done(c: Client<Fake>) -> Fake {
    let fake = c.into_transport();
    fake.xs.assert_done();
    assert!(
        fake.xs.outbox.is_empty(),
        "unread bytes: {:?}",
        fake.xs.outbox
    );
    fake
}

// ---- recorded exchanges ---------------------------------------------

#[test]
fn read_of_domid_with_recorded_bytes() {
    let mut fake = Fake::new();
    fake.expect(
        // XS_READ, req_id 1, no transaction, 6 bytes: "domid\0".
        vec![
            2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, b'd', b'o', b'm', b'i', b'd', 0,
        ],
        // The value, without a NUL.
        vec![vec![2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, b'7']],
    );
    let mut c = client(fake);
    assert_eq!(domain_id(&mut c), Ok(7));
    done(c);
}

#[test]
fn enoent_names_the_operation_and_path() {
    let mut fake = Fake::new();
    fake.expect(
        msg(READ, 1, 0, b"control/shutdown\0"),
        // XS_ERROR, req_id 1, 7 bytes: "ENOENT\0".
        vec![vec![
            16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, b'E', b'N', b'O', b'E', b'N', b'T', 0,
        ]],
    );
    let mut c = client(fake);
    let e = c.read("control/shutdown").unwrap_err();
    assert_eq!(
        e,
        XsError::Daemon(
            ErrnoName::ENOENT,
            Context::new(Op::Read, "control/shutdown", None)
        )
    );
    assert!(e.is_not_found());
    assert_eq!(
        e.to_string(),
        r#"xenstore: ENOENT (no such entry) for read of "control/shutdown""#
    );
    done(c);
}

#[test]
fn every_known_error_name_from_the_daemon() {
    let mut fake = Fake::new();
    for (i, e) in ErrnoName::ALL.iter().enumerate() {
        let req = i as u32 + 1;
        fake.expect(
            msg(RM, req, 0, b"data/x\0"),
            vec![msg(ERROR, req, 0, format!("{}\0", e.name()).as_bytes())],
        );
    }
    let mut c = client(fake);
    for e in ErrnoName::ALL {
        assert_eq!(c.rm("data/x").unwrap_err().errno(), Some(e));
    }
    done(c);
}

#[test]
fn unknown_error_name_is_kept() {
    let mut fake = Fake::new();
    fake.expect(
        msg(READ, 1, 0, b"name\0"),
        vec![msg(ERROR, 1, 0, b"EWHATEVER\0")],
    );
    fake.expect(msg(READ, 2, 0, b"name\0"), vec![msg(ERROR, 2, 0, b"\0")]);
    let mut c = client(fake);
    let e = c.read("name").unwrap_err();
    assert_eq!(
        e,
        XsError::UnknownDaemonError("EWHATEVER".into(), Context::new(Op::Read, "name", None))
    );
    assert_eq!(e.errno(), None);
    assert_eq!(
        e.to_string(),
        r#"xenstore: unknown error "EWHATEVER" from xenstored for read of "name""#
    );
    assert!(matches!(
        c.read("name"),
        Err(XsError::Malformed(Malformed::EmptyName, _))
    ));
    done(c);
}

#[test]
fn read_string_and_domain_name() {
    let mut fake = Fake::new();
    fake.expect(
        msg(READ, 1, 0, b"name\0"),
        vec![msg(READ, 1, 0, b"ukrt-test")],
    );
    fake.expect(msg(READ, 2, 0, b"name\0"), vec![msg(READ, 2, 0, b"\xff")]);
    fake.expect(msg(READ, 3, 0, b"domid\0"), vec![msg(READ, 3, 0, b"7x")]);
    fake.expect(msg(READ, 4, 0, b"data/empty\0"), vec![msg(READ, 4, 0, b"")]);
    let mut c = client(fake);
    assert_eq!(domain_name(&mut c).as_deref(), Ok("ukrt-test"));
    assert_eq!(
        domain_name(&mut c),
        Err(XsError::Malformed(
            Malformed::NotUtf8,
            Context::new(Op::Read, "name", None)
        ))
    );
    let e = domain_id(&mut c).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"xenstore: malformed message from xenstored (not a decimal number) for read of "domid""#
    );
    assert_eq!(c.read("data/empty"), Ok(vec![]));
    done(c);
}

#[test]
fn directory_listings() {
    let mut fake = Fake::new();
    fake.expect(
        msg(DIRECTORY, 1, 0, b"device\0"),
        vec![msg(DIRECTORY, 1, 0, b"vbd\0vif\0console\0")],
    );
    // A node without children: an empty payload.
    fake.expect(
        msg(DIRECTORY, 2, 0, b"data\0"),
        vec![msg(DIRECTORY, 2, 0, b"")],
    );
    fake.expect(
        msg(DIRECTORY, 3, 0, b"device\0"),
        vec![msg(DIRECTORY, 3, 0, b"vbd\0vi")],
    );
    let mut c = client(fake);
    assert_eq!(c.directory("device").unwrap(), ["vbd", "vif", "console"]);
    assert_eq!(c.directory("data").unwrap(), Vec::<String>::new());
    assert_eq!(
        c.directory("device"),
        Err(XsError::Malformed(
            Malformed::MissingNul,
            Context::new(Op::Directory, "device", None)
        ))
    );
    done(c);
}

#[test]
fn write_mkdir_rm_and_domain_path() {
    let mut fake = Fake::new();
    fake.expect(
        msg(WRITE, 1, 0, b"data/greeting\0hello"),
        vec![msg(WRITE, 1, 0, b"OK\0")],
    );
    fake.expect(
        msg(WRITE, 2, 0, b"data/bin\0a\0b"),
        vec![msg(WRITE, 2, 0, b"OK\0")],
    );
    fake.expect(
        msg(MKDIR, 3, 0, b"data/dir\0"),
        vec![msg(MKDIR, 3, 0, b"OK\0")],
    );
    fake.expect(msg(RM, 4, 0, b"data/dir\0"), vec![msg(RM, 4, 0, b"OK\0")]);
    fake.expect(
        msg(GET_DOMAIN_PATH, 5, 0, b"7\0"),
        vec![msg(GET_DOMAIN_PATH, 5, 0, b"/local/domain/7\0")],
    );
    fake.expect(
        msg(GET_DOMAIN_PATH, 6, 0, b"0\0"),
        vec![msg(ERROR, 6, 0, b"EACCES\0")],
    );
    let mut c = client(fake);
    c.write("data/greeting", "hello").unwrap();
    c.write("data/bin", b"a\0b").unwrap();
    c.mkdir("data/dir").unwrap();
    c.rm("data/dir").unwrap();
    assert_eq!(c.get_domain_path(7).as_deref(), Ok("/local/domain/7"));
    let e = c.get_domain_path(0).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"xenstore: EACCES (permission denied) for get-domain-path of "0""#
    );
    done(c);
}

#[test]
fn reply_of_another_type_or_a_bad_ack_is_malformed() {
    let mut fake = Fake::new();
    fake.expect(msg(READ, 1, 0, b"domid\0"), vec![msg(WRITE, 1, 0, b"OK\0")]);
    fake.expect(
        msg(WRITE, 2, 0, b"data/x\0y"),
        vec![msg(WRITE, 2, 0, b"NO\0")],
    );
    let mut c = client(fake);
    assert!(matches!(
        c.read("domid"),
        Err(XsError::Malformed(
            Malformed::UnexpectedType { sent: 2, got: 11 },
            _
        ))
    ));
    assert!(matches!(
        c.write("data/x", "y"),
        Err(XsError::Malformed(Malformed::NotOk, _))
    ));
    done(c);
}

#[test]
fn transaction_ids_travel_in_the_header() {
    let mut fake = Fake::new();
    fake.expect(
        msg(TRANSACTION_START, 1, 0, b"\0"),
        vec![msg(TRANSACTION_START, 1, 0, b"14\0")],
    );
    fake.expect(msg(READ, 2, 14, b"data/n\0"), vec![msg(READ, 2, 14, b"41")]);
    fake.expect(
        msg(WRITE, 3, 14, b"data/n\x0042"),
        vec![msg(WRITE, 3, 14, b"OK\0")],
    );
    fake.expect(
        msg(READ, 4, 14, b"data/gone\0"),
        vec![msg(ERROR, 4, 14, b"ENOENT\0")],
    );
    fake.expect(
        msg(TRANSACTION_END, 5, 14, b"T\0"),
        vec![msg(TRANSACTION_END, 5, 14, b"OK\0")],
    );
    fake.expect(
        msg(TRANSACTION_START, 6, 0, b"\0"),
        vec![msg(TRANSACTION_START, 6, 0, b"0\0")],
    );
    let mut c = client(fake);
    let tx = c.transaction_start().unwrap();
    assert_eq!(tx, TxId(14));
    assert_eq!(c.read_tx(Some(tx), "data/n").unwrap(), b"41");
    c.write_tx(Some(tx), "data/n", "42").unwrap();
    let e = c.read_tx(Some(tx), "data/gone").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"xenstore: ENOENT (no such entry) for read of "data/gone" in transaction 14"#
    );
    c.transaction_end(tx, true).unwrap();
    assert!(matches!(
        c.transaction_start(),
        Err(XsError::Malformed(Malformed::ZeroTxId, _))
    ));
    done(c);
}

// ---- watches ----------------------------------------------------------

#[test]
fn watch_reply_then_the_registration_event() {
    let mut fake = Fake::new();
    fake.expect(
        msg(WATCH, 1, 0, b"control/shutdown\0token\0"),
        vec![
            msg(WATCH, 1, 0, b"OK\0"),
            // XS_WATCH_EVENT, req_id 0, tx 0, 23 bytes, sent on registration.
            [
                &[15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0][..],
                b"control/shutdown\0token\0",
            ]
            .concat(),
        ],
    );
    let mut c = client(fake);
    c.watch("control/shutdown", "token").unwrap();
    let ev = c.next_watch_event().unwrap().unwrap();
    assert_eq!(
        ev,
        WatchEvent {
            path: "control/shutdown".into(),
            token: "token".into()
        }
    );
    assert_eq!(c.next_watch_event(), Ok(None));
    done(c);
}

#[test]
fn events_arriving_before_a_reply_are_queued_in_order() {
    let mut fake = Fake::new();
    fake.expect(
        msg(READ, 1, 0, b"data/a\0"),
        vec![
            event("data/a", "t1"),
            event("device/vif", "t2"),
            msg(READ, 1, 0, b"A"),
            event("data/b", "t1"),
        ],
    );
    fake.expect(
        msg(READ, 2, 0, b"data/b\0"),
        vec![event("data/c", "t1"), msg(READ, 2, 0, b"B")],
    );
    let mut c = client(fake);
    assert_eq!(c.read("data/a").unwrap(), b"A");
    assert_eq!(c.read("data/b").unwrap(), b"B");
    let paths: Vec<String> = core::iter::from_fn(|| c.next_watch_event().unwrap())
        .map(|e| e.path)
        .collect();
    assert_eq!(paths, ["data/a", "device/vif", "data/b", "data/c"]);
    // An event sent later is found by polling.
    c.transport_mut().xs.send(&event("data/d", "t1"));
    assert_eq!(c.next_watch_event().unwrap().unwrap().path, "data/d");
    assert_eq!(c.next_watch_event(), Ok(None));
    done(c);
}

#[test]
fn every_operation_starts_its_own_deadline() {
    // The guest's transport bounds each operation from its start; one
    // deadline for the connection's life timed out every request made
    // more than 5 s after the first.
    let mut fake = Fake::new();
    fake.expect(msg(READ, 1, 0, b"domid\0"), vec![msg(READ, 1, 0, b"5")]);
    fake.expect(msg(READ, 2, 0, b"domid\0"), vec![msg(READ, 2, 0, b"5")]);
    fake.on_wait.push_back(event("control/shutdown", "s"));
    let mut c = client(fake);
    assert_eq!(domain_id(&mut c), Ok(5));
    assert_eq!(domain_id(&mut c), Ok(5));
    assert_eq!(c.wait_watch_event().unwrap().token, "s");
    assert_eq!(done(c).begins, 3);
}

#[test]
fn wait_watch_event_blocks_for_the_next_one() {
    let mut fake = Fake::new();
    fake.on_wait.push_back(event("control/shutdown", "s"));
    let mut c = client(fake);
    assert_eq!(c.wait_watch_event().unwrap().token, "s");
    let e = c.wait_watch_event().unwrap_err();
    assert_eq!(e, XsError::Timeout(Context::new(Op::WatchEvent, "", None)));
    assert_eq!(
        e.to_string(),
        "xenstore: timed out waiting for xenstored for watch event"
    );
    done(c);
}

#[test]
fn malformed_watch_event_is_reported_in_its_turn() {
    let mut fake = Fake::new();
    fake.xs.send(&event("a", "1"));
    fake.xs.send(&msg(WATCH_EVENT, 0, 0, b"no token\0"));
    fake.xs.send(&event("b", "1"));
    let mut c = client(fake);
    assert_eq!(c.next_watch_event().unwrap().unwrap().path, "a");
    assert!(matches!(
        c.next_watch_event(),
        Err(XsError::Malformed(Malformed::BadWatchEvent, _))
    ));
    assert_eq!(c.next_watch_event().unwrap().unwrap().path, "b");
    done(c);
}

#[test]
fn unwatch_drops_the_watchs_queued_events() {
    let mut fake = Fake::new();
    fake.expect(
        msg(UNWATCH, 1, 0, b"data\0t\0"),
        vec![msg(UNWATCH, 1, 0, b"OK\0")],
    );
    for (p, t) in [
        ("data", "t"),
        ("data/x", "t"),
        ("database", "t"),
        ("data/x", "u"),
        ("other", "t"),
    ] {
        fake.xs.send(&event(p, t));
    }
    let mut c = client(fake);
    c.poll().unwrap();
    c.unwatch("data", "t").unwrap();
    let left: Vec<(String, String)> = core::iter::from_fn(|| c.next_watch_event().unwrap())
        .map(|e| (e.path, e.token))
        .collect();
    let left: Vec<(&str, &str)> = left.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    assert_eq!(left, [("database", "t"), ("data/x", "u"), ("other", "t")]);
    done(c);
}

#[test]
fn event_queue_is_bounded_dropping_the_oldest() {
    let mut fake = Fake::new();
    for i in 0..MAX_QUEUED_EVENTS + 3 {
        fake.xs.send(&event(&format!("data/{i}"), "t"));
    }
    let mut c = client(fake);
    assert_eq!(c.next_watch_event().unwrap().unwrap().path, "data/3");
    assert_eq!(c.dropped_watch_events(), 3);
    assert_eq!(
        core::iter::from_fn(|| c.next_watch_event().unwrap()).count(),
        MAX_QUEUED_EVENTS - 1
    );
    done(c);
}

// ---- flow control, framing and timeouts -------------------------------

#[test]
fn replies_arriving_one_byte_at_a_time() {
    let mut fake = Fake::new();
    fake.read_chunk = 1;
    fake.expect(msg(READ, 1, 0, b"domid\0"), vec![msg(READ, 1, 0, b"12")]);
    fake.expect(
        msg(WATCH, 2, 0, b"control\0w\0"),
        vec![
            event("control", "w"),
            msg(WATCH, 2, 0, b"OK\0"),
            event("control/shutdown", "w"),
        ],
    );
    fake.expect(
        msg(DIRECTORY, 3, 0, b"device\0"),
        vec![msg(DIRECTORY, 3, 0, b"vbd\0vif\0")],
    );
    fake.expect(
        msg(READ, 4, 0, b"data/x\0"),
        vec![msg(ERROR, 4, 0, b"EACCES\0")],
    );
    let mut c = client(fake);
    assert_eq!(domain_id(&mut c), Ok(12));
    c.watch("control", "w").unwrap();
    assert_eq!(c.directory("device").unwrap(), ["vbd", "vif"]);
    assert_eq!(
        c.read("data/x").unwrap_err().errno(),
        Some(ErrnoName::EACCES)
    );
    assert_eq!(c.next_watch_event().unwrap().unwrap().path, "control");
    assert_eq!(
        c.next_watch_event().unwrap().unwrap().path,
        "control/shutdown"
    );
    let fake = done(c);
    assert!(fake.reads > 100, "{} reads", fake.reads);
}

#[test]
fn request_larger_than_the_ring_goes_in_pieces() {
    let blob: Vec<u8> = (0..4000u32).map(|i| (i % 253) as u8).collect();
    let mut fake = Fake::new();
    fake.ring_size = 1024;
    fake.expect(
        msg(WRITE, 1, 0, &[&b"data/blob\0"[..], &blob].concat()),
        vec![msg(WRITE, 1, 0, b"OK\0")],
    );
    let mut c = client(fake);
    c.write("data/blob", &blob).unwrap();
    let fake = done(c);
    // 4026 bytes through a 1024-byte ring: four pieces, each notified.
    assert!(fake.notifies >= 4, "{} notifies", fake.notifies);
    assert!(fake.waits >= 4, "{} waits", fake.waits);
}

#[test]
fn payload_over_the_limit_is_refused_unsent() {
    let mut fake = Fake::new();
    fake.expect(msg(READ, 1, 0, b"domid\0"), vec![msg(READ, 1, 0, b"3")]);
    let mut c = client(fake);
    let value = vec![b'x'; 4096];
    let e = c.write("data/big", &value).unwrap_err();
    assert_eq!(
        e,
        XsError::PayloadTooLarge(4105, Context::new(Op::Write, "data/big", None))
    );
    assert_eq!(
        e.to_string(),
        r#"xenstore: request payload of 4105 bytes is over 4096 for write of "data/big""#
    );
    let e = c.read("data/a\0b").unwrap_err();
    assert!(matches!(e, XsError::NulInArgument(_)));
    assert!(matches!(
        c.watch("data", "t\0"),
        Err(XsError::NulInArgument(_))
    ));
    assert_eq!(c.transport().notifies, 0, "nothing was sent");
    // The refused requests used no request id.
    assert_eq!(domain_id(&mut c), Ok(3));
    done(c);
}

#[test]
fn header_with_len_over_4096_stops_the_client() {
    let mut fake = Fake::new();
    let mut bad = msg(READ, 1, 0, b"");
    bad[12..16].copy_from_slice(&5000u32.to_le_bytes());
    fake.expect(msg(READ, 1, 0, b"domid\0"), vec![bad, vec![0; 64]]);
    let mut c = client(fake);
    let e = c.read("domid").unwrap_err();
    assert_eq!(
        e,
        XsError::Malformed(
            Malformed::PayloadTooLong(5000),
            Context::new(Op::Read, "domid", None)
        )
    );
    assert_eq!(
        e.to_string(),
        r#"xenstore: malformed message from xenstored (payload length 5000 is over 4096) for read of "domid""#
    );
    let notifies = c.transport().notifies;
    assert!(matches!(
        c.read("name"),
        Err(XsError::Malformed(Malformed::Desynchronized, _))
    ));
    assert!(matches!(
        c.next_watch_event(),
        Err(XsError::Malformed(Malformed::Desynchronized, _))
    ));
    assert_eq!(c.transport().notifies, notifies, "nothing more was sent");
    let mut fake = c.into_transport();
    fake.xs.outbox.clear();
    fake.xs.assert_done();
}

#[test]
fn timeout_then_the_late_reply_is_dropped() {
    let mut fake = Fake::new();
    // The daemon takes the request but does not answer in time.
    fake.expect(msg(READ, 1, 0, b"domid\0"), vec![]);
    let mut c = client(fake);
    let e = c.read("domid").unwrap_err();
    assert_eq!(e, XsError::Timeout(Context::new(Op::Read, "domid", None)));
    assert_eq!(
        e.to_string(),
        r#"xenstore: timed out waiting for xenstored for read of "domid""#
    );
    // The answer comes later, before the next request's.
    c.transport_mut().xs.send(&msg(READ, 1, 0, b"7"));
    c.transport_mut()
        .expect(msg(READ, 2, 0, b"name\0"), vec![msg(READ, 2, 0, b"guest")]);
    assert_eq!(c.read("name").unwrap(), b"guest");
    done(c);
}

#[test]
fn timeout_while_sending_finishes_the_request_first() {
    let blob = vec![b'z'; 3000];
    let mut fake = Fake::new();
    fake.ring_size = 1024;
    fake.stalled = true;
    let mut c = client(fake);
    assert!(matches!(
        c.write("data/blob", &blob),
        Err(XsError::Timeout(_))
    ));
    assert_eq!(
        c.transport().ring.len(),
        1024,
        "the first piece is in the ring"
    );
    let fake = c.transport_mut();
    fake.stalled = false;
    fake.expect(
        msg(WRITE, 1, 0, &[&b"data/blob\0"[..], &blob].concat()),
        vec![msg(WRITE, 1, 0, b"OK\0")],
    );
    fake.expect(msg(READ, 2, 0, b"domid\0"), vec![msg(READ, 2, 0, b"5")]);
    assert_eq!(domain_id(&mut c), Ok(5));
    done(c);
}

#[test]
fn a_transport_that_never_times_out_is_still_bounded() {
    struct Chatty;
    impl Transport for Chatty {
        fn write(&mut self, bytes: &[u8]) -> usize {
            bytes.len()
        }
        fn read(&mut self, _: &mut [u8]) -> usize {
            0
        }
        fn notify(&mut self) {}
        fn wait(&mut self) -> Result<(), Timeout> {
            Ok(())
        }
    }
    let mut c = Client::new(Chatty);
    assert!(matches!(c.read("domid"), Err(XsError::Timeout(_))));
}

#[test]
fn request_ids_skip_zero_when_they_wrap() {
    let mut fake = Fake::new();
    fake.expect(
        msg(READ, u32::MAX, 0, b"a\0"),
        vec![msg(READ, u32::MAX, 0, b"1")],
    );
    fake.expect(msg(READ, 1, 0, b"b\0"), vec![msg(READ, 1, 0, b"2")]);
    let mut c = client(fake);
    c.next_req_id = u32::MAX;
    assert_eq!(c.read("a").unwrap(), b"1");
    assert_eq!(c.read("b").unwrap(), b"2");
    done(c);
}

// ---- transactions -------------------------------------------------------

/// The requests of one attempt at incrementing "data/n" in transaction
/// `tx`, starting at request id `req`, with the commit answered by `end`.
fn increment_attempt(fake: &mut Fake, req: u32, tx: u32, end: &[u8]) {
    let tx_text = format!("{tx}\0");
    fake.expect(
        msg(TRANSACTION_START, req, 0, b"\0"),
        vec![msg(TRANSACTION_START, req, 0, tx_text.as_bytes())],
    );
    fake.expect(
        msg(READ, req + 1, tx, b"data/n\0"),
        vec![msg(READ, req + 1, tx, b"41")],
    );
    fake.expect(
        msg(WRITE, req + 2, tx, b"data/n\x0042"),
        vec![msg(WRITE, req + 2, tx, b"OK\0")],
    );
    let end_type = if end == b"OK\0" {
        TRANSACTION_END
    } else {
        ERROR
    };
    fake.expect(
        msg(TRANSACTION_END, req + 3, tx, b"T\0"),
        vec![msg(end_type, req + 3, tx, end)],
    );
}

fn increment(c: &mut Client<Fake>, calls: &mut u32) -> Result<u32, XsError> {
    c.with_transaction(|c, tx| {
        *calls += 1;
        let n = c.read_string_tx(Some(tx), "data/n")?;
        let n: u32 = n.parse().unwrap();
        c.write_tx(Some(tx), "data/n", (n + 1).to_string())?;
        Ok(n + 1)
    })
}

#[test]
fn with_transaction_retries_on_eagain() {
    let mut fake = Fake::new();
    increment_attempt(&mut fake, 1, 14, b"EAGAIN\0");
    increment_attempt(&mut fake, 5, 15, b"EAGAIN\0");
    increment_attempt(&mut fake, 9, 16, b"OK\0");
    let mut c = client(fake);
    let mut calls = 0;
    assert_eq!(increment(&mut c, &mut calls), Ok(42));
    assert_eq!(calls, 3);
    done(c);
}

#[test]
fn with_transaction_gives_up_after_a_bounded_number_of_attempts() {
    let mut fake = Fake::new();
    for i in 0..TRANSACTION_ATTEMPTS {
        increment_attempt(&mut fake, 1 + 4 * i, 20 + i, b"EAGAIN\0");
    }
    let mut c = client(fake);
    let mut calls = 0;
    let e = increment(&mut c, &mut calls).unwrap_err();
    assert_eq!(calls, TRANSACTION_ATTEMPTS);
    assert!(e.is_again());
    assert_eq!(
        e.to_string(),
        "xenstore: EAGAIN (transaction conflict, try again) for transaction end in transaction 27"
    );
    done(c);
}

#[test]
fn with_transaction_aborts_when_the_body_fails() {
    let mut fake = Fake::new();
    fake.expect(
        msg(TRANSACTION_START, 1, 0, b"\0"),
        vec![msg(TRANSACTION_START, 1, 0, b"9\0")],
    );
    fake.expect(
        msg(READ, 2, 9, b"data/n\0"),
        vec![msg(ERROR, 2, 9, b"ENOENT\0")],
    );
    fake.expect(
        msg(TRANSACTION_END, 3, 9, b"F\0"),
        vec![msg(TRANSACTION_END, 3, 9, b"OK\0")],
    );
    let mut c = client(fake);
    let mut calls = 0;
    let e = increment(&mut c, &mut calls).unwrap_err();
    assert_eq!(
        e,
        XsError::Daemon(
            ErrnoName::ENOENT,
            Context::new(Op::Read, "data/n", Some(TxId(9)))
        )
    );
    assert_eq!(calls, 1);
    done(c);
}

// ---- shutdown -------------------------------------------------------------

#[test]
fn shutdown_request_values() {
    use ShutdownRequest::*;
    let cases: [(&[u8], Option<ShutdownRequest>); 7] = [
        (b"", None),
        (b"poweroff", Some(Poweroff)),
        (b"reboot", Some(Reboot)),
        (b"suspend", Some(Suspend)),
        (b"halt", Some(Halt)),
        (b"halt\0", Some(Halt)),
        (b"\0", None),
    ];
    for (v, want) in cases {
        assert_eq!(ShutdownRequest::parse(v), Ok(want), "{v:?}");
        if let Some(r) = want {
            assert_eq!(ShutdownRequest::parse(r.as_str().as_bytes()), Ok(Some(r)));
        }
    }
    for bad in [
        &b"PowerOff"[..],
        b"poweroff\n",
        b" reboot",
        b"crash",
        b"halt\0\0",
        b"\xff",
    ] {
        assert!(ShutdownRequest::parse(bad).is_err(), "{bad:?}");
    }
    let e = ShutdownRequest::parse(b"crash").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"unknown shutdown request "crash" in control/shutdown"#
    );
}

#[test]
fn shutdown_watch_take_and_ack() {
    let mut fake = Fake::new();
    fake.expect(
        msg(WATCH, 1, 0, b"control/shutdown\0ukrt:shutdown\0"),
        vec![
            msg(WATCH, 1, 0, b"OK\0"),
            event("control/shutdown", "ukrt:shutdown"),
        ],
    );
    // At registration the node does not exist yet.
    fake.expect(
        msg(READ, 2, 0, b"control/shutdown\0"),
        vec![msg(ERROR, 2, 0, b"ENOENT\0")],
    );
    // The toolstack writes "poweroff"; the event arrives, then we take it.
    fake.expect(
        msg(TRANSACTION_START, 3, 0, b"\0"),
        vec![msg(TRANSACTION_START, 3, 0, b"3\0")],
    );
    fake.expect(
        msg(READ, 4, 3, b"control/shutdown\0"),
        vec![msg(READ, 4, 3, b"poweroff")],
    );
    fake.expect(
        msg(WRITE, 5, 3, b"control/shutdown\0"),
        vec![msg(WRITE, 5, 3, b"OK\0")],
    );
    fake.expect(
        msg(TRANSACTION_END, 6, 3, b"T\0"),
        vec![msg(TRANSACTION_END, 6, 3, b"OK\0")],
    );
    // Taking again finds the acknowledged empty value: no request, no write.
    fake.expect(
        msg(TRANSACTION_START, 7, 0, b"\0"),
        vec![msg(TRANSACTION_START, 7, 0, b"4\0")],
    );
    fake.expect(
        msg(READ, 8, 4, b"control/shutdown\0"),
        vec![msg(READ, 8, 4, b"")],
    );
    fake.expect(
        msg(TRANSACTION_END, 9, 4, b"T\0"),
        vec![msg(TRANSACTION_END, 9, 4, b"OK\0")],
    );
    // An unknown value is reported and left in place.
    fake.expect(
        msg(READ, 10, 0, b"control/shutdown\0"),
        vec![msg(READ, 10, 0, b"crash")],
    );
    fake.expect(
        msg(WRITE, 11, 0, b"control/shutdown\0"),
        vec![msg(WRITE, 11, 0, b"OK\0")],
    );
    let mut c = client(fake);

    watch_shutdown(&mut c).unwrap();
    let ev = c.next_watch_event().unwrap().unwrap();
    assert!(is_shutdown_event(&ev));
    assert_eq!(read_shutdown(&mut c), Ok(None));
    c.transport_mut()
        .on_wait
        .push_back(event("control/shutdown", "ukrt:shutdown"));
    let ev = c.wait_watch_event().unwrap();
    assert!(is_shutdown_event(&ev));
    assert_eq!(take_shutdown(&mut c), Ok(Some(ShutdownRequest::Poweroff)));
    assert_eq!(take_shutdown(&mut c), Ok(None));
    let e = read_shutdown(&mut c).unwrap_err();
    assert_eq!(
        e,
        XsError::Malformed(
            Malformed::UnknownShutdownRequest,
            Context::new(Op::Read, SHUTDOWN_PATH, None)
        )
    );
    ack_shutdown(&mut c).unwrap();
    done(c);
}

// ---- over the real ring -----------------------------------------------------

/// xenstored on the other side of a ring page: runs when signalled, moving
/// requests out of the page and as much of its output in as fits.
struct PageDaemon {
    server: Server,
    xs: Xenstored,
    kicked: bool,
    waits: usize,
}

impl Doorbell for PageDaemon {
    fn notify(&mut self) {
        self.kicked = true;
    }

    fn wait(&mut self) -> Result<(), Timeout> {
        self.waits += 1;
        let mut progress = false;
        if core::mem::take(&mut self.kicked) {
            let req = self.server.take_requests();
            progress |= !req.is_empty();
            self.xs.receive(&req);
        }
        let out: Vec<u8> = self.xs.outbox.iter().copied().collect();
        let n = self.server.put_responses(&out);
        self.xs.outbox.drain(..n);
        progress |= n > 0;
        if progress {
            Ok(())
        } else {
            Err(Timeout)
        }
    }
}

#[test]
fn client_over_the_ring_with_indexes_near_u32_max() {
    let [ours, theirs, daemons] = test_pages::handles();
    let server = Server(theirs);
    // Slot 1018: the first header already crosses the ring's end, and the
    // indexes wrap past 2^32 during the first exchange.
    server.start_at(u32::MAX - 5);
    let mut xs = Xenstored::default();
    let blob: Vec<u8> = (0..4000u32).map(|i| (i * 13 % 256) as u8).collect();
    let big: Vec<u8> = (0..3000u32).map(|i| (i % 100) as u8 + 1).collect();
    xs.expect(msg(READ, 1, 0, b"domid\0"), vec![msg(READ, 1, 0, b"7")]);
    xs.expect(
        msg(WATCH, 2, 0, b"control/shutdown\0ukrt:shutdown\0"),
        vec![
            msg(WATCH, 2, 0, b"OK\0"),
            event("control/shutdown", "ukrt:shutdown"),
        ],
    );
    xs.expect(
        msg(WRITE, 3, 0, &[&b"data/blob\0"[..], &blob].concat()),
        vec![msg(WRITE, 3, 0, b"OK\0")],
    );
    // A reply three times the ring, with events on both sides.
    xs.expect(
        msg(READ, 4, 0, b"data/big\0"),
        vec![
            event("data/big", "d"),
            msg(READ, 4, 0, &big),
            event("data/big", "d"),
        ],
    );
    xs.expect(
        msg(DIRECTORY, 5, 0, b"device\0"),
        vec![msg(DIRECTORY, 5, 0, b"vbd\0vif\0")],
    );
    let daemon = PageDaemon {
        server: Server(daemons),
        xs,
        kicked: false,
        waits: 0,
    };
    let mut c = Client::new(RingTransport::new(RingIo::new(ours), daemon));

    assert_eq!(domain_id(&mut c), Ok(7));
    assert!(server.index(2048) < 100, "the request indexes wrapped");
    watch_shutdown(&mut c).unwrap();
    c.write("data/blob", &blob).unwrap();
    assert_eq!(c.read("data/big").unwrap(), big);
    assert_eq!(c.directory("device").unwrap(), ["vbd", "vif"]);
    let tokens: Vec<String> = core::iter::from_fn(|| c.next_watch_event().unwrap())
        .map(|e| e.token)
        .collect();
    assert_eq!(tokens, ["ukrt:shutdown", "d", "d"]);

    let t = c.into_transport();
    t.doorbell.xs.assert_done();
    assert!(t.doorbell.xs.outbox.is_empty());
    assert!(t.ring.indexes_valid());
    assert_eq!(t.ring.requests_pending(), 0);
    assert_eq!(t.ring.responses_available(), 0);
    assert!(t.doorbell.waits > 8, "{} waits", t.doorbell.waits);
}
