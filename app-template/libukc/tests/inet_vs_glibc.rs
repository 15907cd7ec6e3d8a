//! ukc's inet_pton, inet_ntop, inet_aton, inet_addr, inet_ntoa and byte
//! order functions against the host's glibc, on generated and edge-case
//! inputs.
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use ukc::{inet, net};

mod c {
    use std::ffi::{c_char, c_int, c_void};
    extern "C" {
        pub fn inet_pton(af: c_int, src: *const c_char, dst: *mut c_void) -> c_int;
        pub fn inet_ntop(
            af: c_int,
            src: *const c_void,
            dst: *mut c_char,
            size: u32,
        ) -> *const c_char;
        pub fn inet_aton(cp: *const c_char, inp: *mut u32) -> c_int;
        pub fn inet_addr(cp: *const c_char) -> u32;
        pub fn inet_ntoa(a: u32) -> *const c_char;
        pub fn htons(x: u16) -> u16;
        pub fn ntohs(x: u16) -> u16;
        pub fn htonl(x: u32) -> u32;
        pub fn ntohl(x: u32) -> u32;
        pub fn __errno_location() -> *mut c_int;
    }
}

/// A small deterministic generator (splitmix64).
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
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// A number in one of the notations inet_aton knows, or a broken one.
    fn number(&mut self) -> String {
        let v: u64 = match self.below(6) {
            0 => self.below(256) as u64,
            1 => self.below(10) as u64,
            2 => self.below(0x1_0000) as u64,
            3 => self.next() & 0xffff_ffff,
            4 => self.next() & 0x1_ffff_ffff,
            _ => [0, 255, 256, 0xffff, 0x10000, 0xffffff, 0x1000000, u64::MAX][self.below(8)],
        };
        match self.below(10) {
            0 => format!("0x{v:x}"),
            1 => format!("0X{v:X}"),
            2 => format!("0{v:o}"),
            3 => format!("00{v}"),
            4 => self
                .pick(&[
                    "",
                    "x",
                    "0x",
                    "09",
                    "1a",
                    "-1",
                    "+1",
                    " 1",
                    "99999999999999999999",
                ])
                .into(),
            _ => v.to_string(),
        }
    }
    /// Dotted text of 1 to 5 parts with occasional junk.
    fn dotted(&mut self) -> String {
        let parts = 1 + self.below(5);
        let mut s = String::new();
        for i in 0..parts {
            if i > 0 {
                s.push('.');
            }
            s += &self.number();
        }
        match self.below(12) {
            0 => s.push(' '),
            1 => s += " trailing",
            2 => s.push('.'),
            3 => s.push('\t'),
            4 => s.insert(0, ' '),
            5 => s += "\nx",
            _ => {}
        }
        s
    }
    /// IPv6 text: groups, `::`, an embedded IPv4 tail, and broken forms.
    fn v6(&mut self) -> String {
        let groups = self.below(10);
        let mut parts: Vec<String> = (0..groups)
            .map(|_| match self.below(8) {
                0 => "0".into(),
                1 => "".into(),
                2 => format!("{:x}", self.below(0x10000)),
                3 => format!("{:X}", self.below(0x10000)),
                4 => format!("{:05x}", self.below(0x100)),
                5 => format!("{:04x}", self.below(0x10000)),
                6 => self.pick(&["g", "ffff", "fffff", "-1", " 1"]).into(),
                _ => format!("{:x}", self.below(16)),
            })
            .collect();
        if self.below(3) == 0 && !parts.is_empty() {
            let at = self.below(parts.len() + 1);
            parts.insert(at, String::new());
        }
        let mut s = parts.join(":");
        match self.below(6) {
            0 => {
                if !s.is_empty() {
                    s.push(':');
                }
                s += &format!(
                    "{}.{}.{}.{}",
                    self.below(300),
                    self.below(256),
                    self.below(256),
                    self.below(256)
                );
            }
            1 => s.insert_str(0, "::"),
            2 => s.push_str("::"),
            _ => {}
        }
        s
    }
}

fn glibc_pton(af: c_int, s: &str) -> (c_int, Vec<u8>, c_int) {
    let cs = CString::new(s).unwrap();
    let mut buf = [0u8; 16];
    // SAFETY: __errno_location takes no arguments and returns this
    // thread's errno, a valid, aligned int for the thread's life.
    unsafe { *c::__errno_location() = 0 };
    // SAFETY: `cs` is NUL-terminated and `buf` has the 16 bytes either
    // family writes.
    let r = unsafe { c::inet_pton(af, cs.as_ptr(), buf.as_mut_ptr().cast()) };
    // SAFETY: __errno_location takes no arguments and returns this
    // thread's errno, a valid, aligned int for the thread's life.
    let e = unsafe { *c::__errno_location() };
    let n = if af == net::AF_INET { 4 } else { 16 };
    (r, buf[..n].to_vec(), e)
}

fn glibc_ntop(af: c_int, a: &[u8], size: u32) -> Option<Vec<u8>> {
    let mut out = [0x55 as c_char; 64];
    // SAFETY: `a` holds the 4 or 16 bytes of the family, and `out` has at
    // least `size` (<= 64) writable bytes.
    let p = unsafe { c::inet_ntop(af, a.as_ptr().cast::<c_void>(), out.as_mut_ptr(), size) };
    // SAFETY: a non-NULL result is `out`, NUL-terminated by inet_ntop.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes().to_vec())
}

fn check_v4_text(s: &str) {
    let (r, bytes, _) = glibc_pton(net::AF_INET, s);
    let ours = inet::pton4(s.as_bytes());
    assert_eq!(ours.is_some(), r == 1, "inet_pton(AF_INET, {s:?})");
    if let Some(a) = ours {
        assert_eq!(&a[..], &bytes[..], "inet_pton(AF_INET, {s:?})");
    }
    let cs = CString::new(s).unwrap();
    let mut a: u32 = 0xdead_beef;
    // SAFETY: `cs` is NUL-terminated and `a` is a writable in_addr.
    let r = unsafe { c::inet_aton(cs.as_ptr(), &mut a) };
    let ours = inet::aton(s.as_bytes());
    assert_eq!(ours.is_some(), r == 1, "inet_aton({s:?})");
    if let Some((b, _)) = ours {
        assert_eq!(b, a.to_ne_bytes(), "inet_aton({s:?})");
    }
    // SAFETY: `cs` is NUL-terminated.
    let theirs = unsafe { c::inet_addr(cs.as_ptr()) };
    let ours = ours.map_or(net::INADDR_NONE, |(b, _)| u32::from_ne_bytes(b));
    assert_eq!(ours, theirs, "inet_addr({s:?})");
}

#[test]
fn v4_text_generated_and_edges() {
    let edges = [
        "",
        "0.0.0.0",
        "255.255.255.255",
        "256.0.0.0",
        "1.2.3.4",
        "01.2.3.4",
        "1.2.3.04",
        "1.2.3",
        "1.2",
        "1",
        "1.2.3.4.5",
        "1..2.3",
        ".1.2.3",
        "1.2.3.",
        "1.2.3.4 ",
        " 1.2.3.4",
        "1.2.3.4\t",
        "1.2.3.4\n",
        "1.2.3.4x",
        "0x1.2.3.4",
        "0x7f.1",
        "127.1",
        "127.0.1",
        "0377.0377.0377.0377",
        "0400.0.0.0",
        "4294967295",
        "4294967296",
        "0xffffffff",
        "0x100000000",
        "1.16777215",
        "1.16777216",
        "1.2.65535",
        "1.2.65536",
        "08",
        "09.1",
        "0x",
        "0x.1.2.3",
        "1.2.3.0x",
        "-1",
        "+1",
        "1.2.3.-4",
        "00000000000000000001.2.3.4",
        "99999999999999999999.1",
        "1.2.3.4 junk",
        "1.2.3.4\x0b",
        "1.2.3.4\x0c",
        "1.2.3.4\r",
        "1.2.3.4\u{80}",
        "1.2.3.256",
        "000.000.000.000",
        "1.2.3.4.",
        "a.b.c.d",
    ];
    for s in edges {
        check_v4_text(s);
    }
    let mut rng = Rng(1);
    for _ in 0..20_000 {
        let s = rng.dotted();
        check_v4_text(&s);
    }
    // Near the dotted-quad form: decimal parts around 255, now and then a
    // leading zero, a missing or extra part.
    for _ in 0..20_000 {
        let parts = if rng.below(5) == 0 {
            3 + rng.below(3)
        } else {
            4
        };
        let s: Vec<String> = (0..parts)
            .map(|_| match rng.below(10) {
                0 => format!("0{}", rng.below(100)),
                1 => (250 + rng.below(10)).to_string(),
                2 => String::new(),
                _ => rng.below(256).to_string(),
            })
            .collect();
        check_v4_text(&s.join("."));
    }
    // Every canonical address round-trips the same way in both.
    for _ in 0..5_000 {
        let a = (rng.next() as u32).to_be_bytes();
        check_v4_text(&format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]));
    }
}

fn check_v6_text(s: &str) {
    let (r, bytes, _) = glibc_pton(net::AF_INET6, s);
    let ours = inet::pton6(s.as_bytes());
    assert_eq!(ours.is_some(), r == 1, "inet_pton(AF_INET6, {s:?})");
    if let Some(a) = ours {
        assert_eq!(&a[..], &bytes[..], "inet_pton(AF_INET6, {s:?})");
        let theirs = glibc_ntop(net::AF_INET6, &a, 64).unwrap();
        assert_eq!(inet::ntop6(a).as_bytes(), &theirs[..], "inet_ntop of {s:?}");
    }
}

#[test]
fn v6_text_generated_and_edges() {
    let edges = [
        "",
        ":",
        "::",
        ":::",
        "::1",
        "1::",
        "1::2",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8::",
        "1::2::3",
        "::ffff:1.2.3.4",
        "::1.2.3.4",
        "1:2:3:4:5:6:1.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4",
        "::ffff:1.2.3",
        "12345::",
        "fffff::",
        "FFFF::",
        "::g",
        "1:2",
        ":1::",
        "1:",
        "::1.2.3.4:5",
        "::01.2.3.4",
        "fe80::1%1",
        "::ffff:256.1.1.1",
        "0:0:0:0:0:0:0:0",
        "0::0",
        "a:b:c:d:e:f:0:0",
        "1.2.3.4",
        "::1 ",
        " ::1",
        "0000:0000::",
        "00000::",
    ];
    for s in edges {
        check_v6_text(s);
    }
    let mut rng = Rng(2);
    for _ in 0..20_000 {
        let s = rng.v6();
        check_v6_text(&s);
    }
}

#[test]
fn ntop_generated_addresses() {
    let mut rng = Rng(3);
    for i in 0..20_000 {
        // Mostly zero words, so that the runs and the IPv4 forms come up.
        let mut a = [0u8; 16];
        for w in 0..8 {
            let v: u16 = match rng.below(4) {
                0 | 1 => 0,
                2 => rng.next() as u16,
                _ => [1, 0xffff, 0x100, 0xf][rng.below(4)],
            };
            a[2 * w..2 * w + 2].copy_from_slice(&v.to_be_bytes());
        }
        if i % 10 == 0 {
            a[..10].fill(0);
            a[10..12].copy_from_slice(if i % 20 == 0 { &[0xff, 0xff] } else { &[0, 0] });
        }
        let theirs = glibc_ntop(net::AF_INET6, &a, 64).unwrap();
        assert_eq!(inet::ntop6(a).as_bytes(), &theirs[..], "inet_ntop6 {a:?}");
        let v4 = [a[0], a[1], a[2], a[3]];
        let theirs = glibc_ntop(net::AF_INET, &v4, 64).unwrap();
        assert_eq!(inet::ntop4(v4).as_bytes(), &theirs[..]);
        // SAFETY: inet_ntoa takes the address by value and returns its
        // static buffer, NUL-terminated; it is copied at once.
        let ntoa = unsafe { CStr::from_ptr(c::inet_ntoa(u32::from_ne_bytes(v4))) };
        assert_eq!(inet::ntop4(v4).as_bytes(), ntoa.to_bytes());
    }
}

#[test]
fn ntop_buffer_sizes() {
    // glibc fails with ENOSPC when the text and its NUL do not fit.
    for a in [[255u8; 4], [1, 2, 3, 4], [0; 4]] {
        let len = inet::ntop4(a).as_bytes().len() as u32;
        assert!(glibc_ntop(net::AF_INET, &a, len + 1).is_some());
        assert!(glibc_ntop(net::AF_INET, &a, len).is_none());
    }
    let a = [0xffu8; 16];
    let len = inet::ntop6(a).as_bytes().len() as u32;
    assert_eq!(len as usize, net::INET6_ADDRSTRLEN - 7);
    assert!(glibc_ntop(net::AF_INET6, &a, len + 1).is_some());
    assert!(glibc_ntop(net::AF_INET6, &a, len).is_none());
    let mapped = inet::pton6(b"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").unwrap();
    assert_eq!(mapped, [0xff; 16]);
    let m = inet::pton6(b"::ffff:255.255.255.255").unwrap();
    assert_eq!(inet::ntop6(m).as_bytes().len() + 1, 23);
}

#[test]
fn unknown_family() {
    let (r, _, e) = glibc_pton(12345, "1.2.3.4");
    assert_eq!((r, e), (-1, ukc::errno::EAFNOSUPPORT));
}

#[test]
fn byte_order() {
    let mut rng = Rng(4);
    for _ in 0..10_000 {
        let v = rng.next();
        let (s, l) = (v as u16, v as u32);
        // SAFETY: the byte order functions take and return plain integers.
        unsafe {
            assert_eq!(net::htons(s), c::htons(s));
            assert_eq!(net::ntohs(s), c::ntohs(s));
            assert_eq!(net::htonl(l), c::htonl(l));
            assert_eq!(net::ntohl(l), c::ntohl(l));
        }
    }
}
