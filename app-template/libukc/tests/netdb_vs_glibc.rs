//! ukc's getaddrinfo (numeric hosts and services) and gai_strerror against
//! the host's glibc: every entry's flags, family, socket type, protocol,
//! address length, socket address bytes and canonical name, and the EAI_*
//! code of every failure.
//!
//! AI_ADDRCONFIG depends on the addresses a machine has; the logic takes
//! that as a parameter (ukrt's is IPv4 only), so the test asks glibc what
//! this host has and gives ukc the same.
use std::ffi::{c_char, c_int, CStr, CString};
use std::ptr::{null, null_mut};
use ukc::addrinfo::{self as ai, Addr, AddrConfig, Hints};
use ukc::net::{self, Addrinfo};

mod c {
    use std::ffi::{c_char, c_int};
    use ukc::net::Addrinfo;
    extern "C" {
        pub fn getaddrinfo(
            node: *const c_char,
            service: *const c_char,
            hints: *const Addrinfo,
            res: *mut *mut Addrinfo,
        ) -> c_int;
        pub fn freeaddrinfo(res: *mut Addrinfo);
        pub fn gai_strerror(code: c_int) -> *const c_char;
    }
}

/// One entry, as comparable values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    flags: i32,
    family: i32,
    socktype: i32,
    protocol: i32,
    addr: Vec<u8>,
    canon: Option<Vec<u8>>,
}

fn hints_struct(h: Hints) -> Addrinfo {
    Addrinfo {
        ai_flags: h.flags,
        ai_family: h.family,
        ai_socktype: h.socktype,
        ai_protocol: h.protocol,
        ai_addrlen: 0,
        ai_addr: null_mut(),
        ai_canonname: null_mut(),
        ai_next: null_mut(),
    }
}

fn glibc(
    node: Option<&str>,
    service: Option<&str>,
    hints: Option<Hints>,
) -> Result<Vec<Entry>, i32> {
    let node = node.map(|s| CString::new(s).unwrap());
    let service = service.map(|s| CString::new(s).unwrap());
    let h = hints.map(hints_struct);
    let mut res: *mut Addrinfo = null_mut();
    // SAFETY: node and service are NULL or NUL-terminated, hints NULL or a
    // valid addrinfo, and `res` a writable pointer.
    let r = unsafe {
        c::getaddrinfo(
            node.as_ref().map_or(null(), |s| s.as_ptr()),
            service.as_ref().map_or(null(), |s| s.as_ptr()),
            h.as_ref().map_or(null(), |h| h as *const Addrinfo),
            &mut res,
        )
    };
    if r != 0 {
        return Err(r);
    }
    let mut out = Vec::new();
    let mut p = res;
    while !p.is_null() {
        // SAFETY: `p` is an entry of the list glibc returned, live until
        // freeaddrinfo below.
        let e = unsafe { &*p };
        // SAFETY: ai_addr points at ai_addrlen bytes of the entry's socket
        // address.
        let addr =
            unsafe { std::slice::from_raw_parts(e.ai_addr.cast::<u8>(), e.ai_addrlen as usize) };
        let canon = (!e.ai_canonname.is_null()).then(|| {
            // SAFETY: a non-NULL ai_canonname is a NUL-terminated string
            // that lives with the list.
            unsafe { CStr::from_ptr(e.ai_canonname.cast()) }
                .to_bytes()
                .to_vec()
        });
        out.push(Entry {
            flags: e.ai_flags,
            family: e.ai_family,
            socktype: e.ai_socktype,
            protocol: e.ai_protocol,
            addr: addr.to_vec(),
            canon,
        });
        p = e.ai_next;
    }
    // SAFETY: `res` is the list glibc returned, freed once.
    unsafe { c::freeaddrinfo(res) };
    Ok(out)
}

/// The socket address bytes ukc's abi layer writes for an answer.
fn sockaddr_bytes(a: &ai::Answer) -> Vec<u8> {
    match a.addr {
        Addr::V4(v4) => {
            let mut s = net::SockaddrIn::new(u32::from_be_bytes(v4), a.port);
            s.sin_zero = [0; 8];
            // SAFETY: SockaddrIn is a repr(C) struct of integers and bytes
            // without padding, so all its 16 bytes are initialised.
            unsafe { std::slice::from_raw_parts((&s as *const net::SockaddrIn).cast::<u8>(), 16) }
                .to_vec()
        }
        Addr::V6(v6) => {
            let s = net::SockaddrIn6 {
                sin6_family: net::AF_INET6 as u16,
                sin6_port: net::htons(a.port),
                sin6_flowinfo: 0,
                sin6_addr: v6,
                sin6_scope_id: 0,
            };
            // SAFETY: SockaddrIn6 is a repr(C) struct of integers and bytes
            // without padding, so all its 28 bytes are initialised.
            unsafe { std::slice::from_raw_parts((&s as *const net::SockaddrIn6).cast::<u8>(), 28) }
                .to_vec()
        }
    }
}

fn ours(
    node: Option<&str>,
    service: Option<&str>,
    hints: Option<Hints>,
    config: AddrConfig,
) -> Result<Vec<Entry>, i32> {
    let answers = ai::resolve(
        node.map(str::as_bytes),
        service.map(str::as_bytes),
        hints,
        config,
    )?;
    Ok(answers
        .iter()
        .enumerate()
        .map(|(i, a)| Entry {
            flags: a.flags,
            family: a.family(),
            socktype: a.socktype,
            protocol: a.protocol,
            addr: sockaddr_bytes(a),
            canon: (i == 0 && answers.canonname).then(|| node.unwrap().as_bytes().to_vec()),
        })
        .collect())
}

/// What glibc's AI_ADDRCONFIG sees on this host.
fn host_config() -> AddrConfig {
    let seen = |family| {
        let h = Hints {
            flags: ai::AI_ADDRCONFIG,
            family,
            socktype: net::SOCK_STREAM,
            protocol: 0,
        };
        glibc(None, Some("1"), Some(h)).is_ok()
    };
    AddrConfig {
        ipv4: seen(net::AF_INET),
        ipv6: seen(net::AF_INET6),
    }
}

/// Whether ukc reads `node` as an address literal; glibc must never be
/// asked to look up a name (that would ask /etc/hosts or DNS), so other
/// nodes always go with AI_NUMERICHOST.
fn numeric(node: &str) -> bool {
    node == "*"
        || ukc::inet::aton_exact(node.as_bytes()).is_some()
        || ukc::inet::pton6(node.as_bytes()).is_some()
}

fn compare(
    node: Option<&str>,
    service: Option<&str>,
    hints: Option<Hints>,
    config: AddrConfig,
) -> bool {
    let theirs = glibc(node, service, hints);
    let mine = ours(node, service, hints, config);
    let (theirs, mine) = match (theirs, mine) {
        // With both families, glibc orders addresses by RFC 3484 rules
        // that depend on the host's routes: compare as sets.
        (Ok(mut t), Ok(mut m)) if t.iter().any(|e| e.family != t[0].family) => {
            t.sort();
            m.sort();
            (Ok(t), Ok(m))
        }
        other => other,
    };
    assert_eq!(
        mine, theirs,
        "getaddrinfo({node:?}, {service:?}, {hints:?})"
    );
    mine.is_ok()
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const NODES: &[&str] = &[
    "127.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "10.1.2.3",
    "127.1",
    "0x7f.1",
    "017700000001",
    "4294967295",
    "1.2.3.4 ",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "::1",
    "::",
    "fe80::1",
    "::ffff:10.0.0.1",
    "::ffff:1.2.3.4",
    "2001:db8::1",
    "1::2::3",
    "",
    "localhost",
    "example.org",
    "1.2.3.4x",
    "::1 ",
    "1:2:3:4:5:6:7:8",
    "*",
];
const SERVICES: &[&str] = &[
    "",
    "0",
    "80",
    "8080",
    "65535",
    "65536",
    "65617",
    "-1",
    "-65535",
    " 80",
    "\t80",
    "+80",
    "80 ",
    "http",
    "4294967296",
    "4294967297",
    "2147483647",
    "2147483648",
    "99999999999999999999",
    "0x50",
    "080",
    "1e3",
    "*",
];
const FAMILIES: &[i32] = &[net::AF_UNSPEC, net::AF_INET, net::AF_INET6, net::AF_UNIX, 3];
const SOCKTYPES: &[i32] = &[0, 1, 2, 3, 4, 5, 6, 99];
const PROTOCOLS: &[i32] = &[0, 6, 17, 33, 132, 136, 255, 1, 999];
const FLAGS: &[i32] = &[
    0,
    ai::AI_PASSIVE,
    ai::AI_CANONNAME,
    ai::AI_NUMERICHOST,
    ai::AI_NUMERICSERV,
    ai::AI_V4MAPPED,
    ai::AI_V4MAPPED | ai::AI_ALL,
    ai::AI_ADDRCONFIG,
    ai::AI_DEFAULT,
    ai::AI_PASSIVE | ai::AI_NUMERICSERV | ai::AI_NUMERICHOST,
    0x100,
    0x200,
    0x800,
    0x1000,
    -1,
];

/// Whether `strtoul(s, &end, 10)` leaves `end` at the NUL: blanks, a
/// sign, and at least one digit up to the end.
fn strtoul_takes_all(s: &str) -> bool {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

fn check(
    node: Option<&str>,
    service: Option<&str>,
    hints: Option<Hints>,
    config: AddrConfig,
) -> bool {
    let mut hints = hints;
    if let Some(n) = node {
        if !numeric(n) {
            let h = hints.get_or_insert(Hints {
                flags: ai::AI_DEFAULT,
                family: 0,
                socktype: 0,
                protocol: 0,
            });
            h.flags |= ai::AI_NUMERICHOST;
        }
    }
    // A service name without AI_NUMERICSERV sends glibc to /etc/services,
    // which ukc does not have: not compared.
    if let Some(s) = service {
        if !s.is_empty()
            && !strtoul_takes_all(s)
            && hints.is_none_or(|h| h.flags & ai::AI_NUMERICSERV == 0)
        {
            return false;
        }
    }
    compare(node, service, hints, config)
}

#[test]
fn numeric_matrix() {
    let config = host_config();
    let mut ok = 0;
    let mut total = 0;
    for node in [None].into_iter().chain(NODES.iter().map(|&n| Some(n))) {
        for service in [None].into_iter().chain(SERVICES.iter().map(|&s| Some(s))) {
            for flags in FLAGS {
                for family in [net::AF_UNSPEC, net::AF_INET, net::AF_INET6] {
                    for socktype in [0, net::SOCK_STREAM, net::SOCK_DGRAM] {
                        let h = Hints {
                            flags: *flags,
                            family,
                            socktype,
                            protocol: 0,
                        };
                        total += 1;
                        ok += check(node, service, Some(h), config) as usize;
                    }
                }
            }
            total += 1;
            ok += check(node, service, None, config) as usize;
        }
    }
    // Both outcomes are well represented.
    assert!(
        ok > total / 10 && ok < total * 9 / 10,
        "{ok} of {total} succeeded"
    );
}

#[test]
fn generated_hints() {
    let config = host_config();
    let mut rng = Rng(7);
    for _ in 0..20_000 {
        let node = (rng.below(6) != 0).then(|| rng.pick(NODES));
        let service = (rng.below(4) != 0).then(|| rng.pick(SERVICES));
        let mut flags = rng.pick(FLAGS);
        if rng.below(4) == 0 {
            flags |= 1 << rng.below(12);
        }
        let h = Hints {
            flags,
            family: rng.pick(FAMILIES),
            socktype: rng.pick(SOCKTYPES),
            protocol: rng.pick(PROTOCOLS),
        };
        check(node, service, Some(h), config);
    }
}

#[test]
fn ukrt_answers() {
    // On ukrt (IPv4 only) the default hints give IPv4 addresses only.
    let a = ai::resolve(None, Some(b"80".as_slice()), None, ai::UKRT_ADDRCONFIG).unwrap();
    assert!(a
        .iter()
        .all(|e| e.addr == Addr::V4([127, 0, 0, 1]) && e.port == 80));
    assert_eq!(a.iter().count(), 3);
    let h = Hints {
        flags: ai::AI_ADDRCONFIG,
        family: net::AF_INET6,
        socktype: 0,
        protocol: 0,
    };
    assert_eq!(
        ai::resolve(Some(b"::1".as_slice()), None, Some(h), ai::UKRT_ADDRCONFIG),
        Err(ai::EAI_NONAME)
    );
}

#[test]
fn gai_strerror_texts() {
    for code in (-120..=20).chain([i32::MIN, i32::MAX, -1000]) {
        // SAFETY: gai_strerror takes any int and returns a static
        // NUL-terminated string.
        let theirs = unsafe { CStr::from_ptr(c::gai_strerror(code as c_int)) };
        let mine = CStr::from_bytes_with_nul(ai::gai_strerror(code)).unwrap();
        assert_eq!(mine, theirs, "gai_strerror({code})");
    }
    let _: *const c_char = null();
}
