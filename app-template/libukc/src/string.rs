//! string.h and strings.h in the C locale: the logic behind the C functions
//! of the same names, over raw pointers as C passes them.
//!
//! memcpy, memmove, memset and bcmp are not here: they are written in
//! assembly in the C ABI layer (written in Rust, the compiler could turn
//! their loops into calls to themselves). Functions that allocate take the
//! allocator as an argument (`strdup_with`, `strndup_with`).
//!
//! Comparisons return the difference of the first differing bytes, taken
//! as `unsigned char` (after `tolower` for the case-insensitive ones), as
//! glibc's x86_64 `strcmp` family does. C promises only the sign.
//!
//! Every function reads and writes memory the way C allows: bytes are
//! visited in order and a search stops at the first match or NUL, so no
//! byte past the end of a string or past a match is read.
use crate::ctype::tolower;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, Ordering::Relaxed};

/// A set of bytes, for strspn and friends.
struct ByteSet([u64; 4]);

impl ByteSet {
    /// The bytes of the NUL-terminated `s`, plus NUL itself when `with_nul`.
    ///
    /// # Safety
    /// `s` must point at a NUL-terminated string.
    unsafe fn of(s: *const u8, with_nul: bool) -> ByteSet {
        let mut set = ByteSet([0; 4]);
        if with_nul {
            set.insert(0);
        }
        let mut p = s;
        // SAFETY: `s` is NUL-terminated (the caller's contract), and `p`
        // moves on only past a byte that was not NUL, so every byte read is
        // at or before the NUL.
        unsafe {
            while *p != 0 {
                set.insert(*p);
                p = p.add(1);
            }
        }
        set
    }

    fn insert(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }

    fn contains(&self, b: u8) -> bool {
        self.0[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }
}

/// Eight bytes at a time: bit 7 of a byte of `zero_bytes(w)` is set where
/// that byte of `w` is zero. Bytes above the first zero byte may be marked
/// wrongly (a borrow runs up), so only the lowest mark is used: it is
/// exact, and its byte index is `trailing_zeros() / 8` (little-endian: the
/// lowest address is the lowest byte).
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// The 8-byte-aligned word at `p`.
///
/// # Safety
/// `p` is 8-aligned and at least one byte of the word is readable: the
/// word then lies in one page with that byte, so all of it is mapped
/// (libc string functions read so, as glibc's and musl's do; the bytes
/// past the caller's data are only looked at, never used).
unsafe fn aligned_word(p: *const u8) -> u64 {
    // SAFETY: as the function's contract says; volatile, so the compiler
    // makes exactly this one aligned load.
    unsafe { p.cast::<u64>().read_volatile() }
}

/// `memchr`: the first byte equal to `(unsigned char)c` among the first `n`
/// bytes at `s`, or NULL.
///
/// # Safety
/// The bytes from `s` up to the first match, or `n` bytes when there is
/// none, must be readable.
pub unsafe fn memchr(s: *const u8, c: i32, n: usize) -> *mut u8 {
    let c = c as u8;
    let pattern = u64::from(c) * ONES;
    let mut i = 0;
    while i < n {
        // SAFETY: i < n, and no byte before i matched, so by the caller's
        // contract byte i is readable.
        let p = unsafe { s.add(i) };
        if (p as usize).is_multiple_of(8) && n - i >= 8 {
            // SAFETY: `p` is aligned and its first byte is readable (above).
            let hits = zero_bytes(unsafe { aligned_word(p) } ^ pattern);
            if hits == 0 {
                i += 8;
                continue;
            }
            return p.wrapping_add(hits.trailing_zeros() as usize / 8) as *mut u8;
        }
        // SAFETY: `p` is byte i, readable (above).
        if unsafe { *p } == c {
            return p as *mut u8;
        }
        i += 1;
    }
    null_mut()
}

/// `memrchr` (GNU): the last byte equal to `(unsigned char)c` among the
/// first `n` bytes at `s`, or NULL.
///
/// # Safety
/// `n` bytes at `s` must be readable.
pub unsafe fn memrchr(s: *const u8, c: i32, n: usize) -> *mut u8 {
    let c = c as u8;
    let mut i = n;
    while i > 0 {
        i -= 1;
        // SAFETY: i < n, so `s + i` lies inside the `n` readable bytes the
        // caller passes.
        let p = unsafe { s.add(i) };
        // SAFETY: `p` is byte i < n of the caller's `n` readable bytes.
        if unsafe { *p } == c {
            return p as *mut u8;
        }
    }
    null_mut()
}

/// `memcmp`: compares `n` bytes as `unsigned char`.
///
/// # Safety
/// `n` bytes at `a` and at `b` must be readable.
pub unsafe fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    // Eight bytes at a time while eight are left: the first differing
    // byte is the lowest set byte of x ^ y (little-endian).
    while n - i >= 8 {
        // SAFETY: i + 8 <= n, and the caller passes `n` readable bytes at
        // `a` and at `b`.
        let (x, y) = unsafe {
            (
                a.add(i).cast::<u64>().read_unaligned(),
                b.add(i).cast::<u64>().read_unaligned(),
            )
        };
        if x != y {
            let at = (x ^ y).trailing_zeros() / 8 * 8;
            return ((x >> at) as u8) as i32 - ((y >> at) as u8) as i32;
        }
        i += 8;
    }
    while i < n {
        // SAFETY: i < n, and the caller passes `n` readable bytes at `a` and
        // at `b`.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return x as i32 - y as i32;
        }
        i += 1;
    }
    0
}

/// `memccpy`: copies bytes from `src` to `dst` up to and including the
/// first `(unsigned char)c`, at most `n`. Returns the byte after the copied
/// `c` in `dst`, or NULL when `c` was not among the `n` bytes.
///
/// # Safety
/// The bytes copied must be readable at `src` and writable at `dst`; the
/// ranges must not overlap.
pub unsafe fn memccpy(dst: *mut u8, src: *const u8, c: i32, n: usize) -> *mut u8 {
    let c = c as u8;
    for i in 0..n {
        // SAFETY: i < n and no earlier byte was `c`, so byte i is one of
        // the bytes copied, which the caller makes readable at `src` and
        // writable at `dst`, in ranges that do not overlap; `dst + i + 1`
        // is at most one past the last byte written.
        unsafe {
            let b = *src.add(i);
            *dst.add(i) = b;
            if b == c {
                return dst.add(i + 1);
            }
        }
    }
    null_mut()
}

/// `strlen`.
///
/// # Safety
/// `s` must point at a NUL-terminated string.
pub unsafe fn strlen(s: *const u8) -> usize {
    let mut p = s;
    loop {
        if (p as usize).is_multiple_of(8) {
            // SAFETY: `p` is aligned and, as no byte before it was NUL, its
            // first byte is a byte of the string.
            let zeros = zero_bytes(unsafe { aligned_word(p) });
            if zeros == 0 {
                p = p.wrapping_add(8);
                continue;
            }
            return p as usize - s as usize + zeros.trailing_zeros() as usize / 8;
        }
        // SAFETY: no byte before `p` was NUL, so `p` is a byte of the
        // NUL-terminated string the caller passes.
        if unsafe { *p } == 0 {
            return p as usize - s as usize;
        }
        p = p.wrapping_add(1);
    }
}

/// `strnlen`: `strlen`, but at most `n`.
///
/// # Safety
/// The bytes up to the first NUL or the `n`th, whichever comes first, must
/// be readable.
pub unsafe fn strnlen(s: *const u8, n: usize) -> usize {
    let mut i = 0;
    // SAFETY: the read happens only when i < n, and no byte before i was
    // NUL, so byte i is within the caller's readable range (up to the first
    // NUL or `n` bytes).
    while i < n && unsafe { *s.add(i) } != 0 {
        i += 1;
    }
    i
}

/// `stpcpy`: copies the string and its NUL; returns the NUL in `dst`.
///
/// # Safety
/// `src` must be NUL-terminated, `dst` must have room for it, and the two
/// must not overlap.
pub unsafe fn stpcpy(dst: *mut u8, src: *const u8) -> *mut u8 {
    let mut i = 0;
    loop {
        // SAFETY: no byte before i was NUL, so byte i is at or before src's
        // NUL and readable; `dst` has room for the string and its NUL (the
        // caller's contract), apart from `src`, so byte i of `dst` is
        // writable.
        unsafe {
            let b = *src.add(i);
            *dst.add(i) = b;
            if b == 0 {
                return dst.add(i);
            }
        }
        i += 1;
    }
}

/// `strcpy`: copies the string and its NUL; returns `dst`.
///
/// # Safety
/// `src` must be NUL-terminated, `dst` must have room for it, and the two
/// must not overlap.
pub unsafe fn strcpy(dst: *mut u8, src: *const u8) -> *mut u8 {
    // SAFETY: the caller passes a NUL-terminated `src` and room for it at
    // `dst`, apart from it: stpcpy's requirements.
    unsafe { stpcpy(dst, src) };
    dst
}

/// `stpncpy`: copies at most `n` bytes of the string and fills the rest of
/// the `n` bytes with NULs. Returns the first NUL written in `dst`, or
/// `dst + n` when the string filled all `n` (then `dst` is unterminated).
///
/// # Safety
/// `n` bytes at `dst` must be writable, and `src` readable up to its NUL or
/// `n` bytes; they must not overlap.
pub unsafe fn stpncpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller makes `src` readable up to its NUL or `n` bytes,
    // which is what strnlen reads, and len <= n is the count of bytes
    // before that point, so the first loop reads only those; both loops
    // write below n, inside the caller's `n` writable bytes at `dst`, apart
    // from `src`; `dst + len` is at most `dst + n`.
    unsafe {
        let len = strnlen(src, n);
        for i in 0..len {
            *dst.add(i) = *src.add(i);
        }
        for i in len..n {
            *dst.add(i) = 0;
        }
        dst.add(len)
    }
}

/// `strncpy`: [`stpncpy`], but returns `dst`.
///
/// # Safety
/// `n` bytes at `dst` must be writable, and `src` readable up to its NUL or
/// `n` bytes; they must not overlap.
pub unsafe fn strncpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller passes `n` writable bytes at `dst` and `src`
    // readable up to its NUL or `n` bytes, apart: stpncpy's requirements.
    unsafe { stpncpy(dst, src, n) };
    dst
}

/// `strcat`: appends `src` to the string at `dst`; returns `dst`.
///
/// # Safety
/// Both must be NUL-terminated, `dst` must have room for the result, and
/// they must not overlap.
pub unsafe fn strcat(dst: *mut u8, src: *const u8) -> *mut u8 {
    // SAFETY: `dst` is NUL-terminated, so strlen stays inside it and
    // `dst + strlen(dst)` is its NUL; from there the caller's room for the
    // joined string holds `src` and its NUL, and `src` is NUL-terminated and
    // apart from `dst`: stpcpy's requirements.
    unsafe { stpcpy(dst.add(strlen(dst)), src) };
    dst
}

/// `strncat`: appends at most `n` bytes of `src`, then a NUL; returns `dst`.
///
/// # Safety
/// `dst` must be NUL-terminated with room for the result (up to `n + 1`
/// more bytes); `src` readable up to its NUL or `n` bytes; no overlap.
pub unsafe fn strncat(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: `dst` is NUL-terminated, so strlen stays inside it and `d` is
    // its NUL; `src` is readable up to its NUL or `n` bytes, which is what
    // strnlen reads, and len <= n bytes before that point are copied; the
    // caller gives room for n + 1 >= len + 1 bytes from `d`, apart from
    // `src`, for the copy and the NUL.
    unsafe {
        let d = dst.add(strlen(dst));
        let len = strnlen(src, n);
        for i in 0..len {
            *d.add(i) = *src.add(i);
        }
        *d.add(len) = 0;
    }
    dst
}

/// Compares up to `n` bytes of two strings, mapping each byte with `map`,
/// which must map only NUL to 0.
///
/// # Safety
/// Both readable up to their NUL or the first difference or `n` bytes.
#[inline(always)]
unsafe fn compare(a: *const u8, b: *const u8, n: usize, map: impl Fn(u8) -> i32) -> i32 {
    for i in 0..n {
        // SAFETY: i < n, and every earlier pair mapped to equal values other
        // than 0 (the maps used send only NUL to 0), so neither string had
        // reached its NUL before i: byte i of each is at or before its NUL
        // and within `n`, inside the ranges the caller makes readable.
        let (x, y) = unsafe { (map(*a.add(i)), map(*b.add(i))) };
        if x != y || x == 0 {
            return x - y;
        }
    }
    0
}

/// `strcmp`.
///
/// # Safety
/// Both must be NUL-terminated.
pub unsafe fn strcmp(a: *const u8, b: *const u8) -> i32 {
    // SAFETY: both strings are NUL-terminated (the caller's contract), so
    // each is readable up to its NUL, which bounds compare's walk; the
    // identity map sends only NUL to 0.
    unsafe { compare(a, b, usize::MAX, |c| c as i32) }
}

/// `strncmp`: `strcmp` of at most `n` bytes.
///
/// # Safety
/// Both readable up to their NUL or `n` bytes.
pub unsafe fn strncmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller makes both readable up to their NUL or `n` bytes,
    // which covers compare's walk; the identity map sends only NUL to 0.
    unsafe { compare(a, b, n, |c| c as i32) }
}

/// `strcoll`: in the C locale, `strcmp`.
///
/// # Safety
/// Both must be NUL-terminated.
pub unsafe fn strcoll(a: *const u8, b: *const u8) -> i32 {
    // SAFETY: the caller passes two NUL-terminated strings, which is what
    // strcmp requires.
    unsafe { strcmp(a, b) }
}

/// `strxfrm`: in the C locale the transformed string is the string itself.
/// Copies `min(strlen(src) + 1, n)` bytes (so the copy lacks its NUL when
/// it does not fit, as glibc's) and returns `strlen(src)`.
///
/// # Safety
/// `src` must be NUL-terminated; `n` bytes at `dst` writable (`dst` may be
/// NULL when `n` is 0); no overlap.
pub unsafe fn strxfrm(dst: *mut u8, src: *const u8, n: usize) -> usize {
    // SAFETY: `src` is NUL-terminated, so strlen stays inside it and bytes
    // 0..=len of it are readable; the loop copies fewer than
    // min(n, len + 1) bytes, inside those and inside the caller's `n`
    // writable bytes at `dst`, apart from `src` (none when n is 0).
    unsafe {
        let len = strlen(src);
        for i in 0..n.min(len + 1) {
            *dst.add(i) = *src.add(i);
        }
        len
    }
}

/// `strchrnul` (GNU): the first `(char)c` in `s`, or its NUL.
///
/// # Safety
/// `s` must be NUL-terminated.
pub unsafe fn strchrnul(s: *const u8, c: i32) -> *mut u8 {
    let c = c as u8;
    let pattern = u64::from(c) * ONES;
    let mut p = s;
    loop {
        if (p as usize).is_multiple_of(8) {
            // SAFETY: `p` is aligned and, as no byte before it was NUL, its
            // first byte is a byte of the string.
            let w = unsafe { aligned_word(p) };
            let hits = zero_bytes(w) | zero_bytes(w ^ pattern);
            if hits == 0 {
                p = p.wrapping_add(8);
                continue;
            }
            return p.wrapping_add(hits.trailing_zeros() as usize / 8) as *mut u8;
        }
        // SAFETY: no byte before `p` was NUL, so `p` is a byte of the
        // NUL-terminated string the caller passes.
        let b = unsafe { *p };
        if b == c || b == 0 {
            return p as *mut u8;
        }
        p = p.wrapping_add(1);
    }
}

/// `strchr`: the first `(char)c` in `s` (its NUL when `c` is 0), or NULL.
///
/// # Safety
/// `s` must be NUL-terminated.
pub unsafe fn strchr(s: *const u8, c: i32) -> *mut u8 {
    // SAFETY: the caller passes a NUL-terminated `s`, which is what
    // strchrnul requires.
    let p = unsafe { strchrnul(s, c) };
    // SAFETY: strchrnul returns a byte of the string, at or before its
    // NUL, so it is readable.
    if unsafe { *p } == c as u8 {
        p
    } else {
        null_mut()
    }
}

/// `strrchr`: the last `(char)c` in `s` (its NUL when `c` is 0), or NULL.
///
/// # Safety
/// `s` must be NUL-terminated.
pub unsafe fn strrchr(s: *const u8, c: i32) -> *mut u8 {
    let c = c as u8;
    let mut last = null_mut();
    let mut p = s;
    // SAFETY: `s` is NUL-terminated (the caller's contract), and `p` moves
    // on only past a byte that was not NUL, so every byte read is at or
    // before the NUL.
    unsafe {
        loop {
            if *p == c {
                last = p as *mut u8;
            }
            if *p == 0 {
                return last;
            }
            p = p.add(1);
        }
    }
}

/// `strspn`: the length of the leading run of bytes that are in `accept`.
///
/// # Safety
/// Both must be NUL-terminated.
pub unsafe fn strspn(s: *const u8, accept: *const u8) -> usize {
    // SAFETY: `accept` is NUL-terminated, which is what ByteSet::of needs;
    // the set lacks NUL, so the walk over the NUL-terminated `s` stops at
    // its NUL at the latest and reads nothing past it.
    unsafe {
        let set = ByteSet::of(accept, false);
        let mut i = 0;
        while set.contains(*s.add(i)) {
            i += 1;
        }
        i
    }
}

/// `strcspn`: the length of the leading run of bytes not in `reject`.
///
/// # Safety
/// Both must be NUL-terminated.
pub unsafe fn strcspn(s: *const u8, reject: *const u8) -> usize {
    // SAFETY: `reject` is NUL-terminated, which is what ByteSet::of needs;
    // the set holds NUL, so the walk over the NUL-terminated `s` stops at
    // its NUL at the latest and reads nothing past it.
    unsafe {
        let set = ByteSet::of(reject, true);
        let mut i = 0;
        while !set.contains(*s.add(i)) {
            i += 1;
        }
        i
    }
}

/// `strpbrk`: the first byte of `s` that is in `accept`, or NULL.
///
/// # Safety
/// Both must be NUL-terminated.
pub unsafe fn strpbrk(s: *const u8, accept: *const u8) -> *mut u8 {
    // SAFETY: both are NUL-terminated, which is what strcspn requires; it
    // returns at most strlen(s), so `p` is a byte of `s` at or before its
    // NUL, and readable.
    unsafe {
        let p = s.add(strcspn(s, accept));
        if *p == 0 {
            null_mut()
        } else {
            p as *mut u8
        }
    }
}

/// The longest suffix of `x` that is maximal in lexicographic order (in
/// reversed order when `reversed`): returns its start minus one (-1 for all
/// of `x`) and the period of that suffix.
fn maximal_suffix(x: &[u8], reversed: bool) -> (isize, usize) {
    let m = x.len();
    // `ms` is one before the best suffix's start found so far, `j + k` the
    // position compared with `ms + k`, and `p` the best suffix's period.
    let mut ms: isize = -1;
    let mut j = 0usize;
    let mut k = 1usize;
    let mut p = 1usize;
    while j + k < m {
        let a = x[j + k];
        let b = x[(ms + k as isize) as usize];
        let (a, b) = if reversed { (b, a) } else { (a, b) };
        if a < b {
            // The suffix at j + k loses: everything so far is one period.
            j += k;
            k = 1;
            p = (j as isize - ms) as usize;
        } else if a == b {
            if k == p {
                j += p;
                k = 1;
            } else {
                k += 1;
            }
        } else {
            // A greater suffix starts after j.
            ms = j as isize;
            j += 1;
            k = 1;
            p = 1;
        }
    }
    (ms, p)
}

/// The first occurrence of `needle` in `hay`, by the Two-Way algorithm of
/// Crochemore and Perrin: linear time, constant space.
fn two_way(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (n, m) = (hay.len(), needle.len());
    if m == 0 {
        return Some(0);
    }
    if m > n {
        return None;
    }
    // The critical factorisation: needle = needle[..=ell] needle[ell + 1..].
    let (ms1, p1) = maximal_suffix(needle, false);
    let (ms2, p2) = maximal_suffix(needle, true);
    let (ell, per) = if ms1 > ms2 { (ms1, p1) } else { (ms2, p2) };
    let left = (ell + 1) as usize;
    let mut j = 0usize;
    if per + left <= m && needle[..left] == needle[per..per + left] {
        // The needle is periodic with period `per`: after a full match of
        // the right part, the prefix that matched is remembered.
        let mut memory: isize = -1;
        while j <= n - m {
            let mut i = (ell.max(memory) + 1) as usize;
            while i < m && needle[i] == hay[i + j] {
                i += 1;
            }
            if i >= m {
                let mut i = ell;
                while i > memory && needle[i as usize] == hay[i as usize + j] {
                    i -= 1;
                }
                if i <= memory {
                    return Some(j);
                }
                j += per;
                memory = (m - per) as isize - 1;
            } else {
                j += i - left + 1;
                memory = -1;
            }
        }
    } else {
        // Not periodic: shift by more than the longer half on a mismatch
        // in the left part.
        let shift = left.max(m - left) + 1;
        while j <= n - m {
            let mut i = left;
            while i < m && needle[i] == hay[i + j] {
                i += 1;
            }
            if i >= m {
                let mut i = ell;
                while i >= 0 && needle[i as usize] == hay[i as usize + j] {
                    i -= 1;
                }
                if i < 0 {
                    return Some(j);
                }
                j += shift;
            } else {
                j += i - left + 1;
            }
        }
    }
    None
}

/// `strstr`: the first occurrence of `needle` in `haystack` (`haystack`
/// itself for an empty needle), or NULL. Linear time (Two-Way).
///
/// # Safety
/// Both must be NUL-terminated.
pub unsafe fn strstr(haystack: *const u8, needle: *const u8) -> *mut u8 {
    // SAFETY: both are NUL-terminated (the caller's contract), so strlen
    // and strchr stay inside them, `*needle` is its first byte (m >= 1),
    // and the slices cover each string's bytes before its NUL, which stay
    // unchanged during the search; `haystack + at` is inside `haystack`, as
    // two_way returns a match's start.
    unsafe {
        let m = strlen(needle);
        if m == 0 {
            return haystack as *mut u8;
        }
        if m == 1 {
            return strchr(haystack, *needle as i32);
        }
        let hay = core::slice::from_raw_parts(haystack, strlen(haystack));
        let needle = core::slice::from_raw_parts(needle, m);
        match two_way(hay, needle) {
            Some(at) => haystack.add(at) as *mut u8,
            None => null_mut(),
        }
    }
}

/// `memmem` (GNU): the first occurrence of the `needle_len` bytes at
/// `needle` in the `hay_len` bytes at `hay` (`hay` for an empty needle), or
/// NULL. Linear time (Two-Way).
///
/// # Safety
/// `hay_len` bytes at `hay` and `needle_len` at `needle` must be readable.
pub unsafe fn memmem(
    hay: *const u8,
    hay_len: usize,
    needle: *const u8,
    needle_len: usize,
) -> *mut u8 {
    if needle_len == 0 {
        return hay as *mut u8;
    }
    if needle_len > hay_len {
        return null_mut();
    }
    // SAFETY: the caller makes `hay_len` bytes at `hay` and `needle_len` at
    // `needle` readable, and they do not change during the search, so the
    // slices over them are valid; `hay + at` is inside `hay`, as two_way
    // returns a match's start.
    unsafe {
        let h = core::slice::from_raw_parts(hay, hay_len);
        let n = core::slice::from_raw_parts(needle, needle_len);
        match two_way(h, n) {
            Some(at) => hay.add(at) as *mut u8,
            None => null_mut(),
        }
    }
}

/// `strtok_r`: the next token of `s` (or, when `s` is NULL, of the string
/// `*save` continues) delimited by bytes of `delim`; the delimiter after it
/// is overwritten with NUL and `*save` set to continue after it. NULL when
/// no token is left (also, unlike glibc, which crashes, when `s` and
/// `*save` are both NULL).
///
/// # Safety
/// `save` must be valid; `s` (or `*save`) a writable NUL-terminated string
/// or NULL; `delim` NUL-terminated.
pub unsafe fn strtok_r(s: *mut u8, delim: *const u8, save: *mut *mut u8) -> *mut u8 {
    // SAFETY: `save` is valid for reads and writes (the caller's contract).
    // The string `s` (or `*save`) is NULL, returned before any use, or a
    // writable NUL-terminated string, and `delim` is NUL-terminated, which
    // is what strspn and strcspn require; their results keep `s` and `end`
    // at or before the string's NUL, so each read, the NUL written over a
    // delimiter, and `end + 1` (after a non-NUL byte) stay inside it.
    unsafe {
        let mut s = if s.is_null() { *save } else { s };
        if s.is_null() {
            return null_mut();
        }
        s = s.add(strspn(s, delim));
        if *s == 0 {
            *save = s;
            return null_mut();
        }
        let end = s.add(strcspn(s, delim));
        if *end == 0 {
            *save = end;
        } else {
            *end = 0;
            *save = end.add(1);
        }
        s
    }
}

/// Where `strtok` continues.
static STRTOK_SAVE: AtomicPtr<u8> = AtomicPtr::new(null_mut());

/// `strtok`: [`strtok_r`] with its position kept in the library.
///
/// # Safety
/// `s` must be a writable NUL-terminated string, or NULL to continue the
/// string of the previous call, which must still be live and writable;
/// `delim` must be NUL-terminated.
pub unsafe fn strtok(s: *mut u8, delim: *const u8) -> *mut u8 {
    let mut save = STRTOK_SAVE.load(Relaxed);
    // SAFETY: `&mut save` is a valid local; it holds NULL or where the
    // previous call stopped in its string, which the caller keeps live and
    // writable when `s` is NULL; `s` is NULL or a writable NUL-terminated
    // string and `delim` NUL-terminated: strtok_r's requirements.
    let token = unsafe { strtok_r(s, delim, &mut save) };
    STRTOK_SAVE.store(save, Relaxed);
    token
}

/// `strsep`: the token at `*sp`, ended by the first byte of `delim`, which
/// is overwritten with NUL; `*sp` is moved past it, or set to NULL when the
/// string ended. Returns the old `*sp` (NULL when it was NULL).
///
/// # Safety
/// `sp` must be valid; `*sp` a writable NUL-terminated string or NULL;
/// `delim` NUL-terminated.
pub unsafe fn strsep(sp: *mut *mut u8, delim: *const u8) -> *mut u8 {
    // SAFETY: `sp` is valid for reads and writes (the caller's contract);
    // `*sp` is NULL, returned at once, or a writable NUL-terminated string,
    // and `delim` is NUL-terminated, which is what strcspn requires; its
    // result keeps `end` at or before the string's NUL, so reading it,
    // writing a NUL over a delimiter and `end + 1` (after a non-NUL byte)
    // stay inside the string.
    unsafe {
        let s = *sp;
        if s.is_null() {
            return null_mut();
        }
        let end = s.add(strcspn(s, delim));
        if *end == 0 {
            *sp = null_mut();
        } else {
            *end = 0;
            *sp = end.add(1);
        }
        s
    }
}

/// `strcasecmp`: `strcmp` of the strings' `tolower` bytes (ASCII letters
/// only, the C locale).
///
/// # Safety
/// Both must be NUL-terminated.
pub unsafe fn strcasecmp(a: *const u8, b: *const u8) -> i32 {
    // SAFETY: both strings are NUL-terminated (the caller's contract), so
    // each is readable up to its NUL, which bounds compare's walk; tolower
    // sends only NUL to 0.
    unsafe { compare(a, b, usize::MAX, |c| tolower(c as i32)) }
}

/// `strncasecmp`: `strcasecmp` of at most `n` bytes.
///
/// # Safety
/// Both readable up to their NUL or `n` bytes.
pub unsafe fn strncasecmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller makes both readable up to their NUL or `n` bytes,
    // which covers compare's walk; tolower sends only NUL to 0.
    unsafe { compare(a, b, n, |c| tolower(c as i32)) }
}

/// `strdup`, with the allocator (malloc) passed in: a copy of `s` in
/// `alloc(strlen(s) + 1)` bytes, or NULL when `alloc` returns NULL.
///
/// # Safety
/// `s` must be NUL-terminated; `alloc(n)` must return NULL or `n` writable
/// bytes apart from `s`.
pub unsafe fn strdup_with(s: *const u8, alloc: impl FnOnce(usize) -> *mut u8) -> *mut u8 {
    // SAFETY: `s` is NUL-terminated, so strlen stays inside it and bytes
    // 0..=len are readable; `alloc(len + 1)` returns NULL, skipped, or
    // len + 1 writable bytes apart from `s` (the caller's contract), and
    // the loop copies exactly len + 1 bytes.
    unsafe {
        let len = strlen(s);
        let p = alloc(len + 1);
        if !p.is_null() {
            for i in 0..=len {
                *p.add(i) = *s.add(i);
            }
        }
        p
    }
}

/// `strndup`, with the allocator passed in: a NUL-terminated copy of at
/// most `n` bytes of `s`, or NULL when `alloc` returns NULL.
///
/// # Safety
/// `s` readable up to its NUL or `n` bytes; `alloc(n)` must return NULL or
/// `n` writable bytes apart from `s`.
pub unsafe fn strndup_with(
    s: *const u8,
    n: usize,
    alloc: impl FnOnce(usize) -> *mut u8,
) -> *mut u8 {
    // SAFETY: `s` is readable up to its NUL or `n` bytes, which is what
    // strnlen reads, and bytes 0..len are among them; `alloc(len + 1)`
    // returns NULL, skipped, or len + 1 writable bytes apart from `s` (the
    // caller's contract), which take the len bytes copied and the NUL.
    unsafe {
        let len = strnlen(s, n);
        let p = alloc(len + 1);
        if !p.is_null() {
            for i in 0..len {
                *p.add(i) = *s.add(i);
            }
            *p.add(len) = 0;
        }
        p
    }
}

/// `strcasestr` (GNU): the first occurrence of `needle` in `haystack`
/// ignoring ASCII case (`haystack` for an empty needle), or NULL.
///
/// # Safety
/// Both must be NUL-terminated.
pub unsafe fn strcasestr(haystack: *const u8, needle: *const u8) -> *mut u8 {
    // SAFETY: both are NUL-terminated (the caller's contract), so strlen
    // stays inside them and the slices cover their bytes before the NUL,
    // unchanged during the search; `haystack + at` is inside `haystack`.
    unsafe {
        let hay = core::slice::from_raw_parts(haystack, strlen(haystack));
        let needle = core::slice::from_raw_parts(needle, strlen(needle));
        if needle.is_empty() {
            return haystack as *mut u8;
        }
        match hay
            .windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle))
        {
            Some(at) => haystack.add(at) as *mut u8,
            None => null_mut(),
        }
    }
}

/// What the XSI `strerror_r` (glibc's `__xpg_strerror_r`) does with
/// `buf`: the message, cut to fit with a NUL; returns 0, ERANGE when it
/// was cut, EINVAL (with "Unknown error N" in `buf`) for an unknown number.
pub fn xpg_strerror_r(errnum: i32, buf: &mut [u8]) -> i32 {
    let n = crate::errno::strerror_into(errnum, buf);
    if crate::errno::strerror_message(errnum).is_none() {
        crate::errno::EINVAL
    } else if n >= buf.len() {
        crate::errno::ERANGE
    } else {
        0
    }
}
