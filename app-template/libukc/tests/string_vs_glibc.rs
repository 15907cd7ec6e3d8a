//! ukc's string.h, strings.h, ctype.h and strerror against the host's glibc
//! (C locale), on generated inputs.
use std::ffi::{c_char, c_int, CStr};
use std::ptr::null_mut;
use ukc::{ctype, errno, string};

mod c {
    use std::ffi::{c_char, c_int, c_void};
    extern "C" {
        pub fn memchr(s: *const c_void, c: c_int, n: usize) -> *mut c_void;
        pub fn memrchr(s: *const c_void, c: c_int, n: usize) -> *mut c_void;
        pub fn memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int;
        pub fn memccpy(d: *mut c_void, s: *const c_void, c: c_int, n: usize) -> *mut c_void;
        pub fn memmem(h: *const c_void, hl: usize, n: *const c_void, nl: usize) -> *mut c_void;
        pub fn strlen(s: *const c_char) -> usize;
        pub fn strnlen(s: *const c_char, n: usize) -> usize;
        pub fn strcpy(d: *mut c_char, s: *const c_char) -> *mut c_char;
        pub fn stpcpy(d: *mut c_char, s: *const c_char) -> *mut c_char;
        pub fn strncpy(d: *mut c_char, s: *const c_char, n: usize) -> *mut c_char;
        pub fn stpncpy(d: *mut c_char, s: *const c_char, n: usize) -> *mut c_char;
        pub fn strcat(d: *mut c_char, s: *const c_char) -> *mut c_char;
        pub fn strncat(d: *mut c_char, s: *const c_char, n: usize) -> *mut c_char;
        pub fn strcmp(a: *const c_char, b: *const c_char) -> c_int;
        pub fn strncmp(a: *const c_char, b: *const c_char, n: usize) -> c_int;
        pub fn strcoll(a: *const c_char, b: *const c_char) -> c_int;
        pub fn strxfrm(d: *mut c_char, s: *const c_char, n: usize) -> usize;
        pub fn strchr(s: *const c_char, c: c_int) -> *mut c_char;
        pub fn strrchr(s: *const c_char, c: c_int) -> *mut c_char;
        pub fn strchrnul(s: *const c_char, c: c_int) -> *mut c_char;
        pub fn strstr(h: *const c_char, n: *const c_char) -> *mut c_char;
        pub fn strspn(s: *const c_char, a: *const c_char) -> usize;
        pub fn strcspn(s: *const c_char, r: *const c_char) -> usize;
        pub fn strpbrk(s: *const c_char, a: *const c_char) -> *mut c_char;
        pub fn strtok(s: *mut c_char, d: *const c_char) -> *mut c_char;
        pub fn strtok_r(s: *mut c_char, d: *const c_char, save: *mut *mut c_char) -> *mut c_char;
        pub fn strsep(sp: *mut *mut c_char, d: *const c_char) -> *mut c_char;
        pub fn strcasecmp(a: *const c_char, b: *const c_char) -> c_int;
        pub fn strncasecmp(a: *const c_char, b: *const c_char, n: usize) -> c_int;
        pub fn strdup(s: *const c_char) -> *mut c_char;
        pub fn strndup(s: *const c_char, n: usize) -> *mut c_char;
        pub fn strerror(e: c_int) -> *mut c_char;
        pub fn strerrorname_np(e: c_int) -> *const c_char;
        pub fn malloc(n: usize) -> *mut c_void;
        pub fn free(p: *mut c_void);
        pub fn isalnum(c: c_int) -> c_int;
        pub fn isalpha(c: c_int) -> c_int;
        pub fn isblank(c: c_int) -> c_int;
        pub fn iscntrl(c: c_int) -> c_int;
        pub fn isdigit(c: c_int) -> c_int;
        pub fn isgraph(c: c_int) -> c_int;
        pub fn islower(c: c_int) -> c_int;
        pub fn isprint(c: c_int) -> c_int;
        pub fn ispunct(c: c_int) -> c_int;
        pub fn isspace(c: c_int) -> c_int;
        pub fn isupper(c: c_int) -> c_int;
        pub fn isxdigit(c: c_int) -> c_int;
        pub fn isascii(c: c_int) -> c_int;
        pub fn tolower(c: c_int) -> c_int;
        pub fn toupper(c: c_int) -> c_int;
        pub fn toascii(c: c_int) -> c_int;
    }
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
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    /// A byte from one of a few alphabets, so that matches are frequent.
    fn byte(&mut self, alphabet: usize) -> u8 {
        match alphabet {
            0 => b"ab"[self.below(2)],
            1 => b"abcAB \t,"[self.below(8)],
            2 => [0x7f, 0x80, 0xff, 0x01, b'a', b'A'][self.below(6)],
            _ => self.below(256) as u8,
        }
    }
    /// `len` bytes without NUL.
    fn text(&mut self, len: usize, alphabet: usize) -> Vec<u8> {
        (0..len)
            .map(|_| loop {
                let b = self.byte(alphabet);
                if b != 0 {
                    break b;
                }
            })
            .collect()
    }
    /// Up to `max - 1` bytes without NUL.
    fn rtext(&mut self, max: usize, alphabet: usize) -> Vec<u8> {
        let len = self.below(max);
        self.text(len, alphabet)
    }
    /// 1 to `max` bytes without NUL.
    fn rtext1(&mut self, max: usize, alphabet: usize) -> Vec<u8> {
        let len = 1 + self.below(max);
        self.text(len, alphabet)
    }
    /// An `int` argument for a character: usually a byte of the alphabet,
    /// sometimes NUL, EOF, a negative char or out of range.
    fn char_arg(&mut self, alphabet: usize) -> c_int {
        match self.below(10) {
            0 => 0,
            1 => [-1, -128, -255, 256, 0x161, 0x7fff_ffff, -0x7fff_ff00][self.below(7)],
            2 => self.byte(3) as i8 as c_int,
            _ => self.byte(alphabet) as c_int,
        }
    }
}

/// A NUL-terminated string with `tail` more bytes after its NUL (which a
/// function must not look at).
fn cstring(text: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut v = text.to_vec();
    v.push(0);
    v.extend_from_slice(tail);
    v
}

/// The offset of `p` from `base`, or None for NULL.
fn off<T, U>(p: *const T, base: *const U) -> Option<isize> {
    if p.is_null() {
        None
    } else {
        Some(p as isize - base as isize)
    }
}

fn sign(x: c_int) -> c_int {
    x.signum()
}

const ROUNDS: usize = 10_000;

#[test]
fn mem_functions() {
    let mut rng = Rng(1);
    for round in 0..ROUNDS {
        let alphabet = round % 4;
        let len = rng.below(70);
        let buf: Vec<u8> = (0..len)
            .map(|_| {
                if rng.chance(10) {
                    0
                } else {
                    rng.byte(alphabet)
                }
            })
            .collect();
        let n = rng.below(len + 1);
        let ch = rng.char_arg(alphabet);
        let p = buf.as_ptr();
        // SAFETY: every length passed is within the buffers given: n and hl
        // are at most len, the bytes of `buf` (and of `other`, its copy);
        // `d1` and `d2` have len + 8 writable bytes for memccpy's at most n,
        // apart from `buf`; `needle` has nl bytes. All live for the block.
        unsafe {
            assert_eq!(
                off(string::memchr(p, ch, n), p),
                off(c::memchr(p.cast(), ch, n), p),
                "memchr {buf:?} {ch} {n}"
            );
            assert_eq!(
                off(string::memrchr(p, ch, n), p),
                off(c::memrchr(p.cast(), ch, n), p),
                "memrchr {buf:?} {ch} {n}"
            );

            let mut other = buf.clone();
            if !other.is_empty() && rng.chance(70) {
                let at = rng.below(other.len());
                other[at] = rng.byte(3);
            }
            let q = other.as_ptr();
            assert_eq!(
                sign(string::memcmp(p, q, n)),
                sign(c::memcmp(p.cast(), q.cast(), n)),
                "memcmp {buf:?} {other:?} {n}"
            );

            let mut d1 = vec![0xa5u8; len + 8];
            let mut d2 = d1.clone();
            let r1 = string::memccpy(d1.as_mut_ptr(), p, ch, n);
            let r2 = c::memccpy(d2.as_mut_ptr().cast(), p.cast(), ch, n);
            assert_eq!(
                off(r1, d1.as_ptr()),
                off(r2, d2.as_ptr()),
                "memccpy {buf:?} {ch} {n}"
            );
            assert_eq!(d1, d2, "memccpy {buf:?} {ch} {n}");

            // memmem with needles taken from the buffer or made up.
            let nl = rng.below(6);
            let needle: Vec<u8> = if len >= nl && rng.chance(60) {
                let at = rng.below(len - nl + 1);
                let mut v = buf[at..at + nl].to_vec();
                if !v.is_empty() && rng.chance(30) {
                    let k = rng.below(v.len());
                    v[k] = rng.byte(alphabet);
                }
                v
            } else {
                (0..nl).map(|_| rng.byte(alphabet)).collect()
            };
            let hl = rng.below(len + 1);
            assert_eq!(
                off(string::memmem(p, hl, needle.as_ptr(), nl), p),
                off(c::memmem(p.cast(), hl, needle.as_ptr().cast(), nl), p),
                "memmem {buf:?} {needle:?} {hl}"
            );
        }
    }
}

#[test]
fn lengths_and_copies() {
    let mut rng = Rng(2);
    for round in 0..ROUNDS {
        let alphabet = round % 4;
        let text = rng.rtext(40, alphabet);
        let tail = rng.rtext(5, alphabet);
        let src = cstring(&text, &tail);
        let s = src.as_ptr();
        let n = rng.below(text.len() + 10);
        // SAFETY: `src` is NUL-terminated (cstring puts a NUL after the
        // text), so `s` suits every function here, and any n is fine for the
        // bounded ones, which stop at the NUL. Each destination is a fresh
        // copy of `fresh`: a NUL-terminated prefix then room for
        // prefix + text + n + 16 bytes, enough for strcat, strncat and for
        // strncpy's n bytes, apart from `src`. malloc's blocks (or the
        // NULL-returning allocator's) meet strdup_with's allocator
        // contract; p1 and p2 are non-NULL NUL-terminated copies, freed once.
        unsafe {
            assert_eq!(string::strlen(s), c::strlen(s.cast()));
            assert_eq!(string::strnlen(s, n), c::strnlen(s.cast(), n));

            // The destination: a string of its own (for strcat), then fill.
            let prefix = rng.rtext(10, alphabet);
            let mut fresh = prefix.clone();
            fresh.push(0);
            fresh.resize(prefix.len() + text.len() + n + 16, 0x5a);
            macro_rules! same {
                ($name:literal, $mine:expr, $theirs:expr) => {{
                    let mut d1 = fresh.clone();
                    let mut d2 = fresh.clone();
                    let r1 = $mine(d1.as_mut_ptr());
                    let r2 = $theirs(d2.as_mut_ptr().cast::<c_char>());
                    assert_eq!(
                        off(r1, d1.as_ptr()),
                        off(r2, d2.as_ptr()),
                        "{} {:?} {}",
                        $name,
                        src,
                        n
                    );
                    assert_eq!(d1, d2, "{} {:?} {}", $name, src, n);
                }};
            }
            same!("strcpy", |d| string::strcpy(d, s), |d| c::strcpy(
                d,
                s.cast()
            ));
            same!("stpcpy", |d| string::stpcpy(d, s), |d| c::stpcpy(
                d,
                s.cast()
            ));
            same!("strncpy", |d| string::strncpy(d, s, n), |d| c::strncpy(
                d,
                s.cast(),
                n
            ));
            same!("stpncpy", |d| string::stpncpy(d, s, n), |d| c::stpncpy(
                d,
                s.cast(),
                n
            ));
            same!("strcat", |d| string::strcat(d, s), |d| c::strcat(
                d,
                s.cast()
            ));
            same!("strncat", |d| string::strncat(d, s, n), |d| c::strncat(
                d,
                s.cast(),
                n
            ));
            let mut d1 = fresh.clone();
            let mut d2 = fresh.clone();
            let r1 = string::strxfrm(d1.as_mut_ptr(), s, n);
            let r2 = c::strxfrm(d2.as_mut_ptr().cast(), s.cast(), n);
            assert_eq!((r1, &d1), (r2, &d2), "strxfrm {src:?} {n}");
            assert_eq!(
                string::strxfrm(null_mut(), s, 0),
                c::strxfrm(null_mut(), s.cast(), 0)
            );

            let alloc = |size: usize| c::malloc(size).cast::<u8>();
            let p1 = string::strdup_with(s, alloc);
            let p2 = c::strdup(s.cast());
            assert_eq!(CStr::from_ptr(p1.cast()), CStr::from_ptr(p2));
            c::free(p1.cast());
            c::free(p2.cast());
            let p1 = string::strndup_with(s, n, alloc);
            let p2 = c::strndup(s.cast(), n);
            assert_eq!(CStr::from_ptr(p1.cast()), CStr::from_ptr(p2));
            c::free(p1.cast());
            c::free(p2.cast());
            assert!(string::strdup_with(s, |_| null_mut()).is_null());
            assert!(string::strndup_with(s, n, |_| null_mut()).is_null());
        }
    }
}

#[test]
fn comparisons() {
    let mut rng = Rng(3);
    for round in 0..ROUNDS * 2 {
        let alphabet = round % 4;
        let common = rng.rtext(20, alphabet);
        let mut a = common.clone();
        a.extend(rng.rtext(4, alphabet));
        let mut b = common;
        b.extend(rng.rtext(4, alphabet));
        if rng.chance(30) {
            // Same letters in other cases.
            b = a
                .iter()
                .map(|&x| {
                    if rng.chance(50) {
                        x.to_ascii_uppercase()
                    } else {
                        x.to_ascii_lowercase()
                    }
                })
                .collect();
        }
        let a = cstring(&a, &[b'x', 0]);
        let b = cstring(&b, &[b'y', 0]);
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let n = rng.below(30);
        // SAFETY: `a` and `b` are NUL-terminated (cstring puts a NUL after
        // the text) and live for the block, which is all the comparisons
        // need, bounded or not.
        unsafe {
            assert_eq!(
                string::strcmp(pa, pb),
                c::strcmp(pa.cast(), pb.cast()),
                "strcmp {a:?} {b:?}"
            );
            assert_eq!(
                string::strncmp(pa, pb, n),
                c::strncmp(pa.cast(), pb.cast(), n),
                "strncmp {a:?} {b:?} {n}"
            );
            assert_eq!(
                string::strcoll(pa, pb),
                c::strcoll(pa.cast(), pb.cast()),
                "strcoll {a:?} {b:?}"
            );
            assert_eq!(
                string::strcasecmp(pa, pb),
                c::strcasecmp(pa.cast(), pb.cast()),
                "strcasecmp {a:?} {b:?}"
            );
            assert_eq!(
                string::strncasecmp(pa, pb, n),
                c::strncasecmp(pa.cast(), pb.cast(), n),
                "strncasecmp {a:?} {b:?} {n}"
            );
        }
    }
}

#[test]
fn searches() {
    let mut rng = Rng(4);
    for round in 0..ROUNDS * 2 {
        let alphabet = round % 4;
        let text = rng.rtext(60, alphabet);
        let tail = rng.text(3, alphabet);
        let hay = cstring(&text, &tail);
        let h = hay.as_ptr();
        let ch = rng.char_arg(alphabet);
        let set = cstring(&rng.rtext(5, alphabet), &tail);
        // A needle from the text (maybe changed), or periodic, or random.
        let needle_text = match rng.below(4) {
            0 | 1 if !text.is_empty() => {
                let at = rng.below(text.len());
                let len = rng.below(text.len() - at + 1);
                let mut v = text[at..at + len].to_vec();
                if !v.is_empty() && rng.chance(30) {
                    let k = rng.below(v.len());
                    v[k] = rng.text(1, alphabet)[0];
                }
                v
            }
            2 => {
                let unit = rng.rtext1(3, alphabet);
                let mut v: Vec<u8> = unit.iter().cycle().take(rng.below(12)).copied().collect();
                if rng.chance(50) {
                    v.extend(rng.text(1, alphabet));
                }
                v
            }
            _ => rng.rtext(8, alphabet),
        };
        let needle = cstring(&needle_text, &tail);
        // SAFETY: `hay`, `set` and `needle` are NUL-terminated (cstring puts
        // a NUL after the text) and live, unchanged, for the block: what the
        // searches need.
        unsafe {
            let hc = h.cast::<c_char>();
            assert_eq!(
                off(string::strchr(h, ch), h),
                off(c::strchr(hc, ch), h),
                "strchr {hay:?} {ch}"
            );
            assert_eq!(
                off(string::strrchr(h, ch), h),
                off(c::strrchr(hc, ch), h),
                "strrchr {hay:?} {ch}"
            );
            assert_eq!(
                off(string::strchrnul(h, ch), h),
                off(c::strchrnul(hc, ch), h),
                "strchrnul {hay:?} {ch}"
            );
            assert_eq!(
                off(string::strstr(h, needle.as_ptr()), h),
                off(c::strstr(hc, needle.as_ptr().cast()), h),
                "strstr {hay:?} {needle:?}"
            );
            let sp = set.as_ptr();
            assert_eq!(
                string::strspn(h, sp),
                c::strspn(hc, sp.cast()),
                "strspn {hay:?} {set:?}"
            );
            assert_eq!(
                string::strcspn(h, sp),
                c::strcspn(hc, sp.cast()),
                "strcspn {hay:?} {set:?}"
            );
            assert_eq!(
                off(string::strpbrk(h, sp), h),
                off(c::strpbrk(hc, sp.cast()), h),
                "strpbrk {hay:?} {set:?}"
            );
        }
    }
    // Long periodic needles and haystacks, where naive searches are slow
    // and Two-Way's bookkeeping matters.
    for round in 0..300 {
        let unit = rng.rtext1(4, round % 2);
        let reps = 1 + rng.below(40);
        let mut needle: Vec<u8> = unit
            .iter()
            .cycle()
            .take(unit.len() * reps)
            .copied()
            .collect();
        if rng.chance(50) {
            let k = rng.below(needle.len());
            needle[k] = rng.text(1, round % 2)[0];
        }
        let mut hay: Vec<u8> = unit
            .iter()
            .cycle()
            .take(unit.len() * (reps + rng.below(60)))
            .copied()
            .collect();
        if rng.chance(70) && !hay.is_empty() {
            let k = rng.below(hay.len());
            hay[k] = rng.text(1, round % 2)[0];
        }
        let hay = cstring(&hay, &[]);
        let needle = cstring(&needle, &[]);
        // SAFETY: `hay` and `needle` are NUL-terminated (cstring puts a NUL
        // after the text) and live, unchanged, for the block.
        unsafe {
            assert_eq!(
                off(string::strstr(hay.as_ptr(), needle.as_ptr()), hay.as_ptr()),
                off(
                    c::strstr(hay.as_ptr().cast(), needle.as_ptr().cast()),
                    hay.as_ptr()
                ),
                "strstr {hay:?} {needle:?}"
            );
        }
    }
}

#[test]
fn tokenizers() {
    let mut rng = Rng(5);
    for round in 0..ROUNDS {
        let alphabet = 1 + round % 3;
        let text = rng.rtext(40, alphabet);
        let delims = cstring(&rng.rtext(4, alphabet), &[]);
        let d = delims.as_ptr();
        let original = cstring(&text, b"tail");
        // SAFETY: b1..b4 are writable NUL-terminated copies of `original`
        // that outlive the loops, so the first calls' strings and the saved
        // positions (in the ukc and glibc strtok state, save1/save2, p1/p2)
        // point into live, writable strings; every delimiter set is
        // NUL-terminated and live during its call. strtok's global state is
        // used by this test only.
        unsafe {
            // strtok (one test, so no other thread uses its state) and
            // strtok_r, with a different delimiter set now and then.
            let (mut b1, mut b2, mut b3, mut b4) = (
                original.clone(),
                original.clone(),
                original.clone(),
                original.clone(),
            );
            let (mut s1, mut s2) = (b1.as_mut_ptr(), b2.as_mut_ptr().cast::<c_char>());
            let (mut s3, mut s4) = (b3.as_mut_ptr(), b4.as_mut_ptr().cast::<c_char>());
            let (mut save1, mut save2) = (null_mut(), null_mut());
            for _ in 0..50 {
                let other = cstring(&rng.rtext(3, alphabet), &[]);
                let dd = if rng.chance(20) { other.as_ptr() } else { d };
                let t1 = string::strtok(s1, dd);
                let t2 = c::strtok(s2, dd.cast());
                assert_eq!(
                    off(t1, b1.as_ptr()),
                    off(t2, b2.as_ptr()),
                    "strtok {original:?} {delims:?}"
                );
                let t3 = string::strtok_r(s3, dd, &mut save1);
                let t4 = c::strtok_r(s4, dd.cast(), &mut save2);
                assert_eq!(
                    off(t3, b3.as_ptr()),
                    off(t4, b4.as_ptr()),
                    "strtok_r {original:?} {delims:?}"
                );
                assert_eq!(off(save1, b3.as_ptr()), off(save2, b4.as_ptr()));
                (s1, s2, s3, s4) = (null_mut(), null_mut(), null_mut(), null_mut());
                if t2.is_null() {
                    break;
                }
            }
            assert_eq!(b1, b2);
            assert_eq!(b3, b4);

            let (mut b1, mut b2) = (original.clone(), original.clone());
            let (mut p1, mut p2) = (b1.as_mut_ptr(), b2.as_mut_ptr().cast::<c_char>());
            for _ in 0..50 {
                let t1 = string::strsep(&mut p1, d);
                let t2 = c::strsep(&mut p2, d.cast());
                assert_eq!(
                    off(t1, b1.as_ptr()),
                    off(t2, b2.as_ptr()),
                    "strsep {original:?} {delims:?}"
                );
                assert_eq!(off(p1, b1.as_ptr()), off(p2, b2.as_ptr()));
                if t2.is_null() {
                    break;
                }
            }
            assert_eq!(b1, b2);
        }
    }
    // Both NULL: glibc would crash; ukc returns NULL.
    let mut save = null_mut();
    // SAFETY: `save` is a valid local (NULL, like `s`, so no string is
    // read) and the delimiters a C string literal.
    unsafe {
        assert!(string::strtok_r(null_mut(), c",".as_ptr().cast(), &mut save).is_null());
    }
}

#[test]
fn ctype_all_values() {
    type Theirs = unsafe extern "C" fn(c_int) -> c_int;
    type Pair = (&'static str, fn(i32) -> i32, Theirs);
    let pairs: [Pair; 16] = [
        ("isalnum", ctype::isalnum, c::isalnum),
        ("isalpha", ctype::isalpha, c::isalpha),
        ("isblank", ctype::isblank, c::isblank),
        ("iscntrl", ctype::iscntrl, c::iscntrl),
        ("isdigit", ctype::isdigit, c::isdigit),
        ("isgraph", ctype::isgraph, c::isgraph),
        ("islower", ctype::islower, c::islower),
        ("isprint", ctype::isprint, c::isprint),
        ("ispunct", ctype::ispunct, c::ispunct),
        ("isspace", ctype::isspace, c::isspace),
        ("isupper", ctype::isupper, c::isupper),
        ("isxdigit", ctype::isxdigit, c::isxdigit),
        ("isascii", ctype::isascii, c::isascii),
        ("tolower", ctype::tolower, c::tolower),
        ("toupper", ctype::toupper, c::toupper),
        ("toascii", ctype::toascii, c::toascii),
    ];
    for (name, mine, theirs) in pairs {
        // The classes are defined for EOF and unsigned char values; glibc's
        // table also covers the other signed char values. The conversions
        // are total functions in glibc.
        let range = if name.starts_with("is") && name != "isascii" {
            -128..=255
        } else {
            -1000..=1000
        };
        for v in range {
            // SAFETY: the classifications get only -128..=255, the values
            // glibc's tables cover (EOF, signed and unsigned chars);
            // isascii, toascii, tolower and toupper are defined by glibc for
            // every int (arithmetic, or a table lookup after a range check).
            assert_eq!(mine(v), unsafe { theirs(v) }, "{name}({v})");
        }
    }
    for v in [i32::MIN, i32::MAX, -129, 256, 0x161] {
        for f in [
            ctype::isalpha,
            ctype::isprint,
            ctype::isspace,
            ctype::isdigit,
        ] {
            assert_eq!(f(v), 0);
        }
    }
}

#[test]
fn strerror_messages() {
    for e in -1..=140 {
        // SAFETY: strerror returns a NUL-terminated message that stays
        // valid until the next strerror call in this thread; it is copied
        // at once.
        let theirs = unsafe { CStr::from_ptr(c::strerror(e)) }
            .to_bytes()
            .to_vec();
        let mut buf = [0xffu8; 64];
        let len = errno::strerror_into(e, &mut buf);
        assert_eq!(&buf[..len], &theirs[..], "strerror({e})");
        assert_eq!(buf[len], 0);
        // Cut short, like snprintf.
        let mut small = [0xffu8; 8];
        assert_eq!(errno::strerror_into(e, &mut small), theirs.len());
        let k = theirs.len().min(7);
        assert_eq!(&small[..k], &theirs[..k]);
        assert_eq!(small[k], 0);
        assert_eq!(errno::strerror_into(e, &mut []), theirs.len());
        match errno::strerror_message(e) {
            Some(msg) => {
                assert_eq!(msg, &theirs[..]);
                assert_eq!(errno::strerror_cstr(e).unwrap().to_bytes(), msg);
            }
            None => assert!(theirs.starts_with(b"Unknown error ")),
        }
        // SAFETY: strerrorname_np takes any int and returns NULL or a
        // static string.
        let name = unsafe { c::strerrorname_np(e) };
        let name = (!name.is_null()).then(|| {
            // SAFETY: a non-NULL result of strerrorname_np is a static
            // NUL-terminated string.
            unsafe { CStr::from_ptr(name) }.to_bytes()
        });
        assert_eq!(errno::strerror_name(e), name, "strerrorname_np({e})");
    }
    for e in [i32::MIN, i32::MAX, -1000, 1000] {
        // SAFETY: strerror returns a NUL-terminated message that stays
        // valid until the next strerror call in this thread; it is copied
        // at once.
        let theirs = unsafe { CStr::from_ptr(c::strerror(e)) }
            .to_bytes()
            .to_vec();
        let mut buf = [0u8; 64];
        let len = errno::strerror_into(e, &mut buf);
        assert_eq!(&buf[..len], &theirs[..], "strerror({e})");
    }
    // The constants carry the numbers their names say.
    macro_rules! named {
        ($($name:ident),*) => {$(
            assert_eq!(errno::strerror_name(errno::$name), Some(stringify!($name).as_bytes()));
        )*};
    }
    named!(
        EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF, ECHILD, EAGAIN, ENOMEM,
        EACCES, EFAULT
    );
    named!(
        ENOTBLK, EBUSY, EEXIST, EXDEV, ENODEV, ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE, ENOTTY,
        ETXTBSY, EFBIG
    );
    named!(
        ENOSPC,
        ESPIPE,
        EROFS,
        EMLINK,
        EPIPE,
        EDOM,
        ERANGE,
        EDEADLK,
        ENAMETOOLONG,
        ENOLCK,
        ENOSYS,
        ENOTEMPTY
    );
    named!(
        ELOOP,
        ENOMSG,
        EIDRM,
        EILSEQ,
        EOVERFLOW,
        ENOTSOCK,
        EOPNOTSUPP,
        EADDRINUSE,
        ECONNREFUSED,
        ETIMEDOUT
    );
    named!(
        ECONNRESET,
        EHOSTUNREACH,
        EALREADY,
        EINPROGRESS,
        ECANCELED,
        EOWNERDEAD,
        ENOTRECOVERABLE,
        EHWPOISON
    );
    assert_eq!(errno::EWOULDBLOCK, errno::EAGAIN);
    assert_eq!(errno::ENOTSUP, errno::EOPNOTSUPP);
    assert_eq!(errno::EDEADLOCK, errno::EDEADLK);
}

/// The word-at-a-time paths (strlen, strchr, strchrnul, memchr, memcmp):
/// every start offset within a word, every length to 80, every place of
/// the NUL, the searched byte and the first difference, bytes with the
/// high bit set around them, against glibc.
#[test]
fn word_at_a_time_paths_at_every_offset() {
    let mut buf = vec![0u8; 256];
    for start in 0..16 {
        for len in 0..80usize {
            for (fill, needle) in [(b'a', b'x'), (0xffu8, 0x80u8), (0x01, 0x81)] {
                for at in (0..len).step_by(7).chain([len.saturating_sub(1)]) {
                    buf.iter_mut().for_each(|b| *b = 0x55);
                    let s = &mut buf[start..start + len + 1];
                    s[..len].fill(fill);
                    if len > 0 {
                        s[at] = needle;
                    }
                    s[len] = 0;
                    let p = s.as_ptr();
                    // SAFETY: `p` is a NUL-terminated string of `len` bytes
                    // in `buf`, and `len + 1` bytes are readable there.
                    unsafe {
                        assert_eq!(
                            string::strlen(p),
                            c::strlen(p.cast()),
                            "strlen {start} {len}"
                        );
                        for ch in [needle as i32, fill as i32, 0, 0x100 + needle as i32] {
                            assert_eq!(
                                off(string::strchr(p, ch), p),
                                off(c::strchr(p.cast(), ch), p),
                                "strchr {start} {len} {at} {ch}"
                            );
                            assert_eq!(
                                off(string::strchrnul(p, ch), p),
                                off(c::strchrnul(p.cast(), ch), p),
                                "strchrnul {start} {len} {at} {ch}"
                            );
                            assert_eq!(
                                off(string::memchr(p, ch, len), p),
                                off(c::memchr(p.cast(), ch, len), p),
                                "memchr {start} {len} {at} {ch}"
                            );
                        }
                        let mut other = s.to_vec();
                        if len > 0 {
                            other[at] = other[at].wrapping_add(1);
                        }
                        for n in [len, len / 2, at + 1] {
                            let n = n.min(len);
                            assert_eq!(
                                sign(string::memcmp(p, other.as_ptr(), n)),
                                sign(c::memcmp(p.cast(), other.as_ptr().cast(), n)),
                                "memcmp {start} {len} {at} {n}"
                            );
                            assert_eq!(
                                sign(string::memcmp(other.as_ptr(), p, n)),
                                sign(c::memcmp(other.as_ptr().cast(), p.cast(), n)),
                                "memcmp {start} {len} {at} {n} (swapped)"
                            );
                        }
                    }
                }
            }
        }
    }
}
