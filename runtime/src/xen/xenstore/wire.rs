//! The xenstore wire format (`xs_wire.h`): a 16-byte header followed by at
//! most 4096 payload bytes.
//!
//! Header fields are 32-bit integers in the guest's byte order; every Xen
//! architecture is little-endian, so they are encoded little-endian here,
//! which keeps the host tests independent of the host.
//!
//! Payloads are NUL-separated strings, with exceptions: the value of a write
//! is the last field and is sent without a NUL, and the reply to a read is
//! the value's raw bytes. Decoders here accept exactly the shapes xenstored
//! (C or OCaml) sends and name everything else with [`Malformed`].
use alloc::string::String;
use alloc::vec::Vec;

use super::error::Malformed;

/// Size of the message header (`struct xsd_sockmsg`: four 32-bit words in
/// the order of [`Header`]'s fields).
pub const HEADER_LEN: usize = core::mem::size_of::<crate::xen::abi::io::XsdSockmsg>();
/// Largest payload either side may send (`XENSTORE_PAYLOAD_MAX`).
pub const PAYLOAD_MAX: usize = crate::xen::abi::io::XENSTORE_PAYLOAD_MAX;

/// Message types (`enum xsd_sockmsg_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum MsgType {
    Control = 0,
    Directory = 1,
    Read = 2,
    GetPerms = 3,
    Watch = 4,
    Unwatch = 5,
    TransactionStart = 6,
    TransactionEnd = 7,
    Introduce = 8,
    Release = 9,
    GetDomainPath = 10,
    Write = 11,
    Mkdir = 12,
    Rm = 13,
    SetPerms = 14,
    WatchEvent = 15,
    Error = 16,
    IsDomainIntroduced = 17,
    Resume = 18,
    SetTarget = 19,
    // 20 was a type that has since been removed from the protocol.
    ResetWatches = 21,
    DirectoryPart = 22,
}

impl MsgType {
    /// Every type, in the order of [`Self::C_NAMES`].
    pub const ALL: [MsgType; 22] = {
        use MsgType::*;
        [
            Control,
            Directory,
            Read,
            GetPerms,
            Watch,
            Unwatch,
            TransactionStart,
            TransactionEnd,
            Introduce,
            Release,
            GetDomainPath,
            Write,
            Mkdir,
            Rm,
            SetPerms,
            WatchEvent,
            Error,
            IsDomainIntroduced,
            Resume,
            SetTarget,
            ResetWatches,
            DirectoryPart,
        ]
    };
    /// The names xs_wire.h gives [`Self::ALL`] (checked against it by the ABI
    /// layout test).
    pub const C_NAMES: [&'static str; 22] = [
        "XS_CONTROL",
        "XS_DIRECTORY",
        "XS_READ",
        "XS_GET_PERMS",
        "XS_WATCH",
        "XS_UNWATCH",
        "XS_TRANSACTION_START",
        "XS_TRANSACTION_END",
        "XS_INTRODUCE",
        "XS_RELEASE",
        "XS_GET_DOMAIN_PATH",
        "XS_WRITE",
        "XS_MKDIR",
        "XS_RM",
        "XS_SET_PERMS",
        "XS_WATCH_EVENT",
        "XS_ERROR",
        "XS_IS_DOMAIN_INTRODUCED",
        "XS_RESUME",
        "XS_SET_TARGET",
        "XS_RESET_WATCHES",
        "XS_DIRECTORY_PART",
    ];

    /// The type for a raw header value, if it is one the protocol defines.
    pub fn from_u32(v: u32) -> Option<Self> {
        use MsgType::*;
        Some(match v {
            0 => Control,
            1 => Directory,
            2 => Read,
            3 => GetPerms,
            4 => Watch,
            5 => Unwatch,
            6 => TransactionStart,
            7 => TransactionEnd,
            8 => Introduce,
            9 => Release,
            10 => GetDomainPath,
            11 => Write,
            12 => Mkdir,
            13 => Rm,
            14 => SetPerms,
            15 => WatchEvent,
            16 => Error,
            17 => IsDomainIntroduced,
            18 => Resume,
            19 => SetTarget,
            21 => ResetWatches,
            22 => DirectoryPart,
            _ => return None,
        })
    }
}

/// A message header (`struct xsd_sockmsg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Raw message type; see [`MsgType`].
    pub ty: u32,
    /// Chosen by the client, echoed in the reply; 0 in watch events.
    pub req_id: u32,
    /// Transaction the message belongs to; 0 for none.
    pub tx_id: u32,
    /// Payload length.
    pub len: u32,
}

impl Header {
    pub fn to_bytes(self) -> [u8; HEADER_LEN] {
        let mut b = [0; HEADER_LEN];
        for (i, v) in [self.ty, self.req_id, self.tx_id, self.len]
            .into_iter()
            .enumerate()
        {
            b[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// Decodes a header, refusing a payload length over [`PAYLOAD_MAX`]
    /// (after which the byte stream cannot be trusted to be in step).
    pub fn parse(b: &[u8; HEADER_LEN]) -> Result<Self, Malformed> {
        let word =
            |i: usize| u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
        let h = Header {
            ty: word(0),
            req_id: word(1),
            tx_id: word(2),
            len: word(3),
        };
        if h.len as usize > PAYLOAD_MAX {
            return Err(Malformed::PayloadTooLong(h.len));
        }
        Ok(h)
    }

    pub fn msg_type(&self) -> Option<MsgType> {
        MsgType::from_u32(self.ty)
    }
}

/// A request the client sends, with its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    Read(&'a str),
    /// Path and value; the value may hold any bytes, NUL included.
    Write(&'a str, &'a [u8]),
    Directory(&'a str),
    Mkdir(&'a str),
    Rm(&'a str),
    GetDomainPath(u32),
    Watch {
        path: &'a str,
        token: &'a str,
    },
    Unwatch {
        path: &'a str,
        token: &'a str,
    },
    TransactionStart,
    /// `true` commits, `false` aborts.
    TransactionEnd(bool),
}

/// Why a request could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The payload would be this many bytes, over [`PAYLOAD_MAX`].
    PayloadTooLarge(usize),
    /// A path or token holds a NUL, which would end it early on the wire.
    NulInArgument,
}

impl Request<'_> {
    pub fn msg_type(&self) -> MsgType {
        match self {
            Request::Read(_) => MsgType::Read,
            Request::Write(..) => MsgType::Write,
            Request::Directory(_) => MsgType::Directory,
            Request::Mkdir(_) => MsgType::Mkdir,
            Request::Rm(_) => MsgType::Rm,
            Request::GetDomainPath(_) => MsgType::GetDomainPath,
            Request::Watch { .. } => MsgType::Watch,
            Request::Unwatch { .. } => MsgType::Unwatch,
            Request::TransactionStart => MsgType::TransactionStart,
            Request::TransactionEnd(_) => MsgType::TransactionEnd,
        }
    }

    /// Appends the payload: the NUL-terminated string arguments, then a
    /// write's value without a terminator.
    fn payload(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut string = |s: &[u8]| {
            if s.contains(&0) {
                return Err(EncodeError::NulInArgument);
            }
            out.extend_from_slice(s);
            out.push(0);
            Ok(())
        };
        match *self {
            Request::Read(p) | Request::Directory(p) | Request::Mkdir(p) | Request::Rm(p) => {
                string(p.as_bytes())
            }
            Request::Write(p, value) => {
                string(p.as_bytes())?;
                out.extend_from_slice(value);
                Ok(())
            }
            Request::GetDomainPath(domid) => string(decimal(domid).as_bytes()),
            Request::Watch { path, token } | Request::Unwatch { path, token } => {
                string(path.as_bytes())?;
                string(token.as_bytes())
            }
            // The daemon wants one empty string.
            Request::TransactionStart => string(b""),
            Request::TransactionEnd(commit) => string(if commit { b"T" } else { b"F" }),
        }
    }

    /// Appends the whole message (header and payload) to `out`; on error
    /// `out` is left as it was.
    pub fn encode(&self, req_id: u32, tx_id: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(&[0; HEADER_LEN]);
        if let Err(e) = self.payload(out) {
            out.truncate(start);
            return Err(e);
        }
        let len = out.len() - start - HEADER_LEN;
        if len > PAYLOAD_MAX {
            out.truncate(start);
            return Err(EncodeError::PayloadTooLarge(len));
        }
        let header = Header {
            ty: self.msg_type() as u32,
            req_id,
            tx_id,
            len: len as u32,
        };
        out[start..start + HEADER_LEN].copy_from_slice(&header.to_bytes());
        Ok(())
    }
}

/// `v` in decimal.
pub fn decimal(v: u32) -> String {
    let mut digits = [0u8; 10];
    let mut n = v;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[i..].iter().map(|&d| d as char).collect()
}

/// Parses a plain decimal number: ASCII digits only, no sign or spaces.
pub fn parse_decimal(s: &[u8]) -> Result<u32, Malformed> {
    if s.is_empty() {
        return Err(Malformed::BadNumber);
    }
    s.iter().try_fold(0u32, |acc, &c| {
        if !c.is_ascii_digit() {
            return Err(Malformed::BadNumber);
        }
        acc.checked_mul(10)
            .and_then(|a| a.checked_add(u32::from(c - b'0')))
            .ok_or(Malformed::BadNumber)
    })
}

/// A single string reply: the text, with its terminating NUL removed (a
/// reply without one is accepted too) and no NUL inside.
pub fn parse_string(payload: &[u8]) -> Result<&str, Malformed> {
    let body = payload.strip_suffix(&[0]).unwrap_or(payload);
    if body.contains(&0) {
        return Err(Malformed::ExtraNul);
    }
    core::str::from_utf8(body).map_err(|_| Malformed::NotUtf8)
}

/// The acknowledgement of a write, mkdir, rm, watch, unwatch or transaction
/// end: "OK".
pub fn parse_ack(payload: &[u8]) -> Result<(), Malformed> {
    match parse_string(payload) {
        Ok("OK") => Ok(()),
        _ => Err(Malformed::NotOk),
    }
}

/// The reply to a transaction start: the new id in decimal, never 0.
pub fn parse_tx_id(payload: &[u8]) -> Result<u32, Malformed> {
    match parse_decimal(parse_string(payload)?.as_bytes())? {
        0 => Err(Malformed::ZeroTxId),
        id => Ok(id),
    }
}

/// Splits NUL-terminated strings; every string must be terminated.
fn split_terminated(payload: &[u8]) -> Result<Vec<&str>, Malformed> {
    let Some(body) = payload.strip_suffix(&[0]) else {
        return if payload.is_empty() {
            Ok(Vec::new())
        } else {
            Err(Malformed::MissingNul)
        };
    };
    body.split(|&b| b == 0)
        .map(|s| core::str::from_utf8(s).map_err(|_| Malformed::NotUtf8))
        .collect()
}

/// The reply to a directory listing: each child name NUL-terminated; an
/// empty payload is a node without children.
pub fn parse_directory(payload: &[u8]) -> Result<Vec<String>, Malformed> {
    let names = split_terminated(payload)?;
    if names.iter().any(|n| n.is_empty()) {
        return Err(Malformed::EmptyName);
    }
    Ok(names.into_iter().map(String::from).collect())
}

/// A watch firing: the path that changed and the watch's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEvent {
    pub path: String,
    pub token: String,
}

/// The payload of an `XS_WATCH_EVENT`: path and token, each NUL-terminated.
pub fn parse_watch_event(payload: &[u8]) -> Result<WatchEvent, Malformed> {
    match split_terminated(payload).map_err(|_| Malformed::BadWatchEvent)?[..] {
        [path, token] if !path.is_empty() => Ok(WatchEvent {
            path: path.into(),
            token: token.into(),
        }),
        _ => Err(Malformed::BadWatchEvent),
    }
}

/// The errno names xenstored sends in `XS_ERROR` replies: the `xsd_errors`
/// table of the public header, plus `EQUOTA`, which oxenstored sends when a
/// domain's quota is exhausted.
#[allow(clippy::upper_case_acronyms)] // the names are the protocol's
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrnoName {
    EINVAL,
    EACCES,
    EEXIST,
    EISDIR,
    ENOENT,
    ENOMEM,
    ENOSPC,
    EIO,
    ENOTEMPTY,
    ENOSYS,
    EROFS,
    EBUSY,
    EAGAIN,
    EISCONN,
    E2BIG,
    EPERM,
    EQUOTA,
}

impl ErrnoName {
    pub const ALL: [ErrnoName; 17] = {
        use ErrnoName::*;
        [
            EINVAL, EACCES, EEXIST, EISDIR, ENOENT, ENOMEM, ENOSPC, EIO, ENOTEMPTY, ENOSYS, EROFS,
            EBUSY, EAGAIN, EISCONN, E2BIG, EPERM, EQUOTA,
        ]
    };

    /// The name as it appears on the wire.
    pub fn name(self) -> &'static str {
        use ErrnoName::*;
        match self {
            EINVAL => "EINVAL",
            EACCES => "EACCES",
            EEXIST => "EEXIST",
            EISDIR => "EISDIR",
            ENOENT => "ENOENT",
            ENOMEM => "ENOMEM",
            ENOSPC => "ENOSPC",
            EIO => "EIO",
            ENOTEMPTY => "ENOTEMPTY",
            ENOSYS => "ENOSYS",
            EROFS => "EROFS",
            EBUSY => "EBUSY",
            EAGAIN => "EAGAIN",
            EISCONN => "EISCONN",
            E2BIG => "E2BIG",
            EPERM => "EPERM",
            EQUOTA => "EQUOTA",
        }
    }

    /// What the error means for a xenstore request.
    pub fn meaning(self) -> &'static str {
        use ErrnoName::*;
        match self {
            EINVAL => "invalid argument",
            EACCES => "permission denied",
            EEXIST => "entry already exists",
            EISDIR => "is a directory",
            ENOENT => "no such entry",
            ENOMEM => "daemon out of memory",
            ENOSPC => "no space left",
            EIO => "input/output error",
            ENOTEMPTY => "directory not empty",
            ENOSYS => "operation not supported",
            EROFS => "read-only store",
            EBUSY => "daemon busy",
            EAGAIN => "transaction conflict, try again",
            EISCONN => "already connected",
            E2BIG => "request too big",
            EPERM => "operation not permitted",
            EQUOTA => "quota exceeded",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// What an `XS_ERROR` payload names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaemonError {
    Known(ErrnoName),
    /// A name outside [`ErrnoName`], kept (up to [`UNKNOWN_NAME_MAX`] bytes)
    /// for the error message.
    Unknown(String),
}

/// How much of an unknown error name is kept.
pub const UNKNOWN_NAME_MAX: usize = 32;

/// The payload of an `XS_ERROR` reply: an errno name, NUL-terminated.
pub fn parse_error(payload: &[u8]) -> Result<DaemonError, Malformed> {
    let name = parse_string(payload)?;
    if name.is_empty() {
        return Err(Malformed::EmptyName);
    }
    Ok(match ErrnoName::from_name(name) {
        Some(e) => DaemonError::Known(e),
        None => DaemonError::Unknown(name.chars().take(UNKNOWN_NAME_MAX).collect()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn type_numbers_follow_the_header() {
        // Counted from the enum in xs_wire.h.
        let expected = [
            (0, MsgType::Control),
            (1, MsgType::Directory),
            (2, MsgType::Read),
            (4, MsgType::Watch),
            (5, MsgType::Unwatch),
            (6, MsgType::TransactionStart),
            (7, MsgType::TransactionEnd),
            (10, MsgType::GetDomainPath),
            (11, MsgType::Write),
            (12, MsgType::Mkdir),
            (13, MsgType::Rm),
            (15, MsgType::WatchEvent),
            (16, MsgType::Error),
            (21, MsgType::ResetWatches),
            (22, MsgType::DirectoryPart),
        ];
        for (n, t) in expected {
            assert_eq!(t as u32, n);
            assert_eq!(MsgType::from_u32(n), Some(t));
        }
        assert_eq!(MsgType::from_u32(20), None);
        assert_eq!(MsgType::from_u32(23), None);
        assert_eq!(MsgType::from_u32(0xffff), None);
    }

    #[test]
    fn header_round_trip_and_length_limit() {
        let h = Header {
            ty: 2,
            req_id: 0x0102_0304,
            tx_id: 9,
            len: 4096,
        };
        let b = h.to_bytes();
        assert_eq!(b, [2, 0, 0, 0, 4, 3, 2, 1, 9, 0, 0, 0, 0, 0x10, 0, 0]);
        assert_eq!(Header::parse(&b), Ok(h));
        let mut big = b;
        big[12..16].copy_from_slice(&4097u32.to_le_bytes());
        assert_eq!(Header::parse(&big), Err(Malformed::PayloadTooLong(4097)));
    }

    fn encoded(r: Request, req: u32, tx: u32) -> Vec<u8> {
        let mut out = vec![0xaa];
        r.encode(req, tx, &mut out).unwrap();
        assert_eq!(out.remove(0), 0xaa, "encode appends");
        out
    }

    #[test]
    fn request_payloads() {
        let cases: [(Request, &[u8]); 10] = [
            (Request::Read("domid"), b"domid\0"),
            (Request::Write("a/b", b"v\0x"), b"a/b\0v\0x"),
            (Request::Write("a/b", b""), b"a/b\0"),
            (Request::Directory("device"), b"device\0"),
            (Request::Mkdir("data"), b"data\0"),
            (Request::GetDomainPath(4_000_000_000), b"4000000000\0"),
            (
                Request::Watch {
                    path: "control/shutdown",
                    token: "t",
                },
                b"control/shutdown\0t\0",
            ),
            (Request::TransactionStart, b"\0"),
            (Request::TransactionEnd(true), b"T\0"),
            (Request::TransactionEnd(false), b"F\0"),
        ];
        for (r, payload) in cases {
            let m = encoded(r, 3, 5);
            let h = Header::parse(m[..16].try_into().unwrap()).unwrap();
            assert_eq!(
                h,
                Header {
                    ty: r.msg_type() as u32,
                    req_id: 3,
                    tx_id: 5,
                    len: payload.len() as u32
                }
            );
            assert_eq!(&m[16..], payload, "{r:?}");
        }
    }

    #[test]
    fn request_limits() {
        let mut out = vec![1, 2];
        let path = "p".repeat(4095);
        assert_eq!(Request::Read(&path).encode(1, 0, &mut out), Ok(()));
        assert_eq!(out.len(), 2 + 16 + 4096);
        out.truncate(2);
        let value = vec![7; 4094];
        assert_eq!(
            Request::Write("ab", &value).encode(1, 0, &mut out),
            Err(EncodeError::PayloadTooLarge(4097))
        );
        assert_eq!(
            Request::Rm("a\0b").encode(1, 0, &mut out),
            Err(EncodeError::NulInArgument)
        );
        assert_eq!(
            Request::Unwatch {
                path: "a",
                token: "t\0"
            }
            .encode(1, 0, &mut out),
            Err(EncodeError::NulInArgument)
        );
        assert_eq!(out, [1, 2], "a refused request leaves nothing behind");
    }

    #[test]
    fn decimal_numbers() {
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(u32::MAX), "4294967295");
        assert_eq!(parse_decimal(b"0042"), Ok(42));
        assert_eq!(parse_decimal(b"4294967295"), Ok(u32::MAX));
        for bad in [
            &b""[..],
            b"4294967296",
            b"-1",
            b"+1",
            b" 1",
            b"1 ",
            b"0x10",
            b"1\n",
        ] {
            assert_eq!(parse_decimal(bad), Err(Malformed::BadNumber), "{bad:?}");
        }
    }

    #[test]
    fn reply_decoders() {
        assert_eq!(parse_string(b"/local/domain/7\0"), Ok("/local/domain/7"));
        assert_eq!(parse_string(b"/local/domain/7"), Ok("/local/domain/7"));
        assert_eq!(parse_string(b"a\0b\0"), Err(Malformed::ExtraNul));
        assert_eq!(parse_string(b"\xff\0"), Err(Malformed::NotUtf8));

        assert_eq!(parse_ack(b"OK\0"), Ok(()));
        assert_eq!(parse_ack(b"OK"), Ok(()));
        for bad in [&b""[..], b"ok\0", b"OK\0\0", b"NO\0"] {
            assert_eq!(parse_ack(bad), Err(Malformed::NotOk), "{bad:?}");
        }

        assert_eq!(parse_tx_id(b"14\0"), Ok(14));
        assert_eq!(parse_tx_id(b"0\0"), Err(Malformed::ZeroTxId));
        assert_eq!(parse_tx_id(b"x\0"), Err(Malformed::BadNumber));
        assert_eq!(parse_tx_id(b"\0"), Err(Malformed::BadNumber));

        assert_eq!(
            parse_directory(b"backend\0device\0"),
            Ok(vec!["backend".into(), "device".into()])
        );
        assert_eq!(parse_directory(b""), Ok(vec![]));
        assert_eq!(parse_directory(b"backend\0dev"), Err(Malformed::MissingNul));
        assert_eq!(parse_directory(b"a\0\0"), Err(Malformed::EmptyName));
        assert_eq!(parse_directory(b"\0"), Err(Malformed::EmptyName));
        assert_eq!(parse_directory(b"\xc3\0"), Err(Malformed::NotUtf8));

        let ev = parse_watch_event(b"control/shutdown\0tok\0").unwrap();
        assert_eq!(
            (ev.path.as_str(), ev.token.as_str()),
            ("control/shutdown", "tok")
        );
        assert_eq!(parse_watch_event(b"p\0\0").unwrap().token, "");
        for bad in [&b""[..], b"p\0", b"p\0t", b"p\0t\0x\0", b"\0t\0"] {
            assert_eq!(
                parse_watch_event(bad),
                Err(Malformed::BadWatchEvent),
                "{bad:?}"
            );
        }

        assert_eq!(
            parse_error(b"ENOENT\0"),
            Ok(DaemonError::Known(ErrnoName::ENOENT))
        );
        assert_eq!(
            parse_error(b"EWHAT\0"),
            Ok(DaemonError::Unknown("EWHAT".into()))
        );
        let long = [b'E'; 100];
        assert_eq!(
            parse_error(&long),
            Ok(DaemonError::Unknown("E".repeat(UNKNOWN_NAME_MAX)))
        );
        assert_eq!(parse_error(b"\0"), Err(Malformed::EmptyName));
    }

    #[test]
    fn every_errno_name_round_trips() {
        for e in ErrnoName::ALL {
            assert_eq!(ErrnoName::from_name(e.name()), Some(e));
            assert_eq!(format!("{e:?}"), e.name());
        }
        assert_eq!(ErrnoName::from_name("enoent"), None);
    }
}
