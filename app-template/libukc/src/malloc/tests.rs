//! Host tests of the allocator: a model of the live blocks and their
//! contents, alignment, misuse, and a grow function that refuses.
use super::*;
use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// A stand-in for ukrt_heap_grow: a zeroed region handed out by a bump
/// pointer, refusing past `cap` bytes; it counts its calls.
struct Region {
    base: usize,
    cap: usize,
    used: AtomicUsize,
    calls: AtomicUsize,
}

impl Region {
    fn new(cap: usize) -> Region {
        // SAFETY: the layout has a non-zero size.
        let base = unsafe { alloc_zeroed(Layout::from_size_align(cap, 4096).unwrap()) };
        assert!(!base.is_null());
        Region {
            base: base as usize,
            cap,
            used: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
        }
    }

    fn used(&self) -> usize {
        self.used.load(Relaxed)
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: `base` came from alloc_zeroed with this layout.
        unsafe {
            dealloc(
                self.base as *mut u8,
                Layout::from_size_align(self.cap, 4096).unwrap(),
            )
        };
    }
}

impl Grow for &'static Region {
    fn grow(&self, bytes: usize) -> *mut u8 {
        assert_eq!(bytes % 4096, 0, "the heap grows by pages");
        self.calls.fetch_add(1, Relaxed);
        let used = self.used();
        if bytes > self.cap - used {
            return null_mut();
        }
        self.used.store(used + bytes, Relaxed);
        (self.base + used) as *mut u8
    }
}

fn heap(cap: usize) -> (Box<Heap<&'static Region>>, &'static Region) {
    let region: &'static Region = Box::leak(Box::new(Region::new(cap)));
    (Box::new(Heap::new(region, 1 << 40)), region)
}

/// A tiny deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Mostly small sizes, some up to 64 KiB, a few up to 1 MiB.
    fn size(&mut self) -> usize {
        let n = match self.below(100) {
            0..=69 => 1 + self.below(128),
            70..=94 => 1 + self.below(4096),
            95..=98 => 1 + self.below(65536),
            _ => 1 + self.below(1 << 20),
        };
        n as usize
    }
}

fn usable(h: &Heap<&'static Region>, p: *mut u8) -> Result<usize, Misuse> {
    // SAFETY: the tests write only inside live blocks, except where they
    // break the heap on purpose to see the check catch it.
    unsafe { h.usable_size(p) }
}

fn fill(p: *mut u8, n: usize, tag: u8) {
    // SAFETY: the callers pass a live block of at least `n` bytes.
    unsafe { core::ptr::write_bytes(p, tag, n) };
}

fn holds(p: *mut u8, n: usize, tag: u8) -> bool {
    // SAFETY: the callers pass a live block of at least `n` bytes.
    unsafe { core::slice::from_raw_parts(p, n) }
        .iter()
        .all(|&b| b == tag)
}

#[test]
fn random_malloc_free_realloc_keep_every_block_intact() {
    let (mut h, region) = heap(256 << 20);
    let mut rng = Rng(0x1234_5678);
    // id -> (pointer, size, fill byte)
    let mut live: HashMap<u32, (*mut u8, usize, u8)> = HashMap::new();
    let mut ids: Vec<u32> = Vec::new();
    let mut peak_live = 0usize;
    let mut live_bytes = 0usize;
    for step in 0..60_000u32 {
        let tag = (step % 251) as u8 + 1;
        match rng.below(10) {
            0..=4 => {
                let n = rng.size();
                let p = h.malloc(n);
                assert!(!p.is_null(), "malloc({n}) with room");
                assert_eq!(p as usize % ALIGN, 0);
                assert!(usable(&h, p).unwrap() >= n);
                fill(p, n, tag);
                live.insert(step, (p, n, tag));
                ids.push(step);
                live_bytes += n;
            }
            5..=7 if !ids.is_empty() => {
                let id = ids.swap_remove(rng.below(ids.len() as u64) as usize);
                let (p, n, t) = live.remove(&id).unwrap();
                assert!(holds(p, n, t), "block {id} kept its contents");
                // SAFETY: the heap's free memory is only touched by the heap.
                unsafe { h.free(p) }.unwrap();
                live_bytes -= n;
            }
            8..=9 if !ids.is_empty() => {
                let id = ids[rng.below(ids.len() as u64) as usize];
                let (p, n, t) = live[&id];
                let m = if rng.below(2) == 0 {
                    n / 2 + 1
                } else {
                    n * 2 + rng.size()
                };
                // SAFETY: `p` is a live block of this heap, given out by it and not freed since.
                let q = unsafe { h.realloc(p, m) }.unwrap();
                assert!(!q.is_null());
                assert_eq!(q as usize % ALIGN, 0);
                assert!(holds(q, n.min(m), t), "realloc kept the first bytes");
                fill(q, m, t);
                live.insert(id, (q, m, t));
                live_bytes = live_bytes - n + m;
            }
            _ => {}
        }
        peak_live = peak_live.max(live_bytes);
        if step % 4096 == 0 {
            // No two live blocks overlap.
            let mut spans: Vec<(usize, usize)> = live
                .values()
                .map(|&(p, n, _)| (p as usize, p as usize + n))
                .collect();
            spans.sort();
            assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0));
        }
    }
    for (_, (p, n, t)) in live.drain() {
        assert!(holds(p, n, t));
        // SAFETY: `p` is a live block of this heap, given out by it and not freed since.
        unsafe { h.free(p) }.unwrap();
    }
    // Bounded fragmentation: the heap stays within a small factor of the
    // most bytes ever live at once (plus the granularity).
    let heap_bytes = h.heap_bytes();
    assert!(heap_bytes <= region.used());
    assert!(
        heap_bytes < 2 * peak_live + 4 * GRANULARITY,
        "heap {heap_bytes} for peak {peak_live}"
    );
}

#[test]
fn freed_memory_is_reused_without_growing() {
    let (mut h, region) = heap(64 << 20);
    let round = |h: &mut Heap<&'static Region>| {
        let ps: Vec<*mut u8> = (1..2000).map(|i| h.malloc(i * 7 % 3000 + 1)).collect();
        for p in ps {
            // SAFETY: the blocks are live and untouched.
            unsafe { h.free(p) }.unwrap();
        }
    };
    round(&mut h);
    let (used, calls) = (region.used(), region.calls.load(Relaxed));
    for _ in 0..5 {
        round(&mut h);
    }
    assert_eq!(region.used(), used, "the same rounds need no new memory");
    assert_eq!(region.calls.load(Relaxed), calls);
}

#[test]
fn alignment_of_every_call() {
    let (mut h, _) = heap(64 << 20);
    for n in [0usize, 1, 15, 16, 17, 100, 4096, 70_000] {
        let p = h.malloc(n);
        assert!(!p.is_null());
        assert_eq!(p as usize % 16, 0);
        let mut shift = 4;
        while shift <= 16 {
            let a = 1usize << shift;
            let q = h.memalign(a, n);
            assert!(!q.is_null());
            assert_eq!(q as usize % a, 0, "memalign({a}, {n})");
            assert!(usable(&h, q).unwrap() >= n);
            fill(q, n, 0x5a);
            // SAFETY: the block is live and only written inside.
            unsafe { h.free(q) }.unwrap();
            shift += 3;
        }
        // SAFETY: `p` is a live block of this heap, given out by it and not freed since.
        unsafe { h.free(p) }.unwrap();
    }
    assert_eq!(memalign_alignment(8), Some(16));
    assert_eq!(memalign_alignment(48), Some(64));
    assert_eq!(memalign_alignment(4096), Some(4096));
    assert_eq!(memalign_alignment(usize::MAX / 2 + 2), None);
}

#[test]
fn calloc_zeroes_reused_memory_and_refuses_overflow() {
    let (mut h, _) = heap(16 << 20);
    let p = h.malloc(1000);
    fill(p, 1000, 0xff);
    // SAFETY: live block, written inside.
    unsafe { h.free(p) }.unwrap();
    let q = h.calloc(10, 100);
    assert!(!q.is_null());
    assert!(holds(q, 1000, 0));
    assert!(h.calloc(usize::MAX / 2, 3).is_null(), "n * size overflows");
    assert!(h.calloc(1 << 40, 1 << 30).is_null());
}

#[test]
fn exhaustion_is_null_and_the_heap_stays_usable() {
    let (mut h, region) = heap(8 << 20);
    let mut blocks = Vec::new();
    loop {
        let p = h.malloc(100_000);
        if p.is_null() {
            break;
        }
        fill(p, 100_000, 7);
        blocks.push(p);
    }
    assert!(
        blocks.len() > 60,
        "most of 8 MiB is usable: {}",
        blocks.len()
    );
    assert!(region.used() <= 8 << 20);
    // A huge request fails without touching the region.
    let used = region.used();
    assert!(h.malloc(usize::MAX - 100).is_null());
    assert!(h.malloc(1 << 40).is_null());
    assert!(h.memalign(1 << 40, 16).is_null());
    assert_eq!(region.used(), used);
    // A failed realloc leaves the block as it was.
    let p = blocks[0];
    // SAFETY: live block.
    assert_eq!(unsafe { h.realloc(p, 4 << 20) }, Ok(null_mut()));
    assert!(holds(p, 100_000, 7));
    for p in blocks.drain(..) {
        // SAFETY: live blocks, written inside.
        unsafe { h.free(p) }.unwrap();
    }
    let big = h.malloc(4 << 20);
    assert!(!big.is_null(), "freed memory serves a larger block");
}

#[test]
fn a_heap_that_gets_nothing_returns_null() {
    let (mut h, _) = heap(4096);
    assert!(h.malloc(1).is_null());
    assert!(h.calloc(1, 1).is_null());
    // SAFETY: NULL is always fine to pass.
    assert_eq!(unsafe { h.realloc(null_mut(), 10) }, Ok(null_mut()));
}

#[test]
fn double_free_and_foreign_pointers_are_caught() {
    let (mut h, _) = heap(16 << 20);
    let a = h.malloc(40);
    let b = h.malloc(40);
    // SAFETY: (for each call) the heap's free memory is untouched; the
    // pointers are checked, which is what the test is about.
    unsafe {
        assert_eq!(h.free(null_mut()), Ok(()));
        assert_eq!(h.free(a), Ok(()));
        assert_eq!(h.free(a), Err(Misuse::NotLive), "double free");
        assert_eq!(
            h.realloc(a, 100),
            Err(Misuse::NotLive),
            "realloc of a freed block"
        );
        assert_eq!(usable(&h, a), Err(Misuse::NotLive));
        assert_eq!(
            h.free(b.add(16)),
            Err(Misuse::NotLive),
            "a pointer into a block"
        );
        assert_eq!(h.free(b.add(1)), Err(Misuse::NotLive), "misaligned");
        let mut local = 0u64;
        assert_eq!(
            h.free((&raw mut local).cast()),
            Err(Misuse::NotLive),
            "not in the heap"
        );
        assert_eq!(h.free(16 as *mut u8), Err(Misuse::NotLive));
        // After a has been merged with b's free neighbour and reused, the
        // old pointer is still no live block unless malloc gave it again.
        assert_eq!(h.free(b), Ok(()));
        assert_eq!(h.free(b), Err(Misuse::NotLive));
        let c = h.malloc(200);
        assert_eq!(h.free(c), Ok(()));
    }
}

#[test]
fn a_write_past_the_end_is_caught() {
    let (mut h, _) = heap(16 << 20);
    let a = h.malloc(24);
    let b = h.malloc(24);
    let n = usable(&h, a).unwrap();
    // SAFETY: the test breaks the heap on purpose: one byte past a's
    // usable bytes is its check word.
    unsafe {
        a.add(n).write(0x41);
        assert_eq!(usable(&h, a), Err(Misuse::Corrupt));
        assert_eq!(h.free(a), Err(Misuse::Corrupt));
        assert_eq!(h.free(b), Ok(()), "the neighbour is intact");
    }
}

#[test]
fn the_chunk_format_matches_dlmalloc() {
    // What check() and usable_size() read: the size word before a block
    // has CINUSE set, and the usable size is the chunk size less 8.
    let (mut h, _) = heap(16 << 20);
    for n in [0usize, 1, 24, 25, 100, 1000, 300_000] {
        let p = h.malloc(n);
        let u = usable(&h, p).unwrap();
        assert!(u >= n && u < n.max(24) + 32, "usable {u} for {n}");
        // SAFETY: the word before a live block is its chunk's size word.
        let head = unsafe { (p.sub(8) as *const usize).read() };
        assert_eq!(head & CINUSE, CINUSE);
        assert_eq!((head & !FLAG_BITS) - CHUNK_OVERHEAD - CHECK, u);
    }
}

#[test]
fn two_heaps_are_independent() {
    let (mut h1, _) = heap(8 << 20);
    let (mut h2, _) = heap(8 << 20);
    let p = h1.malloc(100);
    let q = h2.malloc(100);
    // SAFETY: pointers are checked; free memory is untouched.
    unsafe {
        assert_eq!(h2.free(p), Err(Misuse::NotLive), "a block of another heap");
        assert_eq!(h1.free(p), Ok(()));
        assert_eq!(h2.free(q), Ok(()));
    }
}

#[test]
fn realloc_growth_moves_the_block_rarely() {
    let (mut h, region) = heap(64 << 20);
    let mut p = h.malloc(16);
    let mut moves = 0;
    for n in (32..4 << 20).step_by(4096) {
        // SAFETY: p is live; written only inside.
        let q = unsafe { h.realloc(p, n) }.unwrap();
        assert!(!q.is_null());
        if q != p {
            moves += 1;
        }
        p = q;
    }
    // 1024 steps of 4 KiB: the block grows into the free space after it
    // and moves only when that runs out, to a place at least its own size
    // larger, so the moves are logarithmic in the final size.
    assert!(moves <= 16, "{moves} moves");
    assert!(region.used() < 12 << 20, "{} bytes", region.used());
}
