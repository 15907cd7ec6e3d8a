//! strftime in the C locale, byte for byte as glibc 2.36 formats (tested
//! against it in tests/time_vs_glibc.rs).
//!
//! Every C99 conversion and glibc's extensions: `%a %A %b %B %c %C %d %D %e
//! %F %g %G %h %H %I %j %k %l %m %M %n %p %P %r %R %s %S %t %T %u %U %V %w
//! %W %x %X %y %Y %z %Z %%`, the `E` and `O` modifiers (the C locale has no
//! era or alternative digits, so they change nothing where glibc accepts
//! them), and glibc's flags and widths: `_` pads numbers with spaces, `-`
//! does not pad them, `0` pads with zeros, `^` upper-cases, `#` swaps the
//! case of names (`%#a` "MON", `%#p` "pm", `%#Z` lower case), then a width.
//! A directive glibc does not know is copied as it stands, `%` through the
//! bad character. Out-of-range fields print as glibc prints them ("?" for
//! a name, the number as it is otherwise).
use crate::time::{is_leap, Tm, DAY_NAMES, MONTH_NAMES};

/// What strftime needs besides the `struct tm`: `%s` converts the fields
/// back with mktime in the app's zone, and `%Z` without a `tm_zone` uses
/// `tzname`.
pub trait Clock {
    /// mktime of a copy of `tm`; `None` on overflow (printed as -1).
    fn mktime(&self, tm: &Tm) -> Option<i64>;
    /// `tzname[dst]`.
    fn tzname(&self, dst: bool) -> &[u8];
}

/// Output with strftime's limit: at most `max - 1` bytes fit (the NUL
/// needs the last).
struct Out<'a> {
    buf: &'a mut [u8],
    len: usize,
    full: bool,
}

impl Out<'_> {
    fn room(&self) -> usize {
        self.buf.len().saturating_sub(1)
    }

    fn put(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > self.room() {
            self.full = true;
            return;
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn fill(&mut self, b: u8, n: usize) {
        if self.len + n > self.room() {
            self.full = true;
            return;
        }
        self.buf[self.len..self.len + n].fill(b);
        self.len += n;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    Keep,
    Upper,
    Lower,
}

/// One directive's flags.
struct Spec {
    /// `_`, `-`, `0`, or 0 for none.
    pad: u8,
    /// -1 for none.
    width: i64,
    case: Case,
}

impl Spec {
    /// Copies `text` right-aligned in the width (zeros when the pad is
    /// `0`, spaces otherwise), in the case asked for.
    fn text(&self, out: &mut Out, text: &[u8]) {
        let delta = self.width - text.len() as i64;
        if delta > 0 {
            out.fill(if self.pad == b'0' { b'0' } else { b' ' }, delta as usize);
        }
        let start = out.len;
        out.put(text);
        if out.full {
            return;
        }
        let written = &mut out.buf[start..out.len];
        match self.case {
            Case::Keep => {}
            Case::Upper => written.make_ascii_uppercase(),
            Case::Lower => written.make_ascii_lowercase(),
        }
    }

    /// A number of at least `digits` digits (glibc's DO_NUMBER): zeros
    /// after the sign by default, spaces before it with `_`, no padding
    /// with `-` (then the width still pads with spaces).
    fn number(&self, out: &mut Out, digits: i64, v: i64) {
        let digits = digits.max(self.width);
        let mut buf = [0u8; 24];
        self.padded(out, digits, decimal(v, &mut buf));
    }

    /// `num` (a sign and digits) padded to `digits` as [`number`] does.
    fn padded(&self, out: &mut Out, digits: i64, num: &[u8]) {
        let padding = digits - num.len() as i64;
        if self.pad == b'-' || padding <= 0 {
            return self.text(out, num);
        }
        let padding = padding as usize;
        if self.pad == b'_' {
            out.fill(b' ', padding);
            out.put(num);
        } else if let [b'-', rest @ ..] = num {
            out.put(b"-");
            out.fill(b'0', padding);
            out.put(rest);
        } else {
            out.fill(b'0', padding);
            out.put(num);
        }
    }
}

/// Days since the Monday that starts ISO week 1 of the year containing
/// day `yday` whose weekday is `wday` (negative: the week belongs to the
/// year before). ISO week 1 is the week with the year's first Thursday.
/// In `int` arithmetic that wraps, as glibc's does.
fn iso_week_days(yday: i32, wday: i32) -> i32 {
    // 378, a multiple of 7 above 366, keeps the remainder positive for
    // days in range.
    let monday_offset = yday.wrapping_sub(wday).wrapping_add(4 + 378) % 7;
    yday.wrapping_sub(monday_offset).wrapping_add(3)
}

/// The ISO 8601 week-based year (`int`, wrapping as glibc's) and the days
/// into its week 1.
fn iso_week(tm: &Tm) -> (i32, i32) {
    let year = tm.year.wrapping_add(1900);
    let days = iso_week_days(tm.yday, tm.wday);
    if days < 0 {
        let prev = year.wrapping_sub(1);
        let len = 365 + i32::from(is_leap(prev.into()));
        return (prev, iso_week_days(tm.yday.wrapping_add(len), tm.wday));
    }
    let len = 365 + i32::from(is_leap(year.into()));
    let next = iso_week_days(tm.yday.wrapping_sub(len), tm.wday);
    if next >= 0 {
        (year.wrapping_add(1), next)
    } else {
        (year, days)
    }
}

fn name(names: &[&'static [u8]], i: i32, abbreviated: bool) -> &'static [u8] {
    match usize::try_from(i).ok().and_then(|i| names.get(i)) {
        Some(n) if abbreviated => &n[..3],
        Some(n) => n,
        None => b"?",
    }
}

/// strftime: formats `tm` (whose `tm_zone` is `zone`, `None` for NULL)
/// into `buf` with a NUL after it, and returns the length without the NUL;
/// 0 when it does not fit in `buf.len()` bytes with the NUL (the buffer's
/// contents are then unspecified, as in C).
pub fn strftime(
    buf: &mut [u8],
    fmt: &[u8],
    tm: &Tm,
    zone: Option<&[u8]>,
    clock: &dyn Clock,
) -> usize {
    let mut out = Out {
        buf,
        len: 0,
        full: false,
    };
    format(&mut out, fmt, tm, zone, clock);
    if out.full {
        return 0;
    }
    let n = out.len;
    if let Some(b) = out.buf.get_mut(n) {
        *b = 0;
    }
    n
}

/// The longest expansion of a subformat (`%c` with every field an extreme
/// int is under 80 bytes).
const SUB_MAX: usize = 128;

fn format(out: &mut Out, fmt: &[u8], tm: &Tm, zone: Option<&[u8]>, clock: &dyn Clock) {
    let mut i = 0;
    while i < fmt.len() && !out.full {
        if fmt[i] != b'%' {
            out.put(&fmt[i..=i]);
            i += 1;
            continue;
        }
        let start = i;
        let mut spec = Spec {
            pad: 0,
            width: -1,
            case: Case::Keep,
        };
        let mut swap_case = false;
        i += 1;
        while let Some(&c) = fmt.get(i) {
            match c {
                b'_' | b'-' | b'0' => spec.pad = c,
                b'^' => spec.case = Case::Upper,
                b'#' => swap_case = true,
                _ => break,
            }
            i += 1;
        }
        if matches!(fmt.get(i), Some(b'0'..=b'9')) {
            let mut w: i64 = 0;
            while let Some(&c @ b'0'..=b'9') = fmt.get(i) {
                w = (w * 10 + i64::from(c - b'0')).min(i64::from(i32::MAX));
                i += 1;
            }
            spec.width = w;
        }
        let modifier = match fmt.get(i) {
            Some(&m @ (b'E' | b'O')) => {
                i += 1;
                m
            }
            _ => 0,
        };
        // A '%' at the very end is copied as it is.
        let Some(&conv) = fmt.get(i) else {
            spec.text(out, &fmt[start..]);
            break;
        };
        let end = i + 1;
        if !directive(out, &mut spec, swap_case, modifier, conv, tm, zone, clock) {
            spec.text(out, &fmt[start..end]);
        }
        i = end;
    }
}

/// Which modifiers glibc 2.36 accepts on a conversion (found by trying
/// each one: the lists follow no rule of the C standard's).
fn modifier_ok(modifier: u8, conv: u8) -> bool {
    let ok: &[u8] = match modifier {
        0 => return true,
        b'E' => b"cCnpPrRstTuxXyYzZ%",
        _ => b"bBCdegGhHIjklmMnpPrRsStTuUVwWyzZ%",
    };
    ok.contains(&conv)
}

/// Formats one conversion; false when glibc would call it a bad format.
#[allow(clippy::too_many_arguments)]
fn directive(
    out: &mut Out,
    spec: &mut Spec,
    swap_case: bool,
    modifier: u8,
    conv: u8,
    tm: &Tm,
    zone: Option<&[u8]>,
    clock: &dyn Clock,
) -> bool {
    // `#` picks the case before the modifier is checked: a bad directive
    // is copied in that case (and upper-cased by `^`).
    if swap_case && matches!(conv, b'h' | b'b') {
        spec.case = Case::Upper;
    }
    if !modifier_ok(modifier, conv) {
        return false;
    }
    if swap_case {
        match conv {
            b'a' | b'A' | b'B' => spec.case = Case::Upper,
            b'p' | b'Z' => spec.case = Case::Lower,
            _ => {}
        }
    }
    if conv == b'P' {
        spec.case = Case::Lower;
    }
    // glibc computes in `int`, which wraps for extreme fields; so do we.
    let year = tm.year.wrapping_add(1900);
    let hour12 = match tm.hour {
        h if h > 12 => h - 12,
        0 => 12,
        h => h,
    };
    let yday = tm.yday;
    let wday = tm.wday;
    let spacepad = |spec: &mut Spec| {
        if spec.pad == 0 {
            spec.pad = b'_';
        }
    };
    match conv {
        b'a' | b'A' | b'b' | b'h' | b'B' => {
            let text = match conv {
                b'a' => name(&DAY_NAMES, tm.wday, true),
                b'A' => name(&DAY_NAMES, tm.wday, false),
                b'B' => name(&MONTH_NAMES, tm.mon, false),
                _ => name(&MONTH_NAMES, tm.mon, true),
            };
            spec.text(out, text);
        }
        b'c' | b'D' | b'F' | b'r' | b'R' | b'T' | b'x' | b'X' => {
            let sub: &[u8] = match conv {
                b'c' => b"%a %b %e %H:%M:%S %Y",
                b'D' | b'x' => b"%m/%d/%y",
                b'F' => b"%Y-%m-%d",
                b'r' => b"%I:%M:%S %p",
                b'R' => b"%H:%M",
                _ => b"%H:%M:%S",
            };
            let mut tmp = [0u8; SUB_MAX];
            let mut inner = Out {
                buf: &mut tmp,
                len: 0,
                full: false,
            };
            format(&mut inner, sub, tm, zone, clock);
            let n = inner.len;
            spec.text(out, &tmp[..n]);
        }
        b'C' => spec.number(out, 1, (year / 100 - i32::from(year % 100 < 0)).into()),
        b'd' => spec.number(out, 2, tm.mday.into()),
        b'e' => {
            spacepad(spec);
            spec.number(out, 2, tm.mday.into());
        }
        b'g' | b'G' | b'V' => {
            let (iso_year, days) = iso_week(tm);
            match conv {
                b'g' => spec.number(out, 2, ((iso_year % 100 + 100) % 100).into()),
                b'G' => spec.number(out, 1, iso_year.into()),
                _ => spec.number(out, 2, (days / 7 + 1).into()),
            }
        }
        b'H' => spec.number(out, 2, tm.hour.into()),
        b'I' => spec.number(out, 2, hour12.into()),
        b'j' => spec.number(out, 3, yday.wrapping_add(1).into()),
        b'k' => {
            spacepad(spec);
            spec.number(out, 2, tm.hour.into());
        }
        b'l' => {
            spacepad(spec);
            spec.number(out, 2, hour12.into());
        }
        b'm' => spec.number(out, 2, tm.mon.wrapping_add(1).into()),
        b'M' => spec.number(out, 2, tm.min.into()),
        b'n' => spec.text(out, b"\n"),
        b't' => spec.text(out, b"\t"),
        b'p' | b'P' => {
            spec.text(out, if tm.hour > 11 { b"PM" } else { b"AM" });
        }
        b's' => {
            // mktime's -1 on overflow prints as it is, as in glibc.
            let t = clock.mktime(tm).unwrap_or(-1);
            let mut buf = [0u8; 24];
            spec.padded(out, 1, decimal(t, &mut buf));
        }
        b'S' => spec.number(out, 2, tm.sec.into()),
        b'u' => spec.number(
            out,
            1,
            (wday.wrapping_sub(1).wrapping_add(7) % 7 + 1).into(),
        ),
        b'U' => spec.number(out, 2, (yday.wrapping_sub(wday).wrapping_add(7) / 7).into()),
        b'w' => spec.number(out, 1, wday.into()),
        b'W' => {
            let monday = wday.wrapping_sub(1).wrapping_add(7) % 7;
            spec.number(
                out,
                2,
                (yday.wrapping_sub(monday).wrapping_add(7) / 7).into(),
            )
        }
        b'y' => spec.number(out, 2, ((tm.year % 100 + 100) % 100).into()),
        b'Y' => spec.number(out, 1, year.into()),
        b'z' => {
            if tm.isdst < 0 {
                return true;
            }
            let mut diff = tm.gmtoff;
            let sign: &[u8] = if diff < 0 {
                diff = -diff;
                b"-"
            } else {
                b"+"
            };
            let keep = spec.case;
            spec.case = Case::Keep;
            spec.text(out, sign);
            spec.case = keep;
            let mins = diff / 60;
            spec.number(out, 4, mins / 60 * 100 + mins % 60);
        }
        b'Z' => {
            let name = match zone {
                Some(z) if !z.is_empty() => z,
                _ if tm.isdst > 1 => b"?",
                _ if tm.isdst >= 0 => clock.tzname(tm.isdst != 0),
                _ => b"",
            };
            spec.text(out, name);
        }
        b'%' => spec.text(out, b"%"),
        _ => return false,
    }
    true
}

/// `v` in decimal (with a '-' when negative), at the end of `buf`.
fn decimal(v: i64, buf: &mut [u8; 24]) -> &[u8] {
    let mut i = buf.len();
    let mut u = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}
