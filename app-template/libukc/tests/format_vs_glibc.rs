//! Differential test of `ukc::format` against the host glibc's snprintf:
//! tens of thousands of generated specs (flags, width, precision, `*`,
//! length modifiers, every conversion, edge and random arguments), strings
//! with several conversions and literal text, and truncating buffers.
use std::ffi::{c_char, c_int, CString};
use ukc::format::{format, ArgSource, BufSink, Sink};

extern "C" {
    fn snprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ...) -> c_int;
}

#[derive(Clone, Copy, Debug)]
enum Arg {
    Int(i32),
    Long(i64),
    Double(f64),
    Ptr(usize),
}

struct Args {
    list: Vec<Arg>,
    pos: usize,
}

impl Args {
    fn next(&mut self) -> Arg {
        let a = *self
            .list
            .get(self.pos)
            .unwrap_or_else(|| panic!("too few arguments in {:?}", self.list));
        self.pos += 1;
        a
    }
}

impl ArgSource for Args {
    fn next_int(&mut self) -> i32 {
        match self.next() {
            Arg::Int(v) => v,
            a => panic!("wanted an int, got {a:?}"),
        }
    }
    fn next_long(&mut self) -> i64 {
        match self.next() {
            Arg::Long(v) => v,
            a => panic!("wanted a long, got {a:?}"),
        }
    }
    fn next_double(&mut self) -> f64 {
        match self.next() {
            Arg::Double(v) => v,
            a => panic!("wanted a double, got {a:?}"),
        }
    }
    fn next_ptr(&mut self) -> usize {
        match self.next() {
            Arg::Ptr(v) => v,
            a => panic!("wanted a pointer, got {a:?}"),
        }
    }
}

struct VecSink(Vec<u8>);

impl Sink for VecSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// splitmix64: small, deterministic.
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
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

const BUF: usize = 4096;

/// Calls glibc with the given arguments (any leading ints, then at most one
/// value of any type; or one of the fixed multi-argument shapes below).
///
/// # Safety
/// `args` must hold an argument of the right type for each conversion of
/// `fmt`, in order (glibc reads them as its va_list), and each `%s` argument
/// must be 0 or point to a live NUL-terminated string.
unsafe fn glibc(fmt: &CString, args: &[Arg], cap: usize) -> (Vec<u8>, i32) {
    let mut buf = vec![0x55u8; BUF];
    let b = buf.as_mut_ptr().cast::<c_char>();
    let f = fmt.as_ptr();
    use Arg::*;
    // SAFETY: the caller passes an argument of the right type for each
    // conversion, in order, and makes every %s pointer NULL or a live
    // NUL-terminated string; `fmt` is NUL-terminated and `b` has BUF >= cap
    // writable bytes apart from it.
    let r = unsafe {
        match *args {
            [] => snprintf(b, cap, f),
            [Int(a)] => snprintf(b, cap, f, a),
            [Long(a)] => snprintf(b, cap, f, a),
            [Double(a)] => snprintf(b, cap, f, a),
            [Ptr(a)] => snprintf(b, cap, f, a),
            [Int(w), Int(a)] => snprintf(b, cap, f, w, a),
            [Int(w), Long(a)] => snprintf(b, cap, f, w, a),
            [Int(w), Double(a)] => snprintf(b, cap, f, w, a),
            [Int(w), Ptr(a)] => snprintf(b, cap, f, w, a),
            [Int(w), Int(p), Int(a)] => snprintf(b, cap, f, w, p, a),
            [Int(w), Int(p), Long(a)] => snprintf(b, cap, f, w, p, a),
            [Int(w), Int(p), Double(a)] => snprintf(b, cap, f, w, p, a),
            [Int(w), Int(p), Ptr(a)] => snprintf(b, cap, f, w, p, a),
            // Shape A of the multi-conversion strings.
            [Int(a), Double(b2), Ptr(c), Long(d)] => snprintf(b, cap, f, a, b2, c, d),
            [Double(a), Double(b2), Double(c), Double(d), Double(e)] => {
                snprintf(b, cap, f, a, b2, c, d, e)
            }
            // Shape B.
            [Double(a), Long(b2), Double(c), Int(d), Ptr(e), Double(g)] => {
                snprintf(b, cap, f, a, b2, c, d, e, g)
            }
            _ => panic!("no glibc call shape for {args:?}"),
        }
    };
    let n = if cap == 0 {
        0
    } else {
        (r.max(0) as usize).min(cap - 1) + 1
    };
    buf.truncate(n.min(cap));
    (buf, r)
}

/// Runs both and panics with the case on a mismatch.
///
/// # Safety
/// `args` must hold an argument of the right type for each conversion of
/// `fmt`, in order (glibc reads them as its va_list), and each `%s` argument
/// must be 0 or point to a live NUL-terminated string.
unsafe fn check(fmt: &str, args: &[Arg], cap: usize, what: &str) {
    let c = CString::new(fmt).unwrap();
    // SAFETY: the caller passes arguments of the right types for `fmt` and
    // %s pointers that are 0 or live strings; `c` is `fmt` with a NUL.
    let (want, want_n) = unsafe { glibc(&c, args, cap) };
    let mut ours = Args {
        list: args.to_vec(),
        pos: 0,
    };
    let (got, got_n) = if cap == BUF {
        let mut sink = VecSink(Vec::new());
        // SAFETY: the caller makes every `%s` argument 0 or a live
        // NUL-terminated string.
        let n = unsafe { format(fmt.as_bytes(), &mut ours, &mut sink) };
        let mut v = sink.0;
        v.push(0);
        (v, n)
    } else {
        let mut buf = vec![0x55u8; cap];
        let n = {
            let mut sink = BufSink::new(&mut buf);
            // SAFETY: the caller makes every `%s` argument 0 or a live
            // NUL-terminated string.
            let n = unsafe { format(fmt.as_bytes(), &mut ours, &mut sink) };
            assert_eq!(sink.written(), n, "BufSink::written for {fmt:?}");
            n
        };
        if cap > 0 {
            buf[n.min(cap - 1)] = 0;
            buf.truncate(n.min(cap - 1) + 1);
        }
        (buf, n)
    };
    let show = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
    assert!(
        want == got && want_n as usize == got_n,
        "{what}: format {fmt:?} args {args:?} cap {cap}\n glibc: {:?} ({want_n})\n  ukc: {:?} ({got_n})",
        show(&want),
        show(&got),
    );
    assert_eq!(
        ours.pos,
        args.len(),
        "{what}: {fmt:?} consumed {} of {:?}",
        ours.pos,
        args
    );
}

/// Strings that %s arguments point to (kept alive for the whole test).
fn strings() -> Vec<CString> {
    [
        "",
        "a",
        "hello",
        "hello, world",
        "(null)",
        "tab\there",
        "0123456789abcdefghij",
        "\u{e9}t\u{e9}",
    ]
    .iter()
    .map(|s| CString::new(*s).unwrap())
    .collect()
}

const SPECIAL_DOUBLES: &[f64] = &[
    0.0,
    -0.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    1e308,
    f64::MAX,
    -f64::MAX,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    f64::MIN_POSITIVE,
    0.1,
    0.5,
    1.5,
    2.5,
    -2.5,
    0.125,
    0.375,
    1e23,
    9.5,
    99.5,
    999.5,
    0.05,
    0.15,
    0.25,
    0.35,
    1.0,
    10.0,
    100000.0,
    999999.5,
    9999995.0,
    1e-4,
    1e-5,
    0.0001234,
    123456789.125,
    1e15,
    1e16,
    1e17,
    1e21,
    1e22,
    4.35,
    2.675,
    1.0 / 3.0,
    2.0 / 3.0,
    std::f64::consts::PI,
    std::f64::consts::E,
    9007199254740993.0,
    18446744073709551616.0,
    0.999999999,
];

fn random_double(rng: &mut Rng) -> f64 {
    match rng.below(8) {
        0 => rng.pick(SPECIAL_DOUBLES),
        1 => -rng.pick(SPECIAL_DOUBLES),
        // Any bit pattern (including NaNs with payloads and denormals).
        2 | 3 => f64::from_bits(rng.next()),
        // Decimal-looking values.
        4 => {
            let m = rng.below(1_000_000_000) as f64;
            let v = m / 10f64.powi(rng.range(0, 12) as i32);
            if rng.chance(30) {
                -v
            } else {
                v
            }
        }
        // Exact binary fractions: halfway cases for rounding.
        5 => {
            let v = rng.below(200_000) as f64 / 2f64.powi(rng.range(0, 14) as i32);
            if rng.chance(30) {
                -v
            } else {
                v
            }
        }
        // Powers of ten and their neighbours.
        6 => {
            let v = 10f64.powi(rng.range(-320, 308) as i32);
            match rng.below(3) {
                0 => v,
                1 => f64::from_bits(v.to_bits().wrapping_add(1)),
                _ => f64::from_bits(v.to_bits().wrapping_sub(1)),
            }
        }
        // Small integers and x.5 values.
        _ => rng.range(-100_000, 100_000) as f64 + if rng.chance(50) { 0.5 } else { 0.0 },
    }
}

fn random_int(rng: &mut Rng) -> i32 {
    match rng.below(4) {
        0 => rng.pick(&[
            0,
            1,
            -1,
            i32::MIN,
            i32::MAX,
            255,
            256,
            -128,
            127,
            65535,
            -32768,
            8,
            16,
        ]),
        1 => rng.range(-1000, 1000) as i32,
        _ => rng.next() as i32,
    }
}

fn random_long(rng: &mut Rng) -> i64 {
    match rng.below(4) {
        0 => rng.pick(&[
            0,
            1,
            -1,
            i64::MIN,
            i64::MAX,
            i32::MIN as i64,
            i32::MAX as i64,
            u32::MAX as i64,
            1 << 32,
        ]),
        1 => rng.range(-100_000, 100_000),
        _ => rng.next() as i64,
    }
}

fn flags(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(40) {
        return s;
    }
    for _ in 0..rng.range(1, 4) {
        let f = if rng.chance(5) {
            rng.pick(&['\'', 'I'])
        } else {
            rng.pick(&['-', '+', ' ', '#', '0'])
        };
        s.push(f);
    }
    s
}

/// Appends a width (maybe `*`, pushing its argument) to `spec`.
fn width(rng: &mut Rng, spec: &mut String, args: &mut Vec<Arg>) {
    match rng.below(10) {
        0..=3 => {}
        4 | 5 => {
            spec.push('*');
            args.push(Arg::Int(rng.range(-30, 30) as i32));
        }
        _ => spec.push_str(&rng.range(1, 30).to_string()),
    }
}

/// Appends a precision (maybe `*`) up to `max`.
fn precision(rng: &mut Rng, spec: &mut String, args: &mut Vec<Arg>, max: i64) {
    match rng.below(10) {
        0..=2 => {}
        3 => spec.push('.'),
        4 | 5 => {
            spec.push_str(".*");
            args.push(Arg::Int(rng.range(-5, max) as i32));
        }
        _ => {
            spec.push('.');
            spec.push_str(&rng.range(0, max).to_string());
        }
    }
}

/// One random spec with its arguments (`*` ints first, then the value).
fn random_spec(rng: &mut Rng, strs: &[CString], args: &mut Vec<Arg>) -> String {
    let mut spec = String::from("%");
    spec.push_str(&flags(rng));
    width(rng, &mut spec, args);
    match rng.below(100) {
        // Integers.
        0..=39 => {
            let max = if rng.chance(80) { 20 } else { 40 };
            precision(rng, &mut spec, args, max);
            let len = rng.pick(&["", "", "hh", "h", "l", "ll", "z", "j", "t", "q", "L", "Z"]);
            spec.push_str(len);
            spec.push(rng.pick(&['d', 'i', 'u', 'x', 'X', 'o', 'b', 'B']));
            args.push(match len {
                "" | "hh" | "h" => Arg::Int(random_int(rng)),
                _ => Arg::Long(random_long(rng)),
            });
        }
        // Floats.
        40..=84 => {
            let conv = rng.pick(&['e', 'E', 'f', 'F', 'g', 'G', 'a', 'A']);
            let max = match conv {
                'f' | 'F' if rng.chance(20) => 60,
                'e' | 'E' | 'g' | 'G' if rng.chance(20) => 40,
                _ => 17,
            };
            precision(rng, &mut spec, args, max);
            // Not "h": glibc pads "%0*hf" with a negative width oddly (see format.rs).
            spec.push_str(rng.pick(&["", "", "", "l", "hh", "j", "z", "t"]));
            spec.push(conv);
            args.push(Arg::Double(random_double(rng)));
        }
        // Characters.
        85..=88 => {
            precision(rng, &mut spec, args, 5);
            spec.push_str(rng.pick(&["", "", "hh", "h"]));
            spec.push('c');
            args.push(Arg::Int(rng.pick(&[
                b'a' as i32,
                b'Z' as i32,
                b'0' as i32,
                0,
                300,
                -1,
                32,
            ])));
        }
        // Strings.
        89..=94 => {
            precision(rng, &mut spec, args, 12);
            spec.push('s');
            let p = if rng.chance(15) {
                0
            } else {
                strs[rng.below(strs.len() as u64) as usize].as_ptr() as usize
            };
            args.push(Arg::Ptr(p));
        }
        // Pointers.
        95..=97 => {
            precision(rng, &mut spec, args, 20);
            spec.push('p');
            let p = match rng.below(4) {
                0 => 0,
                1 => rng.next() as usize,
                2 => rng.below(0x10000) as usize,
                _ => 0x7fff_0000_1000 + rng.below(0x1000_0000) as usize,
            };
            args.push(Arg::Ptr(p));
        }
        // Unknown conversions (glibc rebuilds the spec) and %%.
        _ => {
            precision(rng, &mut spec, args, 12);
            if rng.chance(30) {
                spec.push('%');
            } else {
                spec.push_str(rng.pick(&["", "", "h", "l", "hh", "z"]));
                spec.push(rng.pick(&[
                    'k', 'K', 'r', 'v', 'w', 'y', 'D', 'H', 'U', 'O', '!', '&', '}', '@', '~',
                ]));
            }
        }
    }
    spec
}

#[test]
fn single_specs_match_glibc() {
    let strs = strings();
    // UKC_FORMAT_CASES=N runs more (or fewer) cases; UKC_FORMAT_SEED changes them.
    let cases = std::env::var("UKC_FORMAT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let seed = std::env::var("UKC_FORMAT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng(0x5eed_0000 ^ seed);
    let mut n = 0;
    for _ in 0..cases {
        let mut args = Vec::new();
        let spec = random_spec(&mut rng, &strs, &mut args);
        let fmt = match rng.below(4) {
            0 => format!("<{spec}>"),
            _ => spec,
        };
        // SAFETY: the generator builds the spec with its arguments, of the
        // types it takes; a `%s` argument is 0 or one of `strs`, alive for
        // the whole test.
        unsafe { check(&fmt, &args, BUF, "single") };
        n += 1;
    }
    eprintln!("{n} single-spec cases");
}

/// A few specific precisions for every float conversion of the special values.
#[test]
fn special_doubles_every_precision() {
    let mut n = 0;
    for &v in SPECIAL_DOUBLES {
        for v in [v, -v] {
            for (flags, conv) in [
                ("", 'e'),
                ("", 'f'),
                ("", 'g'),
                ("", 'a'),
                ("#", 'g'),
                ("", 'E'),
                ("", 'G'),
            ] {
                for prec in (0..=20).chain([40, 60]) {
                    // SAFETY: one float conversion, given one double.
                    unsafe {
                        check(
                            &format!("%{flags}.{prec}{conv}"),
                            &[Arg::Double(v)],
                            BUF,
                            "special",
                        )
                    };
                    n += 1;
                }
            }
            for fmt in [
                "%e",
                "%f",
                "%g",
                "%a",
                "%#g",
                "%+F",
                "%#.0f",
                "%#.0e",
                "%#a",
                "%#.0a",
                "%A",
                "%G",
                "% 030.3e",
                "%-+30.5g|",
            ] {
                // SAFETY: each of these formats has one float conversion,
                // given one double.
                unsafe { check(fmt, &[Arg::Double(v)], BUF, "special") };
                n += 1;
            }
        }
    }
    eprintln!("{n} special-double cases");
}

/// Random doubles at every precision 0..=40 (and a few long ones) for each
/// float conversion.
#[test]
fn random_doubles_every_precision() {
    let mut rng = Rng(0x5eed_0003);
    let mut n = 0;
    for _ in 0..400 {
        let v = random_double(&mut rng);
        for conv in ['e', 'f', 'g', 'a'] {
            for prec in (0..=40).chain([100, 350]) {
                // SAFETY: one float conversion, given one double.
                unsafe {
                    check(
                        &format!("%.{prec}{conv}"),
                        &[Arg::Double(v)],
                        BUF,
                        "precision",
                    )
                };
                n += 1;
            }
        }
        // SAFETY: five float conversions, given five doubles.
        unsafe {
            check(
                "%#g|%#.0g|%#.1g|%#.3g|%#.17g",
                &[Arg::Double(v); 5],
                BUF,
                "alt g",
            )
        };
        n += 1;
    }
    eprintln!("{n} precision cases");
}

/// Several conversions with literal text and `%%`, in two argument shapes.
#[test]
fn multi_conversion_strings_match_glibc() {
    let strs = strings();
    let mut rng = Rng(0x5eed_0002);
    let texts = [
        "", "x=", " ", "%%", "100%% ", "\t", "abc", ": ", "[%%]", "\n",
    ];
    let mut n = 0;
    for _ in 0..3_000 {
        let shape_a = rng.chance(50);
        let kinds: &[char] = if shape_a {
            &['i', 'd', 's', 'l']
        } else {
            &['d', 'l', 'd', 'i', 'p', 'd']
        };
        let mut fmt = String::new();
        let mut args = Vec::new();
        for &k in kinds {
            fmt.push_str(rng.pick(&texts));
            let mut spec = String::from("%");
            spec.push_str(&flags(&mut rng));
            if rng.chance(50) {
                spec.push_str(&rng.range(1, 25).to_string());
            }
            match k {
                'i' => {
                    if rng.chance(50) {
                        spec.push_str(&format!(".{}", rng.range(0, 8)));
                    }
                    spec.push(rng.pick(&['d', 'u', 'x', 'o', 'c', 'X']));
                    let v = random_int(&mut rng);
                    let v = if spec.ends_with('c') {
                        i32::from(b'A') + v.rem_euclid(26)
                    } else {
                        v
                    };
                    args.push(Arg::Int(v));
                }
                'l' => {
                    if rng.chance(50) {
                        spec.push_str(&format!(".{}", rng.range(0, 8)));
                    }
                    spec.push_str(rng.pick(&["l", "ll", "z", "j"]));
                    spec.push(rng.pick(&['d', 'i', 'u', 'x', 'o']));
                    args.push(Arg::Long(random_long(&mut rng)));
                }
                'd' => {
                    if rng.chance(70) {
                        spec.push_str(&format!(".{}", rng.range(0, 17)));
                    }
                    spec.push(rng.pick(&['e', 'f', 'g', 'E', 'G', 'a']));
                    args.push(Arg::Double(random_double(&mut rng)));
                }
                's' => {
                    if rng.chance(40) {
                        spec.push_str(&format!(".{}", rng.range(0, 8)));
                    }
                    spec.push('s');
                    args.push(Arg::Ptr(if rng.chance(10) {
                        0
                    } else {
                        strs[rng.below(strs.len() as u64) as usize].as_ptr() as usize
                    }));
                }
                _ => {
                    spec.push('p');
                    args.push(Arg::Ptr(if rng.chance(20) {
                        0
                    } else {
                        rng.next() as usize >> 16
                    }));
                }
            }
            fmt.push_str(&spec);
        }
        fmt.push_str(rng.pick(&texts));
        // SAFETY: the generator loop pushes each spec with its arguments, of
        // the types it takes; a `%s` argument is 0 or one of `strs`, alive
        // for the whole test.
        unsafe { check(&fmt, &args, BUF, "multi") };
        n += 1;
        // The same output cut by snprintf-style buffers.
        let cap = rng.below(48) as usize;
        // SAFETY: the generator loop built `fmt` and `args` together, each
        // spec with arguments of the types it takes; `%s` arguments are 0 or
        // strings of `strs`, still alive.
        unsafe { check(&fmt, &args, cap, "truncated") };
        n += 1;
    }
    eprintln!("{n} multi-conversion cases");
}

#[test]
fn truncation_matches_glibc() {
    let s = c"a string";
    let args = [
        Arg::Int(-42),
        Arg::Double(2.5),
        Arg::Ptr(s.as_ptr() as usize),
        Arg::Long(1 << 40),
    ];
    for cap in 0..48 {
        // SAFETY: the four conversions get an int, a double, the live C
        // string literal `s` and a long, in that order.
        unsafe { check("hello %d, %.3f world %10s! %#lx", &args, cap, "truncated") };
    }
}
