//! ukc's strtol family, strtod/strtof and ato* against the host's glibc:
//! value (bit for bit for floats), errno and end pointer.
use std::ffi::c_char;
use std::ptr::null_mut;
use ukc::strconv;

mod c {
    use std::ffi::{c_char, c_int};
    extern "C" {
        pub fn strtol(s: *const c_char, end: *mut *mut c_char, base: c_int) -> i64;
        pub fn strtoul(s: *const c_char, end: *mut *mut c_char, base: c_int) -> u64;
        pub fn strtoll(s: *const c_char, end: *mut *mut c_char, base: c_int) -> i64;
        pub fn strtoull(s: *const c_char, end: *mut *mut c_char, base: c_int) -> u64;
        pub fn strtod(s: *const c_char, end: *mut *mut c_char) -> f64;
        pub fn strtof(s: *const c_char, end: *mut *mut c_char) -> f32;
        pub fn atoi(s: *const c_char) -> c_int;
        pub fn atol(s: *const c_char) -> i64;
        pub fn atoll(s: *const c_char) -> i64;
        pub fn atof(s: *const c_char) -> f64;
        pub fn __errno_location() -> *mut c_int;
    }
}

/// Runs `f` with glibc's errno cleared; returns its result and errno.
fn with_errno<T>(f: impl FnOnce() -> T) -> (T, Option<i32>) {
    // SAFETY: __errno_location takes no arguments and returns this thread's
    // errno, a valid, aligned int for the thread's life.
    unsafe { *c::__errno_location() = 0 };
    let r = f();
    // SAFETY: __errno_location takes no arguments and returns this thread's
    // errno, a valid, aligned int for the thread's life.
    let e = unsafe { *c::__errno_location() };
    (r, (e != 0).then_some(e))
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
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn digits(&mut self, alphabet: &[u8], max: usize) -> String {
        let n = self.below(max + 1);
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

/// `s` with a NUL.
fn cstr(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

const SENTINEL: usize = 0x5eed;

/// Compares all four strto[u]l[l] and the ato* for one string and base.
fn check_int(s: &str, base: i32) {
    let buf = cstr(s);
    let p = buf.as_ptr();
    let end_off = |e: *mut u8| e as isize - p as isize;
    // SAFETY: `p` is `buf`, a NUL-terminated copy of `s` that lives and is
    // not changed during the block, and each `end` is NULL or a live local
    // pointer: what ukc's and glibc's conversions require.
    unsafe {
        let mut e1 = SENTINEL as *mut u8;
        let mut e2 = SENTINEL as *mut c_char;
        let mine = strconv::strtol(p, &mut e1, base);
        let theirs = with_errno(|| c::strtol(p.cast(), &mut e2, base));
        assert_eq!(mine, theirs, "strtol({s:?}, {base})");
        assert_eq!(end_off(e1), end_off(e2.cast()), "strtol({s:?}, {base}) end");
        let mut e1 = SENTINEL as *mut u8;
        let mut e2 = SENTINEL as *mut c_char;
        let mine = strconv::strtoll(p, &mut e1, base);
        let theirs = with_errno(|| c::strtoll(p.cast(), &mut e2, base));
        assert_eq!(mine, theirs, "strtoll({s:?}, {base})");
        assert_eq!(
            end_off(e1),
            end_off(e2.cast()),
            "strtoll({s:?}, {base}) end"
        );
        let mut e1 = SENTINEL as *mut u8;
        let mut e2 = SENTINEL as *mut c_char;
        let mine = strconv::strtoul(p, &mut e1, base);
        let theirs = with_errno(|| c::strtoul(p.cast(), &mut e2, base));
        assert_eq!(mine, theirs, "strtoul({s:?}, {base})");
        assert_eq!(
            end_off(e1),
            end_off(e2.cast()),
            "strtoul({s:?}, {base}) end"
        );
        let mut e1 = SENTINEL as *mut u8;
        let mut e2 = SENTINEL as *mut c_char;
        let mine = strconv::strtoull(p, &mut e1, base);
        let theirs = with_errno(|| c::strtoull(p.cast(), &mut e2, base));
        assert_eq!(mine, theirs, "strtoull({s:?}, {base})");
        assert_eq!(
            end_off(e1),
            end_off(e2.cast()),
            "strtoull({s:?}, {base}) end"
        );
        // A NULL end.
        assert_eq!(
            strconv::strtol(p, null_mut(), base),
            with_errno(|| c::strtol(p.cast(), null_mut(), base))
        );
        if base == 10 {
            assert_eq!(
                strconv::atoi(p),
                with_errno(|| c::atoi(p.cast())),
                "atoi({s:?})"
            );
            assert_eq!(
                strconv::atol(p),
                with_errno(|| c::atol(p.cast())),
                "atol({s:?})"
            );
            assert_eq!(
                strconv::atoll(p),
                with_errno(|| c::atoll(p.cast())),
                "atoll({s:?})"
            );
        }
    }
}

/// `v` in base `base` (2..=36), lowercase or uppercase.
fn in_base(mut v: u128, base: u32, upper: bool) -> String {
    let mut out = Vec::new();
    loop {
        let d = (v % base as u128) as u32;
        let ch = std::char::from_digit(d, base).unwrap();
        out.push(if upper { ch.to_ascii_uppercase() } else { ch });
        v /= base as u128;
        if v == 0 {
            break;
        }
    }
    out.iter().rev().collect()
}

#[test]
fn integers_fixed() {
    let cases = [
        "",
        " ",
        "0",
        "-0",
        "+0",
        "0x",
        "0X",
        "-0x",
        "0xg",
        "0x1f",
        "0X1F",
        "00x1",
        "0b101",
        "08",
        "010",
        "  \t\n\x0b\x0c\r42",
        "+-1",
        "-+1",
        "--1",
        "- 1",
        "\x0012",
        "1\x002",
        "z",
        "Z",
        "zz",
        "-1",
        "-",
        "+",
        "x12",
        "12abc",
        "0x-1",
        "0x 1",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "-18446744073709551615",
        "-18446744073709551616",
        "99999999999999999999999999999999999999",
        "-99999999999999999999999999999999",
        "2147483647",
        "2147483648",
        "4294967296",
        "-2147483649",
        "0x7fffffffffffffff",
        "0x8000000000000000",
        "0xffffffffffffffff",
        "0x10000000000000000",
        "0777777777777777777777",
        "01000000000000000000000",
        "01777777777777777777777",
        "02000000000000000000000",
        "\u{a0}1",
    ];
    for s in cases {
        for base in [-1000, -1, 0, 1, 2, 3, 8, 10, 16, 35, 36, 37, 100] {
            check_int(s, base);
        }
    }
}

#[test]
fn integers_generated() {
    let mut rng = Rng(11);
    let alphabets: [&[u8]; 4] = [
        b"01",
        b"01234567",
        b"0123456789",
        b"0123456789abcdefxyzABCDEFXYZ",
    ];
    for _ in 0..15_000 {
        let mut s = String::new();
        s += rng.pick(&["", "", " ", "\t\n", "\x0b\x0c\r ", "  "]);
        s += rng.pick(&["", "", "-", "+", "--", "+-"]);
        s += rng.pick(&["", "", "", "0", "0x", "0X", "00", "0x0"]);
        let alphabet = alphabets[rng.below(alphabets.len())];
        let max = if rng.chance(20) { 70 } else { 22 };
        s += &rng.digits(alphabet, max);
        s += rng.pick(&["", "", "z", " 1", ".5", "-", "\x7f", "g"]);
        let base = match rng.below(8) {
            0 => rng.range(-3, 40) as i32,
            k => [0, 2, 8, 10, 16, 36, 10][k - 1],
        };
        check_int(&s, base);
    }
    // Around the limits, in every base.
    let limits: [u128; 3] = [i64::MAX as u128, 1 << 63, u64::MAX as u128];
    for base in 2..=36u32 {
        for limit in limits {
            for delta in -2i128..=2 {
                let v = (limit as i128 + delta) as u128;
                for sign in ["", "-", "+"] {
                    let digits = in_base(v, base, rng.chance(50));
                    let prefix = if base == 16 && rng.chance(50) {
                        "0x"
                    } else {
                        ""
                    };
                    let s = format!("{sign}{prefix}{digits}");
                    check_int(&s, base as i32);
                    if base == 8 || base == 10 || base == 16 {
                        let prefixed = match base {
                            8 => format!("{sign}0{digits}"),
                            16 => format!("{sign}0x{digits}"),
                            _ => s.clone(),
                        };
                        check_int(&prefixed, 0);
                    }
                }
            }
        }
    }
}

/// Compares strtod, strtof and atof on one string.
fn check_float(s: &[u8]) {
    let mut buf = s.to_vec();
    buf.push(0);
    let p = buf.as_ptr();
    let show = || {
        String::from_utf8_lossy(s)
            .chars()
            .take(120)
            .collect::<String>()
            + if s.len() > 120 { "..." } else { "" }
    };
    // SAFETY: `p` is `buf`, a NUL-terminated copy of `s` that lives and is
    // not changed during the block, and each `end` is NULL or a live local
    // pointer: what ukc's and glibc's conversions require.
    unsafe {
        let mut e1 = SENTINEL as *mut u8;
        let mut e2 = SENTINEL as *mut c_char;
        let (v1, err1) = strconv::strtod(p, &mut e1);
        let (v2, err2) = with_errno(|| c::strtod(p.cast(), &mut e2));
        assert_eq!(
            (v1.to_bits(), err1, e1 as usize - p as usize),
            (v2.to_bits(), err2, e2 as usize - p as usize),
            "strtod({}) = {v1:e} vs {v2:e}",
            show()
        );
        let mut e1 = SENTINEL as *mut u8;
        let mut e2 = SENTINEL as *mut c_char;
        let (v1, err1) = strconv::strtof(p, &mut e1);
        let (v2, err2) = with_errno(|| c::strtof(p.cast(), &mut e2));
        assert_eq!(
            (v1.to_bits(), err1, e1 as usize - p as usize),
            (v2.to_bits(), err2, e2 as usize - p as usize),
            "strtof({}) = {v1:e} vs {v2:e}",
            show()
        );
        let (v1, err1) = strconv::atof(p);
        let (v2, err2) = with_errno(|| c::atof(p.cast()));
        assert_eq!(
            (v1.to_bits(), err1),
            (v2.to_bits(), err2),
            "atof({})",
            show()
        );
        let (v1, _) = strconv::strtod(p, null_mut());
        assert_eq!(v1.to_bits(), c::strtod(p.cast(), null_mut()).to_bits());
    }
}

#[test]
fn floats_fixed() {
    let cases = [
        "",
        " ",
        "0",
        "-0",
        "+0",
        ".",
        "-.",
        "+.",
        "  -",
        " .e1",
        "e1",
        "1e",
        "1e+",
        "1e-",
        "1E5",
        "1e+5",
        "1e-5",
        "1.",
        "5.",
        ".5",
        "-.5e-3x",
        "1.5.3",
        "1..2",
        "0x",
        "0X",
        "0x.",
        "0xg",
        "0x.p1",
        "-0x",
        "+0x1",
        "0x1p",
        "0x1p+",
        "0x1p-",
        "0x1P3",
        "0x.8",
        "0x1.",
        "0x1.8p3",
        "0X1.8P+3",
        "0x1.fffffffffffffp1023",
        "0x1.fffffffffffff8p1023",
        "0x1.fffffffffffff7ffp1023",
        "0x1p1024",
        "0x1p-1022",
        "0x1p-1074",
        "0x1p-1075",
        "0x1.8p-1074",
        "0x1.0000000000001p-1075",
        "0x0.fffffffffffff8p-1022",
        "0x0.fffffffffffffcp-1022",
        "0x0.fffffffffffff7p-1022",
        "0x0.fffffffffffffbffp-1022",
        "0x0.fffffffffffffc01p-1022",
        "0x1p99999999999999",
        "0x1p-99999999999999",
        "0x0p99999999999999",
        "00x1",
        "0x00000000000000000000001p0",
        "0x1.00000000000008000000000000000001p0",
        "0x1.00000000000008p0",
        "0x1.00000000000018p0",
        "0x123456789abcdef123456789abcdefp-200",
        "1e-400",
        "1e400",
        "-1e400",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "2.2250738585072014e-308",
        "2.225073858507201259e-308",
        "2.225073858507201260e-308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "0e99999999999999",
        "0.0000e-999999999999999999",
        "1e-99999999999999999999",
        "1e99999999999999999999",
        "1e0000000000000000000000005",
        "123456789012345678901234567890",
        "0.1",
        "0.2",
        "0.3",
        "3.14159265358979323846",
        "9007199254740993",
        "9007199254740992.5",
        "9007199254740993.0000000000000000000000000001",
        "1.17549435e-38",
        "1.4e-45",
        "7e-46",
        "3.4028235e38",
        "3.4028236e38",
        "inf",
        "INF",
        "-inf",
        "+Inf",
        "infinity",
        "INFINITY",
        "iNfInItY",
        "infinit",
        "infinityx",
        "infx",
        "in",
        "i",
        "nan",
        "NaN",
        "-nan",
        "+NAN",
        "nan(",
        "nan()",
        "nan(abc_123)",
        "nan(123)",
        "nan(0x7)",
        "nan(0x7fffffffffffff)",
        "nan(077)",
        "nan(-1)",
        "nan(1 2)",
        "nan(99999999999999999999999)",
        "nan(0x)",
        "nan(abc",
        "nanx",
        "na",
        "  \t\n\x0b\x0c\r1.5",
        "\u{a0}1",
        "1,5",
        "1_000",
    ];
    for s in cases {
        check_float(s.as_bytes());
    }
}

/// A decimal number of any size, base 10^9, least significant limb first.
struct Dec(Vec<u64>);

impl Dec {
    fn new(v: u64) -> Dec {
        let mut d = Dec(vec![
            v % 1_000_000_000,
            v / 1_000_000_000 % 1_000_000_000,
            v / 1_000_000_000_000_000_000,
        ]);
        d.trim();
        d
    }
    fn trim(&mut self) {
        while self.0.len() > 1 && *self.0.last().unwrap() == 0 {
            self.0.pop();
        }
    }
    fn mul(&mut self, m: u64) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let v = *limb * m + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry != 0 {
            self.0.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    fn digits(&self) -> String {
        let mut s = format!("{}", self.0.last().unwrap());
        for limb in self.0.iter().rev().skip(1) {
            s += &format!("{limb:09}");
        }
        s
    }
}

/// The exact decimal digits D and exponent k with `n * 2^e == D * 10^k`.
fn exact(n: u64, e: i64) -> (String, i64) {
    let mut d = Dec::new(n);
    if e >= 0 {
        let mut left = e;
        while left > 0 {
            let step = left.min(29);
            d.mul(1 << step);
            left -= step;
        }
        (d.digits(), 0)
    } else {
        let mut left = -e;
        while left > 0 {
            let step = left.min(13);
            d.mul(5u64.pow(step as u32));
            left -= step;
        }
        (d.digits(), e)
    }
}

/// Spellings of `D * 10^k`, exactly and nudged up or down by a digit far
/// beyond the significant ones (past any cut-off an implementation might
/// use).
fn spellings(rng: &mut Rng, digits: &str, k: i64) -> Vec<String> {
    let zeros = "0".repeat(if rng.chance(50) {
        rng.below(20)
    } else {
        800 + rng.below(400)
    });
    let mut out = vec![format!("{digits}e{k}")];
    out.push(format!("{digits}{zeros}1e{}", k - zeros.len() as i64 - 1));
    // Just below: D - 1 followed by nines.
    let below: String = {
        let mut v: Vec<u8> = digits.as_bytes().to_vec();
        let mut i = v.len();
        loop {
            i -= 1;
            if v[i] == b'0' {
                v[i] = b'9';
            } else {
                v[i] -= 1;
                break;
            }
        }
        String::from_utf8(v).unwrap()
    };
    let nines = "9".repeat(zeros.len() + 1);
    out.push(format!("{below}{nines}e{}", k - nines.len() as i64));
    // With a decimal point placed inside or before the digits.
    let at = rng.below(digits.len() + 1);
    let shifted = format!(
        "{}.{}e{}",
        &digits[..at],
        &digits[at..],
        k + (digits.len() - at) as i64
    );
    out.push(shifted);
    let z = rng.below(30);
    out.push(format!(
        "0.{}{digits}e{}",
        "0".repeat(z),
        k + (digits.len() + z) as i64
    ));
    out
}

#[test]
fn floats_halfway_and_thresholds() {
    let mut rng = Rng(12);
    // (mantissa bits, min exponent): double and float.
    for (mant, emin, count) in [(52i64, -1022i64, 400), (23, -126, 400)] {
        let lsb_min = emin - mant;
        for i in 0..count {
            // A random positive finite value m * 2^e of the format; many
            // near the subnormal range and the top.
            let e = match i % 4 {
                0 => lsb_min,
                1 => lsb_min + rng.range(0, 3),
                2 => rng.range(lsb_min, -lsb_min - 2 * mant - 2),
                _ => -lsb_min - 2 * mant - 1 - rng.range(0, 2),
            };
            let m = if e == lsb_min && rng.chance(50) {
                rng.next() % (1 << mant)
            } else {
                (1 << mant) | (rng.next() % (1 << mant))
            };
            // The point halfway to the next value: (2m + 1) * 2^(e - 1).
            let (digits, k) = exact(2 * m + 1, e - 1);
            for s in spellings(&mut rng, &digits, k) {
                check_float(s.as_bytes());
            }
            // And a value of the format itself.
            let (digits, k) = exact(m.max(1), e);
            for s in spellings(&mut rng, &digits, k) {
                check_float(s.as_bytes());
            }
        }
        // The tininess threshold (2^(mant + 2) - 1) * 2^(emin - mant - 2),
        // the smallest normal, the halfway points at the bottom, and the
        // overflow threshold.
        let specials = [
            ((1u64 << (mant + 2)) - 1, emin - mant - 2),
            (1 << mant, emin - mant),
            ((1 << (mant + 1)) - 1, emin - mant - 1),
            (1, emin - mant - 1),
            (3, emin - mant - 1),
            ((1 << (mant + 2)) - 1, -emin + 1 - mant - 1),
            ((1 << (mant + 1)) - 1, -emin + 1 - mant),
        ];
        for (n, e) in specials {
            let (digits, k) = exact(n, e);
            for _ in 0..4 {
                for s in spellings(&mut rng, &digits, k) {
                    check_float(s.as_bytes());
                }
            }
        }
    }
}

#[test]
fn floats_generated() {
    let mut rng = Rng(13);
    for _ in 0..15_000 {
        let mut s = String::new();
        s += rng.pick(&["", "", " ", "\t"]);
        s += rng.pick(&["", "", "-", "+", "--"]);
        match rng.below(10) {
            0..=5 => {
                // Decimal.
                let zeros = if rng.chance(20) { rng.below(30) } else { 0 };
                s += &"0".repeat(zeros);
                let max = if rng.chance(10) { 60 } else { 20 };
                s += &rng.digits(b"0123456789", max);
                if rng.chance(70) {
                    s += ".";
                    s += &rng.digits(b"0123456789", 20);
                }
                if rng.chance(70) {
                    s += rng.pick(&["e", "E"]);
                    s += rng.pick(&["", "+", "-", "-"]);
                    let e = match rng.below(4) {
                        0 => rng.range(0, 30),
                        1 => rng.range(280, 330),
                        2 => rng.range(30, 50),
                        _ => rng.range(0, 400),
                    };
                    s += &e.to_string();
                }
            }
            6..=8 => {
                // Hexadecimal.
                s += rng.pick(&["0x", "0X"]);
                s += &rng.digits(b"0123456789abcdefABCDEF0000", 20);
                if rng.chance(60) {
                    s += ".";
                    s += &rng.digits(b"0123456789abcdef", 20);
                }
                if rng.chance(80) {
                    s += rng.pick(&["p", "P"]);
                    s += rng.pick(&["", "+", "-", "-"]);
                    let e = match rng.below(3) {
                        0 => rng.range(0, 40),
                        1 => rng.range(1000, 1160),
                        _ => rng.range(100, 160),
                    };
                    s += &e.to_string();
                }
            }
            _ => {
                s += rng.pick(&["inf", "nan", "infinity", "nan(", "i", "n", "."]);
                s += &rng.digits(b"abcxyz_019()", 5);
            }
        }
        s += rng.pick(&["", "", "x", "e", "p", ".", "e-", "(", " 1"]);
        check_float(s.as_bytes());
    }
    // Very long digit strings.
    for _ in 0..60 {
        let lead = "0".repeat(rng.below(3000));
        let body = rng.digits(b"0123456789", 3000);
        let frac = rng.digits(b"0123456789", 3000);
        let e = rng.range(-4000, 4000);
        check_float(format!("{lead}{body}.{frac}e{e}").as_bytes());
        check_float(format!("0.{lead}{body}e{}", lead.len() as i64 + e % 400).as_bytes());
        check_float(format!("{body}{lead}e-{}", lead.len() + body.len()).as_bytes());
    }
}
