//! malloc benchmark on the host: the same generated traces through libukc's
//! allocator (over a stand-in for ukrt_heap_grow), glibc's malloc, and the
//! other candidates that were measured when choosing (bare dlmalloc, talc,
//! rlsf). One run of one allocator on one trace per process, so each starts
//! from a fresh heap; ci/bench_malloc.py runs them all and prints the table.
//!
//!   malloc run ALLOCATOR TRACE [footprint]
//!
//! prints `malloc-bench: key=value ...`: ops, ns_per_op (the thread's CPU
//! time per op; not measured in a footprint run), peak_live (the most requested bytes live at once),
//! peak_heap (the most bytes the allocator had taken from the system:
//! for glibc the brk heap plus its mmap'd blocks), and bad (blocks whose
//! marks were not intact at free: always 0 unless an allocator is broken).
use std::alloc::Layout;
use std::ptr::{null_mut, NonNull};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

// ---------------------------------------------------------------- traces

#[derive(Clone, Copy)]
enum Op {
    Alloc { slot: u32, size: u32 },
    Free { slot: u32 },
    Realloc { slot: u32, size: u32 },
}

struct Trace {
    ops: Vec<Op>,
    slots: usize,
}

/// xorshift64*: deterministic, so every allocator sees the same trace.
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
    fn range(&mut self, lo: u64, hi: u64) -> u32 {
        (lo + self.below(hi - lo + 1)) as u32
    }
    /// Log-uniform in [lo, hi].
    fn log_range(&mut self, lo: u64, hi: u64) -> u32 {
        let (a, b) = ((lo as f64).ln(), (hi as f64).ln());
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (a + (b - a) * u).exp().round().clamp(lo as f64, hi as f64) as u32
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Slots: a free list of slot numbers plus the live ones, to pick a random
/// live block in O(1).
struct Slots {
    free: Vec<u32>,
    live: Vec<u32>,
    at: Vec<u32>,
}
impl Slots {
    fn new() -> Slots {
        Slots {
            free: Vec::new(),
            live: Vec::new(),
            at: Vec::new(),
        }
    }
    fn take(&mut self) -> u32 {
        let s = self.free.pop().unwrap_or_else(|| {
            self.at.push(0);
            self.at.len() as u32 - 1
        });
        self.at[s as usize] = self.live.len() as u32;
        self.live.push(s);
        s
    }
    fn release_random(&mut self, rng: &mut Rng) -> u32 {
        let i = rng.below(self.live.len() as u64) as usize;
        self.release_at(i)
    }
    fn release_at(&mut self, i: usize) -> u32 {
        let s = self.live.swap_remove(i);
        if i < self.live.len() {
            self.at[self.live[i] as usize] = i as u32;
        }
        self.free.push(s);
        s
    }
    fn random(&self, rng: &mut Rng) -> u32 {
        self.live[rng.below(self.live.len() as u64) as usize]
    }
}

/// Sizes 8 B to 64 KiB, mostly small (about what C programs ask for: half
/// under 64 bytes, a long tail; mean about 1 KiB).
fn mixed_size(rng: &mut Rng) -> u32 {
    match rng.below(100) {
        0..=54 => rng.range(8, 64),
        55..=79 => rng.range(65, 256),
        80..=92 => rng.range(257, 1024),
        93..=97 => rng.log_range(1025, 8192),
        _ => rng.log_range(8193, 65536),
    }
}

/// 160k live blocks of mixed sizes: built up, churned (a random live block
/// freed or a new one made, with some reallocs), then all freed.
fn mixed() -> Trace {
    let mut rng = Rng(0x6d69_7865_6421);
    let mut s = Slots::new();
    let mut ops = Vec::new();
    const LIVE: usize = 160_000;
    for _ in 0..LIVE {
        ops.push(Op::Alloc {
            slot: s.take(),
            size: mixed_size(&mut rng),
        });
    }
    for _ in 0..640_000 {
        match rng.below(100) {
            0..=46 if !s.live.is_empty() => ops.push(Op::Free {
                slot: s.release_random(&mut rng),
            }),
            47..=52 if !s.live.is_empty() => ops.push(Op::Realloc {
                slot: s.random(&mut rng),
                size: mixed_size(&mut rng),
            }),
            _ => ops.push(Op::Alloc {
                slot: s.take(),
                size: mixed_size(&mut rng),
            }),
        }
    }
    while !s.live.is_empty() {
        ops.push(Op::Free {
            slot: s.release_at(s.live.len() - 1),
        });
    }
    Trace {
        ops,
        slots: s.at.len(),
    }
}

/// A Lua-like heap: small objects (strings, tables, closures), table parts
/// that grow by doubling with realloc, and a collector that runs when the
/// heap has doubled since the last cycle and frees most young objects and
/// some old ones.
fn lua() -> Trace {
    let mut rng = Rng(0x6c75_6167_6321);
    let mut s = Slots::new();
    let mut ops = Vec::new();
    let mut size = Vec::<u32>::new();
    let mut young = Vec::<bool>::new();
    let mut allocated_since = 0usize;
    let mut threshold = 20_000usize;
    while ops.len() < 2_000_000 {
        if allocated_since >= threshold {
            // A collection: sweep the live set.
            let mut i = 0;
            while i < s.live.len() {
                let slot = s.live[i] as usize;
                let dies = if young[slot] {
                    rng.chance(75)
                } else {
                    rng.chance(15)
                };
                if dies {
                    ops.push(Op::Free {
                        slot: s.release_at(i),
                    });
                } else {
                    young[slot] = false;
                    i += 1;
                }
            }
            threshold = s.live.len().max(20_000);
            allocated_since = 0;
            continue;
        }
        if !s.live.is_empty() && rng.chance(4) {
            // A table part or buffer doubles.
            let slot = s.random(&mut rng);
            let n = size[slot as usize];
            if n < 8192 {
                size[slot as usize] = n * 2;
                ops.push(Op::Realloc { slot, size: n * 2 });
                continue;
            }
        }
        let n = match rng.below(100) {
            0..=39 => 24 + rng.log_range(1, 120), // a string
            40..=64 => 56,                        // a table
            65..=79 => 32 + 8 * rng.range(0, 3),  // a closure
            80..=89 => 40,                        // an upvalue, userdata
            _ => 16 * rng.range(1, 8),            // an array part
        };
        let slot = s.take();
        if size.len() <= slot as usize {
            size.resize(slot as usize + 1, 0);
            young.resize(slot as usize + 1, true);
        }
        size[slot as usize] = n;
        young[slot as usize] = true;
        allocated_since += 1;
        ops.push(Op::Alloc { slot, size: n });
    }
    while !s.live.is_empty() {
        ops.push(Op::Free {
            slot: s.release_at(s.live.len() - 1),
        });
    }
    Trace {
        ops,
        slots: s.at.len(),
    }
}

/// Buffers growing by realloc (x1.5 or by a few bytes) to sizes up to
/// 256 KiB, 2000 at a time, among small blocks that come and go.
fn realloc_growth() -> Trace {
    let mut rng = Rng(0x7265_616c_6c21);
    let mut bufs = Slots::new();
    let mut small = Slots::new();
    let mut ops = Vec::new();
    let mut size = Vec::<u32>::new();
    let mut goal = Vec::<u32>::new();
    // Buffers use even slots, small blocks odd ones.
    let buf_slot = |s: u32| 2 * s;
    let small_slot = |s: u32| 2 * s + 1;
    while ops.len() < 1_000_000 {
        if rng.chance(30) {
            if small.live.len() > 10_000 || (small.live.len() > 100 && rng.chance(50)) {
                ops.push(Op::Free {
                    slot: small_slot(small.release_random(&mut rng)),
                });
            } else {
                ops.push(Op::Alloc {
                    slot: small_slot(small.take()),
                    size: rng.range(16, 128),
                });
            }
            continue;
        }
        if bufs.live.len() < 2000 {
            let b = bufs.take();
            if size.len() <= b as usize {
                size.resize(b as usize + 1, 0);
                goal.resize(b as usize + 1, 0);
            }
            size[b as usize] = 16;
            goal[b as usize] = rng.log_range(256, 256 << 10);
            ops.push(Op::Alloc {
                slot: buf_slot(b),
                size: 16,
            });
            continue;
        }
        let i = rng.below(bufs.live.len() as u64) as usize;
        let b = bufs.live[i];
        let n = size[b as usize];
        if n >= goal[b as usize] {
            bufs.release_at(i);
            ops.push(Op::Free { slot: buf_slot(b) });
            continue;
        }
        let m = if rng.chance(50) {
            n + n / 2
        } else {
            n + rng.range(16, 256)
        };
        size[b as usize] = m;
        ops.push(Op::Realloc {
            slot: buf_slot(b),
            size: m,
        });
    }
    while !bufs.live.is_empty() {
        ops.push(Op::Free {
            slot: buf_slot(bufs.release_at(bufs.live.len() - 1)),
        });
    }
    while !small.live.is_empty() {
        ops.push(Op::Free {
            slot: small_slot(small.release_at(small.live.len() - 1)),
        });
    }
    let slots = 2 * bufs.at.len().max(small.at.len()) + 2;
    Trace { ops, slots }
}

/// Blocks of 64 KiB to 4 MiB, up to 64 live: replaced or resized.
fn large() -> Trace {
    let mut rng = Rng(0x6c61_7267_6521);
    let mut s = Slots::new();
    let mut ops = Vec::new();
    for _ in 0..64 {
        ops.push(Op::Alloc {
            slot: s.take(),
            size: rng.log_range(64 << 10, 4 << 20),
        });
    }
    for _ in 0..100_000 {
        if rng.chance(30) {
            ops.push(Op::Realloc {
                slot: s.random(&mut rng),
                size: rng.log_range(64 << 10, 4 << 20),
            });
        } else {
            ops.push(Op::Free {
                slot: s.release_random(&mut rng),
            });
            ops.push(Op::Alloc {
                slot: s.take(),
                size: rng.log_range(64 << 10, 4 << 20),
            });
        }
    }
    while !s.live.is_empty() {
        ops.push(Op::Free {
            slot: s.release_at(s.live.len() - 1),
        });
    }
    Trace {
        ops,
        slots: s.at.len(),
    }
}

// ------------------------------------------------------------ allocators

trait Alloc {
    fn malloc(&mut self, n: usize) -> *mut u8;
    /// # Safety
    /// `p` is a live block of `n` bytes from this allocator.
    unsafe fn free(&mut self, p: *mut u8, n: usize);
    /// # Safety
    /// `p` is a live block of `old` bytes from this allocator.
    unsafe fn realloc(&mut self, p: *mut u8, old: usize, n: usize) -> *mut u8;
    /// Bytes taken from the system now.
    fn heap_bytes(&self) -> usize;
    /// A footprint run reads heap_bytes after every this many ops.
    fn sample(&self) -> usize {
        1
    }
}

/// The stand-in for ukrt_heap_grow: one big zeroed reservation (the
/// kernel maps its pages on first touch), handed out by a bump pointer.
struct Region;
static REGION_BASE: AtomicUsize = AtomicUsize::new(0);
static REGION_USED: AtomicUsize = AtomicUsize::new(0);
const REGION_SIZE: usize = 3 << 30;

impl Region {
    fn init() {
        let layout = Layout::from_size_align(REGION_SIZE, 4096).unwrap();
        // SAFETY: the layout has a non-zero size; the region is never freed.
        let base = unsafe { std::alloc::alloc_zeroed(layout) };
        assert!(!base.is_null(), "cannot reserve the region");
        REGION_BASE.store(base as usize, Relaxed);
    }
    fn take(bytes: usize) -> *mut u8 {
        let bytes = bytes.next_multiple_of(4096);
        let used = REGION_USED.load(Relaxed);
        if bytes > REGION_SIZE - used {
            return null_mut();
        }
        REGION_USED.store(used + bytes, Relaxed);
        (REGION_BASE.load(Relaxed) + used) as *mut u8
    }
    fn used() -> usize {
        REGION_USED.load(Relaxed)
    }
}

impl ukc::malloc::Grow for Region {
    fn grow(&self, bytes: usize) -> *mut u8 {
        Region::take(bytes)
    }
}

/// libukc's allocator itself: dlmalloc with the check words.
struct Ukc(Box<ukc::malloc::Heap<Region>>);
impl Alloc for Ukc {
    fn malloc(&mut self, n: usize) -> *mut u8 {
        self.0.malloc(n)
    }
    unsafe fn free(&mut self, p: *mut u8, _: usize) {
        // SAFETY: the caller passes a live block.
        unsafe { self.0.free(p) }.expect("a live block")
    }
    unsafe fn realloc(&mut self, p: *mut u8, _: usize, n: usize) -> *mut u8 {
        // SAFETY: the caller passes a live block.
        unsafe { self.0.realloc(p, n) }.expect("a live block")
    }
    fn heap_bytes(&self) -> usize {
        self.0.heap_bytes()
    }
}

/// The dlmalloc crate alone, over the same region.
struct DlSystem;
// SAFETY: alloc returns fresh region bytes or NULL; nothing is released.
unsafe impl dlmalloc::Allocator for DlSystem {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let p = Region::take(size);
        (
            p,
            if p.is_null() {
                0
            } else {
                size.next_multiple_of(4096)
            },
            0,
        )
    }
    fn remap(&self, _: *mut u8, _: usize, _: usize, _: bool) -> *mut u8 {
        null_mut()
    }
    fn free_part(&self, _: *mut u8, _: usize, _: usize) -> bool {
        false
    }
    fn free(&self, _: *mut u8, _: usize) -> bool {
        false
    }
    fn can_release_part(&self, _: u32) -> bool {
        false
    }
    fn allocates_zeros(&self) -> bool {
        false
    }
    fn page_size(&self) -> usize {
        4096
    }
}
struct Dl(dlmalloc::Dlmalloc<DlSystem>);
impl Alloc for Dl {
    fn malloc(&mut self, n: usize) -> *mut u8 {
        // SAFETY: no preconditions.
        unsafe { self.0.c_malloc(n) }
    }
    unsafe fn free(&mut self, p: *mut u8, _: usize) {
        // SAFETY: the caller passes a live block.
        unsafe { self.0.c_free(p) }
    }
    unsafe fn realloc(&mut self, p: *mut u8, _: usize, n: usize) -> *mut u8 {
        // SAFETY: the caller passes a live block.
        unsafe { self.0.c_realloc(p, n) }
    }
    fn heap_bytes(&self) -> usize {
        Region::used()
    }
}

/// talc, growing its one heap span over the region when it runs out. It
/// frees by layout, so a C free would need a size header; here it is given
/// the size (its best case).
struct TalcGrow {
    heap: talc::Span,
}
impl talc::OomHandler for TalcGrow {
    fn handle_oom(talc: &mut talc::Talc<Self>, layout: Layout) -> Result<(), ()> {
        let want = (layout.size() + layout.align() + 256).max(256 << 10);
        let p = Region::take(want);
        if p.is_null() {
            return Err(());
        }
        let want = want.next_multiple_of(4096);
        let old = talc.oom_handler.heap;
        // SAFETY: the region's bytes are fresh and adjoin the previous run.
        talc.oom_handler.heap = unsafe {
            if old.is_empty() {
                talc.claim(talc::Span::from_base_size(p, want))?
            } else {
                let (base, acme) = old.get_base_acme().unwrap();
                assert_eq!(acme, p, "the region is contiguous");
                talc.extend(old, talc::Span::new(base, acme.add(want)))
            }
        };
        Ok(())
    }
}
struct Talc(talc::Talc<TalcGrow>);
fn layout(n: usize) -> Layout {
    Layout::from_size_align(n.max(1), 16).unwrap()
}
impl Alloc for Talc {
    fn malloc(&mut self, n: usize) -> *mut u8 {
        // SAFETY: the layout has a non-zero size.
        unsafe { self.0.malloc(layout(n)) }.map_or(null_mut(), |p| p.as_ptr())
    }
    unsafe fn free(&mut self, p: *mut u8, n: usize) {
        // SAFETY: the caller passes a live block of `n` bytes.
        unsafe { self.0.free(NonNull::new_unchecked(p), layout(n)) }
    }
    unsafe fn realloc(&mut self, p: *mut u8, old: usize, n: usize) -> *mut u8 {
        // SAFETY: the caller passes a live block of `old` bytes.
        unsafe {
            let p = NonNull::new_unchecked(p);
            if n <= old {
                self.0.shrink(p, layout(old), n.max(1));
                p.as_ptr()
            } else {
                self.0
                    .grow(p, layout(old), n)
                    .map_or(null_mut(), |q| q.as_ptr())
            }
        }
    }
    fn heap_bytes(&self) -> usize {
        Region::used()
    }
}

/// rlsf's TLSF, its pool growing in place over the region.
struct TlsfSource;
// SAFETY: the blocks are fresh region bytes; growth in place extends the
// last block only when the region's end is that block's end.
unsafe impl rlsf::FlexSource for TlsfSource {
    unsafe fn alloc(&mut self, min_size: usize) -> Option<NonNull<[u8]>> {
        let n = min_size.max(256 << 10).next_multiple_of(4096);
        let p = NonNull::new(Region::take(n))?;
        Some(NonNull::slice_from_raw_parts(p, n))
    }
    unsafe fn realloc_inplace_grow(
        &mut self,
        ptr: NonNull<[u8]>,
        min_new_len: usize,
    ) -> Option<usize> {
        let end = ptr.as_ptr() as *mut u8 as usize + ptr.len();
        if end != REGION_BASE.load(Relaxed) + Region::used() {
            return None;
        }
        let extra = (min_new_len - ptr.len())
            .max(256 << 10)
            .next_multiple_of(4096);
        Region::take(extra);
        Some(ptr.len() + extra)
    }
    fn supports_realloc_inplace_grow(&self) -> bool {
        true
    }
    fn is_contiguous_growable(&self) -> bool {
        true
    }
}
type TheTlsf = rlsf::FlexTlsf<TlsfSource, usize, usize, 64, 64>;
struct Tlsf(Box<TheTlsf>);
impl Alloc for Tlsf {
    fn malloc(&mut self, n: usize) -> *mut u8 {
        self.0
            .allocate(layout(n))
            .map_or(null_mut(), |p| p.as_ptr())
    }
    unsafe fn free(&mut self, p: *mut u8, _: usize) {
        // SAFETY: the caller passes a live block, allocated with align 16.
        unsafe { self.0.deallocate(NonNull::new_unchecked(p), 16) }
    }
    unsafe fn realloc(&mut self, p: *mut u8, _: usize, n: usize) -> *mut u8 {
        // SAFETY: the caller passes a live block, allocated with align 16.
        unsafe { self.0.reallocate(NonNull::new_unchecked(p), layout(n)) }
            .map_or(null_mut(), |q| q.as_ptr())
    }
    fn heap_bytes(&self) -> usize {
        Region::used()
    }
}

unsafe extern "C" {
    #[link_name = "malloc"]
    safe fn glibc_malloc(n: usize) -> *mut u8;
    #[link_name = "free"]
    fn glibc_free(p: *mut u8);
    #[link_name = "realloc"]
    fn glibc_realloc(p: *mut u8, n: usize) -> *mut u8;
    safe fn malloc_trim(pad: usize) -> i32;
    fn clock_gettime(clock: i32, ts: *mut [i64; 2]) -> i32;
}

/// This thread's CPU time in ns (user and system, page faults included;
/// not the time other work on the machine holds the CPU).
fn cpu_ns() -> u128 {
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a writable timespec (two 64-bit fields on x86_64).
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    ts[0] as u128 * 1_000_000_000 + ts[1] as u128
}

/// glibc's mallinfo2 (the fields this bench reads are arena: bytes of the
/// brk heap, and hblkhd: bytes of the mmap'd blocks).
#[repr(C)]
#[derive(Default)]
struct Mallinfo2 {
    arena: usize,
    ordblks: usize,
    smblks: usize,
    hblks: usize,
    hblkhd: usize,
    usmblks: usize,
    fsmblks: usize,
    uordblks: usize,
    fordblks: usize,
    keepcost: usize,
}
unsafe extern "C" {
    safe fn mallinfo2() -> Mallinfo2;
}

/// glibc's malloc. Its footprint is its brk heap plus its mmap'd blocks
/// (mallinfo2, which walks the free lists, so a footprint run samples it
/// every SAMPLE ops instead of after each).
struct Glibc;
impl Alloc for Glibc {
    fn malloc(&mut self, n: usize) -> *mut u8 {
        glibc_malloc(n)
    }
    unsafe fn free(&mut self, p: *mut u8, _: usize) {
        // SAFETY: the caller passes a live block.
        unsafe { glibc_free(p) }
    }
    unsafe fn realloc(&mut self, p: *mut u8, _: usize, n: usize) -> *mut u8 {
        // SAFETY: the caller passes a live block.
        unsafe { glibc_realloc(p, n) }
    }
    fn heap_bytes(&self) -> usize {
        let m = mallinfo2();
        m.arena + m.hblkhd
    }
    fn sample(&self) -> usize {
        SAMPLE
    }
}
const SAMPLE: usize = 4096;

// ------------------------------------------------------------------- run

struct Figures {
    ns: u128,
    peak_live: usize,
    peak_heap: usize,
    bad: usize,
    oom: usize,
}

/// Each block gets its slot number in its first 4 bytes and the slot's low
/// byte in its last, checked when it is freed or reallocated.
fn mark(p: *mut u8, n: usize, slot: u32) {
    // SAFETY: `p` is a live block of `n` >= 8 bytes.
    unsafe {
        (p as *mut u32).write_unaligned(slot);
        p.add(n - 1).write(slot as u8);
    }
}
fn marked(p: *mut u8, n: usize, slot: u32) -> bool {
    // SAFETY: `p` is a live block of at least `n` >= 8 bytes.
    unsafe { (p as *const u32).read_unaligned() == slot && p.add(n - 1).read() == slot as u8 }
}

fn run(a: &mut dyn Alloc, t: &Trace, footprint: bool) -> Figures {
    let mut ptr = vec![null_mut::<u8>(); t.slots];
    let mut size = vec![0usize; t.slots];
    let (mut live, mut peak_live, mut peak_heap, mut bad, mut oom) = (0usize, 0, 0, 0, 0);
    let base = a.heap_bytes();
    let every = a.sample();
    let start = cpu_ns();
    for (i, op) in t.ops.iter().enumerate() {
        match *op {
            Op::Alloc { slot, size: n } => {
                let (s, n) = (slot as usize, n as usize);
                let p = a.malloc(n);
                if p.is_null() {
                    oom += 1;
                    continue;
                }
                mark(p, n, slot);
                ptr[s] = p;
                size[s] = n;
                live += n;
            }
            Op::Free { slot } => {
                let s = slot as usize;
                let p = std::mem::replace(&mut ptr[s], null_mut());
                if p.is_null() {
                    continue;
                }
                bad += !marked(p, size[s], slot) as usize;
                // SAFETY: `p` is the live block of this slot.
                unsafe { a.free(p, size[s]) };
                live -= size[s];
            }
            Op::Realloc { slot, size: n } => {
                let (s, n) = (slot as usize, n as usize);
                let p = ptr[s];
                if p.is_null() {
                    continue;
                }
                let old = size[s];
                bad += !marked(p, old, slot) as usize;
                // SAFETY: `p` is the live block of this slot.
                let q = unsafe { a.realloc(p, old, n) };
                if q.is_null() {
                    oom += 1;
                    continue;
                }
                // SAFETY: `q` is a live block of `n` >= 8 bytes.
                bad += (unsafe { (q as *const u32).read_unaligned() } != slot) as usize;
                mark(q, n, slot);
                ptr[s] = q;
                size[s] = n;
                live = live - old + n;
            }
        }
        if footprint {
            peak_live = peak_live.max(live);
            if i % every == 0 {
                peak_heap = peak_heap.max(a.heap_bytes().saturating_sub(base));
            }
        }
    }
    let ns = cpu_ns() - start;
    Figures {
        ns,
        peak_live,
        peak_heap,
        bad,
        oom,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: malloc run glibc|ukc|dlmalloc|talc|rlsf mixed|lua|realloc|large [footprint]";
    // `cargo bench` passes --bench; a bare run lists what there is.
    if args.len() < 4 || args[1] != "run" {
        eprintln!("{usage}");
        return;
    }
    let (alloc, trace, footprint) = (
        &args[2],
        &args[3],
        args.get(4).is_some_and(|a| a == "footprint"),
    );
    let t = match trace.as_str() {
        "mixed" => mixed(),
        "lua" => lua(),
        "realloc" => realloc_growth(),
        "large" => large(),
        _ => panic!("{usage}"),
    };
    let mut a: Box<dyn Alloc> = match alloc.as_str() {
        "glibc" => {
            // Start from a trimmed heap: making the trace used some.
            malloc_trim(0);
            Box::new(Glibc)
        }
        other => {
            Region::init();
            match other {
                "ukc" => Box::new(Ukc(Box::new(ukc::malloc::Heap::new(Region, REGION_SIZE)))),
                "dlmalloc" => {
                    let mut dl = dlmalloc::Dlmalloc::new_with_allocator(DlSystem);
                    dl.set_granularity(ukc::malloc::GRANULARITY);
                    Box::new(Dl(dl))
                }
                "talc" => Box::new(Talc(talc::Talc::new(TalcGrow {
                    heap: talc::Span::empty(),
                }))),
                "rlsf" => Box::new(Tlsf(Box::new(TheTlsf::new(TlsfSource)))),
                _ => panic!("{usage}"),
            }
        }
    };
    let f = run(a.as_mut(), &t, footprint);
    let ops = t.ops.len();
    print!(
        "malloc-bench: alloc={alloc} trace={trace} ops={ops} bad={} oom={}",
        f.bad, f.oom
    );
    if footprint {
        println!(" peak_live={} peak_heap={}", f.peak_live, f.peak_heap);
    } else {
        println!(" ns={} ns_per_op={:.1}", f.ns, f.ns as f64 / ops as f64);
    }
}
