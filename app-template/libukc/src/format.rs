//! The printf formatting engine: what glibc's printf family prints (C
//! locale), byte for byte, without heap and without `core::fmt`.
//!
//! Supported: flags `- + space # 0` (and `'` and `I`, which change nothing
//! in the C locale), width and precision (digits or `*`; a negative `*` width
//! means `-`, a negative `*` precision means none), length modifiers
//! `hh h l ll q L j z Z t`, and the conversions `d i u o x X b B c s p n % e E
//! f F g G a A` plus `C`/`S` and `%lc`/`%ls` for ASCII wide characters.
//!
//! Floating-point output is exact: the engine expands the binary value into
//! all of its decimal digits (at most 767 significant ones) with a small
//! fixed-size big integer and rounds that string, ties to even, exactly like
//! glibc in the default rounding mode. It needs about 3 KB of stack (the
//! digit buffer and the big integer) and no heap; `%f` of huge values and
//! long precisions are streamed, not buffered.
//!
//! glibc quirks that are matched: `"(null)"` for a NULL `%s` only without a
//! precision or with one >= 6 (else nothing); `"(nil)"` for a NULL `%p`
//! (width and `-` only); `+`/space honoured by `%p`; `%#g` printing `1.e+02`
//! for 99.5 with precision 2 (it picks the style before rounding); `%b`/`%B`.
//!
//! Where this differs from glibc, on purpose:
//! * `%n` consumes its pointer argument and writes nothing (safety).
//! * Long double (`%Lf`, `%llf`, `%qf`, ... for `e f g a`), `%m`, `%lls`,
//!   `%Ls` and positional arguments (`%1$d`) are not supported: the spec is
//!   written literally (from `%` through the conversion character, or through
//!   the `$`), no argument is consumed and formatting goes on. glibc prints
//!   the value or fails.
//! * A wide character outside ASCII (`%lc`, `%ls`) is written as `?`; glibc
//!   fails with EILSEQ in the C locale (returns -1).
//! * A format that ends inside a spec (`"abc%"`, `"%-5"`) ends the output
//!   there; glibc prints the same but returns -1, which `format` cannot
//!   return (it always returns the byte count).
//! * `h` on a float conversion with the `0` flag and a negative `*` width
//!   (`"%0*hf"`, C leaves `h` on floats undefined): glibc pads on the right
//!   with zeros (`%a`: not at all); ukc pads with spaces as for `%0*f`.
//!
//! An unknown conversion character (`%y`, `%5.3k`, ...) is printed like glibc
//! does: the spec rebuilt from its parsed flags, width and precision (any
//! `*` argument is consumed), without length modifiers.

/// Where the next argument comes from (a C va_list in the app; a list in tests).
pub trait ArgSource {
    /// `int`, `char`, `short` (promoted), `*` width/precision.
    fn next_int(&mut self) -> i32;
    /// `long`, `long long`, `size_t`, `ptrdiff_t`, `intmax_t` (all 64-bit on x86_64).
    fn next_long(&mut self) -> i64;
    /// `double` (float is promoted).
    fn next_double(&mut self) -> f64;
    /// `char*` for %s, `void*` for %p, `int*` for %n.
    fn next_ptr(&mut self) -> usize;
}

/// Where the output goes. `format` calls it with pieces; it must accept everything.
pub trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

/// A Sink into a byte buffer with snprintf semantics: it keeps at most
/// `buf.len() - 1` bytes (none for an empty buffer), leaving room for the NUL
/// that the caller writes, and counts every byte it is given.
pub struct BufSink<'a> {
    buf: &'a mut [u8],
    total: usize,
}

impl<'a> BufSink<'a> {
    pub fn new(buf: &'a mut [u8]) -> Self {
        BufSink { buf, total: 0 }
    }

    /// How many bytes were put, including those that did not fit; the buffer
    /// holds the first `min(written, buf.len() - 1)` of them.
    pub fn written(&self) -> usize {
        self.total
    }
}

impl Sink for BufSink<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let room = self.buf.len().saturating_sub(1);
        if self.total < room {
            let n = bytes.len().min(room - self.total);
            self.buf[self.total..self.total + n].copy_from_slice(&bytes[..n]);
        }
        self.total = self.total.saturating_add(bytes.len());
    }
}

/// The sink plus the running byte count.
struct Out<'a> {
    sink: &'a mut dyn Sink,
    count: usize,
}

impl Out<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.sink.put(bytes);
            self.count = self.count.saturating_add(bytes.len());
        }
    }

    fn byte(&mut self, b: u8) {
        self.put(&[b]);
    }

    fn fill(&mut self, b: u8, mut n: usize) {
        let chunk = [b; 32];
        while n > 0 {
            let k = n.min(chunk.len());
            self.put(&chunk[..k]);
            n -= k;
        }
    }
}

/// Largest width or precision we keep (glibc fails above INT_MAX anyway).
const MAX_NUM: usize = i32::MAX as usize;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Len {
    None,
    Hh,
    H,
    L,
    /// `ll`, `q` and `L`: 64-bit integers, long double for floats.
    Ll,
    /// `j`, `z`, `Z`, `t`: 64-bit everywhere.
    Wide,
}

#[derive(Clone, Copy)]
struct Spec {
    alt: bool,
    group: bool,
    plus: bool,
    space: bool,
    /// Left-justify (the `-` flag or a negative `*` width).
    left: bool,
    /// The `0` flag, unless a `-` flag was given (a negative `*` width does
    /// not clear it; it only matters for rebuilding unknown specs).
    zero: bool,
    i18n: bool,
    width: usize,
    prec: Option<usize>,
}

impl Spec {
    fn zero_pad(&self) -> bool {
        self.zero && !self.left
    }

    fn sign(&self, negative: bool) -> Option<u8> {
        if negative {
            Some(b'-')
        } else if self.plus {
            Some(b'+')
        } else if self.space {
            Some(b' ')
        } else {
            None
        }
    }
}

/// Writes `sign`, `prefix` and a body of `body_len` bytes (written by
/// `body`) padded to the width: spaces on the right with `-`, zeros between
/// prefix and body when `zeros` is allowed, spaces on the left otherwise.
fn padded(
    out: &mut Out,
    spec: &Spec,
    sign: Option<u8>,
    prefix: &[u8],
    zeros: bool,
    body_len: usize,
    body: impl FnOnce(&mut Out),
) {
    let len = usize::from(sign.is_some()) + prefix.len() + body_len;
    let pad = spec.width.saturating_sub(len);
    if !spec.left && !zeros {
        out.fill(b' ', pad);
    }
    if let Some(s) = sign {
        out.byte(s);
    }
    out.put(prefix);
    if !spec.left && zeros {
        out.fill(b'0', pad);
    }
    body(out);
    if spec.left {
        out.fill(b' ', pad);
    }
}

fn parse_num(fmt: &[u8], i: &mut usize) -> usize {
    let mut n: usize = 0;
    while let Some(&c) = fmt.get(*i) {
        if !c.is_ascii_digit() {
            break;
        }
        n = (n * 10 + usize::from(c - b'0')).min(MAX_NUM);
        *i += 1;
    }
    n
}

/// Formats `fmt` (without its NUL) and returns how many bytes a full output
/// has (what printf returns). Never fails: see the module documentation for
/// what happens to unsupported or malformed specs.
///
/// # Safety
/// `%s` and `%ls` read the strings their arguments point to, as C's printf
/// does, so the arguments must be what C asks of printf's for them.
/// Every `%s` argument that `args` yields (from `next_ptr`) must be 0 or
/// point to a NUL-terminated string, every `%ls`/`%S` argument 0 or a
/// pointer to a NUL-terminated string of 32-bit characters; with a
/// precision, that many readable bytes (characters) also do. The strings
/// must not change during the call.
pub unsafe fn format(fmt: &[u8], args: &mut dyn ArgSource, out: &mut dyn Sink) -> usize {
    let mut out = Out {
        sink: out,
        count: 0,
    };
    let mut i = 0;
    while i < fmt.len() {
        // Literal text up to the next '%'.
        let start = i;
        while i < fmt.len() && fmt[i] != b'%' {
            i += 1;
        }
        out.put(&fmt[start..i]);
        if i >= fmt.len() {
            break;
        }
        // SAFETY: the caller's `args` yields, for each `%s` and `%ls` of
        // `fmt`, 0 or a pointer to a string that is readable as C's printf
        // requires, and the strings do not change: spec's contract for the
        // spec at `i`.
        match unsafe { spec(fmt, i, args, &mut out) } {
            Some(next) => i = next,
            None => break,
        }
    }
    out.count
}

/// Handles the spec starting at `fmt[pct] == '%'`; returns the index after
/// it, or None when the format ends inside the spec.
///
/// # Safety
/// When the spec is a `%s` (`%ls`, `%S`), the pointer `args` yields for it
/// must be 0 or point to a NUL-terminated string (of 32-bit characters for
/// `%ls`), or, with a precision, to at least that many readable bytes
/// (characters); the string must not change during the call.
unsafe fn spec(fmt: &[u8], pct: usize, args: &mut dyn ArgSource, out: &mut Out) -> Option<usize> {
    let mut i = pct + 1;
    let mut s = Spec {
        alt: false,
        group: false,
        plus: false,
        space: false,
        left: false,
        zero: false,
        i18n: false,
        width: 0,
        prec: None,
    };
    let mut minus_flag = false;
    loop {
        match *fmt.get(i)? {
            b'-' => minus_flag = true,
            b'+' => s.plus = true,
            b' ' => s.space = true,
            b'#' => s.alt = true,
            b'0' => s.zero = true,
            b'\'' => s.group = true,
            b'I' => s.i18n = true,
            _ => break,
        }
        i += 1;
    }
    if minus_flag {
        s.left = true;
        s.zero = false;
    }
    if fmt.get(i) == Some(&b'*') {
        i += 1;
        let w = args.next_int();
        if w < 0 {
            s.left = true;
        }
        s.width = (w.unsigned_abs() as usize).min(MAX_NUM);
    } else {
        s.width = parse_num(fmt, &mut i);
        if fmt.get(i) == Some(&b'$') {
            // Positional arguments are not supported: write "%N$" as is.
            out.put(&fmt[pct..=i]);
            return Some(i + 1);
        }
    }
    if fmt.get(i) == Some(&b'.') {
        i += 1;
        if fmt.get(i) == Some(&b'*') {
            i += 1;
            let p = args.next_int();
            s.prec = usize::try_from(p).ok();
        } else {
            s.prec = Some(parse_num(fmt, &mut i));
        }
    }
    let len = match *fmt.get(i)? {
        b'h' if fmt.get(i + 1) == Some(&b'h') => {
            i += 1;
            Len::Hh
        }
        b'h' => Len::H,
        b'l' if fmt.get(i + 1) == Some(&b'l') => {
            i += 1;
            Len::Ll
        }
        b'l' => Len::L,
        b'q' | b'L' => Len::Ll,
        b'j' | b'z' | b'Z' | b't' => Len::Wide,
        _ => {
            i -= 1;
            Len::None
        }
    };
    i += 1;
    let conv = *fmt.get(i)?;
    let next = i + 1;
    let raw = &fmt[pct..next];
    match conv {
        b'd' | b'i' => {
            let v: i64 = match len {
                Len::None => i64::from(args.next_int()),
                Len::Hh => i64::from(args.next_int() as i8),
                Len::H => i64::from(args.next_int() as i16),
                _ => args.next_long(),
            };
            integer(out, &s, v < 0, v.unsigned_abs(), Radix::Dec);
        }
        b'u' | b'o' | b'x' | b'X' | b'b' | b'B' => {
            let v: u64 = match len {
                Len::None => u64::from(args.next_int() as u32),
                Len::Hh => u64::from(args.next_int() as u8),
                Len::H => u64::from(args.next_int() as u16),
                _ => args.next_long() as u64,
            };
            let radix = match conv {
                b'u' => Radix::Dec,
                b'o' => Radix::Oct,
                b'x' => Radix::Hex,
                b'X' => Radix::HexUpper,
                b'b' => Radix::Bin,
                _ => Radix::BinUpper,
            };
            s.plus = false;
            s.space = false;
            integer(out, &s, false, v, radix);
        }
        b'p' => {
            let p = args.next_ptr();
            if p == 0 {
                padded(out, &s, None, b"", false, 5, |o| o.put(b"(nil)"));
            } else {
                s.alt = true;
                integer(out, &s, false, p as u64, Radix::Hex);
            }
        }
        b'c' | b'C' if conv == b'C' || len == Len::L => {
            let c = args.next_int() as u32;
            let b = [ascii_or_question(c)];
            padded(out, &s, None, b"", false, 1, |o| o.put(&b));
        }
        b'c' => {
            let b = [args.next_int() as u8];
            padded(out, &s, None, b"", false, 1, |o| o.put(&b));
        }
        // SAFETY: the spec is `%ls` or `%S`, so the caller makes its
        // argument 0 or a wide string readable up to its NUL or the
        // precision `s.prec`, unchanged during the call.
        b's' | b'S' if conv == b'S' || len == Len::L => unsafe {
            wide_string(out, &s, args.next_ptr())
        },
        b's' if len == Len::Ll => out.put(raw),
        // SAFETY: the spec is `%s`, so the caller makes its argument 0 or a
        // string readable up to its NUL or the precision `s.prec`,
        // unchanged during the call.
        b's' => unsafe { string(out, &s, args.next_ptr()) },
        b'n' => {
            // Deliberately not written through (see the module docs).
            let _ = args.next_ptr();
        }
        b'%' => out.byte(b'%'),
        b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'a' | b'A' => {
            if len == Len::Ll {
                out.put(raw); // long double: unsupported
            } else {
                float(out, &s, conv, args.next_double());
            }
        }
        b'm' => out.put(raw),
        _ => unknown(out, &s, conv),
    }
    Some(next)
}

/// An unknown conversion, rebuilt from what was parsed (like glibc).
fn unknown(out: &mut Out, s: &Spec, conv: u8) {
    out.byte(b'%');
    for (on, c) in [
        (s.alt, b'#'),
        (s.group, b'\''),
        (s.plus, b'+'),
        (s.space && !s.plus, b' '),
        (s.left, b'-'),
        (s.zero, b'0'),
        (s.i18n, b'I'),
    ] {
        if on {
            out.byte(c);
        }
    }
    let mut buf = [0u8; 20];
    if s.width != 0 {
        out.put(dec_digits(s.width as u64, &mut buf));
    }
    if let Some(p) = s.prec {
        out.byte(b'.');
        out.put(dec_digits(p as u64, &mut buf));
    }
    out.byte(conv);
}

fn dec_digits(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[i..];
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Radix {
    Dec,
    Oct,
    Hex,
    HexUpper,
    Bin,
    BinUpper,
}

fn integer(out: &mut Out, s: &Spec, negative: bool, mag: u64, radix: Radix) {
    let (base, digits): (u64, &[u8; 16]) = match radix {
        Radix::Dec => (10, b"0123456789abcdef"),
        Radix::Oct => (8, b"0123456789abcdef"),
        Radix::Hex => (16, b"0123456789abcdef"),
        Radix::HexUpper => (16, b"0123456789ABCDEF"),
        Radix::Bin | Radix::BinUpper => (2, b"0123456789abcdef"),
    };
    let mut buf = [0u8; 64];
    let mut start = buf.len();
    if !(mag == 0 && s.prec == Some(0)) {
        let mut v = mag;
        loop {
            start -= 1;
            buf[start] = digits[(v % base) as usize];
            v /= base;
            if v == 0 {
                break;
            }
        }
    }
    let text = &buf[start..];
    let mut zeros = s.prec.unwrap_or(0).saturating_sub(text.len());
    if radix == Radix::Oct && s.alt && zeros == 0 && text.first() != Some(&b'0') {
        zeros = 1;
    }
    let prefix: &[u8] = match radix {
        Radix::Hex if s.alt && mag != 0 => b"0x",
        Radix::HexUpper if s.alt && mag != 0 => b"0X",
        Radix::Bin if s.alt && mag != 0 => b"0b",
        Radix::BinUpper if s.alt && mag != 0 => b"0B",
        _ => b"",
    };
    let zero_pad = s.zero_pad() && s.prec.is_none();
    padded(
        out,
        s,
        s.sign(negative),
        prefix,
        zero_pad,
        zeros + text.len(),
        |o| {
            o.fill(b'0', zeros);
            o.put(text);
        },
    );
}

fn ascii_or_question(c: u32) -> u8 {
    if c < 0x80 {
        c as u8
    } else {
        b'?'
    }
}

/// Length of the C string at `p`, reading at most `max` bytes.
///
/// # Safety
/// `p` must point to a NUL-terminated string or to at least `max` readable bytes.
unsafe fn c_strnlen(p: *const u8, max: usize) -> usize {
    let mut n = 0;
    // SAFETY: the read happens only when n < max, and no byte before n was
    // NUL, so byte n is within what the caller makes readable (up to the
    // NUL or `max` bytes).
    while n < max && unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    n
}

/// `%s` of the string at `p` (0 for NULL).
///
/// # Safety
/// `p` must be 0 or point to a NUL-terminated string, or, when `s` has a
/// precision, to at least that many readable bytes; the bytes must not
/// change during the call.
unsafe fn string(out: &mut Out, s: &Spec, p: usize) {
    let bytes: &[u8] = if p == 0 {
        match s.prec {
            Some(prec) if prec < 6 => b"",
            _ => b"(null)",
        }
    } else {
        let p = p as *const u8;
        // SAFETY: p != 0, so the caller makes it a NUL-terminated string or,
        // with a precision, at least that many readable bytes (C's contract
        // for %s); c_strnlen reads no further than the NUL or the
        // precision, and the slice covers only bytes it read, which do not
        // change during the call.
        unsafe {
            let n = c_strnlen(p, s.prec.unwrap_or(usize::MAX));
            core::slice::from_raw_parts(p, n)
        }
    };
    padded(out, s, None, b"", false, bytes.len(), |o| o.put(bytes));
}

/// `%ls`: a `wchar_t` (32-bit) string, ASCII only (others become `?`).
///
/// # Safety
/// `p` must be 0 or point to a NUL-terminated string of 32-bit characters
/// (alignment does not matter), or, when `s` has a precision, to at least
/// that many readable characters; they must not change during the call.
unsafe fn wide_string(out: &mut Out, s: &Spec, p: usize) {
    if p == 0 {
        // SAFETY: a 0 pointer is printed as "(null)" or nothing, without
        // reading memory.
        unsafe { string(out, s, 0) };
        return;
    }
    let p = p as *const u32;
    let max = s.prec.unwrap_or(usize::MAX);
    let mut n = 0;
    // SAFETY: p != 0, so the caller makes it a NUL-terminated wide string
    // or, with a precision, at least that many readable characters (C's
    // contract for %ls); the read happens only when n < max and no earlier
    // character was NUL, so character n is within that range;
    // read_unaligned needs no alignment.
    while n < max && unsafe { p.add(n).read_unaligned() } != 0 {
        n += 1;
    }
    padded(out, s, None, b"", false, n, |o| {
        for k in 0..n {
            // SAFETY: k < n, and the loop that found n read characters 0..n
            // without meeting a NUL, so character k is within the range C's
            // contract for %ls makes readable.
            let c = unsafe { p.add(k).read_unaligned() };
            o.byte(ascii_or_question(c));
        }
    });
}

// ---------------------------------------------------------------------------
// Floating point.

/// Enough 32-bit limbs for 2^53 * 5^1074 < 2^2547 and for 2^1024.
const LIMBS: usize = 82;
/// Decimal digits of the largest such integer (767) with room to spare.
const DIGITS: usize = 780;

/// A fixed-size unsigned big integer, little-endian limbs.
struct Big {
    limbs: [u32; LIMBS],
    len: usize,
}

impl Big {
    fn new(v: u64) -> Big {
        let mut b = Big {
            limbs: [0; LIMBS],
            len: 2,
        };
        b.limbs[0] = v as u32;
        b.limbs[1] = (v >> 32) as u32;
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.len > 0 && self.limbs[self.len - 1] == 0 {
            self.len -= 1;
        }
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for l in &mut self.limbs[..self.len] {
            let t = u64::from(*l) * u64::from(m) + carry;
            *l = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.limbs[self.len] = carry as u32;
            self.len += 1;
        }
    }

    fn shl(&mut self, bits: usize) {
        let (words, bits) = (bits / 32, bits % 32);
        if bits != 0 {
            let mut carry = 0u32;
            for l in &mut self.limbs[..self.len] {
                let t = (*l << bits) | carry;
                carry = *l >> (32 - bits);
                *l = t;
            }
            if carry != 0 {
                self.limbs[self.len] = carry;
                self.len += 1;
            }
        }
        if words != 0 && self.len != 0 {
            self.limbs.copy_within(0..self.len, words);
            self.limbs[..words].fill(0);
            self.len += words;
        }
    }

    /// Divides in place, returns the remainder.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for l in self.limbs[..self.len].iter_mut().rev() {
            let t = (rem << 32) | u64::from(*l);
            *l = (t / u64::from(d)) as u32;
            rem = t % u64::from(d);
        }
        self.trim();
        rem as u32
    }
}

/// A non-negative decimal `0.d[0] d[1] ... d[n-1] * 10^point` with ASCII
/// digits and no trailing zeros; `n == 0` is zero.
struct Decimal {
    d: [u8; DIGITS],
    n: usize,
    point: i64,
}

impl Decimal {
    /// The exact decimal expansion of a finite `v` (its sign is ignored).
    fn exact(v: f64) -> Decimal {
        let mut dec = Decimal {
            d: [b'0'; DIGITS],
            n: 0,
            point: 0,
        };
        let bits = v.to_bits() & !(1 << 63);
        let biased = (bits >> 52) as i64;
        let frac = bits & ((1 << 52) - 1);
        let (mut m, mut e) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | 1 << 52, biased - 1075)
        };
        if m == 0 {
            return dec;
        }
        let tz = m.trailing_zeros();
        m >>= tz;
        e += i64::from(tz);
        // v = big * 10^shift10
        let mut big = Big::new(m);
        let shift10 = if e >= 0 {
            big.shl(e as usize);
            0
        } else {
            let mut k = -e;
            while k >= 13 {
                big.mul_small(1_220_703_125); // 5^13
                k -= 13;
            }
            big.mul_small(5u32.pow(k as u32));
            e
        };
        let mut chunks = [0u32; DIGITS / 9 + 1];
        let mut nc = 0;
        while big.len != 0 {
            chunks[nc] = big.div_small(1_000_000_000);
            nc += 1;
        }
        let mut buf = [0u8; 20];
        let first = dec_digits(u64::from(chunks[nc - 1]), &mut buf);
        dec.d[..first.len()].copy_from_slice(first);
        let mut n = first.len();
        for &c in chunks[..nc - 1].iter().rev() {
            let mut c = c;
            for k in (0..9).rev() {
                dec.d[n + k] = b'0' + (c % 10) as u8;
                c /= 10;
            }
            n += 9;
        }
        dec.n = n;
        dec.point = n as i64 + shift10;
        dec.trim();
        dec
    }

    fn trim(&mut self) {
        while self.n > 0 && self.d[self.n - 1] == b'0' {
            self.n -= 1;
        }
        if self.n == 0 {
            self.point = 0;
        }
    }

    /// Rounds to the first `keep` digits (counted from d[0]; may be <= 0),
    /// ties to even.
    fn round(&mut self, keep: i64) {
        if keep >= self.n as i64 {
            return;
        }
        if keep < 0 {
            self.n = 0;
            self.point = 0;
            return;
        }
        let k = keep as usize;
        let r = self.d[k];
        // Digits after d[k] exist only if they are not all zero.
        let odd = k > 0 && (self.d[k - 1] - b'0') % 2 == 1;
        let up = r > b'5' || (r == b'5' && (self.n > k + 1 || odd));
        self.n = k;
        if up {
            let mut i = k;
            loop {
                if i == 0 {
                    // All nines (or nothing): becomes 1 in a new place.
                    self.d[0] = b'1';
                    self.n = 1;
                    self.point += 1;
                    break;
                }
                i -= 1;
                if self.d[i] == b'9' {
                    self.d[i] = b'0';
                } else {
                    self.d[i] += 1;
                    break;
                }
            }
        }
        self.trim();
    }

    /// Writes the digits from index `from` (may be negative: leading zeros)
    /// for `count` places, zeros past the end.
    fn put_digits(&self, out: &mut Out, from: i64, count: usize) {
        let mut from = from;
        let mut count = count;
        if from < 0 {
            let z = ((-from) as u64).min(count as u64) as usize;
            out.fill(b'0', z);
            count -= z;
            from += z as i64;
        }
        if count == 0 {
            return;
        }
        let from = from as usize;
        if from < self.n {
            let k = (self.n - from).min(count);
            out.put(&self.d[from..from + k]);
            count -= k;
        }
        out.fill(b'0', count);
    }
}

fn float(out: &mut Out, s: &Spec, conv: u8, v: f64) {
    let upper = conv.is_ascii_uppercase();
    let negative = v.is_sign_negative();
    let sign = s.sign(negative);
    if !v.is_finite() {
        let text: &[u8] = match (v.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        padded(out, s, sign, b"", false, 3, |o| o.put(text));
        return;
    }
    match conv {
        b'a' | b'A' => hex_float(out, s, sign, upper, v),
        b'f' | b'F' => {
            let prec = s.prec.unwrap_or(6);
            let mut dec = Decimal::exact(v);
            dec.round(dec.point.saturating_add(prec as i64));
            fixed(out, s, sign, &dec, prec, prec > 0 || s.alt);
        }
        b'e' | b'E' => {
            let prec = s.prec.unwrap_or(6);
            let mut dec = Decimal::exact(v);
            dec.round(prec as i64 + 1);
            exponential(out, s, sign, &dec, prec, prec > 0 || s.alt, upper);
        }
        _ => {
            let p = match s.prec {
                None => 6,
                Some(0) => 1,
                Some(p) => p,
            };
            let mut dec = Decimal::exact(v);
            let before = if dec.n == 0 { 0 } else { dec.point - 1 };
            dec.round(p as i64);
            let x = if dec.n == 0 { 0 } else { dec.point - 1 };
            if x >= p as i64 && before < p as i64 && before >= -4 {
                // glibc chooses the style from the exponent before rounding;
                // when rounding up then makes it too large for %f style, it
                // prints "1.e+XX" with '#' (C would want P-1 zeros).
                exponential(out, s, sign, &dec, 0, s.alt, upper);
            } else if x < p as i64 && x >= -4 {
                let mut prec = (p as i64 - 1 - x) as usize;
                if !s.alt {
                    prec = prec.min((dec.n as i64 - dec.point).max(0) as usize);
                }
                fixed(out, s, sign, &dec, prec, prec > 0 || s.alt);
            } else {
                let mut prec = p - 1;
                if !s.alt {
                    prec = prec.min(dec.n.saturating_sub(1));
                }
                exponential(out, s, sign, &dec, prec, prec > 0 || s.alt, upper);
            }
        }
    }
}

/// `[-]ddd.ddd` with `prec` fraction digits of an already rounded `dec`.
fn fixed(out: &mut Out, s: &Spec, sign: Option<u8>, dec: &Decimal, prec: usize, dot: bool) {
    let int_len = if dec.n > 0 && dec.point > 0 {
        dec.point as usize
    } else {
        1
    };
    let len = int_len
        .saturating_add(usize::from(dot))
        .saturating_add(prec);
    padded(out, s, sign, b"", s.zero_pad(), len, |o| {
        if dec.n > 0 && dec.point > 0 {
            dec.put_digits(o, 0, int_len);
        } else {
            o.byte(b'0');
        }
        if dot {
            o.byte(b'.');
        }
        let from = if dec.n > 0 { dec.point } else { 0 };
        dec.put_digits(o, from, prec);
    });
}

/// `[-]d.ddde+XX` with `prec` fraction digits of an already rounded `dec`.
fn exponential(
    out: &mut Out,
    s: &Spec,
    sign: Option<u8>,
    dec: &Decimal,
    prec: usize,
    dot: bool,
    upper: bool,
) {
    let x = if dec.n == 0 { 0 } else { dec.point - 1 };
    let mut buf = [0u8; 20];
    let exp_digits = dec_digits(x.unsigned_abs(), &mut buf);
    let exp_len = exp_digits.len().max(2);
    let len = (1 + usize::from(dot))
        .saturating_add(prec)
        .saturating_add(1 + exp_len + 1);
    padded(out, s, sign, b"", s.zero_pad(), len, |o| {
        o.byte(if dec.n == 0 { b'0' } else { dec.d[0] });
        if dot {
            o.byte(b'.');
        }
        dec.put_digits(o, 1, prec);
        o.byte(if upper { b'E' } else { b'e' });
        o.byte(if x < 0 { b'-' } else { b'+' });
        if exp_digits.len() < 2 {
            o.byte(b'0');
        }
        o.put(exp_digits);
    });
}

/// `%a`: `[-]0xh.hhhp+d`, rounded to `prec` hex digits, ties to even.
fn hex_float(out: &mut Out, s: &Spec, sign: Option<u8>, upper: bool, v: f64) {
    let bits = v.to_bits() & !(1 << 63);
    let biased = (bits >> 52) as i64;
    let frac = bits & ((1 << 52) - 1);
    let (lead, exp) = match (biased, frac) {
        (0, 0) => (0u64, 0i64),
        (0, _) => (0, -1022),
        _ => (1, biased - 1023),
    };
    let prec = s.prec.unwrap_or(if frac == 0 {
        0
    } else {
        13 - frac.trailing_zeros() as usize / 4
    });
    let mut m = (lead << 52) | frac;
    let shown = prec.min(13);
    if shown < 13 {
        let shift = 4 * (13 - shown);
        let half = 1u64 << (shift - 1);
        let rem = m & ((1u64 << shift) - 1);
        m >>= shift;
        if rem > half || (rem == half && m & 1 == 1) {
            m += 1;
        }
    }
    let lead = m >> (4 * shown);
    let hex: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let dot = prec > 0 || s.alt;
    let mut buf = [0u8; 20];
    let exp_len = dec_digits(exp.unsigned_abs(), &mut buf).len();
    let len = (1 + usize::from(dot))
        .saturating_add(prec)
        .saturating_add(2 + exp_len);
    let prefix: &[u8] = if upper { b"0X" } else { b"0x" };
    padded(out, s, sign, prefix, s.zero_pad(), len, |o| {
        o.byte(hex[lead as usize & 15]);
        if dot {
            o.byte(b'.');
        }
        for k in (0..shown).rev() {
            o.byte(hex[((m >> (4 * k)) & 15) as usize]);
        }
        o.fill(b'0', prec - shown);
        o.byte(if upper { b'P' } else { b'p' });
        o.byte(if exp < 0 { b'-' } else { b'+' });
        let mut b2 = [0u8; 20];
        o.put(dec_digits(exp.unsigned_abs(), &mut b2));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    enum A {
        I(i32),
        L(i64),
        D(f64),
        P(usize),
    }

    struct List(Vec<A>, usize);

    impl List {
        fn take(&mut self) -> &A {
            self.1 += 1;
            &self.0[self.1 - 1]
        }
    }

    impl ArgSource for List {
        fn next_int(&mut self) -> i32 {
            match self.take() {
                A::I(v) => *v,
                _ => panic!("not an int"),
            }
        }
        fn next_long(&mut self) -> i64 {
            match self.take() {
                A::L(v) => *v,
                _ => panic!("not a long"),
            }
        }
        fn next_double(&mut self) -> f64 {
            match self.take() {
                A::D(v) => *v,
                _ => panic!("not a double"),
            }
        }
        fn next_ptr(&mut self) -> usize {
            match self.take() {
                A::P(v) => *v,
                _ => panic!("not a pointer"),
            }
        }
    }

    struct V(Vec<u8>);

    impl Sink for V {
        fn put(&mut self, bytes: &[u8]) {
            self.0.extend_from_slice(bytes);
        }
    }

    /// Formats and checks the text, the count and that every argument was
    /// used; no argument may be a pointer (see `fp` for those).
    fn f(fmt: &str, args: Vec<A>, want: &str) {
        assert!(
            !args.iter().any(|a| matches!(a, A::P(_))),
            "pointer arguments go through fp"
        );
        // SAFETY: no argument is a pointer, so `List::next_ptr` panics
        // before format could read through one.
        unsafe { fp(fmt, args, want) }
    }

    /// `f`, with pointer arguments allowed.
    ///
    /// # Safety
    /// Each `%s` argument must be 0 or point to a NUL-terminated string (or
    /// at least its precision's readable bytes), each `%ls` one 0 or point to
    /// a NUL-terminated string of u32 (or its precision's characters).
    unsafe fn fp(fmt: &str, args: Vec<A>, want: &str) {
        let n = args.len();
        let mut list = List(args, 0);
        let mut out = V(Vec::new());
        // SAFETY: the caller makes each `%s` and `%ls` argument 0 or a
        // readable string as format requires; the strings are the caller's
        // and do not change during the call.
        let count = unsafe { format(fmt.as_bytes(), &mut list, &mut out) };
        assert_eq!(String::from_utf8_lossy(&out.0), want, "format {fmt:?}");
        assert_eq!(count, want.len(), "count of {fmt:?}");
        assert_eq!(list.1, n, "arguments used by {fmt:?}");
    }

    fn d(fmt: &str, v: f64, want: &str) {
        f(fmt, vec![A::D(v)], want);
    }

    #[test]
    fn integers() {
        f(
            "%d|%i|%u",
            vec![A::I(-5), A::I(i32::MIN), A::I(-1)],
            "-5|-2147483648|4294967295",
        );
        f(
            "%+.0d|% .0d|%5.0d|%.0x",
            vec![A::I(0), A::I(0), A::I(0), A::I(0)],
            "+| |     |",
        );
        f(
            "%#o|%#.0o|%#5.3o|%#x|%#08x|%#X",
            vec![A::I(0), A::I(0), A::I(8), A::I(0), A::I(255), A::I(255)],
            "0|0|  010|0|0x0000ff|0XFF",
        );
        f(
            "%-05d|%05.2d|%+u|% x",
            vec![A::I(3), A::I(3), A::I(5), A::I(5)],
            "3    |   03|5|5",
        );
        f(
            "%hhd|%hd|%hhx|%hu",
            vec![A::I(200), A::I(70000), A::I(-1), A::I(-1)],
            "-56|4464|ff|65535",
        );
        f(
            "%ld|%llx|%zu|%jd|%td",
            vec![A::L(i64::MIN), A::L(-1), A::L(-1), A::L(7), A::L(-7)],
            "-9223372036854775808|ffffffffffffffff|18446744073709551615|7|-7",
        );
        f(
            "%*d|%-*d|%.*d|%.*d",
            vec![
                A::I(4),
                A::I(1),
                A::I(-4),
                A::I(2),
                A::I(3),
                A::I(4),
                A::I(-1),
                A::I(5),
            ],
            "   1|2   |004|5",
        );
        f(
            "%#b|%B|%#B",
            vec![A::I(5), A::I(0), A::I(2)],
            "0b101|0|0B10",
        );
    }

    #[test]
    fn chars_strings_pointers() {
        let s = b"hello\0";
        let p = s.as_ptr() as usize;
        f(
            "%c|%5c|%-3c|%hc",
            vec![A::I(65), A::I(66), A::I(67), A::I(300)],
            "A|    B|C  |,",
        );
        // SAFETY: every `%s` argument is `p`, the live NUL-terminated `s`.
        unsafe {
            fp(
                "%s|%.3s|%7.2s|%-7s|",
                vec![A::P(p), A::P(p), A::P(p), A::P(p)],
                "hello|hel|     he|hello  |",
            )
        };
        // SAFETY: every `%s` argument is 0, which format prints without
        // reading memory.
        unsafe {
            fp(
                "%s|%.5s|%.6s|%10.3s|",
                vec![A::P(0), A::P(0), A::P(0), A::P(0)],
                "(null)||(null)|          |",
            )
        };
        // SAFETY: there is no `%s` or `%ls`; `%p` only prints its pointer.
        unsafe {
            fp(
                "%p|%10p|%-10p|%.2p|%010p",
                vec![A::P(0); 5],
                "(nil)|     (nil)|(nil)     |(nil)|     (nil)",
            )
        };
        // SAFETY: there is no `%s` or `%ls`; `%p` only prints its pointer.
        unsafe {
            fp(
                "%p|%+p|%.8p|%020p|%-8p|",
                vec![A::P(0x1234); 5],
                "0x1234|+0x1234|0x00001234|0x000000000000001234|0x1234  |",
            )
        };
        // Precision bounds the read: no NUL needed within it.
        let unterminated = *b"abc";
        // SAFETY: the `%.3s` argument points to the 3 live bytes of
        // `unterminated`, as many as its precision.
        unsafe { fp("%.3s", vec![A::P(unterminated.as_ptr() as usize)], "abc") };
        let wide = [104u32, 105, 0xe9, 0];
        // SAFETY: the `%ls` arguments point to `wide`, a live
        // NUL-terminated u32 string, and the `%S` argument is 0.
        unsafe {
            fp(
                "%ls|%.1ls|%lc|%S",
                vec![
                    A::P(wide.as_ptr() as usize),
                    A::P(wide.as_ptr() as usize),
                    A::I(65),
                    A::P(0),
                ],
                "hi?|h|A|(null)",
            )
        };
    }

    #[test]
    fn specials_and_unsupported() {
        f("100%%|%5%|%-5%", vec![], "100%|%|%");
        f(
            "%y|%5y|%-5.3y|%hhy|%#+ 05.3hy|%.y",
            vec![],
            "%y|%5y|%-5.3y|%y|%#+05.3y|%.0y",
        );
        f(
            "%*.*y|%0*y",
            vec![A::I(7), A::I(3), A::I(-4)],
            "%7.3y|%-04y",
        );
        let mut n = 0i32;
        // SAFETY: there is no `%s` or `%ls`; `%n` consumes its pointer and
        // writes nothing.
        unsafe {
            fp(
                "ab%ncd%hhn",
                vec![A::P(&mut n as *mut i32 as usize), A::P(0)],
                "abcd",
            )
        };
        assert_eq!(n, 0, "%n writes nothing");
        f("%Lf|%llg|%m|%1$d", vec![], "%Lf|%llg|%m|%1$d");
        f("abc%", vec![], "abc");
        f("%-5", vec![], "");
    }

    #[test]
    fn floats() {
        d("%f", 1.5, "1.500000");
        d("%.0f", 2.5, "2");
        d("%.0f", 3.5, "4");
        d("%.0f", 0.5, "0");
        d("%.2f", 0.125, "0.12");
        d("%.1f", 0.25, "0.2");
        d("%.1f", 0.35, "0.3"); // 0.34999999999999997779...
        d("%.16e", 1e23, "9.9999999999999992e+22");
        d("%e", 1e23, "1.000000e+23");
        d("%.0e", 5e-324, "5e-324");
        d("%.3e", 5e-324, "4.941e-324");
        d("%f", -0.0, "-0.000000");
        d("%g", -0.0, "-0");
        d("%.1f", -0.01, "-0.0");
        d("%g", 1e-5, "1e-05");
        d("%g", 123456.5, "123456");
        d("%g", 1e6, "1e+06");
        d("%g", 100000.0, "100000");
        d("%.3g", 999.5, "1e+03");
        d("%#g", 1.0, "1.00000");
        d("%#.0f", 1.0, "1.");
        d("%#.0e", 1.0, "1.e+00");
        d("%#g", 0.0, "0.00000");
        d("%#.0g", 0.0, "0.");
        d("%#.2g", 99.5, "1.e+02"); // glibc's, not C's "1.0e+02"
        d("%#.3g", 9.9999, "10.0");
        d("%#.4g", 0.00009999999, "0.0001000");
        d("%010.2f", -1.5, "-000001.50");
        d("%+.3e", 12345.678, "+1.235e+04");
        d("% E", 1e-100, " 1.000000E-100");
        d(
            "%.60f",
            0.1,
            "0.100000000000000005551115123125782702118158340454101562500000",
        );
        let max = "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368";
        f("%.2f", vec![A::D(f64::MAX)], &(String::from(max) + ".00"));
        let e308 = "100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688899061249669721172515611590283743140088328307009198146046031271664502933027185697489699588559043338384466165001178426897626212945177628091195786707458122783970171784415105291802893207873272974885715430223118336";
        d("%f", 1e308, &(String::from(e308) + ".000000"));
    }

    #[test]
    fn inf_nan_and_hex() {
        d("%f|", f64::INFINITY, "inf|");
        d("%010f", f64::INFINITY, "       inf");
        d("%010f", -f64::NAN, "      -nan");
        d("%+f", f64::NAN, "+nan");
        d("% F", f64::NEG_INFINITY, "-INF");
        d("%-+8e|", f64::INFINITY, "+inf    |");
        d("%#G", f64::NAN, "NAN");
        d("%a", 1.0, "0x1p+0");
        d("%a", 0.0, "0x0p+0");
        d("%a", -0.0, "-0x0p+0");
        d("%a", 5e-324, "0x0.0000000000001p-1022");
        d("%a", 2.2250738585072014e-308, "0x1p-1022");
        d("%.0a", 1.5, "0x2p+0");
        d("%.0a", 2.5, "0x1p+1");
        d("%.1a", 1.96875, "0x2.0p+0");
        d("%A", -1e300, "-0X1.7E43C8800759CP+996");
        d("%#.0a", 1.0, "0x1.p+0");
        d("%.20a", 1.0, "0x1.00000000000000000000p+0");
        d("%010a", 3.0, "0x001.8p+1");
    }

    #[test]
    fn buf_sink_truncates_and_counts() {
        let mut buf = [0xffu8; 6];
        let mut sink = BufSink::new(&mut buf);
        // SAFETY: there is no `%s` or `%ls`, so no string is read.
        let n = unsafe { format(b"hello %d", &mut List(vec![A::I(12345)], 0), &mut sink) };
        assert_eq!((n, sink.written()), (11, 11));
        assert_eq!(&buf[..5], b"hello");
        assert_eq!(buf[5], 0xff, "the NUL is the caller's");
        let mut sink = BufSink::new(&mut []);
        // SAFETY: the `%s` argument is 0, printed without reading memory.
        let n = unsafe { format(b"%s", &mut List(vec![A::P(0)], 0), &mut sink) };
        assert_eq!(n, 6);
        assert_eq!(sink.written(), 6);
    }
}
