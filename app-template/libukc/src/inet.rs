//! Address text: `inet_pton`, `inet_ntop`, `inet_aton`, `inet_addr` and
//! `inet_ntoa` as glibc 2.36 does them (tests/inet_vs_glibc.rs compares
//! them on generated and edge-case inputs). Addresses are bytes in network
//! order; texts are byte slices without their NUL.

/// `inet_pton(AF_INET)`: exactly four dotted decimal parts of 0..=255,
/// no leading zeros, nothing else.
pub fn pton4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut octets = 0;
    let mut saw_digit = false;
    let mut cur: u32 = 0;
    for &c in s {
        match c {
            b'0'..=b'9' => {
                if saw_digit && cur == 0 {
                    return None; // a leading zero
                }
                cur = cur * 10 + u32::from(c - b'0');
                if cur > 255 {
                    return None;
                }
                if !saw_digit {
                    octets += 1;
                    if octets > 4 {
                        return None;
                    }
                    saw_digit = true;
                }
                out[octets - 1] = cur as u8;
            }
            b'.' if saw_digit => {
                if octets == 4 {
                    return None;
                }
                saw_digit = false;
                cur = 0;
            }
            _ => return None,
        }
    }
    (octets == 4).then_some(out)
}

fn hex_value(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

/// `inet_pton(AF_INET6)`: up to eight groups of 1 to 4 hex digits, one
/// `::` for a run of zero groups, and optionally a dotted IPv4 address as
/// the last 32 bits.
pub fn pton6(s: &[u8]) -> Option<[u8; 16]> {
    let mut tmp = [0u8; 16];
    let mut tp = 0usize;
    let mut colonp: Option<usize> = None;
    let mut i = 0;
    if s.is_empty() {
        return None;
    }
    if s[0] == b':' {
        i = 1;
        if s.len() == 1 || s[1] != b':' {
            return None;
        }
    }
    let mut curtok = i;
    let mut xdigits = 0;
    let mut val: u32 = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if let Some(d) = hex_value(c) {
            if xdigits == 4 {
                return None;
            }
            val = (val << 4) | d;
            xdigits += 1;
            continue;
        }
        if c == b':' {
            curtok = i;
            if xdigits == 0 {
                if colonp.is_some() {
                    return None;
                }
                colonp = Some(tp);
                continue;
            } else if i == s.len() {
                return None;
            }
            if tp + 2 > 16 {
                return None;
            }
            tmp[tp] = (val >> 8) as u8;
            tmp[tp + 1] = val as u8;
            tp += 2;
            xdigits = 0;
            val = 0;
            continue;
        }
        if c == b'.' && tp + 4 <= 16 {
            if let Some(v4) = pton4(&s[curtok..]) {
                tmp[tp..tp + 4].copy_from_slice(&v4);
                tp += 4;
                xdigits = 0;
                break;
            }
        }
        return None;
    }
    if xdigits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        tmp[tp] = (val >> 8) as u8;
        tmp[tp + 1] = val as u8;
        tp += 2;
    }
    if let Some(cp) = colonp {
        if tp == 16 {
            return None; // `::` would stand for no group at all
        }
        let n = tp - cp;
        tmp.copy_within(cp..tp, 16 - n);
        tmp[cp..16 - n].fill(0);
        tp = 16;
    }
    (tp == 16).then_some(tmp)
}

/// A small text buffer for the formatters.
pub struct Text<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    fn new() -> Self {
        Text {
            buf: [0; N],
            len: 0,
        }
    }
    fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    fn push_dec(&mut self, v: u8) {
        if v >= 100 {
            self.push(b'0' + v / 100);
        }
        if v >= 10 {
            self.push(b'0' + v / 10 % 10);
        }
        self.push(b'0' + v % 10);
    }
    fn push_hex(&mut self, v: u16) {
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let d = (v >> shift) & 0xf;
            if d != 0 || started || shift == 0 {
                self.push(b"0123456789abcdef"[d as usize]);
                started = true;
            }
        }
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// `inet_ntop(AF_INET)`, `inet_ntoa`: `a.b.c.d` in decimal.
pub fn ntop4(a: [u8; 4]) -> Text<16> {
    let mut t = Text::new();
    for (i, &b) in a.iter().enumerate() {
        if i > 0 {
            t.push(b'.');
        }
        t.push_dec(b);
    }
    t
}

/// `inet_ntop(AF_INET6)`: lower-case groups without leading zeros, the
/// first longest run of two or more zero groups as `::`, and the IPv4
/// forms `::a.b.c.d` and `::ffff:a.b.c.d` (as glibc writes them).
pub fn ntop6(a: [u8; 16]) -> Text<46> {
    let words: [u16; 8] = core::array::from_fn(|i| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]));
    // The best run of zero words: (base, len).
    let mut best: Option<(usize, usize)> = None;
    let mut cur: Option<(usize, usize)> = None;
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            cur = Some(match cur {
                None => (i, 1),
                Some((b, l)) => (b, l + 1),
            });
        } else if let Some(c) = cur.take() {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
    }
    if let Some(c) = cur {
        if best.is_none_or(|b| c.1 > b.1) {
            best = Some(c);
        }
    }
    let best = best.filter(|b| b.1 >= 2);
    let mut t = Text::new();
    let mut i = 0;
    while i < 8 {
        if let Some((base, len)) = best {
            if i >= base && i < base + len {
                if i == base {
                    t.push(b':');
                }
                i += 1;
                continue;
            }
        }
        if i != 0 {
            t.push(b':');
        }
        if i == 6 {
            if let Some((0, len)) = best {
                if len == 6 || (len == 5 && words[5] == 0xffff) {
                    for (k, &b) in a[12..].iter().enumerate() {
                        if k > 0 {
                            t.push(b'.');
                        }
                        t.push_dec(b);
                    }
                    return t;
                }
            }
        }
        t.push_hex(words[i]);
        i += 1;
    }
    if let Some((base, len)) = best {
        if base + len == 8 {
            t.push(b':');
        }
    }
    t
}

/// glibc's `inet_aton` parser (numbers-and-dots): one to four parts, each
/// decimal, octal (leading 0) or hex (0x); with fewer than four parts the
/// last fills the remaining bytes (`a.b.c` takes c as 16 bits, `a.b` b as
/// 24, `a` as 32). Returns the address in network order and how many bytes
/// it used: the text may go on after a whitespace character, which
/// `inet_aton` and `inet_addr` ignore and getaddrinfo refuses.
pub fn aton(s: &[u8]) -> Option<([u8; 4], usize)> {
    const MAX: [u64; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut parts = [0u8; 4];
    let mut n = 0;
    let mut i = 0;
    let val;
    loop {
        if !at(i).is_ascii_digit() {
            return None;
        }
        let (v, end) = strtoul_c(s, i)?;
        i = end;
        if at(i) == b'.' {
            if n > 2 || v > 0xff {
                return None;
            }
            parts[n] = v as u8;
            n += 1;
            i += 1;
        } else {
            val = v;
            break;
        }
    }
    let c = at(i);
    if c != 0 && !(c.is_ascii() && crate::ctype::isspace(c.into()) != 0) {
        return None;
    }
    if val > MAX[n] {
        return None;
    }
    let word = u32::from_be_bytes(parts) | val as u32;
    Some((word.to_be_bytes(), i))
}

/// `strtoul(s + i, &end, 0)` for a text that starts with a digit: the value
/// and the end, `None` on overflow past `unsigned long`.
fn strtoul_c(s: &[u8], mut i: usize) -> Option<(u64, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut base = 10;
    if at(i) == b'0' {
        if (at(i + 1) | 0x20) == b'x' && at(i + 2).is_ascii_hexdigit() {
            base = 16;
            i += 2;
        } else {
            base = 8;
        }
    }
    let mut v: u64 = 0;
    let mut overflow = false;
    while let Some(d) = (at(i) as char).to_digit(base) {
        match v
            .checked_mul(base as u64)
            .and_then(|v| v.checked_add(d as u64))
        {
            Some(n) => v = n,
            None => overflow = true,
        }
        i += 1;
    }
    (!overflow).then_some((v, i))
}

/// `inet_aton` with the whole text used (getaddrinfo's `inet_aton_exact`).
pub fn aton_exact(s: &[u8]) -> Option<[u8; 4]> {
    aton(s).filter(|&(_, end)| end == s.len()).map(|(a, _)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples() {
        assert_eq!(pton4(b"127.0.0.1"), Some([127, 0, 0, 1]));
        assert_eq!(pton4(b"01.0.0.1"), None);
        assert_eq!(pton4(b"1.2.3"), None);
        assert_eq!(ntop4([10, 0, 200, 3]).as_bytes(), b"10.0.200.3");
        assert_eq!(ntop6(pton6(b"::1").unwrap()).as_bytes(), b"::1");
        assert_eq!(ntop6([0; 16]).as_bytes(), b"::");
        assert_eq!(
            ntop6(pton6(b"::ffff:1.2.3.4").unwrap()).as_bytes(),
            b"::ffff:1.2.3.4"
        );
        assert_eq!(aton(b"127.1").map(|a| a.0), Some([127, 0, 0, 1]));
        assert_eq!(aton(b"0x7f.1 junk").map(|a| a.0), Some([127, 0, 0, 1]));
        assert_eq!(aton_exact(b"0x7f.1 junk"), None);
        assert_eq!(aton(b"08"), None);
    }
}
