//! The calendar of time.h: `struct tm` as plain fields, seconds since
//! 1970 to a broken-down UTC time and back (gmtime, timegm), mktime's
//! normalisation of out-of-range fields, asctime's text and difftime.
//! Time zones are crate::tz, strftime crate::strftime.
//!
//! Arithmetic is on the proleptic Gregorian calendar with 64-bit seconds,
//! as glibc's: any `time_t` whose year fits an `int` converts, and mktime
//! accepts any `int` fields (tm_mon 14 is March of the next year, tm_mday 0
//! the last day of the previous month, ...). Leap seconds do not exist.

/// The fields of C's `struct tm`, without `tm_zone` (the C layer keeps the
/// name's pointer; the name comes from crate::tz).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tm {
    pub sec: i32,
    pub min: i32,
    pub hour: i32,
    pub mday: i32,
    /// 0..=11
    pub mon: i32,
    /// Years since 1900.
    pub year: i32,
    /// 0 = Sunday.
    pub wday: i32,
    /// 0..=365
    pub yday: i32,
    pub isdst: i32,
    /// Seconds east of UTC.
    pub gmtoff: i64,
}

pub const SECS_PER_DAY: i64 = 86_400;

pub fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in each month of a common year.
const MONTH_DAYS: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

pub fn month_days(year: i64, mon: usize) -> i64 {
    MONTH_DAYS[mon] + i64::from(mon == 1 && is_leap(year))
}

/// Days from 1970-01-01 to the first day of `year`.
pub fn days_to_year(year: i64) -> i64 {
    // Count leap days between year 1 and the start of `year` (floor
    // division keeps this right for years before 1).
    let y = year - 1;
    let leaps = y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400);
    let leaps_1970 = 477; // leap days before 1970
    (year - 1970) * 365 + leaps - leaps_1970
}

/// Days from the first of the year to the first of month `mon` (0..=11).
pub fn days_to_month(year: i64, mon: usize) -> i64 {
    (0..mon).map(|m| month_days(year, m)).sum()
}

/// The year that day `days` (since 1970-01-01) falls in, and the day of
/// that year (0-based).
fn year_of_day(days: i64) -> (i64, i64) {
    // Work in 400-year cycles of 146097 days from 2000-01-01 (a cycle start).
    let from_2000 = days - 10_957;
    let cycles = from_2000.div_euclid(146_097);
    let mut rem = from_2000.rem_euclid(146_097);
    let mut year = 2000 + cycles * 400;
    // Centuries: the first of a cycle has 36525 days, the others 36524.
    if rem >= 36_525 {
        rem -= 36_525;
        let c = (rem / 36_524).min(2);
        year += 100 + c * 100;
        rem -= c * 36_524;
    }
    // Now within a century starting at `year`; step in 4-year blocks, the
    // first of which is short (no leap day) unless the century year leaps.
    let first_block = if is_leap(year) { 1461 } else { 1460 };
    if rem >= first_block {
        rem -= first_block;
        let b = rem / 1461;
        year += 4 + b * 4;
        rem -= b * 1461;
    }
    loop {
        let len = 365 + i64::from(is_leap(year));
        if rem < len {
            return (year, rem);
        }
        rem -= len;
        year += 1;
    }
}

/// The broken-down UTC time of `t` plus `gmtoff` seconds (so local time for
/// a zone `gmtoff` east of UTC), with `gmtoff` and `isdst` stored as given.
/// `None` when the year does not fit an `int` (glibc's EOVERFLOW).
pub fn breakdown(t: i64, gmtoff: i64, isdst: i32) -> Option<Tm> {
    let t = t.checked_add(gmtoff)?;
    let days = t.div_euclid(SECS_PER_DAY);
    let secs = t.rem_euclid(SECS_PER_DAY);
    let (year, mut yday_rest) = year_of_day(days);
    let tm_year = i32::try_from(year - 1900).ok()?;
    let yday = yday_rest;
    let mut mon = 0;
    while yday_rest >= month_days(year, mon) {
        yday_rest -= month_days(year, mon);
        mon += 1;
    }
    Some(Tm {
        sec: (secs % 60) as i32,
        min: (secs / 60 % 60) as i32,
        hour: (secs / 3600) as i32,
        mday: yday_rest as i32 + 1,
        mon: mon as i32,
        year: tm_year,
        wday: (days + 4).rem_euclid(7) as i32,
        yday: yday as i32,
        isdst,
        gmtoff,
    })
}

/// gmtime: `t` in UTC (`tm_isdst` 0, `tm_gmtoff` 0).
pub fn gmtime(t: i64) -> Option<Tm> {
    breakdown(t, 0, 0)
}

/// The seconds since 1970 that `tm`'s date and time of day would be in
/// UTC, normalising out-of-range fields as mktime does (months beyond 11
/// carry into years, days beyond the month into months, and so on); only
/// year, mon, mday, hour, min and sec are read.
pub fn fields_to_secs(tm: &Tm) -> i64 {
    let mon = i64::from(tm.mon);
    let year = i64::from(tm.year) + 1900 + mon.div_euclid(12);
    let mon = mon.rem_euclid(12) as usize;
    let days = days_to_year(year) + days_to_month(year, mon) + i64::from(tm.mday) - 1;
    days * SECS_PER_DAY + i64::from(tm.hour) * 3600 + i64::from(tm.min) * 60 + i64::from(tm.sec)
}

/// timegm: `tm` as UTC, normalised in place (`tm_isdst` 0, `tm_gmtoff` 0).
/// `None` (and `tm` untouched) when the result's year does not fit an
/// `int`.
pub fn timegm(tm: &mut Tm) -> Option<i64> {
    let t = fields_to_secs(tm);
    gmtime(t - leap_adjust(tm))?;
    *tm = gmtime(t)?;
    Some(t)
}

/// How far tm_sec is outside 0..=59. glibc first converts the time with
/// the seconds clamped to that range (for leap seconds) and fails when
/// that time overflows, even if the real one would not: callers check
/// both `t` and `t - leap_adjust(tm)`.
pub fn leap_adjust(tm: &Tm) -> i64 {
    i64::from(tm.sec) - i64::from(tm.sec.clamp(0, 59))
}

pub const DAY_NAMES: [&[u8]; 7] = [
    b"Sunday",
    b"Monday",
    b"Tuesday",
    b"Wednesday",
    b"Thursday",
    b"Friday",
    b"Saturday",
];
pub const MONTH_NAMES: [&[u8]; 12] = [
    b"January",
    b"February",
    b"March",
    b"April",
    b"May",
    b"June",
    b"July",
    b"August",
    b"September",
    b"October",
    b"November",
    b"December",
];

/// The first three letters of a day's or month's name, "???" out of range
/// (as asctime prints them).
fn abbrev(names: &[&'static [u8]], i: i32) -> &'static [u8] {
    usize::try_from(i)
        .ok()
        .and_then(|i| names.get(i))
        .map_or(b"???", |n| &n[..3])
}

/// Appends `v` in decimal: with `pad` b'0', at least `width` digits after
/// the sign (printf's `%.2d`); otherwise at least `width` characters with
/// spaces on the left (`%3d`).
fn push_num(out: &mut [u8; ASCTIME_MAX], len: &mut usize, v: i64, width: usize, pad: u8) {
    let mut digits = [0u8; 24];
    let mut n = 0;
    let mut u = v.unsigned_abs();
    loop {
        digits[n] = b'0' + (u % 10) as u8;
        n += 1;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    let text = n + usize::from(v < 0);
    let mut put = |b: u8| {
        out[*len] = b;
        *len += 1;
    };
    if pad == b'0' {
        if v < 0 {
            put(b'-');
        }
        for _ in n..width {
            put(b'0');
        }
    } else {
        for _ in text..width {
            put(b' ');
        }
        if v < 0 {
            put(b'-');
        }
    }
    for i in (0..n).rev() {
        put(digits[i]);
    }
}

/// Room for the longest asctime text (every field an extreme `int`).
pub const ASCTIME_MAX: usize = 80;

/// asctime's text of `tm`, "Sun Sep 16 01:03:52 1973\n" (glibc's
/// `"%.3s %.3s%3d %.2d:%.2d:%.2d %d\n"`), and its length (without a NUL).
/// `None` when `tm_year + 1900` overflows an `int` (glibc's EOVERFLOW).
pub fn asctime(tm: &Tm) -> Option<([u8; ASCTIME_MAX], usize)> {
    let year = tm.year.checked_add(1900)?;
    let mut out = [0u8; ASCTIME_MAX];
    let mut len = 0;
    for part in [
        abbrev(&DAY_NAMES, tm.wday),
        b" ",
        abbrev(&MONTH_NAMES, tm.mon),
    ] {
        out[len..len + part.len()].copy_from_slice(part);
        len += part.len();
    }
    push_num(&mut out, &mut len, tm.mday.into(), 3, b' ');
    out[len] = b' ';
    len += 1;
    push_num(&mut out, &mut len, tm.hour.into(), 2, b'0');
    out[len] = b':';
    len += 1;
    push_num(&mut out, &mut len, tm.min.into(), 2, b'0');
    out[len] = b':';
    len += 1;
    push_num(&mut out, &mut len, tm.sec.into(), 2, b'0');
    out[len] = b' ';
    len += 1;
    push_num(&mut out, &mut len, year.into(), 1, b' ');
    out[len] = b'\n';
    len += 1;
    Some((out, len))
}

/// difftime: `t1 - t0` in seconds, rounded once to a double.
pub fn difftime(t1: i64, t0: i64) -> f64 {
    (i128::from(t1) - i128::from(t0)) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_years_agree_over_many_centuries() {
        for year in -2000..3000 {
            let d = days_to_year(year);
            assert_eq!(year_of_day(d), (year, 0), "{year}");
            let last = d + 364 + i64::from(is_leap(year));
            assert_eq!(year_of_day(last), (year, last - d), "{year}");
        }
    }

    #[test]
    fn the_epoch_and_known_dates() {
        let tm = gmtime(0).unwrap();
        assert_eq!(
            (tm.year, tm.mon, tm.mday, tm.wday, tm.yday),
            (70, 0, 1, 4, 0)
        );
        let tm = gmtime(951_782_400).unwrap(); // 2000-02-29
        assert_eq!(
            (tm.year, tm.mon, tm.mday, tm.wday, tm.yday),
            (100, 1, 29, 2, 59)
        );
        let tm = gmtime(-1).unwrap();
        assert_eq!(
            (tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec),
            (69, 11, 31, 23, 59, 59)
        );
    }

    #[test]
    fn years_beyond_int_do_not_convert() {
        assert!(gmtime(i64::MAX).is_none());
        assert!(gmtime(67_768_036_191_676_799).is_some()); // the last second of INT_MAX + 1900
        assert!(gmtime(67_768_036_191_676_800).is_none());
    }

    #[test]
    fn timegm_normalises_fields() {
        let mut tm = Tm {
            year: 100,
            mon: 13,
            mday: 0,
            hour: 25,
            min: -1,
            sec: 61,
            ..Tm::default()
        };
        let t = timegm(&mut tm).unwrap();
        assert_eq!(
            (tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec),
            (101, 1, 1, 1, 0, 1)
        );
        assert_eq!(t, 980_989_201);
    }

    #[test]
    fn asctime_pads_like_glibc() {
        let tm = gmtime(115_952_632).unwrap();
        let (b, n) = asctime(&tm).unwrap();
        assert_eq!(&b[..n], b"Tue Sep  4 01:03:52 1973\n");
    }
}
