//! The scanf family's engine, reading and converting as glibc 2.36 does
//! in the C locale (tested against it in tests/scan_vs_glibc.rs): the same
//! characters consumed, the same values stored, the same count or EOF.
//!
//! Conversions: `%d %i %u %o %x %X %p %n %c %s %[set] %[^set] %e %E %f %F
//! %g %G %a %A %%`, `%C` and `%S` (as `%lc`, `%ls`), with `*` (no
//! assignment), a width, the length modifiers `hh h l ll q j z t L`, and
//! `m` (allocate the string, `%ms`). Floats are read as glibc reads them
//! (decimal, hexadecimal, `inf`, `infinity`, `nan`) and converted by
//! crate::strconv, correctly rounded; `%Lf` stores that double's value as
//! a long double (glibc rounds to the long double's 64 bits directly).
//! Wide conversions (`%lc %ls %l[`) take bytes as characters (the C
//! locale's ASCII). `%N$d` stores through the Nth argument, as in glibc.
//! A number longer than 1023 characters is
//! consumed whole but converted from its first 1023.
//!
//! How glibc reads, in short: a white-space directive skips any white
//! space; every conversion but `%c`, `%[` and `%n` skips white space first;
//! a conversion reads at most one character it cannot use, which it puts
//! back (so `%d` on "12a" leaves "a"), except inside a word it has begun
//! (`%f` on "nax" or "1e+x" has consumed those). The count is the number of
//! assignments; EOF when the input ended (or failed) before the first one.
use crate::strconv;

/// Where the characters come from.
pub trait Input {
    /// The next byte, `None` at the end of the input (or on an error).
    fn get(&mut self) -> Option<u8>;
    /// Puts back the byte `get` returned last.
    fn unget(&mut self, b: u8);
}

/// A string as input (sscanf): it ends at its end.
pub struct StrInput<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> StrInput<'a> {
    pub fn new(s: &'a [u8]) -> Self {
        StrInput { s, pos: 0 }
    }
    /// How many bytes were consumed.
    pub fn pos(&self) -> usize {
        self.pos
    }
}

impl Input for StrInput<'_> {
    fn get(&mut self) -> Option<u8> {
        let b = *self.s.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }
    fn unget(&mut self, _: u8) {
        self.pos -= 1;
    }
}

/// The size of the integer an argument points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntSize {
    /// `hh`: char.
    Char,
    /// `h`: short.
    Short,
    /// int.
    Int,
    /// `l ll q L j z t`, and `%p`: 64 bits.
    Long,
}

/// A float conversion's value, in the type its argument points to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Float {
    /// float.
    Single(f32),
    /// `l`: double.
    Double(f64),
    /// `L`: long double (this double's value).
    Long(f64),
}

/// Where the values go: each store takes the next argument (a pointer) and
/// stores through it, as C's `va_arg` would give it, or the argument
/// [`position`](Args::position) named.
pub trait Args {
    /// Called before each directive: 0, the next argument in order; N, the
    /// Nth argument (`%N$d`; the order of the others is not affected).
    fn position(&mut self, n: usize);
    /// Stores the low bytes of `v` in an integer of `size`.
    fn int(&mut self, size: IntSize, v: u64);
    fn float(&mut self, v: Float);
    /// Starts a `%c`, `%s` or `%[` string: takes a `char *` (`wchar_t *`
    /// when `wide`; a `char **` or `wchar_t **` to set to a new block when
    /// `alloc`).
    fn start_str(&mut self, wide: bool, alloc: bool);
    /// The string's next character.
    fn push(&mut self, b: u8);
    /// Ends the string, with a NUL when `nul` (not for `%c`).
    fn end_str(&mut self, nul: bool);
    /// The string conversion failed: an allocated string is freed and its
    /// `char *` set to NULL, as glibc does (a string in place is left as
    /// far as it got).
    fn fail_str(&mut self);
}

fn is_space(c: Option<u8>) -> bool {
    matches!(c, Some(b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
}

/// The input plus glibc's count of consumed characters (for `%n`).
struct Reader<'a> {
    input: &'a mut dyn Input,
    read_in: u64,
}

impl Reader<'_> {
    fn get(&mut self) -> Option<u8> {
        let c = self.input.get();
        if c.is_some() {
            self.read_in += 1;
        }
        c
    }
    fn unget(&mut self, c: Option<u8>) {
        if let Some(b) = c {
            self.read_in -= 1;
            self.input.unget(b);
        }
    }
}

/// Why a scan stopped early.
enum Stop {
    /// Input failure (end of input or a read error): EOF if nothing was
    /// assigned yet.
    Input,
    /// Matching failure: the count so far.
    Match,
}

/// The flags and sizes of one directive.
struct Spec {
    suppress: bool,
    alloc: bool,
    /// -1: none.
    width: i64,
    /// `h` count: 1 short, 2 char.
    short: u8,
    /// `l` count: 1 long, 2 long long (also `q`, `L`, `j`, `z`, `t`).
    long: u8,
    /// `L` or `ll` or `q` (long double for floats).
    long_double: bool,
}

impl Spec {
    fn int_size(&self) -> IntSize {
        if self.long > 0 {
            IntSize::Long
        } else if self.short == 2 {
            IntSize::Char
        } else if self.short == 1 {
            IntSize::Short
        } else {
            IntSize::Int
        }
    }

    /// Counts one character against the width.
    fn take(&mut self) {
        if self.width > 0 {
            self.width -= 1;
        }
    }
}

/// A conversion's number text, as glibc collects it for strtod.
struct NumBuf {
    buf: [u8; NumBuf::CAP + 1],
    len: usize,
}

impl NumBuf {
    const CAP: usize = 1023;

    fn new() -> Self {
        NumBuf {
            buf: [0; NumBuf::CAP + 1],
            len: 0,
        }
    }
    /// How many characters were added (even past the capacity).
    fn push(&mut self, b: u8) {
        if self.len < NumBuf::CAP {
            self.buf[self.len] = b;
        }
        self.len += 1;
    }
    fn size(&self) -> usize {
        self.len
    }
    fn last(&self) -> Option<u8> {
        self.len
            .checked_sub(1)
            .and_then(|i| self.buf.get(i).copied())
    }
}

/// Scans `input` as `fmt` says, storing through `args`; returns what
/// scanf returns: the number of assignments, or -1 (EOF) when the input
/// failed before the first.
pub fn scan(fmt: &[u8], input: &mut dyn Input, args: &mut dyn Args) -> i32 {
    let mut r = Reader { input, read_in: 0 };
    let mut done = 0;
    match run(fmt, &mut r, args, &mut done) {
        Err(Stop::Input) if done == 0 => -1,
        _ => done,
    }
}

fn run(fmt: &[u8], r: &mut Reader, args: &mut dyn Args, done: &mut i32) -> Result<(), Stop> {
    let mut skip_space = false;
    let mut i = 0;
    while i < fmt.len() {
        let fc = fmt[i];
        i += 1;
        if fc != b'%' {
            if is_space(Some(fc)) {
                skip_space = true;
                continue;
            }
            let mut c = r.get().ok_or(Stop::Input)?;
            if skip_space {
                while is_space(Some(c)) {
                    c = r.get().ok_or(Stop::Input)?;
                }
                skip_space = false;
            }
            if c != fc {
                r.unget(Some(c));
                return Err(Stop::Match);
            }
            continue;
        }
        let mut spec = Spec {
            suppress: false,
            alloc: false,
            width: -1,
            short: 0,
            long: 0,
            long_double: false,
        };
        // `%N$`: the Nth argument; digits without the `$` are the width.
        let mut width = None;
        let mut position = 0;
        if matches!(fmt.get(i), Some(b'0'..=b'9')) {
            let n = read_int(fmt, &mut i);
            if fmt.get(i) == Some(&b'$') {
                i += 1;
                position = n as usize;
            } else {
                width = Some(n);
            }
        }
        args.position(position);
        if width.is_none() {
            while let Some(&f) = fmt.get(i) {
                match f {
                    b'*' => spec.suppress = true,
                    b'\'' | b'I' => {}
                    _ => break,
                }
                i += 1;
            }
            if matches!(fmt.get(i), Some(b'0'..=b'9')) {
                width = Some(read_int(fmt, &mut i));
            }
        }
        spec.width = match width {
            None | Some(0) => -1,
            Some(w) => w,
        };
        match fmt.get(i) {
            Some(b'h') => {
                i += 1;
                spec.short = 1;
                if fmt.get(i) == Some(&b'h') {
                    i += 1;
                    spec.short = 2;
                }
            }
            Some(b'l') => {
                i += 1;
                spec.long = 1;
                if fmt.get(i) == Some(&b'l') {
                    i += 1;
                    spec.long = 2;
                    spec.long_double = true;
                }
            }
            Some(b'q' | b'L') => {
                i += 1;
                spec.long = 2;
                spec.long_double = true;
            }
            Some(b'j' | b'z' | b't') => {
                i += 1;
                spec.long = 1;
            }
            Some(b'm') => {
                i += 1;
                spec.alloc = true;
            }
            _ => {}
        }
        let Some(&conv) = fmt.get(i) else {
            return Err(Stop::Match);
        };
        i += 1;
        if skip_space || !matches!(conv, b'[' | b'c' | b'C' | b'n') {
            // The end of the input here is no failure yet: the conversion
            // fails when it reads (%n does not).
            let mut c = r.get();
            while is_space(c) {
                c = r.get();
            }
            r.unget(c);
            skip_space = false;
        }
        match conv {
            b'%' => {
                let c = r.get().ok_or(Stop::Input)?;
                if c != b'%' {
                    r.unget(Some(c));
                    return Err(Stop::Match);
                }
            }
            b'n' => {
                if !spec.suppress {
                    args.int(spec.int_size(), r.read_in);
                }
            }
            b'c' | b'C' => {
                let wide = conv == b'C' || spec.long > 0;
                let mut width = if spec.width < 0 { 1 } else { spec.width };
                let store = !spec.suppress;
                if store {
                    args.start_str(wide, spec.alloc);
                }
                let mut c = failing_str(r.get().ok_or(Stop::Input), store, args)?;
                loop {
                    if !spec.suppress {
                        args.push(c);
                    }
                    width -= 1;
                    if width <= 0 {
                        break;
                    }
                    match r.get() {
                        Some(n) => c = n,
                        None => break,
                    }
                }
                if !spec.suppress {
                    args.end_str(false);
                    *done += 1;
                }
            }
            b's' | b'S' => {
                let wide = conv == b'S' || spec.long > 0;
                let store = !spec.suppress;
                if store {
                    args.start_str(wide, spec.alloc);
                }
                let mut c = failing_str(r.get().ok_or(Stop::Input), store, args)?;
                let mut width = spec.width;
                loop {
                    if is_space(Some(c)) {
                        r.unget(Some(c));
                        break;
                    }
                    if !spec.suppress {
                        args.push(c);
                    }
                    width -= 1;
                    if width == 0 {
                        break;
                    }
                    match r.get() {
                        Some(n) => c = n,
                        None => break,
                    }
                }
                if !spec.suppress {
                    args.end_str(true);
                    *done += 1;
                }
            }
            b'[' => {
                let (set, end) = parse_set(fmt, i).ok_or(Stop::Match)?;
                i = end;
                let wide = spec.long > 0;
                let before = r.read_in;
                let store = !spec.suppress;
                if store {
                    args.start_str(wide, spec.alloc);
                }
                let mut c = failing_str(r.get().ok_or(Stop::Input), store, args)?;
                let mut width = spec.width;
                loop {
                    if !set.has(c) {
                        r.unget(Some(c));
                        break;
                    }
                    if store {
                        args.push(c);
                    }
                    width -= 1;
                    if width == 0 {
                        break;
                    }
                    match r.get() {
                        Some(n) => c = n,
                        None => break,
                    }
                }
                if r.read_in == before {
                    return failing_str(Err(Stop::Match), store, args);
                }
                if !spec.suppress {
                    args.end_str(true);
                    *done += 1;
                }
            }
            b'd' | b'i' | b'u' | b'o' | b'x' | b'X' | b'p' => {
                let (base, signed) = match conv {
                    b'd' => (10, true),
                    b'i' => (0, true),
                    b'u' => (10, false),
                    b'o' => (8, false),
                    _ => (16, false),
                };
                if conv == b'p' {
                    spec.long = 1;
                }
                let v = scan_int(r, &mut spec, base, signed, conv == b'p')?;
                if !spec.suppress {
                    args.int(spec.int_size(), v);
                    *done += 1;
                }
            }
            b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'a' | b'A' => {
                let buf = scan_float_text(r, &mut spec)?;
                let text = &buf.buf[..=buf.len.min(NumBuf::CAP)];
                let mut text_nul = [0u8; NumBuf::CAP + 1];
                let n = buf.len.min(NumBuf::CAP);
                text_nul[..n].copy_from_slice(&text[..n]);
                let mut end: *mut u8 = core::ptr::null_mut();
                let start = text_nul.as_ptr();
                // SAFETY: text_nul is a local NUL-terminated array (its last
                // byte is never written), and `end` is a live local.
                let value = unsafe {
                    if spec.long_double {
                        Float::Long(strconv::strtod(start, &mut end).0)
                    } else if spec.long > 0 {
                        Float::Double(strconv::strtod(start, &mut end).0)
                    } else {
                        Float::Single(strconv::strtof(start, &mut end).0)
                    }
                };
                if core::ptr::eq(end, start) {
                    return Err(Stop::Match);
                }
                if !spec.suppress {
                    args.float(value);
                    *done += 1;
                }
            }
            _ => return Err(Stop::Match),
        }
    }
    if skip_space {
        let mut c = r.get();
        while is_space(c) {
            c = r.get();
        }
        r.unget(c);
    }
    Ok(())
}

/// The decimal number at `fmt[*i]`, at most INT_MAX.
fn read_int(fmt: &[u8], i: &mut usize) -> i64 {
    let mut n: i64 = 0;
    while let Some(&d @ b'0'..=b'9') = fmt.get(*i) {
        n = (n * 10 + i64::from(d - b'0')).min(i64::from(i32::MAX));
        *i += 1;
    }
    n
}

/// Passes `res` on, telling `args` first when it is a failure of a string
/// conversion that started storing.
fn failing_str<T>(res: Result<T, Stop>, started: bool, args: &mut dyn Args) -> Result<T, Stop> {
    if res.is_err() && started {
        args.fail_str();
    }
    res
}

/// A `%[` set of bytes.
struct Set {
    map: [bool; 256],
    negated: bool,
}

impl Set {
    fn has(&self, c: u8) -> bool {
        self.map[usize::from(c)] != self.negated
    }
}

/// Parses the set after `%[` (starting at `fmt[i]`) as glibc does: `^`
/// negates; a `]` or `-` first is a member; `a-z` is a range when its ends
/// are in order (the byte before the `-` up to the one after), otherwise
/// the three bytes are members. Returns the set and the index past `]`;
/// `None` when the format ends first.
fn parse_set(fmt: &[u8], mut i: usize) -> Option<(Set, usize)> {
    let mut set = Set {
        map: [false; 256],
        negated: false,
    };
    if fmt.get(i) == Some(&b'^') {
        set.negated = true;
        i += 1;
    }
    if let Some(&c @ (b']' | b'-')) = fmt.get(i) {
        set.map[usize::from(c)] = true;
        i += 1;
    }
    loop {
        let c = *fmt.get(i)?;
        i += 1;
        if c == b']' {
            return Some((set, i));
        }
        let next = fmt.get(i).copied();
        match next {
            Some(hi) if c == b'-' && hi != b']' && fmt[i - 2] <= hi => {
                for b in fmt[i - 2]..hi {
                    set.map[usize::from(b)] = true;
                }
            }
            _ => set.map[usize::from(c)] = true,
        }
    }
}

fn digit_in(c: u8, base: u32) -> bool {
    match base {
        16 => c.is_ascii_hexdigit(),
        _ => c.is_ascii_digit() && u32::from(c - b'0') < base,
    }
}

/// Reads an integer as glibc's `%d %i %u %o %x %p` do, and converts it as
/// strtol (signed) or strtoul would: out of range saturates.
fn scan_int(
    r: &mut Reader,
    spec: &mut Spec,
    mut base: u32,
    signed: bool,
    pointer: bool,
) -> Result<u64, Stop> {
    let mut c = r.get();
    c.ok_or(Stop::Input)?;
    let mut negative = false;
    let mut sign = false;
    if let Some(s @ (b'-' | b'+')) = c {
        negative = s == b'-';
        sign = true;
        spec.take();
        c = r.get();
    }
    let mut digits = 0usize;
    let mut mag: u64 = 0;
    let mut overflow = false;
    let mut add = |d: u8, base: u32| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            _ => (d | 0x20) - b'a' + 10,
        };
        match mag
            .checked_mul(u64::from(base))
            .and_then(|m| m.checked_add(u64::from(v)))
        {
            Some(m) => mag = m,
            None => overflow = true,
        }
    };
    if spec.width != 0 && c == Some(b'0') {
        spec.take();
        digits += 1;
        c = r.get();
        if spec.width != 0 && matches!(c, Some(b'x' | b'X')) {
            if base == 0 {
                base = 16;
            }
            if base == 16 {
                spec.take();
                c = r.get();
            }
        } else if base == 0 {
            base = 8;
        }
    }
    if base == 0 {
        base = 10;
    }
    while let Some(d) = c {
        if spec.width == 0 || !digit_in(d, base) {
            break;
        }
        add(d, base);
        digits += 1;
        spec.take();
        c = r.get();
    }
    if digits == 0 {
        // "(nil)" is a null %p, as glibc prints one.
        if pointer && !sign && (spec.width < 0 || spec.width >= 5) && c == Some(b'(') {
            let mut last = None;
            let mut ok = true;
            for want in *b"nil)" {
                last = r.get();
                let got = last.map(|b| {
                    if want == b')' {
                        b
                    } else {
                        b.to_ascii_lowercase()
                    }
                });
                if got != Some(want) {
                    ok = false;
                    break;
                }
            }
            if ok {
                return Ok(0);
            }
            r.unget(last);
            return Err(Stop::Match);
        }
        r.unget(c);
        return Err(Stop::Match);
    }
    r.unget(c);
    let v = if signed {
        let limit = if negative {
            1u64 << 63
        } else {
            i64::MAX as u64
        };
        if overflow || mag > limit {
            if negative {
                i64::MIN as u64
            } else {
                i64::MAX as u64
            }
        } else if negative {
            mag.wrapping_neg()
        } else {
            mag
        }
    } else if overflow {
        u64::MAX
    } else if negative {
        mag.wrapping_neg()
    } else {
        mag
    };
    Ok(v)
}

/// Reads a float's text as glibc's `%e %f %g %a` do (it then goes to
/// strtod): sign, `nan`, `inf`/`infinity`, or digits with a point and an
/// exponent, hexadecimal after `0x`.
fn scan_float_text(r: &mut Reader, spec: &mut Spec) -> Result<NumBuf, Stop> {
    let mut buf = NumBuf::new();
    let mut c = r.get().ok_or(Stop::Input)?;
    spec.take();
    let mut got_sign = 0;
    // Reads the next byte, counting it against the width; None when the
    // width is used up or the input ends.
    macro_rules! next {
        () => {{
            if spec.width == 0 {
                None
            } else {
                let n = r.get();
                if n.is_some() {
                    spec.take();
                }
                n
            }
        }};
    }
    if c == b'-' || c == b'+' {
        got_sign = 1;
        buf.push(c);
        c = next!().ok_or(Stop::Match)?;
    }
    let lower = c | 0x20;
    if lower == b'n' || lower == b'i' {
        let word: &[u8] = if lower == b'n' { b"nan" } else { b"inf" };
        buf.push(c);
        for &want in &word[1..] {
            match next!() {
                Some(n) if n | 0x20 == want => buf.push(n),
                _ => return Err(Stop::Match),
            }
        }
        if lower == b'i' && spec.width != 0 {
            match r.get() {
                Some(n) if n | 0x20 == b'i' => {
                    spec.take();
                    buf.push(n);
                    for &want in b"nity" {
                        match next!() {
                            Some(n) if n | 0x20 == want => buf.push(n),
                            _ => return Err(Stop::Match),
                        }
                    }
                }
                other => r.unget(other),
            }
        }
        return Ok(buf);
    }
    let mut hex = false;
    let mut exp_char = b'e';
    let mut got_digit = false;
    let mut got_dot = false;
    let mut got_e = false;
    let mut cur = Some(c);
    if spec.width != 0 && c == b'0' {
        buf.push(c);
        cur = r.get();
        spec.take();
        if spec.width != 0 && matches!(cur, Some(b'x' | b'X')) {
            buf.push(cur.unwrap_or(b'x'));
            hex = true;
            exp_char = b'p';
            cur = r.get();
            spec.take();
        } else {
            got_digit = true;
        }
    }
    while let Some(ch) = cur {
        if ch.is_ascii_digit() || (!got_e && hex && ch.is_ascii_hexdigit()) {
            buf.push(ch);
            got_digit = true;
        } else if got_e && buf.last() == Some(exp_char) && (ch == b'-' || ch == b'+') {
            buf.push(ch);
        } else if got_digit && !got_e && ch | 0x20 == exp_char {
            buf.push(exp_char);
            got_e = true;
            got_dot = true;
        } else if !got_dot && ch == b'.' {
            buf.push(ch);
            got_dot = true;
        } else {
            r.unget(Some(ch));
            break;
        }
        if spec.width == 0 {
            break;
        }
        cur = r.get();
        if cur.is_none() {
            break;
        }
        spec.take();
    }
    if buf.size() == got_sign || (hex && buf.size() == 2 + got_sign) {
        return Err(Stop::Match);
    }
    Ok(buf)
}

/// A double as the x87 80-bit long double of the same value: the 64-bit
/// significand (explicit integer bit) then sign and exponent, little-endian.
pub fn f64_to_x87(v: f64) -> [u8; 10] {
    let bits = v.to_bits();
    let sign = ((bits >> 63) as u16) << 15;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    let (e, m): (u16, u64) = match exp {
        0 if frac == 0 => (0, 0),
        0 => {
            // Subnormal: normalise into the wider exponent range.
            let lz = frac.leading_zeros() as i32;
            ((63 - 1074 - lz + 16383) as u16, frac << lz)
        }
        0x7ff if frac == 0 => (0x7fff, 1 << 63),
        0x7ff => (0x7fff, (3 << 62) | (frac << 11)),
        _ => ((exp - 1023 + 16383) as u16, (1 << 63) | (frac << 11)),
    };
    let mut out = [0u8; 10];
    out[..8].copy_from_slice(&m.to_le_bytes());
    out[8..].copy_from_slice(&(sign | e).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Got {
        ints: Vec<(IntSize, u64)>,
        floats: Vec<Float>,
        strs: Vec<Vec<u8>>,
    }

    impl Args for Got {
        fn position(&mut self, _: usize) {}
        fn int(&mut self, size: IntSize, v: u64) {
            self.ints.push((size, v));
        }
        fn float(&mut self, v: Float) {
            self.floats.push(v);
        }
        fn start_str(&mut self, _: bool, _: bool) {
            self.strs.push(vec![]);
        }
        fn push(&mut self, b: u8) {
            self.strs.last_mut().unwrap().push(b);
        }
        fn end_str(&mut self, _: bool) {}
        fn fail_str(&mut self) {}
    }

    fn run(fmt: &str, input: &str) -> (i32, Got, usize) {
        let mut g = Got::default();
        let mut inp = StrInput::new(input.as_bytes());
        let n = scan(fmt.as_bytes(), &mut inp, &mut g);
        (n, g, inp.pos())
    }

    #[test]
    fn integers_and_strings() {
        let (n, g, pos) = run("%d %s %x", " -42 word 0x1fz");
        assert_eq!(n, 3);
        assert_eq!(
            g.ints,
            [(IntSize::Int, (-42i64) as u64), (IntSize::Int, 0x1f)]
        );
        assert_eq!(g.strs, [b"word".to_vec()]);
        assert_eq!(pos, 14);
    }

    #[test]
    fn eof_before_the_first_assignment() {
        assert_eq!(run("%d", "").0, -1);
        assert_eq!(run("%d", "   ").0, -1);
        assert_eq!(run(" ", "").0, 0);
        assert_eq!(run("%d%d", "5").0, 1);
        assert_eq!(run("%d", "x").0, 0);
    }

    #[test]
    fn sets() {
        let (n, g, _) = run("%[a-c]%[^\n]", "abcabxyz\nrest");
        assert_eq!(n, 2);
        assert_eq!(g.strs, [b"abcab".to_vec(), b"xyz".to_vec()]);
    }

    #[test]
    fn floats_stop_where_glibc_does() {
        let (n, g, pos) = run("%lf", "1.5e+x");
        assert_eq!((n, pos), (1, 5));
        assert_eq!(g.floats, [Float::Double(1.5)]);
    }
}
