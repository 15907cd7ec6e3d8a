//! ukc's time.h (crate::time, crate::tz, crate::strftime) against the host
//! glibc: gmtime, timegm, mktime, localtime and strftime over many random
//! times, fields and formats, under several TZ strings.
//!
//! The environment is shared by the test threads and glibc reads TZ
//! without Rust's lock, so everything runs in one test, one zone at a time.
use std::ffi::{c_char, c_int, c_long, CStr, CString};
use ukc::strftime::{self as uk, Clock};
use ukc::time::{self, Tm};
use ukc::tz::Zone;

#[repr(C)]
#[derive(Clone, Copy)]
struct CTm {
    tm_sec: c_int,
    tm_min: c_int,
    tm_hour: c_int,
    tm_mday: c_int,
    tm_mon: c_int,
    tm_year: c_int,
    tm_wday: c_int,
    tm_yday: c_int,
    tm_isdst: c_int,
    tm_gmtoff: c_long,
    tm_zone: *const c_char,
}

extern "C" {
    fn gmtime_r(t: *const i64, tm: *mut CTm) -> *mut CTm;
    fn localtime_r(t: *const i64, tm: *mut CTm) -> *mut CTm;
    fn timegm(tm: *mut CTm) -> i64;
    fn mktime(tm: *mut CTm) -> i64;
    fn tzset();
    fn strftime(s: *mut c_char, max: usize, fmt: *const c_char, tm: *const CTm) -> usize;
    fn asctime_r(tm: *const CTm, buf: *mut c_char) -> *mut c_char;
    fn difftime(a: i64, b: i64) -> f64;
    fn setenv(name: *const c_char, value: *const c_char, overwrite: c_int) -> c_int;
    static tzname: [*const c_char; 2];
    static timezone: c_long;
    static daylight: c_int;
}

fn to_c(tm: &Tm, zone: *const c_char) -> CTm {
    CTm {
        tm_sec: tm.sec,
        tm_min: tm.min,
        tm_hour: tm.hour,
        tm_mday: tm.mday,
        tm_mon: tm.mon,
        tm_year: tm.year,
        tm_wday: tm.wday,
        tm_yday: tm.yday,
        tm_isdst: tm.isdst,
        tm_gmtoff: tm.gmtoff,
        tm_zone: zone,
    }
}

fn from_c(c: &CTm) -> Tm {
    Tm {
        sec: c.tm_sec,
        min: c.tm_min,
        hour: c.tm_hour,
        mday: c.tm_mday,
        mon: c.tm_mon,
        year: c.tm_year,
        wday: c.tm_wday,
        yday: c.tm_yday,
        isdst: c.tm_isdst,
        gmtoff: c.tm_gmtoff,
    }
}

fn zone_of(c: &CTm) -> Vec<u8> {
    // SAFETY: glibc's tm_zone is NULL or a static NUL-terminated name.
    unsafe {
        c.tm_zone
            .as_ref()
            .map_or(vec![], |_| CStr::from_ptr(c.tm_zone).to_bytes().to_vec())
    }
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A time: mostly around now, sometimes anywhere in ±10000 years, rarely
/// at the edges of what converts.
fn random_time(r: &mut Rng) -> i64 {
    match r.below(10) {
        0..=4 => r.range(-2_208_988_800, 4_102_444_800),
        5..=7 => r.range(-377_705_116_800, 253_402_300_799),
        8 => r.range(-67_768_040_609_740_800, 67_768_036_191_676_799 + 1000),
        _ => r.pick(&[
            0,
            -1,
            1,
            i64::MAX,
            i64::MIN,
            951_782_400,
            2_147_483_647,
            -2_147_483_648,
        ]),
    }
}

fn random_field(r: &mut Rng, lo: i64, hi: i64) -> i32 {
    match r.below(20) {
        0..=13 => r.range(lo, hi) as i32,
        14..=17 => r.range(lo - 100, hi + 100) as i32,
        18 => r.range(-100_000, 100_000) as i32,
        _ => r.pick(&[i32::MIN, i32::MAX, i32::MIN + 1, i32::MAX - 1, -1, 0]),
    }
}

fn random_fields(r: &mut Rng) -> Tm {
    Tm {
        sec: random_field(r, 0, 60),
        min: random_field(r, 0, 59),
        hour: random_field(r, 0, 23),
        mday: random_field(r, 1, 31),
        mon: random_field(r, 0, 11),
        year: random_field(r, -1900, 8100),
        wday: random_field(r, 0, 6),
        yday: random_field(r, 0, 365),
        isdst: r.pick(&[-1, 0, 0, 1, 2]),
        gmtoff: r.pick(&[0, 3600, -18000, 19800, -1, 45_296, -86_399]),
    }
}

/// ukc's Clock on a zone (for %s and %Z).
struct ZoneClock(Zone);

impl Clock for ZoneClock {
    fn mktime(&self, tm: &Tm) -> Option<i64> {
        let mut copy = *tm;
        self.0.mktime(&mut copy).map(|(t, _)| t)
    }
    fn tzname(&self, dst: bool) -> &[u8] {
        self.0.name(dst).as_bytes()
    }
}

fn set_tz(tz: Option<&str>) {
    let v = CString::new(tz.unwrap_or("")).unwrap();
    match tz {
        // SAFETY: one thread uses the environment (see the module doc).
        Some(_) => unsafe {
            setenv(c"TZ".as_ptr(), v.as_ptr(), 1);
        },
        None => std::env::remove_var("TZ"),
    }
    // SAFETY: tzset reads TZ; no other thread touches it.
    unsafe { tzset() };
}

const CONVERSIONS: &[u8] = b"aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%";

fn random_format(r: &mut Rng) -> Vec<u8> {
    let mut f = Vec::new();
    for _ in 0..r.range(1, 4) {
        if r.below(3) == 0 {
            f.extend_from_slice(r.pick(&[&b"-"[..], b" ", b"at ", b"::", b"x"]));
        }
        f.push(b'%');
        for _ in 0..r.pick(&[0, 0, 0, 1, 1, 2]) {
            f.push(r.pick(b"_-0^#"));
        }
        if r.below(4) == 0 {
            f.extend_from_slice(r.range(0, 25).to_string().as_bytes());
        }
        if r.below(8) == 0 {
            f.push(r.pick(b"EO"));
        }
        if r.below(30) == 0 {
            f.push(r.pick(b"qf+Lv"));
        } else {
            f.push(r.pick(CONVERSIONS));
        }
    }
    if r.below(40) == 0 {
        f.push(b'%');
    }
    f
}

fn check_strftime(r: &mut Rng, zone: &Zone, cases: usize) {
    let clock = ZoneClock(*zone);
    let zones: [&CStr; 4] = [c"ABC", c"", c"LongZoneName", c"UTC"];
    for _ in 0..cases {
        let tm = if r.below(2) == 0 {
            let t = random_time(r);
            match zone.localtime(t) {
                Some((tm, _)) => tm,
                None => continue,
            }
        } else {
            random_fields(r)
        };
        let (zc, zr): (*const c_char, Option<&[u8]>) = match r.below(5) {
            0 => (std::ptr::null(), None),
            n => {
                let z = zones[n as usize - 1];
                (z.as_ptr(), Some(z.to_bytes()))
            }
        };
        let fmt = random_format(r);
        let cfmt = CString::new(fmt.clone()).unwrap();
        let max = if r.below(10) == 0 {
            r.range(0, 30) as usize
        } else {
            400
        };
        let ctm = to_c(&tm, zc);
        let mut gbuf = vec![0u8; 400];
        // SAFETY: gbuf has 400 >= max bytes, the format is NUL-terminated
        // and ctm's zone is NULL or a static string.
        let gn = unsafe { strftime(gbuf.as_mut_ptr().cast(), max, cfmt.as_ptr(), &ctm) };
        let mut ubuf = vec![0u8; max];
        let un = uk::strftime(&mut ubuf, &fmt, &tm, zr, &clock);
        let ctx = || {
            format!(
                "fmt {:?} tm {tm:?} zone {zr:?} max {max}",
                String::from_utf8_lossy(&fmt)
            )
        };
        assert_eq!(un, gn, "length: {}", ctx());
        if gn > 0 {
            assert_eq!(
                String::from_utf8_lossy(&ubuf[..un]),
                String::from_utf8_lossy(&gbuf[..gn]),
                "{}",
                ctx()
            );
            assert_eq!(ubuf[un], 0);
        }
    }
}

fn check_gmtime(r: &mut Rng) {
    for _ in 0..200_000 {
        let t = random_time(r);
        let mut c = to_c(&Tm::default(), std::ptr::null());
        // SAFETY: both point at live values.
        let g = unsafe { gmtime_r(&t, &mut c) };
        let u = time::gmtime(t);
        assert_eq!(u.is_some(), !g.is_null(), "t {t}");
        if let Some(u) = u {
            assert_eq!(u, from_c(&c), "t {t}");
            assert_eq!(zone_of(&c), b"GMT");
        }
    }
}

fn check_timegm(r: &mut Rng) {
    for _ in 0..200_000 {
        let fields = random_fields(r);
        let mut c = to_c(&fields, std::ptr::null());
        // SAFETY: c is a live struct tm.
        let g = unsafe { timegm(&mut c) };
        let mut u = fields;
        let res = time::timegm(&mut u);
        // glibc returns -1 on overflow, and also for 1969-12-31 23:59:59.
        match res {
            Some(t) => {
                assert_eq!(t, g, "{fields:?}");
                assert_eq!(u, from_c(&c), "{fields:?}");
            }
            None => assert_eq!(g, -1, "{fields:?}"),
        }
    }
}

fn check_asctime(r: &mut Rng) {
    for _ in 0..50_000 {
        let tm = if r.below(2) == 0 {
            time::gmtime(random_time(r)).unwrap_or_default()
        } else {
            random_fields(r)
        };
        let c = to_c(&tm, std::ptr::null());
        let mut buf = [0 as c_char; 26];
        // SAFETY: buf has the 26 bytes asctime_r may write.
        let g = unsafe { asctime_r(&c, buf.as_mut_ptr()) };
        let u = time::asctime(&tm).filter(|(_, n)| *n < 26);
        assert_eq!(u.is_some(), !g.is_null(), "{tm:?}");
        if let Some((b, n)) = u {
            // SAFETY: asctime_r wrote a NUL-terminated string.
            let gs = unsafe { CStr::from_ptr(buf.as_ptr()) };
            assert_eq!(&b[..n], gs.to_bytes(), "{tm:?}");
        }
    }
}

fn check_difftime(r: &mut Rng) {
    for _ in 0..100_000 {
        let (a, b) = (
            r.next() as i64 >> r.below(64),
            r.next() as i64 >> r.below(64),
        );
        // SAFETY: plain arithmetic.
        let g = unsafe { difftime(a, b) };
        assert_eq!(time::difftime(a, b).to_bits(), g.to_bits(), "{a} {b}");
    }
}

/// localtime, mktime, tzname, timezone, daylight and strftime in the zone
/// of the current TZ.
fn check_zone(r: &mut Rng, tz: &str) {
    set_tz(Some(tz));
    let zone = Zone::from_tz(Some(tz.as_bytes()));
    let (std_name, dst_name) = zone.names();
    // SAFETY: tzset filled these; no other thread changes them.
    unsafe {
        assert_eq!(
            CStr::from_ptr(tzname[0]).to_bytes(),
            std_name.as_bytes(),
            "{tz}"
        );
        assert_eq!(
            CStr::from_ptr(tzname[1]).to_bytes(),
            dst_name.as_bytes(),
            "{tz}"
        );
        assert_eq!(timezone, -zone.gmtoff(), "{tz}");
        assert_eq!(daylight != 0, zone.has_dst(), "{tz}");
    }
    for _ in 0..30_000 {
        let t = random_time(r);
        let mut c = to_c(&Tm::default(), std::ptr::null());
        // SAFETY: both point at live values.
        let g = unsafe { localtime_r(&t, &mut c) };
        let u = zone.localtime(t);
        assert_eq!(u.is_some(), !g.is_null(), "{tz} t {t}");
        if let Some((tm, name)) = u {
            assert_eq!(tm, from_c(&c), "{tz} t {t}");
            assert_eq!(name.as_bytes(), zone_of(&c), "{tz} t {t}");
        }
    }
    let mut ambiguous = 0;
    for _ in 0..20_000 {
        let mut fields = random_fields(r);
        if r.below(2) == 0 {
            // Around the transitions: the hours of spring and autumn days.
            fields.mon = r.pick(&[2, 3, 9, 10]);
            fields.mday = r.range(1, 31) as i32;
            fields.year = r.range(70, 140) as i32;
        }
        fields.isdst = r.pick(&[-1, 0, 1]);
        let mut c = to_c(&fields, std::ptr::null());
        // SAFETY: c is a live struct tm.
        let g = unsafe { mktime(&mut c) };
        let mut u = fields;
        let res = zone.mktime(&mut u);
        // A local time that occurs twice with tm_isdst < 0: glibc's answer
        // depends on its previous calls (it starts from the last offset).
        let mut clamped = fields;
        clamped.sec = clamped.sec.clamp(0, 59);
        let local = time::fields_to_secs(&clamped);
        if let (true, Some(dst)) = (fields.isdst < 0, zone.dst_gmtoff()) {
            let twice = [local - zone.gmtoff(), local - dst]
                .iter()
                .filter(|&&t| {
                    zone.localtime(t)
                        .is_some_and(|(tm, _)| time::fields_to_secs(&tm) == local)
                })
                .count()
                > 1;
            if twice {
                ambiguous += 1;
                continue;
            }
        }
        match res {
            Some((t, name)) => {
                assert_eq!(t, g, "{tz} {fields:?}");
                assert_eq!(u, from_c(&c), "{tz} {fields:?}");
                assert_eq!(name.as_bytes(), zone_of(&c), "{tz} {fields:?}");
            }
            None => assert_eq!(g, -1, "{tz} {fields:?}"),
        }
    }
    eprintln!("{tz}: {ambiguous} ambiguous local times skipped");
    check_strftime(r, &zone, 10_000);
}

#[test]
fn time_functions_match_glibc() {
    let mut r = Rng(0x7153_2024);
    set_tz(Some("UTC0"));
    check_gmtime(&mut r);
    check_timegm(&mut r);
    check_asctime(&mut r);
    check_difftime(&mut r);
    check_strftime(&mut r, &Zone::from_tz(Some(b"UTC0")), 300_000);
    for tz in [
        "UTC0",
        "EST5",
        "CET-1",
        "<+0530>-5:30",
        "<-03>3",
        "XYZ-13:45:30",
        "ABC+11",
        "EST5EDT4,M3.2.0/2,M11.1.0/2",
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "AEST-10AEDT,M10.1.0,M4.1.0/3",
        "NZST-12NZDT,M9.5.0,M4.1.0/3",
        "<-04>4<-03>,J60/1:30,J300/23",
        "FOO3BAR,100/1:30,300/-1",
        "IST-1GMT0,M10.5.0,M3.5.0/1",
        // No file of these names exists, so glibc parses them as we do.
        "Foo/Bar",
        "Xyzzy",
        "Ab1",
        ":Xyz-2",
    ] {
        check_zone(&mut r, tz);
    }
}
