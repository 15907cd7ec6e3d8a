//! Local time: the POSIX `TZ` string of the app's environment, for
//! localtime, mktime, tzset and strftime's `%Z`/`%s`.
//!
//! There is no time zone database, so only what the string itself says is
//! known:
//!
//! - unset or empty: UTC, named "UTC";
//! - a name with no offset after it (`TZ=Europe/Paris`, `TZ=EST`): UTC
//!   under that name ("Europe", "EST") with an empty `tzname[1]`, and
//!   less than a name (`TZ=ab`): UTC with empty names, as glibc does when
//!   it finds no file for the string;
//! - `std offset`: a fixed offset (`EST5`, `UTC0`, `CET-1`, `<+0530>-5:30`),
//!   hours west of Greenwich as POSIX counts;
//! - `std offset dst [offset][,start[/time],end[/time]]`: daylight saving
//!   time by the rules given (`Jn`, `n` or `Mm.w.d`, times as
//!   `[+-]hh[:mm[:ss]]`, 02:00 by default), the DST offset one hour east of
//!   the standard one unless given; without rules, the US rules since 2007
//!   (`M3.2.0,M11.1.0`), glibc's default when it has no `posixrules` file.
//!
//! A leading `:` is dropped. A malformed string (text after the offset
//! that is not a DST name and rules) reads as far as it is well formed;
//! glibc then has DST rules of zeros, which this does not copy. Which rule applies is decided as glibc does:
//! the transitions of the UTC year of the instant.
use crate::time::{self, breakdown, days_to_month, month_days, Tm, SECS_PER_DAY};

/// A zone's abbreviation ("EST"), kept inline with a NUL after it (longer
/// names are cut at [`Name::MAX`] bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name {
    bytes: [u8; Name::MAX + 1],
    len: u8,
}

impl Name {
    pub const MAX: usize = 31;

    pub const fn new(s: &[u8]) -> Self {
        let mut bytes = [0; Name::MAX + 1];
        let n = if s.len() < Name::MAX {
            s.len()
        } else {
            Name::MAX
        };
        let mut i = 0;
        while i < n {
            bytes[i] = s[i];
            i += 1;
        }
        Name {
            bytes,
            len: n as u8,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The name with its NUL.
    pub fn with_nul(&self) -> &[u8] {
        &self.bytes[..=self.len as usize]
    }
}

/// When a transition happens: the day, and the local time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Day {
    /// `Jn`: day 1..=365, February 29 never counted.
    Julian(i64),
    /// `n`: day 0..=365, February 29 counted.
    Zero(i64),
    /// `Mm.w.d`: day `d` (0 = Sunday) of week `w` (1..=5, 5 = the last) of
    /// month `m` (1..=12).
    Month(i64, i64, i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rule {
    day: Day,
    secs: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Dst {
    name: Name,
    gmtoff: i64,
    start: Rule,
    end: Rule,
}

/// A time zone as a TZ string describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    name: Name,
    /// `tzname[1]` without DST: the standard name, or empty when the TZ
    /// string had no valid offset (as glibc leaves it).
    alt_name: Name,
    /// Seconds east of UTC in standard time.
    gmtoff: i64,
    dst: Option<Dst>,
}

impl Zone {
    /// UTC, named "UTC".
    pub const UTC: Zone = Zone {
        name: Name::new(b"UTC"),
        alt_name: Name::new(b"UTC"),
        gmtoff: 0,
        dst: None,
    };

    pub fn utc() -> Self {
        Zone::UTC
    }

    /// The zone `TZ` describes (`None`: TZ is not set).
    pub fn from_tz(tz: Option<&[u8]>) -> Self {
        let Some(mut s) = tz else {
            return Zone::utc();
        };
        if let [b':', rest @ ..] = s {
            s = rest;
        }
        if s.is_empty() {
            return Zone::utc();
        }
        let mut p = Parser { s, i: 0 };
        let mut zone = Zone {
            name: Name::new(b""),
            alt_name: Name::new(b""),
            gmtoff: 0,
            dst: None,
        };
        let Some(name) = p.name() else {
            return zone;
        };
        zone.name = name;
        let Some(west) = p.offset() else {
            return zone;
        };
        zone.gmtoff = -west;
        zone.alt_name = name;
        let Some(dst_name) = p.name() else {
            return zone;
        };
        let dst_gmtoff = match p.peek() {
            Some(b'+' | b'-' | b'0'..=b'9') => match p.offset() {
                Some(w) => -w,
                None => return zone,
            },
            _ => zone.gmtoff + 3600,
        };
        let (start, end) = if p.peek().is_none() || p.rest() == b"," {
            (
                Rule {
                    day: Day::Month(3, 2, 0),
                    secs: 7200,
                },
                Rule {
                    day: Day::Month(11, 1, 0),
                    secs: 7200,
                },
            )
        } else {
            match (p.rule(), p.rule()) {
                (Some(a), Some(b)) => (a, b),
                _ => return zone,
            }
        };
        zone.dst = Some(Dst {
            name: dst_name,
            gmtoff: dst_gmtoff,
            start,
            end,
        });
        zone
    }

    /// `tzname[0]` and `tzname[1]` (without DST, the standard name twice,
    /// or it and "" when the TZ string stopped before an offset).
    pub fn names(&self) -> (Name, Name) {
        (self.name, *self.name(true))
    }

    /// `tzname[dst]`, borrowed.
    pub fn name(&self, dst: bool) -> &Name {
        match &self.dst {
            Some(d) if dst => &d.name,
            None if dst => &self.alt_name,
            _ => &self.name,
        }
    }

    /// The standard offset, seconds east (`timezone` is its negation).
    pub fn gmtoff(&self) -> i64 {
        self.gmtoff
    }

    /// The DST offset, seconds east, if the zone has DST.
    pub fn dst_gmtoff(&self) -> Option<i64> {
        self.dst.map(|d| d.gmtoff)
    }

    /// Whether the zone has daylight saving time (`daylight`).
    pub fn has_dst(&self) -> bool {
        self.dst.is_some()
    }

    /// The DST start and end instants in `year`, or None without DST.
    fn transitions(&self, year: i64) -> Option<(i64, i64)> {
        let d = self.dst?;
        let start = change(year, d.start) - self.gmtoff;
        let end = change(year, d.end) - d.gmtoff;
        Some((start, end))
    }

    /// Whether DST is in force at `t`.
    pub fn is_dst(&self, t: i64) -> bool {
        let Some(utc) = time::gmtime(t) else {
            return false;
        };
        // The year as glibc holds it, an `int` that wraps.
        let year = i64::from(utc.year.wrapping_add(1900));
        let Some((start, end)) = self.transitions(year) else {
            return false;
        };
        if start > end {
            // Southern hemisphere: DST spans the new year.
            t < end || t >= start
        } else {
            t >= start && t < end
        }
    }

    /// The offset and name in force at `t`.
    pub fn at(&self, t: i64) -> (i64, bool, Name) {
        match self.dst {
            Some(d) if self.is_dst(t) => (d.gmtoff, true, d.name),
            _ => (self.gmtoff, false, self.name),
        }
    }

    /// localtime: `t` in this zone, and the zone's name then. `None` when
    /// the year, local or UTC (glibc converts both), does not fit an `int`.
    pub fn localtime(&self, t: i64) -> Option<(Tm, Name)> {
        time::gmtime(t)?;
        let (gmtoff, dst, name) = self.at(t);
        Some((breakdown(t, gmtoff, i32::from(dst))?, name))
    }

    /// mktime: `tm`'s fields as local time in this zone, normalised in place
    /// (and tm_wday, tm_yday, tm_isdst, tm_gmtoff set), as glibc does it:
    ///
    /// - the instant whose local time the fields are is found first (a
    ///   time in the spring-forward gap is read with the standard offset; a
    ///   time that occurs twice in autumn is the DST one, where glibc's
    ///   answer depends on its previous calls);
    /// - if tm_isdst is 0 or more and says otherwise than the zone does at
    ///   that instant, the fields are read with the offset of the nearest
    ///   time that has the tm_isdst asked for (glibc looks up to 381
    ///   weeks, about 7.3 years, away, a week at a time); when there is none (a zone without
    ///   DST), with an hour's difference;
    /// - the offset is found for the fields with tm_sec clamped to 0..=59,
    ///   the seconds beyond are added after.
    ///
    /// `None` (tm untouched) when the result's year does not fit an `int`.
    pub fn mktime(&self, tm: &mut Tm) -> Option<(i64, Name)> {
        let extra = time::leap_adjust(tm);
        let local = time::fields_to_secs(tm) - extra;
        let mut t = self.instant_of(local, tm.isdst);
        self.localtime(t)?;
        if tm.isdst >= 0 {
            let wanted = tm.isdst != 0;
            let have = self.is_dst(t);
            if wanted != have {
                const STRIDE: i64 = 601_200;
                // 381 weeks each way, measured against glibc 2.36.
                const STEPS: i64 = 381;
                let found = (1..=STEPS).any(|k| {
                    [-1, 1].iter().any(|dir| {
                        let ot = t + dir * k * STRIDE;
                        time::gmtime(ot).is_some() && self.is_dst(ot) == wanted
                    })
                });
                t = match self.dst {
                    Some(d) if found && wanted => local - d.gmtoff,
                    _ if found => local - self.gmtoff,
                    _ => t + 3600 * (i64::from(!wanted) - i64::from(!have)),
                };
                self.localtime(t)?;
            }
        }
        let t = t + extra;
        let (out, name) = self.localtime(t)?;
        *tm = out;
        Some((t, name))
    }

    /// The instant whose local time is `local` (seconds as if UTC), for a
    /// mktime asked for `isdst`.
    fn instant_of(&self, local: i64, isdst: i32) -> i64 {
        let Some(d) = self.dst else {
            return local - self.gmtoff;
        };
        let as_std = local - self.gmtoff;
        let as_dst = local - d.gmtoff;
        match (!self.is_dst(as_std), self.is_dst(as_dst)) {
            (true, false) => as_std,
            (false, true) | (true, true) => as_dst,
            // In the gap glibc oscillates between the two and takes the one
            // in DST when no tm_isdst was asked for, else the one whose
            // tm_isdst differs from it (which the caller then corrects).
            (false, false) => {
                let want_dst_result = isdst <= 0;
                if self.is_dst(as_std) == want_dst_result {
                    as_std
                } else {
                    as_dst
                }
            }
        }
    }
}

/// The local time (seconds since 1970 as if UTC) at which `rule` changes
/// the clock in `year`, computed as glibc computes it: for 1970 and before,
/// the days into the year are counted from 1970-01-01 (so every earlier
/// year uses 1970's instants, shifted by its own month lengths), and the
/// weekday of the first of the month comes from Zeller's congruence in C's
/// truncating arithmetic (off for years before 1 AD, as in glibc).
fn change(year: i64, rule: Rule) -> i64 {
    let leap = time::is_leap(year);
    let day = match rule.day {
        Day::Julian(n) => n - 1 + i64::from(leap && n >= 60),
        Day::Zero(n) => n,
        Day::Month(m, w, d) => {
            let mon = (m - 1) as usize;
            let m1 = (m + 9) % 12 + 1;
            let yy0 = if m <= 2 { year - 1 } else { year };
            let (yy1, yy2) = (yy0 / 100, yy0 % 100);
            let mut dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
            if dow < 0 {
                dow += 7;
            }
            let mut mday = (d - dow).rem_euclid(7) + (w - 1) * 7;
            while mday >= month_days(year, mon) {
                mday -= 7;
            }
            days_to_month(year, mon) + mday
        }
    };
    (year_start_days(year) + day) * SECS_PER_DAY + rule.secs
}

/// glibc's day count to the first of `year` for the rules: 0 up to 1970,
/// else in `int` arithmetic, which wraps for years past about 5.8 million.
fn year_start_days(year: i64) -> i64 {
    if year <= 1970 {
        return 0;
    }
    let y = year as i32;
    let leaps =
        ((y - 1) / 4 - 1970 / 4) - ((y - 1) / 100 - 1970 / 100) + ((y - 1) / 400 - 1970 / 400);
    i64::from((y - 1970).wrapping_mul(365).wrapping_add(leaps))
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn rest(&self) -> &[u8] {
        &self.s[self.i..]
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// A zone name: three or more letters, or `<...>` of letters, digits
    /// and signs.
    fn name(&mut self) -> Option<Name> {
        let start = self.i;
        if self.eat(b'<') {
            while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
            {
                self.i += 1;
            }
            let name = &self.s[start + 1..self.i];
            if !self.eat(b'>') || name.len() < 3 {
                self.i = start;
                return None;
            }
            return Some(Name::new(name));
        }
        while matches!(self.peek(), Some(b) if b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        if self.i - start < 3 {
            self.i = start;
            return None;
        }
        Some(Name::new(&self.s[start..self.i]))
    }

    fn number(&mut self) -> Option<i64> {
        let start = self.i;
        let mut v: i64 = 0;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            v = (v * 10 + i64::from(b - b'0')).min(1 << 20);
            self.i += 1;
        }
        (self.i > start).then_some(v)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds (hours at most 24, minutes and seconds
    /// at most 59, as glibc clamps them).
    fn offset(&mut self) -> Option<i64> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let h = self.number()?;
        let mut secs = h.min(24) * 3600;
        if self.eat(b':') {
            secs += self.number()?.min(59) * 60;
            if self.eat(b':') {
                secs += self.number()?.min(59);
            }
        }
        Some(sign * secs)
    }

    /// `,day[/time]`.
    fn rule(&mut self) -> Option<Rule> {
        if !self.eat(b',') {
            return None;
        }
        let day = if self.eat(b'J') {
            let n = self.number()?;
            if !(1..=365).contains(&n) {
                return None;
            }
            Day::Julian(n)
        } else if self.eat(b'M') {
            let m = self.number()?;
            let ok = self.eat(b'.');
            let w = self.number()?;
            let ok2 = self.eat(b'.');
            let d = self.number()?;
            if !ok || !ok2 || !(1..=12).contains(&m) || !(1..=5).contains(&w) || d > 6 {
                return None;
            }
            Day::Month(m, w, d)
        } else {
            let n = self.number()?;
            if n > 365 {
                return None;
            }
            Day::Zero(n)
        };
        let secs = if self.eat(b'/') { self.offset()? } else { 7200 };
        Some(Rule { day, secs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_offsets() {
        let z = Zone::from_tz(Some(b"EST5"));
        assert_eq!(z.gmtoff(), -18000);
        assert!(!z.has_dst());
        let (tm, name) = z.localtime(0).unwrap();
        assert_eq!((tm.year, tm.mon, tm.mday, tm.hour), (69, 11, 31, 19));
        assert_eq!(name.as_bytes(), b"EST");
        assert_eq!(Zone::from_tz(Some(b"CET-1")).gmtoff(), 3600);
        assert_eq!(Zone::from_tz(Some(b"<+0530>-5:30")).gmtoff(), 19800);
        assert_eq!(
            Zone::from_tz(Some(b"<+0530>-5:30")).names().0.as_bytes(),
            b"+0530"
        );
    }

    #[test]
    fn names_without_an_offset_are_utc_under_that_name() {
        let z = Zone::from_tz(Some(b"Europe/Paris"));
        assert_eq!((z.gmtoff(), z.names().0.as_bytes()), (0, &b"Europe"[..]));
        assert_eq!(z.names().1.as_bytes(), b"");
        assert_eq!(Zone::from_tz(Some(b"ab")).names().0.as_bytes(), b"");
        assert_eq!(Zone::from_tz(None), Zone::utc());
        assert_eq!(Zone::from_tz(Some(b"")), Zone::utc());
    }

    #[test]
    fn european_summer_time() {
        let z = Zone::from_tz(Some(b"CET-1CEST,M3.5.0,M10.5.0/3"));
        // 2024-03-31 01:00 UTC is the start, 2024-10-27 01:00 UTC the end.
        assert!(!z.is_dst(1_711_846_799));
        assert!(z.is_dst(1_711_846_800));
        assert!(z.is_dst(1_729_990_799));
        assert!(!z.is_dst(1_729_990_800));
    }

    #[test]
    fn southern_summer_spans_the_new_year() {
        let z = Zone::from_tz(Some(b"AEST-10AEDT,M10.1.0,M4.1.0/3"));
        assert!(z.is_dst(1_704_067_200)); // 2024-01-01
        assert!(!z.is_dst(1_719_792_000)); // 2024-07-01
    }

    #[test]
    fn mktime_reads_the_fields_in_the_requested_offset() {
        let z = Zone::from_tz(Some(b"EST5EDT"));
        // 2024-01-15 12:00 marked DST is 11:00 EST.
        let mut tm = Tm {
            year: 124,
            mon: 0,
            mday: 15,
            hour: 12,
            isdst: 1,
            ..Tm::default()
        };
        let (t, name) = z.mktime(&mut tm).unwrap();
        assert_eq!(t, 1_705_334_400);
        assert_eq!((tm.hour, tm.isdst, name.as_bytes()), (11, 0, &b"EST"[..]));
    }
}
