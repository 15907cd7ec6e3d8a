//! qsort and bsearch, without a heap.
//!
//! `qsort` is a stable, in-place merge sort: insertion sort on runs of 20
//! elements, then merges by SymMerge (Kim and Kutzner, "Stable minimum
//! storage merging by symmetric comparisons", 2004), which needs no buffer:
//! O(n log n) comparisons and O(n log² n) element swaps. C does not ask
//! qsort to be stable, but glibc's is in practice (a merge sort whenever it
//! can get the memory), so programs that sort records with equal keys print
//! the same order with both. The order and number of comparator calls
//! differ from glibc's. A comparator that is not a consistent ordering
//! leaves the elements in some order, but never makes the sort touch memory
//! outside the array.
//!
//! With a buffer of the array's size (the C ABI layer mallocs one, as glibc
//! does), the merges copy between the array and the buffer instead: the
//! same stable order with O(n log n) element moves, and the comparator may
//! be given elements in the buffer (glibc's merge sort does that too).
//! Without one (malloc failed) the merges are SymMerge's, in place.
//!
//! The comparator is a Rust closure over the elements' addresses; the C ABI
//! layer wraps the C function pointer in one.

/// Elements up to this many are sorted by insertion before merging.
const RUN: usize = 20;

/// The array being sorted.
struct Array<F> {
    base: *mut u8,
    size: usize,
    cmp: F,
}

impl<F: FnMut(*const u8, *const u8) -> i32> Array<F> {
    /// The address of element `i`; only dereferenced (by `swap_range` and
    /// the comparator) for indices inside the array.
    #[inline(always)]
    fn at(&self, i: usize) -> *mut u8 {
        self.base.wrapping_add(i * self.size)
    }

    /// Whether element `i` sorts strictly before element `j`.
    #[inline(always)]
    fn less(&mut self, i: usize, j: usize) -> bool {
        let (x, y) = (self.at(i), self.at(j));
        (self.cmp)(x, y) < 0
    }

    /// Swaps the `len` elements from `i` with the `len` from `j`; the two
    /// ranges must not overlap.
    fn swap_range(&mut self, i: usize, j: usize, len: usize) {
        // SAFETY: the sort only names ranges of elements inside [0, n) of
        // the array `qsort` was given, whose n * size bytes its caller makes
        // readable and writable, and every caller passes two disjoint
        // ranges (insertion and merge steps swap neighbours; `rotate` swaps
        // [m - i, m - i + j) with [m, m + j), j <= i, or [m - i, m) with
        // [m + j - i, m + j), i <= j), so the two `len * size`-byte regions
        // are valid and do not overlap.
        unsafe { core::ptr::swap_nonoverlapping(self.at(i), self.at(j), len * self.size) }
    }

    /// Stable insertion sort of `[a, b)`.
    fn insertion_sort(&mut self, a: usize, b: usize) {
        for i in a + 1..b {
            let mut j = i;
            while j > a && self.less(j, j - 1) {
                self.swap_range(j, j - 1, 1);
                j -= 1;
            }
        }
    }

    /// Exchanges the blocks `[a, m)` and `[m, b)` by block swaps.
    fn rotate(&mut self, a: usize, m: usize, b: usize) {
        let mut i = m - a;
        let mut j = b - m;
        while i != j {
            if i > j {
                self.swap_range(m - i, m, j);
                i -= j;
            } else {
                self.swap_range(m - i, m + j - i, i);
                j -= i;
            }
        }
        self.swap_range(m - i, m, i);
    }

    /// Merges the sorted runs `[a, m)` and `[m, b)`, stably (on equal keys
    /// the left run's elements come first).
    fn sym_merge(&mut self, a: usize, m: usize, b: usize) {
        if m - a == 1 {
            // One element on the left: it goes before the first element
            // of the right run that is not less than it.
            let (mut lo, mut hi) = (m, b);
            while lo < hi {
                let h = lo + (hi - lo) / 2;
                if self.less(h, a) {
                    lo = h + 1;
                } else {
                    hi = h;
                }
            }
            for k in a..lo - 1 {
                self.swap_range(k, k + 1, 1);
            }
            return;
        }
        if b - m == 1 {
            // One element on the right: it goes before the first element
            // of the left run that is greater than it.
            let (mut lo, mut hi) = (a, m);
            while lo < hi {
                let h = lo + (hi - lo) / 2;
                if self.less(m, h) {
                    hi = h;
                } else {
                    lo = h + 1;
                }
            }
            for k in (lo..m).rev() {
                self.swap_range(k, k + 1, 1);
            }
            return;
        }
        // Find the split `start` so that exchanging [start, m) with
        // [m, end), end = mid + m - start, leaves two independent merges
        // around `mid`; found by comparing symmetric pairs.
        let mid = a + (b - a) / 2;
        let n = mid + m;
        let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
        let p = n - 1;
        while start < r {
            let c = start + (r - start) / 2;
            if !self.less(p - c, c) {
                start = c + 1;
            } else {
                r = c;
            }
        }
        let end = n - start;
        if start < m && m < end {
            self.rotate(start, m, end);
        }
        if a < start && start < mid {
            self.sym_merge(a, start, mid);
        }
        if mid < end && end < b {
            self.sym_merge(mid, end, b);
        }
    }
}

/// Copies one element of `size` bytes (the common sizes as one move).
///
/// # Safety
/// `size` bytes readable at `src` and writable at `dst`, not overlapping.
#[inline(always)]
unsafe fn copy_element(src: *const u8, dst: *mut u8, size: usize) {
    // SAFETY: as the function's contract says; unaligned moves, since C
    // arrays of structs need not be aligned to their size.
    unsafe {
        match size {
            4 => dst
                .cast::<u32>()
                .write_unaligned(src.cast::<u32>().read_unaligned()),
            8 => dst
                .cast::<u64>()
                .write_unaligned(src.cast::<u64>().read_unaligned()),
            16 => dst
                .cast::<u128>()
                .write_unaligned(src.cast::<u128>().read_unaligned()),
            _ => core::ptr::copy_nonoverlapping(src, dst, size),
        }
    }
}

/// Merges the sorted runs `[a, m)` and `[m, b)` of `src` into `[a, b)` of
/// `dst`, stably; both arrays have `size`-byte elements.
///
/// # Safety
/// Both hold at least `b` elements, readable (`src`) and writable (`dst`),
/// and do not overlap.
unsafe fn merge_into<F: FnMut(*const u8, *const u8) -> i32>(
    cmp: &mut F,
    src: *const u8,
    dst: *mut u8,
    size: usize,
    (a, m, b): (usize, usize, usize),
) {
    let at = |p: *const u8, i: usize| p.wrapping_add(i * size);
    let (mut i, mut j) = (a, m);
    for k in a..b {
        // Take the right run's element only when it sorts strictly before
        // the left's: equal keys keep their order.
        let right = j < b && (i == m || cmp(at(src, j), at(src, i)) < 0);
        let from = if right { j } else { i };
        // SAFETY: from < b and k < b lie inside both arrays (the caller's
        // contract), which do not overlap.
        unsafe { copy_element(at(src, from), at(dst, k) as *mut u8, size) };
        if right {
            j += 1;
        } else {
            i += 1;
        }
    }
}

/// `qsort`: sorts `n` elements of `size` bytes at `base` in the order of
/// `cmp` (negative, zero or positive as the first element sorts before,
/// with or after the second). Stable; see the module notes. `buffer` is
/// NULL, or `n * size` writable bytes that do not overlap the array.
///
/// # Safety
/// `n * size` bytes at `base` must be readable and writable; `buffer` as
/// said; `cmp` gets addresses of elements of the array or the buffer.
pub unsafe fn qsort<F: FnMut(*const u8, *const u8) -> i32>(
    base: *mut u8,
    n: usize,
    size: usize,
    cmp: F,
    buffer: *mut u8,
) {
    if n < 2 || size == 0 {
        return;
    }
    let mut array = Array { base, size, cmp };
    let mut a = 0;
    while n - a > RUN {
        array.insertion_sort(a, a + RUN);
        a += RUN;
    }
    array.insertion_sort(a, n);
    let mut block = RUN;
    if !buffer.is_null() {
        // Merge passes from one array into the other.
        let (mut src, mut dst) = (base, buffer);
        while block < n {
            let mut a = 0;
            while a < n {
                let m = (a + block).min(n);
                let b = (a + 2 * block).min(n);
                // SAFETY: [a, b) lies inside both arrays of n elements, which
                // the caller makes accessible and keeps apart.
                unsafe { merge_into(&mut array.cmp, src, dst, size, (a, m, b)) };
                a = b;
            }
            core::mem::swap(&mut src, &mut dst);
            block = block.saturating_mul(2);
        }
        if src != base {
            // SAFETY: both arrays hold n * size bytes and do not overlap.
            unsafe { core::ptr::copy_nonoverlapping(src, base, n * size) };
        }
        return;
    }
    while block < n {
        let mut a = 0;
        while n - a > 2 * block {
            array.sym_merge(a, a + block, a + 2 * block);
            a += 2 * block;
        }
        if n - a > block {
            array.sym_merge(a, a + block, n);
        }
        block = block.saturating_mul(2);
    }
}

/// `bsearch`: an element of the sorted array at `base` for which
/// `cmp(key, element)` is 0, or NULL. It probes the same elements as glibc's
/// (the middle of the remaining range, rounded down), so among equal
/// elements it finds the same one.
///
/// # Safety
/// `n * size` bytes at `base` must be readable; `cmp` gets `key` and
/// addresses of elements of the array.
pub unsafe fn bsearch<F: FnMut(*const u8, *const u8) -> i32>(
    key: *const u8,
    base: *const u8,
    n: usize,
    size: usize,
    mut cmp: F,
) -> *mut u8 {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        // lo <= mid < hi <= n: element mid is inside the caller's array.
        let p = base.wrapping_add(mid * size);
        match cmp(key, p) {
            c if c < 0 => hi = mid,
            c if c > 0 => lo = mid + 1,
            _ => return p as *mut u8,
        }
    }
    core::ptr::null_mut()
}
