//! The number conversions of stdlib.h: strtol and friends, strtod and
//! strtof, and the ato* shorthands, with glibc's C-locale semantics.
//!
//! Instead of setting errno they return the errno value to set (`ERANGE`
//! or `EINVAL`) next to the result; `None` means leave errno alone. The C
//! ABI layer sets errno. `end` may be NULL; otherwise `*end` receives the
//! end of the parsed text as in C (except after an invalid base, where glibc
//! leaves it untouched, and so do we).
//!
//! strtod and strtof are correctly rounded (round to nearest, ties to
//! even). Decimal digits are converted by core's `str::parse`, which is
//! correctly rounded, on a normalised copy of the number; hexadecimal ones
//! are rounded here. Like glibc, ERANGE is reported on overflow (the result
//! is ±HUGE_VAL) and on underflow, that is when the result is inexact and
//! tiny, where tininess is judged after rounding as on x86: the value,
//! rounded to the format's precision with an unbounded exponent, is below
//! the smallest normal number.
use crate::ctype::is_space;
use crate::errno::{EINVAL, ERANGE};
use core::cmp::Ordering;

/// Reads the byte at `p + i`.
///
/// # Safety
/// The byte must be readable.
#[inline(always)]
unsafe fn at(p: *const u8, i: usize) -> u8 {
    // SAFETY: the caller promises byte `p + i` is readable, so the offset
    // stays inside that allocation and the read is valid.
    unsafe { *p.add(i) }
}

/// Stores `p` in `*end` unless `end` is NULL.
///
/// # Safety
/// `end` must be NULL or valid for a write.
#[inline(always)]
unsafe fn set_end(end: *mut *mut u8, p: *const u8) {
    if !end.is_null() {
        // SAFETY: `end` is not NULL here, so the caller's contract makes it
        // valid and aligned for a write.
        unsafe { *end = p as *mut u8 };
    }
}

/// The value of an alphanumeric digit (0..=35), or 36 for anything else.
#[inline]
fn digit_value(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => (b - b'0') as u32,
        b'a'..=b'z' => (b - b'a') as u32 + 10,
        b'A'..=b'Z' => (b - b'A') as u32 + 10,
        _ => 36,
    }
}

/// What the integer parsers have in common.
struct ParsedInt {
    negative: bool,
    /// The magnitude, when it fits in 64 bits.
    magnitude: Option<u64>,
    /// Where parsing stopped (the start of the string when nothing was
    /// converted).
    end: *const u8,
}

/// Parses `[space][sign][prefix]digits` as glibc's strtol family does;
/// `None` for an invalid base.
///
/// # Safety
/// `s` must be NUL-terminated.
unsafe fn parse_int(s: *const u8, base: i32) -> Option<ParsedInt> {
    if base < 0 || base == 1 || base > 36 {
        return None;
    }
    let mut base = base as u32;
    // SAFETY: the caller passes a NUL-terminated `s`, and every byte read
    // is at or before its NUL: `i` moves only past bytes checked not to be
    // NUL (space, sign, the "0x" prefix, digits), byte `i + 1` is read only
    // after byte `i` was '0', the look-back reads bytes before `start`, and
    // `s + start - 1` and `s + i` point into the string.
    unsafe {
        let mut i = 0;
        while is_space(at(s, i)) {
            i += 1;
        }
        let mut negative = false;
        if at(s, i) == b'-' {
            negative = true;
            i += 1;
        } else if at(s, i) == b'+' {
            i += 1;
        }
        if (base == 0 || base == 16) && at(s, i) == b'0' && at(s, i + 1) | 0x20 == b'x' {
            i += 2;
            base = 16;
        } else if base == 0 {
            base = if at(s, i) == b'0' { 8 } else { 10 };
        }
        let start = i;
        let mut magnitude = Some(0u64);
        loop {
            let d = digit_value(at(s, i));
            if d >= base {
                break;
            }
            magnitude = magnitude.and_then(|m| m.checked_mul(base as u64)?.checked_add(d as u64));
            i += 1;
        }
        if i == start {
            // Nothing converted. After a "0x" prefix without hex digits the
            // "0" was a number: the end is at the "x".
            let end = if start >= 2 && at(s, start - 1) | 0x20 == b'x' && at(s, start - 2) == b'0' {
                s.add(start - 1)
            } else {
                s
            };
            return Some(ParsedInt {
                negative: false,
                magnitude: Some(0),
                end,
            });
        }
        Some(ParsedInt {
            negative,
            magnitude,
            end: s.add(i),
        })
    }
}

/// `strtol`: `long` is 64-bit. Out of range: `LONG_MAX`/`LONG_MIN` and
/// ERANGE; invalid base: 0 and EINVAL; nothing converted: 0 and `*end = s`.
///
/// # Safety
/// `s` must be NUL-terminated; `end` NULL or valid for a write.
pub unsafe fn strtol(s: *const u8, end: *mut *mut u8, base: i32) -> (i64, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s`, which is what
    // parse_int requires.
    let Some(p) = (unsafe { parse_int(s, base) }) else {
        return (0, Some(EINVAL));
    };
    // SAFETY: the caller passes an `end` that is NULL or valid for a write,
    // which is what set_end requires.
    unsafe { set_end(end, p.end) };
    match (p.negative, p.magnitude) {
        (false, Some(m)) if m <= i64::MAX as u64 => (m as i64, None),
        (true, Some(m)) if m <= 1 << 63 => ((m as i64).wrapping_neg(), None),
        (false, _) => (i64::MAX, Some(ERANGE)),
        (true, _) => (i64::MIN, Some(ERANGE)),
    }
}

/// `strtoll`: the same as [`strtol`] (both types are 64-bit).
///
/// # Safety
/// `s` must be NUL-terminated; `end` NULL or valid for a write.
pub unsafe fn strtoll(s: *const u8, end: *mut *mut u8, base: i32) -> (i64, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s` and an `end` that is
    // NULL or writable, which is what strtol requires.
    unsafe { strtol(s, end, base) }
}

/// `strtoul`: a minus sign negates the value modulo 2^64 (`"-1"` gives
/// `ULONG_MAX`); a magnitude over `ULONG_MAX` gives `ULONG_MAX` and ERANGE,
/// whatever the sign.
///
/// # Safety
/// `s` must be NUL-terminated; `end` NULL or valid for a write.
pub unsafe fn strtoul(s: *const u8, end: *mut *mut u8, base: i32) -> (u64, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s`, which is what
    // parse_int requires.
    let Some(p) = (unsafe { parse_int(s, base) }) else {
        return (0, Some(EINVAL));
    };
    // SAFETY: the caller passes an `end` that is NULL or valid for a write,
    // which is what set_end requires.
    unsafe { set_end(end, p.end) };
    match p.magnitude {
        Some(m) if p.negative => (m.wrapping_neg(), None),
        Some(m) => (m, None),
        None => (u64::MAX, Some(ERANGE)),
    }
}

/// `strtoull`: the same as [`strtoul`].
///
/// # Safety
/// `s` must be NUL-terminated; `end` NULL or valid for a write.
pub unsafe fn strtoull(s: *const u8, end: *mut *mut u8, base: i32) -> (u64, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s` and an `end` that is
    // NULL or writable, which is what strtoul requires.
    unsafe { strtoul(s, end, base) }
}

/// `atoi`: `(int)strtol(s, NULL, 10)` as in glibc, truncation and ERANGE
/// included.
///
/// # Safety
/// `s` must be NUL-terminated.
pub unsafe fn atoi(s: *const u8) -> (i32, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s`, and a NULL `end` is
    // allowed, which is what strtol requires.
    let (v, e) = unsafe { strtol(s, core::ptr::null_mut(), 10) };
    (v as i32, e)
}

/// `atol`: `strtol(s, NULL, 10)`.
///
/// # Safety
/// `s` must be NUL-terminated.
pub unsafe fn atol(s: *const u8) -> (i64, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s`, and a NULL `end` is
    // allowed, which is what strtol requires.
    unsafe { strtol(s, core::ptr::null_mut(), 10) }
}

/// `atoll`: `strtoll(s, NULL, 10)`.
///
/// # Safety
/// `s` must be NUL-terminated.
pub unsafe fn atoll(s: *const u8) -> (i64, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s`, and a NULL `end` is
    // allowed, which is what strtol requires.
    unsafe { strtol(s, core::ptr::null_mut(), 10) }
}

/// `strtod`: decimal (`1.5e-3`) and hexadecimal (`0x1.8p3`) numbers,
/// `inf`/`infinity`/`nan`/`nan(chars)` in any case, after optional space
/// and sign.
///
/// # Safety
/// `s` must be NUL-terminated; `end` NULL or valid for a write.
pub unsafe fn strtod(s: *const u8, end: *mut *mut u8) -> (f64, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s` and an `end` that is
    // NULL or writable, which is what strto_bits requires.
    let (bits, e) = unsafe { strto_bits::<f64>(s, end) };
    (f64::from_bits(bits), e)
}

/// `strtof`: as [`strtod`], rounded once, directly to `float`.
///
/// # Safety
/// `s` must be NUL-terminated; `end` NULL or valid for a write.
pub unsafe fn strtof(s: *const u8, end: *mut *mut u8) -> (f32, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s` and an `end` that is
    // NULL or writable, which is what strto_bits requires.
    let (bits, e) = unsafe { strto_bits::<f32>(s, end) };
    (f32::from_bits(bits as u32), e)
}

/// `atof`: `strtod(s, NULL)`.
///
/// # Safety
/// `s` must be NUL-terminated.
pub unsafe fn atof(s: *const u8) -> (f64, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s`, and a NULL `end` is
    // allowed, which is what strtod requires.
    unsafe { strtod(s, core::ptr::null_mut()) }
}

/// A binary floating-point format.
trait Format {
    /// Stored mantissa bits (52 for double).
    const MANT: i64;
    /// The exponent of the smallest normal number (-1022).
    const EMIN: i64;
    /// The exponent of the largest finite number (1023).
    const EMAX: i64;
    /// Width in bits (64).
    const WIDTH: u32;
    /// Parses a positive decimal in Rust's syntax, correctly rounded, and
    /// returns its bits.
    fn parse_bits(s: &str) -> u64;
}

impl Format for f64 {
    const MANT: i64 = 52;
    const EMIN: i64 = -1022;
    const EMAX: i64 = 1023;
    const WIDTH: u32 = 64;
    fn parse_bits(s: &str) -> u64 {
        s.parse::<f64>().unwrap_or(0.0).to_bits()
    }
}

impl Format for f32 {
    const MANT: i64 = 23;
    const EMIN: i64 = -126;
    const EMAX: i64 = 127;
    const WIDTH: u32 = 32;
    fn parse_bits(s: &str) -> u64 {
        s.parse::<f32>().unwrap_or(0.0).to_bits() as u64
    }
}

const fn sign_bit<F: Format>() -> u64 {
    1 << (F::WIDTH - 1)
}

/// The bits of +infinity.
const fn inf_bits<F: Format>() -> u64 {
    (sign_bit::<F>() - 1) & !((1 << F::MANT) - 1)
}

/// The bits of the smallest positive normal number.
const fn min_normal_bits<F: Format>() -> u64 {
    1 << F::MANT
}

/// How many significant decimal digits are passed on; any further nonzero
/// digits are replaced by one sticky `1`. The exact decimal expansion of
/// every value that matters for rounding (halfway points between doubles,
/// subnormals, the tininess threshold) has fewer significant digits than
/// this, so the number with the sticky digit lies strictly on the same side
/// of each of them as the full one.
const KEEP_DIGITS: usize = 800;

/// The core of strtod and strtof: the result's bits and errno.
///
/// # Safety
/// `s` must be NUL-terminated; `end` NULL or valid for a write.
unsafe fn strto_bits<F: Format>(s: *const u8, end: *mut *mut u8) -> (u64, Option<i32>) {
    // SAFETY: the caller passes a NUL-terminated `s` and an `end` that is
    // NULL or writable. Every byte read is at or before the NUL: `i` moves
    // only past bytes checked not to be NUL (space, sign), and byte `i + 1`
    // is read only after byte `i` was '0'. The parsers get `s + i` or, after
    // "0x", `s + i + 2`, both at or before the NUL, so NUL-terminated
    // strings; the lengths they return count bytes they parsed, so
    // `s + i + len` is inside the string too.
    unsafe {
        let mut i = 0;
        while is_space(at(s, i)) {
            i += 1;
        }
        let mut sign = 0;
        if at(s, i) == b'-' {
            sign = sign_bit::<F>();
            i += 1;
        } else if at(s, i) == b'+' {
            i += 1;
        }
        let (bits, errno, len) = if at(s, i) == b'0' && at(s, i + 1) | 0x20 == b'x' {
            parse_hex::<F>(s.add(i + 2))
                .map(|(bits, errno, len)| (bits, errno, len + 2))
                // "0x" without hex digits: zero, from the "0".
                .unwrap_or((0, None, 1))
        } else if let Some(r) = parse_decimal::<F>(s.add(i)) {
            r
        } else if let Some(r) = parse_special::<F>(s.add(i)) {
            r
        } else {
            set_end(end, s);
            return (0, None);
        };
        set_end(end, s.add(i + len));
        (bits | sign, errno)
    }
}

/// Whether the bytes at `p` start with `word` (lowercase letters only), in
/// any case.
///
/// # Safety
/// `p` must be NUL-terminated.
unsafe fn starts_with_nocase(p: *const u8, word: &[u8]) -> bool {
    word.iter().enumerate().all(|(k, &w)| {
        // SAFETY: `all` stops at the first mismatch, and a NUL is one (its
        // `| 0x20` is a space, and `word` holds lowercase letters only), so
        // byte k is read only when bytes 0..k of the NUL-terminated `p`
        // were not NUL: it is at or before the NUL.
        let b = unsafe { at(p, k) };
        b | 0x20 == w
    })
}

/// `inf`, `infinity`, `nan` or `nan(chars)` at `p`: bits, errno, length.
///
/// # Safety
/// `p` must be NUL-terminated.
unsafe fn parse_special<F: Format>(p: *const u8) -> Option<(u64, Option<i32>, usize)> {
    // SAFETY: the caller passes a NUL-terminated `p`. starts_with_nocase
    // gets `p` or, after "inf" matched, `p + 3`, both at or before the NUL;
    // byte 3 is read after "nan" matched; `k` moves only past bytes that
    // are alphanumeric or '_', not NUL; parse_int gets `p + 4`, just after
    // the '(' at byte 3, and `p + k` is a byte already read: every pointer
    // and read stays at or before the NUL.
    unsafe {
        if starts_with_nocase(p, b"inf") {
            let len = if starts_with_nocase(p.add(3), b"inity") {
                8
            } else {
                3
            };
            return Some((inf_bits::<F>(), None, len));
        }
        if !starts_with_nocase(p, b"nan") {
            return None;
        }
        let quiet = inf_bits::<F>() | 1 << (F::MANT - 1);
        if at(p, 3) != b'(' {
            return Some((quiet, None, 3));
        }
        let mut k = 4;
        while at(p, k).is_ascii_alphanumeric() || at(p, k) == b'_' {
            k += 1;
        }
        if at(p, k) != b')' {
            return Some((quiet, None, 3));
        }
        // As glibc: when the characters are all one number (strtoull with
        // base 0), it goes into the mantissa below the quiet bit.
        let mut bits = quiet;
        let mut errno = None;
        if let Some(n) = parse_int(p.add(4), 0) {
            if n.end == p.add(k) {
                let payload = match n.magnitude {
                    Some(m) if n.negative => m.wrapping_neg(),
                    Some(m) => m,
                    None => {
                        errno = Some(ERANGE);
                        u64::MAX
                    }
                };
                bits |= payload & ((1 << (F::MANT - 1)) - 1);
            }
        }
        Some((bits, errno, k + 1))
    }
}

/// A decimal number at `p`: bits, errno, length; `None` without digits.
///
/// # Safety
/// `p` must be NUL-terminated.
unsafe fn parse_decimal<F: Format>(p: *const u8) -> Option<(u64, Option<i32>, usize)> {
    // The significant digits (from the first nonzero one), with the sticky
    // digit when more were nonzero.
    let mut digits = [0u8; KEEP_DIGITS + 1];
    let mut count = 0usize;
    let mut sticky = false;
    // The decimal exponent of the first significant digit, before the
    // explicit exponent is added.
    let mut lead_exp: i64 = 0;
    let mut seen_digit = false;
    let mut i = 0;
    // SAFETY: the caller passes a NUL-terminated `p`, and every byte read
    // is at or before its NUL: `i` and `k` move only past bytes checked to
    // be digits, '.', 'e'/'E' or a sign, none of them NUL.
    unsafe {
        let mut after_point = false;
        loop {
            let b = at(p, i);
            if b.is_ascii_digit() {
                seen_digit = true;
                if count == 0 && b == b'0' {
                    if after_point {
                        lead_exp -= 1;
                    }
                } else {
                    if count < KEEP_DIGITS {
                        digits[count] = b;
                        count += 1;
                    } else if b != b'0' {
                        sticky = true;
                    }
                    if !after_point {
                        lead_exp = lead_exp.saturating_add(1);
                    }
                }
            } else if b == b'.' && !after_point {
                after_point = true;
            } else {
                break;
            }
            i += 1;
        }
        if !seen_digit {
            return None;
        }
        // An exponent counts only with at least one digit.
        let mut exp: i64 = 0;
        if at(p, i) | 0x20 == b'e' {
            let mut k = i + 1;
            let negative = at(p, k) == b'-';
            if negative || at(p, k) == b'+' {
                k += 1;
            }
            if at(p, k).is_ascii_digit() {
                while at(p, k).is_ascii_digit() {
                    // Far beyond any meaningful exponent; just stay there.
                    exp = (exp * 10 + (at(p, k) - b'0') as i64).min(1 << 40);
                    k += 1;
                }
                if negative {
                    exp = -exp;
                }
                i = k;
            }
        }
        if count == 0 {
            return Some((0, None, i));
        }
        if sticky {
            digits[count] = b'1';
            count += 1;
        }
        // The number is 0.d1d2d3... * 10^point.
        let point = (lead_exp + exp).clamp(-5000, 5000);
        let (bits, errno) = decimal_to_bits::<F>(&digits[..count], point);
        Some((bits, errno, i))
    }
}

/// Converts `0.digits * 10^point` (ASCII digits, the first nonzero,
/// |point| <= 5000) to `F`, with ERANGE as glibc sets it.
fn decimal_to_bits<F: Format>(digits: &[u8], point: i64) -> (u64, Option<i32>) {
    // "d.ddd...e<exp>": the digits, a point, "e", sign and four digits.
    let mut buf = [0u8; KEEP_DIGITS + 1 + 8];
    buf[0] = digits[0];
    buf[1] = b'.';
    buf[2..digits.len() + 1].copy_from_slice(&digits[1..]);
    let mut len = digits.len() + 1;
    buf[len] = b'e';
    len += 1;
    let e = point - 1;
    if e < 0 {
        buf[len] = b'-';
        len += 1;
    }
    let e = e.unsigned_abs();
    for div in [1000, 100, 10, 1] {
        buf[len] = b'0' + (e / div % 10) as u8;
        len += 1;
    }
    let bits = match core::str::from_utf8(&buf[..len]) {
        Ok(text) => F::parse_bits(text),
        Err(_) => 0,
    };
    let errno = if bits == inf_bits::<F>() || bits == 0 {
        // Overflow, or a nonzero number that became 0.
        Some(ERANGE)
    } else if bits < min_normal_bits::<F>() {
        // Subnormal: tiny; an error when inexact. The result is
        // bits * 2^(EMIN - MANT) = 4 * bits * 2^-scale.
        (compare_decimal::<F>(digits, point, 4 * bits) != Ordering::Equal).then_some(ERANGE)
    } else if bits == min_normal_bits::<F>() {
        // Rounded up to the smallest normal: tiny (and inexact) when below
        // the point halfway between it and the largest number with one more
        // bit of precision below it, (2^(MANT+2) - 1) * 2^-scale.
        let threshold = (1u64 << (F::MANT + 2)) - 1;
        (compare_decimal::<F>(digits, point, threshold) == Ordering::Less).then_some(ERANGE)
    } else {
        None
    };
    (bits, errno)
}

/// Compares `0.digits * 10^point` with `c * 2^-scale`, where `scale` is
/// `MANT - EMIN + 2` (1076 for double), exactly. Only called for numbers
/// near the subnormal range (`point` about -307 or less for double).
fn compare_decimal<F: Format>(digits: &[u8], point: i64, c: u64) -> Ordering {
    let scale = F::MANT - F::EMIN + 2;
    // 0.digits * 10^point = D * 10^-f with D the digits as an integer.
    let f = digits.len() as i64 - point;
    if f <= 0 {
        // An integer >= 1; never the case for the callers.
        return Ordering::Greater;
    }
    // D * 10^-f vs c * 2^-scale  <=>  D * 2^scale vs c * 5^f * 2^f.
    let mut left = Big::from_digits(digits);
    let mut right = Big::from_u64(c);
    right.mul_pow5(f as u32);
    if scale >= f {
        left.shl((scale - f) as u32);
    } else {
        right.shl((f - scale) as u32);
    }
    left.cmp(&right)
}

/// A small fixed-size unsigned big integer, for exact comparisons.
struct Big {
    /// Little-endian 64-bit limbs; `len` of them in use.
    limbs: [u64; Big::LIMBS],
    len: usize,
}

impl Big {
    /// 4096 bits: the comparisons above need fewer than 3000.
    const LIMBS: usize = 64;

    fn from_u64(v: u64) -> Big {
        let mut b = Big {
            limbs: [0; Big::LIMBS],
            len: 1,
        };
        b.limbs[0] = v;
        b
    }

    fn from_digits(digits: &[u8]) -> Big {
        let mut b = Big::from_u64(0);
        for chunk in digits.chunks(19) {
            let mut v = 0u64;
            for &d in chunk {
                v = v * 10 + (d - b'0') as u64;
            }
            b.mul_add(10u64.pow(chunk.len() as u32), v);
        }
        b
    }

    /// self = self * m + a.
    fn mul_add(&mut self, m: u64, a: u64) {
        let mut carry = a as u128;
        for limb in &mut self.limbs[..self.len] {
            let v = *limb as u128 * m as u128 + carry;
            *limb = v as u64;
            carry = v >> 64;
        }
        if carry != 0 && self.len < Big::LIMBS {
            self.limbs[self.len] = carry as u64;
            self.len += 1;
        }
    }

    fn mul_pow5(&mut self, mut n: u32) {
        // 5^27 is the largest power of 5 below 2^64.
        while n >= 27 {
            self.mul_add(5u64.pow(27), 0);
            n -= 27;
        }
        self.mul_add(5u64.pow(n), 0);
    }

    fn shl(&mut self, bits: u32) {
        let words = (bits / 64) as usize;
        let bits = bits % 64;
        let new_len = (self.len + words + 1).min(Big::LIMBS);
        for k in (0..new_len).rev() {
            let hi = k
                .checked_sub(words)
                .map_or(0, |j| if j < self.len { self.limbs[j] } else { 0 });
            let lo =
                k.checked_sub(words + 1)
                    .map_or(0, |j| if j < self.len { self.limbs[j] } else { 0 });
            self.limbs[k] = if bits == 0 {
                hi
            } else {
                hi << bits | lo >> (64 - bits)
            };
        }
        self.len = new_len;
    }

    fn cmp(&self, other: &Big) -> Ordering {
        let n = self.len.max(other.len);
        for k in (0..n).rev() {
            let a = if k < self.len { self.limbs[k] } else { 0 };
            let b = if k < other.len { other.limbs[k] } else { 0 };
            if a != b {
                return a.cmp(&b);
            }
        }
        Ordering::Equal
    }
}

/// Rounds `mant * 2^-shift` (plus less than one unit of `mant` when
/// `sticky`) to an integer, to nearest, ties to even. Returns it and
/// whether it is inexact.
fn round_shift(mant: u64, sticky: bool, shift: i64) -> (u64, bool) {
    if shift <= 0 {
        // Exact (callers keep `sticky` false here: see parse_hex).
        return (mant << -shift, sticky);
    }
    if shift > 64 {
        return (0, mant != 0 || sticky);
    }
    let shift = shift as u32;
    let kept = mant.checked_shr(shift).unwrap_or(0);
    let half = mant >> (shift - 1) & 1 == 1;
    let rest = mant & ((1u64 << (shift - 1)) - 1) != 0 || sticky;
    let up = half && (rest || kept & 1 == 1);
    (kept + up as u64, half || rest)
}

/// The hex digits of a hexadecimal float after its "0x": bits, errno and
/// length; `None` without hex digits.
///
/// # Safety
/// `p` must be NUL-terminated.
unsafe fn parse_hex<F: Format>(p: *const u8) -> Option<(u64, Option<i32>, usize)> {
    // The value is mant * 2^e2, plus less than one unit of mant when
    // sticky. Up to 16 significant digits are kept, so with dropped
    // digits `mant` has at least 61 significant bits and the bit that
    // decides rounding is in it.
    let mut mant = 0u64;
    let mut kept = 0;
    let mut sticky = false;
    let mut e2: i64 = 0;
    let mut seen_digit = false;
    let mut after_point = false;
    let mut i = 0;
    // SAFETY: the caller passes a NUL-terminated `p`, and every byte read
    // is at or before its NUL: `i` and `k` move only past bytes checked to
    // be hex digits, '.', 'p'/'P', a sign or decimal digits, none of them
    // NUL.
    unsafe {
        loop {
            let b = at(p, i);
            if b.is_ascii_hexdigit() {
                seen_digit = true;
                let d = digit_value(b) as u64;
                if kept == 0 && d == 0 {
                    if after_point {
                        e2 -= 4;
                    }
                } else if kept < 16 {
                    mant = mant << 4 | d;
                    kept += 1;
                    if after_point {
                        e2 -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !after_point {
                        e2 = e2.saturating_add(4);
                    }
                }
            } else if b == b'.' && !after_point {
                after_point = true;
            } else {
                break;
            }
            i += 1;
        }
        if !seen_digit {
            return None;
        }
        if at(p, i) | 0x20 == b'p' {
            let mut k = i + 1;
            let negative = at(p, k) == b'-';
            if negative || at(p, k) == b'+' {
                k += 1;
            }
            if at(p, k).is_ascii_digit() {
                let mut exp: i64 = 0;
                while at(p, k).is_ascii_digit() {
                    exp = (exp * 10 + (at(p, k) - b'0') as i64).min(1 << 40);
                    k += 1;
                }
                e2 = e2.saturating_add(if negative { -exp } else { exp });
                i = k;
            }
        }
    }
    if mant == 0 {
        return Some((0, None, i));
    }
    let (bits, errno) = hex_to_bits::<F>(mant, sticky, e2);
    Some((bits, errno, i))
}

/// Rounds `mant * 2^e2` (+ sticky) to `F`: bits and errno.
fn hex_to_bits<F: Format>(mant: u64, sticky: bool, e2: i64) -> (u64, Option<i32>) {
    let precision = F::MANT + 1;
    // The value is in [2^top, 2^(top + 1)).
    let top = e2.saturating_add(63 - mant.leading_zeros() as i64);
    if top > F::EMAX {
        return (inf_bits::<F>(), Some(ERANGE));
    }
    if top < F::EMIN - precision - 1 {
        // Below half the smallest subnormal.
        return (0, Some(ERANGE));
    }
    // The weight of the result's last bit.
    let lsb = (top - F::MANT).max(F::EMIN - F::MANT);
    let (mut m, inexact) = round_shift(mant, sticky, lsb - e2);
    let mut lsb = lsb;
    if m == 1 << precision {
        // Rounding carried into a new top bit.
        m >>= 1;
        lsb += 1;
    }
    let bits = if m >> F::MANT == 0 {
        // Subnormal (or zero): the exponent field is 0.
        m
    } else {
        let biased = lsb + F::MANT - F::EMIN + 1;
        if biased >= (1 << (F::WIDTH as i64 - 1 - F::MANT)) - 1 {
            return (inf_bits::<F>(), Some(ERANGE));
        }
        (biased as u64) << F::MANT | (m & ((1 << F::MANT) - 1))
    };
    // Tiny after rounding: below the smallest normal even when rounded to
    // full precision with an unbounded exponent.
    let tiny = top < F::EMIN - 1
        || (top == F::EMIN - 1
            && round_shift(mant, sticky, top - F::MANT - e2).0 != 1 << precision);
    let errno = (tiny && inexact).then_some(ERANGE);
    (bits, errno)
}
