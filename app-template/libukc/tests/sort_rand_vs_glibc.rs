//! ukc's qsort, bsearch, rand and srand against the host's glibc.
use std::ffi::{c_int, c_uint, c_void};
use ukc::{rand, sort};

mod c {
    use std::ffi::{c_int, c_uint, c_void};
    pub type Cmp = unsafe extern "C" fn(*const c_void, *const c_void) -> c_int;
    extern "C" {
        pub fn qsort(base: *mut c_void, n: usize, size: usize, cmp: Cmp);
        pub fn bsearch(
            key: *const c_void,
            base: *const c_void,
            n: usize,
            size: usize,
            cmp: Cmp,
        ) -> *mut c_void;
        pub fn rand() -> c_int;
        pub fn srand(seed: c_uint);
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
}

/// The key of an element: its first byte for elements of 1..=3 bytes, else
/// the `int` at its start.
///
/// # Safety
/// `p` must point at `min(size, 4)` readable bytes (alignment does not
/// matter).
unsafe fn key(p: *const c_void, size: usize) -> i32 {
    // SAFETY: the caller makes 1 byte (size < 4) or 4 bytes (otherwise)
    // readable at `p`, which is what each read takes; read_unaligned needs
    // no alignment.
    unsafe {
        if size < 4 {
            *p.cast::<u8>() as i32
        } else {
            p.cast::<i32>().read_unaligned()
        }
    }
}

/// Compares the first bytes of two elements.
///
/// # Safety
/// `a` and `b` must each point at a readable byte.
unsafe extern "C" fn cmp_byte(a: *const c_void, b: *const c_void) -> c_int {
    // SAFETY: the caller (a sort, passing element addresses) makes a byte
    // readable at `a` and at `b`, which is what key(_, 1) reads.
    unsafe { key(a, 1).cmp(&key(b, 1)) as c_int }
}

/// Compares the `int`s at the start of two elements.
///
/// # Safety
/// `a` and `b` must each point at 4 readable bytes.
unsafe extern "C" fn cmp_int(a: *const c_void, b: *const c_void) -> c_int {
    // SAFETY: the caller (a sort, passing addresses of elements of at
    // least 4 bytes) makes 4 bytes readable at `a` and at `b`, which is
    // what key(_, 4) reads.
    unsafe { key(a, 4).cmp(&key(b, 4)) as c_int }
}

/// The usual comparator that subtracts (wrong for large keys, but it is
/// what programs write; both sorts see the same answers).
///
/// # Safety
/// `a` and `b` must each point at 4 readable bytes.
unsafe extern "C" fn cmp_int_sub(a: *const c_void, b: *const c_void) -> c_int {
    // SAFETY: the caller (a sort, passing addresses of elements of at
    // least 4 bytes) makes 4 bytes readable at `a` and at `b`, which is
    // what key(_, 4) reads.
    unsafe { key(a, 4).wrapping_sub(key(b, 4)) }
}

/// An array of `n` elements of `size` bytes: a key (from `keys` values,
/// negative ones too) and the rest of the bytes telling elements apart.
fn array(rng: &mut Rng, n: usize, size: usize, keys: usize) -> Vec<u8> {
    let mut v = vec![0u8; n * size];
    for (i, e) in v.chunks_mut(size).enumerate() {
        let k = rng.below(keys) as i32 - (keys as i32) / 3;
        if size < 4 {
            e[0] = k as u8;
        } else {
            e[..4].copy_from_slice(&k.to_le_bytes());
        }
        for (j, b) in e.iter_mut().enumerate().skip(if size < 4 { 1 } else { 4 }) {
            *b = (i >> (8 * (j % 4))) as u8 ^ j as u8;
        }
    }
    v
}

#[test]
fn qsort_matches_glibc() {
    let mut rng = Rng(21);
    let sizes = [1, 2, 3, 4, 5, 8, 12, 16, 24, 33, 40, 100];
    let lengths = [
        0, 1, 2, 3, 5, 19, 20, 21, 39, 40, 41, 63, 64, 100, 255, 1000, 3000,
    ];
    for &size in &sizes {
        for &n in &lengths {
            for keys in [2, 10, n.max(1), 1 << 30] {
                let orig = array(&mut rng, n, size, keys);
                let cmp: c::Cmp = if size < 4 {
                    cmp_byte
                } else if rng.below(2) == 0 {
                    cmp_int
                } else {
                    cmp_int_sub
                };
                let mut theirs = orig.clone();
                // SAFETY: `theirs` holds n * size bytes and glibc passes the
                // comparator addresses of elements: `size` bytes, as many as
                // `cmp` reads (1 for size < 4, else 4).
                unsafe { c::qsort(theirs.as_mut_ptr().cast(), n, size, cmp) };
                // In place, and with a buffer for the merges.
                for buffered in [false, true] {
                    let mut mine = orig.clone();
                    let mut buffer = vec![0u8; if buffered { n * size } else { 0 }];
                    let buf = if buffered {
                        buffer.as_mut_ptr()
                    } else {
                        std::ptr::null_mut()
                    };
                    // SAFETY: `mine` holds n * size bytes, `buffer` as many
                    // when used, apart from it; the sort passes the
                    // comparator addresses of elements of either.
                    unsafe {
                        sort::qsort(
                            mine.as_mut_ptr(),
                            n,
                            size,
                            |a, b| cmp(a.cast(), b.cast()),
                            buf,
                        )
                    };
                    // Both sorts are stable, so the results are identical, not
                    // only equal as sequences of keys.
                    assert!(
                        mine == theirs,
                        "qsort n={n} size={size} keys={keys} {buffered}"
                    );
                }
            }
        }
    }
    // Already sorted, reversed and all-equal inputs.
    for n in [50, 777, 4096] {
        let mut base = array(&mut rng, n, 8, 1 << 20);
        // SAFETY: `base` holds n elements of 8 bytes, and glibc passes
        // cmp_int addresses of them, 8 >= 4 readable bytes each.
        unsafe { c::qsort(base.as_mut_ptr().cast(), n, 8, cmp_int) };
        let mut reversed: Vec<u8> = base.chunks(8).rev().flatten().copied().collect();
        let equal: Vec<u8> = (0..n)
            .flat_map(|i| [7, 0, 0, 0, i as u8, (i >> 8) as u8, 1, 2])
            .collect();
        for orig in [&mut base, &mut reversed, &mut equal.clone()] {
            let mut mine = orig.clone();
            let mut theirs = orig.clone();
            // SAFETY: `mine` and `theirs` each hold n elements of 8 bytes,
            // and both sorts pass cmp_int addresses of them, 8 >= 4
            // readable bytes each.
            unsafe {
                sort::qsort(
                    mine.as_mut_ptr(),
                    n,
                    8,
                    |a, b| cmp_int(a.cast(), b.cast()),
                    std::ptr::null_mut(),
                );
                c::qsort(theirs.as_mut_ptr().cast(), n, 8, cmp_int);
            }
            assert!(mine == theirs, "qsort n={n}");
        }
    }
    // Size 0 and n 0 with a dangling pointer do nothing.
    // SAFETY: n * size is 0 in both calls, so no byte at the pointer needs
    // to be readable or writable, and the comparator is never called.
    unsafe {
        sort::qsort(
            std::ptr::NonNull::<u8>::dangling().as_ptr(),
            0,
            4,
            |_, _| unreachable!(),
            std::ptr::null_mut(),
        );
        sort::qsort(
            std::ptr::NonNull::<u8>::dangling().as_ptr(),
            10,
            0,
            |_, _| unreachable!(),
            std::ptr::null_mut(),
        );
    }
}

#[test]
fn qsort_with_a_bad_comparator_stays_in_bounds() {
    let mut rng = Rng(22);
    for n in [2, 3, 10, 21, 100, 1000] {
        for buffered in [false, true] {
            let orig = array(&mut rng, n, 4, 1000);
            let mut v = orig.clone();
            let mut buffer = vec![0u8; n * 4];
            let (lo, hi) = (v.as_ptr() as usize, v.as_ptr() as usize + v.len());
            let (blo, bhi) = (
                buffer.as_ptr() as usize,
                buffer.as_ptr() as usize + buffer.len(),
            );
            let buf = if buffered {
                buffer.as_mut_ptr()
            } else {
                std::ptr::null_mut()
            };
            let mut coin = Rng(n as u64);
            // SAFETY: `v` holds n elements of 4 bytes, `buffer` as many, owned
            // and unaliased during the sort; the comparator only checks
            // addresses: elements of the array, or of the buffer when used.
            unsafe {
                sort::qsort(
                    v.as_mut_ptr(),
                    n,
                    4,
                    |a, b| {
                        for p in [a as usize, b as usize] {
                            let in_array = p >= lo && p + 4 <= hi && (p - lo) % 4 == 0;
                            let in_buffer =
                                buffered && p >= blo && p + 4 <= bhi && (p - blo) % 4 == 0;
                            assert!(in_array || in_buffer);
                        }
                        coin.below(3) as i32 - 1
                    },
                    buf,
                );
            }
            // Still a permutation.
            let mut x: Vec<&[u8]> = orig.chunks(4).collect();
            let mut y: Vec<&[u8]> = v.chunks(4).collect();
            x.sort();
            y.sort();
            assert_eq!(x, y);
        }
    }
}

#[test]
fn bsearch_matches_glibc() {
    let mut rng = Rng(23);
    for size in [1, 4, 12] {
        for n in [0, 1, 2, 3, 7, 8, 100, 1001] {
            for keys in [3, 50, 1 << 20] {
                let mut v = array(&mut rng, n, size, keys);
                let cmp: c::Cmp = if size < 4 { cmp_byte } else { cmp_int };
                // SAFETY: `v` holds n elements of `size` bytes, and glibc
                // passes `cmp` addresses of them, as many bytes as it reads.
                unsafe { c::qsort(v.as_mut_ptr().cast(), n, size, cmp) };
                for _ in 0..200 {
                    let mut probe = vec![0u8; size];
                    if n > 0 && rng.below(2) == 0 {
                        let i = rng.below(n);
                        probe.copy_from_slice(&v[i * size..(i + 1) * size]);
                    } else {
                        probe = array(&mut rng, 1, size, keys);
                    }
                    let p = probe.as_ptr();
                    let base = v.as_ptr();
                    // SAFETY: `v` holds n elements of `size` bytes and
                    // `probe` one, both live and unchanged here; both
                    // searches pass `cmp` the probe and element addresses,
                    // as many bytes as it reads.
                    unsafe {
                        let mine = sort::bsearch(p, base, n, size, |a, b| cmp(a.cast(), b.cast()));
                        let theirs = c::bsearch(p.cast(), base.cast(), n, size, cmp);
                        assert_eq!(mine as usize, theirs as usize, "bsearch n={n} size={size}");
                    }
                }
            }
        }
    }
}

#[test]
fn rand_matches_glibc() {
    // Before any srand: the sequence of seed 1 (this is the only test in
    // this binary that uses either generator).
    for _ in 0..1000 {
        // SAFETY: glibc's rand takes no arguments and locks its state.
        assert_eq!(rand::rand(), unsafe { c::rand() });
    }
    let mut rng = Rng(24);
    let mut seeds = vec![
        0, 1, 2, 3, 42, 12345, 127773, 2147483646, 2147483647, 2147483648, 3000000000, 4294967295,
    ];
    seeds.extend((0..20).map(|_| rng.next() as u32));
    for seed in seeds {
        rand::srand(seed);
        // SAFETY: glibc's srand takes a number and locks its state.
        unsafe { c::srand(seed as c_uint) };
        for i in 0..1000 {
            // SAFETY: glibc's rand takes no arguments and locks its state.
            let (a, b) = (rand::rand(), unsafe { c::rand() });
            assert_eq!(a, b, "seed {seed}, value {i}");
            assert!((0..=rand::RAND_MAX).contains(&a));
        }
    }
    // Reseeding mid-sequence restarts it.
    rand::srand(7);
    let first: Vec<i32> = (0..10).map(|_| rand::rand()).collect();
    rand::srand(7);
    let again: Vec<i32> = (0..10).map(|_| rand::rand()).collect();
    assert_eq!(first, again);
}
