//! The frame allocator: a bitmap over the domain's pseudo-physical frames
//! (pfns) that are free for the runtime and its apps.

/// No free frame is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfMemory;

/// One bit per pfn in `[base, limit)`: set = in use.
pub struct FrameAllocator {
    bits: &'static mut [u64],
    base: u64,
    limit: u64,
    free: u64,
    /// Where the next search starts, so allocation is not quadratic.
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
            hint: 0,
        }
    }

    pub fn free_count(&self) -> u64 {
        self.free
    }

    pub fn total(&self) -> u64 {
        self.limit - self.base
    }

    pub fn used_count(&self) -> u64 {
        self.total() - self.free
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

    /// Takes one free frame.
    pub fn alloc(&mut self) -> Result<u64, OutOfMemory> {
        if self.free == 0 {
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

    /// Takes `count` consecutive free frames (used once, for the heap).
    pub fn alloc_contiguous(&mut self, count: u64) -> Result<u64, OutOfMemory> {
        let n = self.total();
        let mut run = 0;
        for i in 0..n {
            run = if self.is_used(i) { 0 } else { run + 1 };
            if run == count {
                let first = i + 1 - count;
                for j in first..=i {
                    self.set(j, true);
                }
                self.free -= count;
                return Ok(self.base + first);
            }
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
    #[should_panic(expected = "twice")]
    fn double_free_is_caught() {
        let mut a = FrameAllocator::new(bitmap(1), 0, 8);
        let f = a.alloc().unwrap();
        a.free(f);
        a.free(f);
    }
}
