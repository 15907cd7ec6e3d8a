//! getaddrinfo for numeric hosts and services, as glibc 2.36 answers them
//! (tests/netdb_vs_glibc.rs compares the two), and gai_strerror's texts.
//!
//! There is no resolver: a host that is not an address literal gives
//! EAI_NONAME (glibc would ask /etc/hosts and DNS), a service that is not a
//! number EAI_SERVICE (glibc would ask /etc/services). Scope ids (`%`) are
//! not parsed (EAI_NONAME).
use crate::inet;
use crate::net::*;

pub const AI_PASSIVE: i32 = 0x1;
pub const AI_CANONNAME: i32 = 0x2;
pub const AI_NUMERICHOST: i32 = 0x4;
pub const AI_V4MAPPED: i32 = 0x8;
pub const AI_ALL: i32 = 0x10;
pub const AI_ADDRCONFIG: i32 = 0x20;
pub const AI_IDN: i32 = 0x40;
pub const AI_CANONIDN: i32 = 0x80;
pub const AI_NUMERICSERV: i32 = 0x400;
/// glibc still accepts the old AI_IDN_ALLOW_UNASSIGNED and
/// AI_IDN_USE_STD3_ASCII_RULES bits, and ignores them.
const DEPRECATED_AI_IDN: i32 = 0x300;
const KNOWN_FLAGS: i32 = AI_PASSIVE
    | AI_CANONNAME
    | AI_NUMERICHOST
    | AI_ADDRCONFIG
    | AI_V4MAPPED
    | AI_IDN
    | AI_CANONIDN
    | DEPRECATED_AI_IDN
    | AI_NUMERICSERV
    | AI_ALL;
/// The flags of `hints == NULL`.
pub const AI_DEFAULT: i32 = AI_V4MAPPED | AI_ADDRCONFIG;

pub const EAI_BADFLAGS: i32 = -1;
pub const EAI_NONAME: i32 = -2;
pub const EAI_AGAIN: i32 = -3;
pub const EAI_FAIL: i32 = -4;
pub const EAI_NODATA: i32 = -5;
pub const EAI_FAMILY: i32 = -6;
pub const EAI_SOCKTYPE: i32 = -7;
pub const EAI_SERVICE: i32 = -8;
pub const EAI_ADDRFAMILY: i32 = -9;
pub const EAI_MEMORY: i32 = -10;
pub const EAI_SYSTEM: i32 = -11;
pub const EAI_OVERFLOW: i32 = -12;
pub const EAI_INPROGRESS: i32 = -100;
pub const EAI_CANCELED: i32 = -101;
pub const EAI_NOTCANCELED: i32 = -102;
pub const EAI_ALLDONE: i32 = -103;
pub const EAI_INTR: i32 = -104;
pub const EAI_IDN_ENCODE: i32 = -105;

/// `gai_strerror(code)` as glibc's C locale says it, with its NUL
/// (glibc 2.36 has no text for EAI_OVERFLOW).
pub fn gai_strerror(code: i32) -> &'static [u8] {
    match code {
        EAI_ADDRFAMILY => b"Address family for hostname not supported\0",
        EAI_AGAIN => b"Temporary failure in name resolution\0",
        EAI_BADFLAGS => b"Bad value for ai_flags\0",
        EAI_FAIL => b"Non-recoverable failure in name resolution\0",
        EAI_FAMILY => b"ai_family not supported\0",
        EAI_MEMORY => b"Memory allocation failure\0",
        EAI_NODATA => b"No address associated with hostname\0",
        EAI_NONAME => b"Name or service not known\0",
        EAI_SERVICE => b"Servname not supported for ai_socktype\0",
        EAI_SOCKTYPE => b"ai_socktype not supported\0",
        EAI_SYSTEM => b"System error\0",
        EAI_INPROGRESS => b"Processing request in progress\0",
        EAI_CANCELED => b"Request canceled\0",
        EAI_NOTCANCELED => b"Request not canceled\0",
        EAI_ALLDONE => b"All requests done\0",
        EAI_INTR => b"Interrupted by a signal\0",
        EAI_IDN_ENCODE => b"Parameter string not correctly encoded\0",
        _ => b"Unknown error\0",
    }
}

/// The fields of `hints` that matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hints {
    pub flags: i32,
    pub family: i32,
    pub socktype: i32,
    pub protocol: i32,
}

/// What AI_ADDRCONFIG finds configured (addresses other than loopback).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrConfig {
    pub ipv4: bool,
    pub ipv6: bool,
}

/// A ukrt app's network: IPv4 only.
pub const UKRT_ADDRCONFIG: AddrConfig = AddrConfig {
    ipv4: true,
    ipv6: false,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addr {
    V4([u8; 4]),
    V6([u8; 16]),
}

/// One `struct addrinfo` of the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    pub flags: i32,
    pub socktype: i32,
    pub protocol: i32,
    pub addr: Addr,
    /// In host byte order.
    pub port: u16,
}

impl Answer {
    pub fn family(&self) -> i32 {
        match self.addr {
            Addr::V4(_) => AF_INET,
            Addr::V6(_) => AF_INET6,
        }
    }
}

/// Most entries one answer has: two addresses (IPv6 and IPv4 for a NULL
/// host) times three socket types.
pub const MAX_ANSWERS: usize = 6;

/// The answer: entries in glibc's order (addresses, then socket types for
/// each); the first carries the canonical name (the host text as given)
/// when `canonname` is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answers {
    pub items: [Option<Answer>; MAX_ANSWERS],
    pub len: usize,
    pub canonname: bool,
}

impl Answers {
    pub fn iter(&self) -> impl Iterator<Item = &Answer> {
        self.items[..self.len].iter().flatten()
    }
}

struct TypeProto {
    socktype: i32,
    protocol: i32,
    /// Takes any protocol (raw).
    any_protocol: bool,
    /// Has no ports (raw).
    no_service: bool,
    /// Returned when the hints name no socket type nor protocol.
    default: bool,
}

/// glibc's table of socket types and protocols, in its order.
const TYPES: [TypeProto; 7] = [
    TypeProto {
        socktype: SOCK_STREAM,
        protocol: IPPROTO_TCP,
        any_protocol: false,
        no_service: false,
        default: true,
    },
    TypeProto {
        socktype: SOCK_DGRAM,
        protocol: IPPROTO_UDP,
        any_protocol: false,
        no_service: false,
        default: true,
    },
    TypeProto {
        socktype: SOCK_DCCP,
        protocol: IPPROTO_DCCP,
        any_protocol: false,
        no_service: false,
        default: false,
    },
    TypeProto {
        socktype: SOCK_DGRAM,
        protocol: IPPROTO_UDPLITE,
        any_protocol: false,
        no_service: false,
        default: false,
    },
    TypeProto {
        socktype: SOCK_STREAM,
        protocol: IPPROTO_SCTP,
        any_protocol: false,
        no_service: false,
        default: false,
    },
    TypeProto {
        socktype: SOCK_SEQPACKET,
        protocol: IPPROTO_SCTP,
        any_protocol: false,
        no_service: false,
        default: false,
    },
    TypeProto {
        socktype: SOCK_RAW,
        protocol: 0,
        any_protocol: true,
        no_service: true,
        default: true,
    },
];

/// The service as glibc reads it: `strtoul(s, &end, 10)`, a number when
/// that takes the whole text, stored in an int; a negative int is then
/// looked up as a name, and the port is the int's low 16 bits. `None` for
/// no service (NULL or ""), `Some(None)` for a name (which only
/// /etc/services could answer), `Some(Some(n))` for a number.
fn service_number(s: &[u8]) -> Option<Option<i32>> {
    if s.is_empty() {
        return None;
    }
    let mut i = 0;
    while i < s.len() && crate::ctype::isspace(s[i].into()) != 0 {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut v: u64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(n) => v = n,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start || i != s.len() {
        // No digits (strtoul's end is then the text's start), or more
        // after them: not a number.
        return Some(None);
    }
    let v = if overflow {
        u64::MAX
    } else if negative {
        v.wrapping_neg()
    } else {
        v
    };
    Some(Some(v as i32))
}

/// `getaddrinfo(node, service, hints)` (`hints == None` for NULL), with
/// `config` as what AI_ADDRCONFIG sees. Returns the entries or an EAI_*
/// code.
pub fn resolve(
    node: Option<&[u8]>,
    service: Option<&[u8]>,
    hints: Option<Hints>,
    config: AddrConfig,
) -> Result<Answers, i32> {
    // glibc reads "*" as NULL, for either.
    let node = node.filter(|n| *n != b"*");
    let service = service.filter(|s| *s != b"*");
    if node.is_none() && service.is_none() {
        return Err(EAI_NONAME);
    }
    let mut req = hints.unwrap_or(Hints {
        flags: AI_DEFAULT,
        family: AF_UNSPEC,
        socktype: 0,
        protocol: 0,
    });
    if req.flags & !KNOWN_FLAGS != 0 {
        return Err(EAI_BADFLAGS);
    }
    if req.flags & AI_CANONNAME != 0 && node.is_none() {
        return Err(EAI_BADFLAGS);
    }
    if req.family != AF_UNSPEC && req.family != AF_INET && req.family != AF_INET6 {
        return Err(EAI_FAMILY);
    }
    if req.flags & AI_ADDRCONFIG != 0 {
        if req.family == AF_UNSPEC && (config.ipv4 || config.ipv6) {
            if config.ipv4 != config.ipv6 {
                req.family = if config.ipv4 { AF_INET } else { AF_INET6 };
            }
        } else if (req.family == AF_INET && !config.ipv4)
            || (req.family == AF_INET6 && !config.ipv6)
        {
            return Err(EAI_NONAME);
        }
    }
    let service = match service.and_then(service_number) {
        Some(None) if req.flags & AI_NUMERICSERV != 0 => return Err(EAI_NONAME),
        other => other,
    };

    // The socket types: the first matching entry when the hints name a
    // type or protocol, else all default ones.
    let mut chosen: Option<&TypeProto> = None;
    if req.socktype != 0 || req.protocol != 0 {
        chosen = TYPES.iter().find(|t| {
            (req.socktype == 0 || req.socktype == t.socktype)
                && (req.protocol == 0 || t.any_protocol || req.protocol == t.protocol)
        });
        if chosen.is_none() {
            return Err(if req.socktype != 0 {
                EAI_SOCKTYPE
            } else {
                EAI_SERVICE
            });
        }
    }
    let port = match service {
        Some(_) if chosen.is_some_and(|t| t.no_service) => return Err(EAI_SERVICE),
        // A name: /etc/services would be asked; there is none here.
        Some(None) => return Err(EAI_SERVICE),
        Some(Some(n)) if n < 0 => return Err(EAI_SERVICE),
        // glibc's htons takes the int's low 16 bits.
        Some(Some(n)) => n as u16,
        None => 0,
    };
    let mut types = [(0i32, 0i32); 3];
    let mut ntypes = 0;
    match chosen {
        Some(t) => {
            let protocol = if t.any_protocol {
                req.protocol
            } else {
                t.protocol
            };
            types[0] = (t.socktype, protocol);
            ntypes = 1;
        }
        None => {
            for t in TYPES.iter().filter(|t| t.default) {
                types[ntypes] = (t.socktype, t.protocol);
                ntypes += 1;
            }
        }
    }

    // The addresses.
    let mut addrs = [Addr::V4([0; 4]); 2];
    let mut naddrs = 0;
    let mut canonname = false;
    match node {
        Some(name) => {
            if let Some(a) = inet::aton_exact(name) {
                addrs[0] = match req.family {
                    AF_UNSPEC | AF_INET => Addr::V4(a),
                    _ if req.flags & AI_V4MAPPED != 0 => {
                        let mut m = [0u8; 16];
                        m[10] = 0xff;
                        m[11] = 0xff;
                        m[12..].copy_from_slice(&a);
                        Addr::V6(m)
                    }
                    _ => return Err(EAI_ADDRFAMILY),
                };
            } else if let Some(a) = inet::pton6(name) {
                addrs[0] = match req.family {
                    AF_UNSPEC | AF_INET6 => Addr::V6(a),
                    _ if a[..10] == [0; 10] && a[10..12] == [0xff, 0xff] => {
                        Addr::V4([a[12], a[13], a[14], a[15]])
                    }
                    _ => return Err(EAI_ADDRFAMILY),
                };
            } else {
                return Err(EAI_NONAME);
            }
            naddrs = 1;
            canonname = req.flags & AI_CANONNAME != 0;
        }
        None => {
            let passive = req.flags & AI_PASSIVE != 0;
            if req.family == AF_UNSPEC || req.family == AF_INET6 {
                let mut a = [0u8; 16];
                if !passive {
                    a[15] = 1;
                }
                addrs[naddrs] = Addr::V6(a);
                naddrs += 1;
            }
            if req.family == AF_UNSPEC || req.family == AF_INET {
                let a = if passive {
                    [0; 4]
                } else {
                    INADDR_LOOPBACK.to_be_bytes()
                };
                addrs[naddrs] = Addr::V4(a);
                naddrs += 1;
            }
        }
    }

    let mut out = Answers {
        items: [None; MAX_ANSWERS],
        len: 0,
        canonname,
    };
    for &addr in &addrs[..naddrs] {
        for &(socktype, protocol) in &types[..ntypes] {
            out.items[out.len] = Some(Answer {
                flags: req.flags,
                socktype,
                protocol,
                addr,
                port,
            });
            out.len += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(flags: i32, family: i32, socktype: i32) -> Option<Hints> {
        Some(Hints {
            flags,
            family,
            socktype,
            protocol: 0,
        })
    }

    #[test]
    fn passive_any_and_loopback() {
        let a = resolve(
            None,
            Some(b"8080"),
            hints(AI_PASSIVE, AF_INET, SOCK_STREAM),
            UKRT_ADDRCONFIG,
        )
        .unwrap();
        let e: Vec<_> = a.iter().collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].addr, Addr::V4([0; 4]));
        assert_eq!((e[0].port, e[0].protocol), (8080, IPPROTO_TCP));
        let a = resolve(None, Some(b"1"), None, UKRT_ADDRCONFIG).unwrap();
        assert!(a.iter().all(|e| e.addr == Addr::V4([127, 0, 0, 1])));
        assert_eq!(a.len, 3);
    }

    #[test]
    fn errors() {
        let r = |n: &[u8], s: &[u8], f| resolve(Some(n), Some(s), hints(f, 0, 0), UKRT_ADDRCONFIG);
        assert_eq!(r(b"example.org", b"80", 0), Err(EAI_NONAME));
        assert_eq!(r(b"1.2.3.4", b"http", AI_NUMERICSERV), Err(EAI_NONAME));
        assert_eq!(r(b"1.2.3.4", b"http", 0), Err(EAI_SERVICE));
        assert_eq!(r(b"1.2.3.4", b"80", 0x1000), Err(EAI_BADFLAGS));
        assert_eq!(resolve(None, None, None, UKRT_ADDRCONFIG), Err(EAI_NONAME));
    }
}
