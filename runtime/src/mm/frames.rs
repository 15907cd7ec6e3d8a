//! The frame allocator: a bitmap over the domain's pseudo-physical frames
//! (pfns) that are free for the runtime and its apps.

/// No free frame is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfMemory;

/// Where frames come from, as the page-table logic sees it.
pub trait Frames {
    /// Takes one free frame.
    fn alloc(&mut self) -> Result<u64, OutOfMemory>;
    /// Returns a frame taken with `alloc`.
    fn free(&mut self, pfn: u64);
}

/// One bit per pfn in `[base, limit)`: set = in use.
///
/// A reserve of frames is kept back from ordinary allocations, so that when
/// apps have taken all they can the runtime still has room for its own
/// bookkeeping (the kernel heap grows into it).
pub struct FrameAllocator {
    bits: &'static mut [u64],
    base: u64,
    limit: u64,
    free: u64,
    /// Frames ordinary allocations leave free.
    reserve: u64,
    /// Frames set aside for good (neither used nor free).
    aside: u64,
    /// Where the next search starts (no free frame lies below it), so
    /// allocation is not quadratic.
    hint: u64,
}

impl FrameAllocator {
    /// Words of bitmap needed for `frames` frames.
    pub const fn words_for(frames: u64) -> usize {
        frames.div_ceil(64) as usize
    }

    /// An allocator over `[base, limit)` with every frame free. `bits` must
    /// hold at least `words_for(limit - base)` words.
    pub fn new(bits: &'static mut [u64], base: u64, limit: u64) -> Self {
        assert!(
            bits.len() >= Self::words_for(limit - base),
            "frame bitmap too small"
        );
        bits.fill(0);
        Self {
            bits,
            base,
            limit,
            free: limit - base,
            reserve: 0,
            aside: 0,
            hint: 0,
        }
    }

    /// Keeps `frames` back from ordinary allocations.
    pub fn set_reserve(&mut self, frames: u64) {
        self.reserve = frames;
    }

    /// The frames kept back.
    pub fn reserve(&self) -> u64 {
        self.reserve
    }

    pub fn free_count(&self) -> u64 {
        self.free
    }

    pub fn total(&self) -> u64 {
        self.limit - self.base
    }

    pub fn used_count(&self) -> u64 {
        self.total() - self.free - self.aside
    }

    /// Frames set aside with [`set_aside`](Self::set_aside).
    pub fn aside_count(&self) -> u64 {
        self.aside
    }

    fn is_used(&self, i: u64) -> bool {
        self.bits[(i / 64) as usize] & (1 << (i % 64)) != 0
    }

    fn set(&mut self, i: u64, used: bool) {
        let w = &mut self.bits[(i / 64) as usize];
        if used {
            *w |= 1 << (i % 64);
        } else {
            *w &= !(1 << (i % 64));
        }
    }

    /// Sets frame `pfn` aside for good before any allocation (the physical
    /// map's own tables). A frame outside the allocator is left alone.
    pub fn set_aside(&mut self, pfn: u64) {
        if !(self.base..self.limit).contains(&pfn) {
            return;
        }
        let i = pfn - self.base;
        if !self.is_used(i) {
            self.set(i, true);
            self.free -= 1;
            self.aside += 1;
        }
    }

    /// Takes one free frame, leaving the reserve alone.
    pub fn alloc(&mut self) -> Result<u64, OutOfMemory> {
        if self.free <= self.reserve {
            return Err(OutOfMemory);
        }
        let n = self.total();
        let words = Self::words_for(n) as u64;
        let start = self.hint / 64;
        for k in 0..=words {
            let w = (start + k) % words;
            let word = self.bits[w as usize];
            if word == u64::MAX {
                continue;
            }
            let i = w * 64 + (!word).trailing_zeros() as u64;
            if i >= n {
                continue;
            }
            self.set(i, true);
            self.free -= 1;
            self.hint = i;
            return Ok(self.base + i);
        }
        unreachable!("free count says a frame is free but the bitmap has none")
    }

    /// Takes `count` consecutive free frames, leaving the reserve alone.
    pub fn alloc_contiguous(&mut self, count: u64) -> Result<u64, OutOfMemory> {
        if self.free < count.saturating_add(self.reserve) {
            return Err(OutOfMemory);
        }
        self.take_run(count)
    }

    /// Takes `count` consecutive free frames, from the reserve if need be
    /// (for the kernel heap).
    pub fn alloc_contiguous_reserved(&mut self, count: u64) -> Result<u64, OutOfMemory> {
        if self.free < count {
            return Err(OutOfMemory);
        }
        self.take_run(count)
    }

    /// The first run of `count` free frames; full words are skipped whole.
    fn take_run(&mut self, count: u64) -> Result<u64, OutOfMemory> {
        let n = self.total();
        if count == 0 || count > n {
            return Err(OutOfMemory);
        }
        // No free frame lies below the hint.
        let (mut run, mut i) = (0, self.hint / 64 * 64);
        while i < n {
            if i % 64 == 0 && run == 0 && self.bits[(i / 64) as usize] == u64::MAX {
                i += 64;
                continue;
            }
            run = if self.is_used(i) { 0 } else { run + 1 };
            if run == count {
                let first = i + 1 - count;
                for j in first..=i {
                    self.set(j, true);
                }
                self.free -= count;
                return Ok(self.base + first);
            }
            i += 1;
        }
        Err(OutOfMemory)
    }

    /// Returns a frame. Freeing a frame twice, or one this allocator does not
    /// manage, is a bug in the runtime and panics with the pfn.
    pub fn free(&mut self, pfn: u64) {
        assert!(
            (self.base..self.limit).contains(&pfn),
            "freeing pfn {pfn:#x} outside the allocator"
        );
        let i = pfn - self.base;
        assert!(self.is_used(i), "freeing pfn {pfn:#x} twice");
        self.set(i, false);
        self.free += 1;
        // The lowest free frame goes first: reuse stays predictable (and
        // warm), and the search skips full words, so it stays cheap.
        self.hint = self.hint.min(i);
    }
}

impl Frames for FrameAllocator {
    fn alloc(&mut self) -> Result<u64, OutOfMemory> {
        FrameAllocator::alloc(self)
    }
    fn free(&mut self, pfn: u64) {
        FrameAllocator::free(self, pfn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmap(words: usize) -> &'static mut [u64] {
        Vec::leak(vec![0; words])
    }

    #[test]
    fn allocates_every_frame_once_then_runs_out() {
        let mut a = FrameAllocator::new(bitmap(2), 100, 200);
        let mut got: Vec<u64> = (0..100).map(|_| a.alloc().unwrap()).collect();
        assert_eq!(a.alloc(), Err(OutOfMemory));
        got.sort();
        assert_eq!(got, (100..200).collect::<Vec<_>>());
        a.free(150);
        assert_eq!(a.alloc(), Ok(150));
        assert_eq!(a.free_count(), 0);
    }

    #[test]
    fn contiguous_runs() {
        let mut a = FrameAllocator::new(bitmap(1), 0, 64);
        a.alloc().unwrap();
        assert_eq!(a.alloc_contiguous(10), Ok(1));
        assert_eq!(a.free_count(), 53);
        assert_eq!(a.alloc_contiguous(54), Err(OutOfMemory));
    }

    #[test]
    fn the_reserve_is_kept_from_ordinary_allocations() {
        let mut a = FrameAllocator::new(bitmap(4), 0, 256);
        a.set_reserve(16);
        let taken = core::iter::from_fn(|| a.alloc().ok()).count();
        assert_eq!(taken, 240);
        assert_eq!(a.alloc_contiguous(1), Err(OutOfMemory));
        assert_eq!(a.free_count(), a.reserve());
        let run = a.alloc_contiguous_reserved(16).unwrap();
        assert_eq!(a.free_count(), 0);
        for f in run..run + 16 {
            a.free(f);
        }
        assert!(a.alloc().is_err(), "freed frames refill the reserve first");
    }

    #[test]
    fn contiguous_runs_skip_full_words_and_cross_word_boundaries() {
        let mut a = FrameAllocator::new(bitmap(4), 0, 256);
        for _ in 0..130 {
            a.alloc().unwrap();
        }
        a.free(10);
        assert_eq!(a.alloc_contiguous(2), Ok(130), "a single hole is too small");
        assert_eq!(a.alloc_contiguous(124), Ok(132));
        assert_eq!(a.alloc_contiguous(1), Ok(10));
        assert_eq!(a.alloc_contiguous(1), Err(OutOfMemory));
        assert_eq!(a.alloc_contiguous(0), Err(OutOfMemory));
    }

    #[test]
    fn frames_set_aside_are_never_handed_out_and_runs_go_around_them() {
        let mut a = FrameAllocator::new(bitmap(2), 100, 228);
        for pfn in [100, 164, 50, 164] {
            a.set_aside(pfn);
        }
        assert_eq!(
            (a.free_count(), a.aside_count(), a.used_count()),
            (126, 2, 0)
        );
        assert_eq!(a.alloc_contiguous(63), Ok(101));
        assert_eq!(
            a.alloc_contiguous(64),
            Err(OutOfMemory),
            "164 splits the rest"
        );
        let rest: Vec<u64> = core::iter::from_fn(|| a.alloc().ok()).collect();
        assert_eq!(rest, (165..228).collect::<Vec<_>>());
    }

    #[test]
    #[should_panic(expected = "twice")]
    fn double_free_is_caught() {
        let mut a = FrameAllocator::new(bitmap(1), 0, 8);
        let f = a.alloc().unwrap();
        a.free(f);
        a.free(f);
    }
}
