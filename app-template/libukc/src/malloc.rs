//! The allocator behind `malloc`: Doug Lea's design (the `dlmalloc` crate:
//! exact-size bins for small blocks, size-ordered trees for large ones,
//! boundary tags that merge free neighbours at once) over one heap that
//! grows only through a [`Grow`] function, plus a check word at the end of
//! every block that catches frees of pointers malloc never returned,
//! double frees, and writes past a block's end.
//!
//! The heap is one contiguous run, grown a [`GRANULARITY`] at a time at
//! its end (the runtime's `ukrt_heap_grow` maps the pages at once, so
//! running out is a NULL from malloc, never a later fault). Freed memory
//! is reused; nothing is returned to the grow function.
//!
//! The check word is the last 8 bytes of the block's chunk (where dlmalloc
//! keeps a free chunk's size, so it costs nothing in a free chunk, and on
//! average 8 bytes in a live one): a hash of the block's address while the
//! block is live, its complement once freed. Before free, realloc or
//! malloc_usable_size touch a block, the pointer must be 16-aligned inside
//! the heap, dlmalloc's boundary tags must say a chunk in use starts 16
//! bytes before it, and the check word must be that block's: anything else
//! is a misuse ([`Misuse`]) that the C layer reports, ending the app.
use core::cell::Cell;
use core::ptr::null_mut;
use dlmalloc::{Allocator, Dlmalloc};

/// Every block is aligned to this at least (as glibc's on x86_64).
pub const ALIGN: usize = 16;
/// dlmalloc asks the grow function for multiples of this.
pub const GRANULARITY: usize = 256 * 1024;

// dlmalloc's chunk format (its boundary tags): the word before a block
// holds the chunk's size (a multiple of 16) with these flag bits; the chunk
// starts 16 bytes before the block, and the next chunk's size word says
// whether this one is in use. The tests check this against the crate.
const PINUSE: usize = 1;
const CINUSE: usize = 2;
const FLAG_BITS: usize = 7;
const MIN_CHUNK: usize = 32;
const CHUNK_OVERHEAD: usize = 8;
/// The check word's size.
const CHECK: usize = 8;

/// Where the heap's memory comes from.
pub trait Grow: Send {
    /// Adds `bytes` (a multiple of 4096) to the heap, directly after the
    /// bytes it added before, and returns where they start; NULL when there
    /// is no more. The bytes stay mapped, readable and writable, for the
    /// heap's life, and nothing else uses them.
    fn grow(&self, bytes: usize) -> *mut u8;
}

/// What a bad call to free, realloc or malloc_usable_size passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misuse {
    /// The pointer is not a block this heap handed out and has not freed
    /// since: a double free, a pointer into a block, or one from elsewhere.
    NotLive,
    /// A live block whose check word was overwritten (a write past its
    /// end).
    Corrupt,
}

impl Misuse {
    pub fn message(self) -> &'static str {
        match self {
            Misuse::NotLive => "double free or not a malloc'd pointer",
            Misuse::Corrupt => "heap corruption: the bytes after the block were overwritten",
        }
    }
}

/// dlmalloc's view of the heap: one segment that grows at its end.
struct System<G> {
    grow: G,
    /// The heap's start (0 before the first grow) and end.
    base: Cell<usize>,
    end: Cell<usize>,
    limit: usize,
}

// SAFETY: `alloc` returns NULL or `size` bytes that the grow function
// just added to the heap (mapped, unused, adjoining the previous run, which
// dlmalloc may merge with because the flags are equal), and the other
// methods refuse to move or release anything, as the trait allows.
unsafe impl<G: Grow> Allocator for System<G> {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let used = self.end.get() - self.base.get();
        if size > self.limit - used {
            return (null_mut(), 0, 0);
        }
        let p = self.grow.grow(size);
        if p.is_null() {
            return (null_mut(), 0, 0);
        }
        if self.base.get() == 0 {
            self.base.set(p as usize);
        } else if p as usize != self.end.get() {
            // Not what the Grow contract promises: refuse the run rather
            // than let a block land outside the range free() accepts.
            return (null_mut(), 0, 0);
        }
        self.end.set(p as usize + size);
        (p, size, 0)
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

/// One app's heap.
pub struct Heap<G: Grow> {
    dl: Dlmalloc<System<G>>,
}

/// The check word of a live block at `p`; a freed one's is its complement.
fn tag(p: usize) -> usize {
    (p ^ 0x6b8b_4567_327b_23c6).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1
}

impl<G: Grow> Heap<G> {
    /// An empty heap that grows through `grow`, to at most `limit` bytes.
    pub const fn new(grow: G, limit: usize) -> Self {
        let mut dl = Dlmalloc::new_with_allocator(System {
            grow,
            base: Cell::new(0),
            end: Cell::new(0),
            limit,
        });
        dl.set_granularity(GRANULARITY);
        Heap { dl }
    }

    /// Bytes the heap has taken from the grow function.
    pub fn heap_bytes(&self) -> usize {
        let sys = self.dl.allocator();
        sys.end.get() - sys.base.get()
    }

    /// Where block `p`'s check word is: the last 8 bytes of its chunk.
    ///
    /// # Safety
    /// `p` must be a block dlmalloc handed out (live), so the word before
    /// it is its chunk's size word.
    unsafe fn check_word(p: *mut u8) -> *mut usize {
        // SAFETY: the caller passes a live block, whose size word is the 8
        // bytes before it and whose chunk starts 16 bytes before it.
        let size = unsafe { (p.sub(CHUNK_OVERHEAD) as *const usize).read() } & !FLAG_BITS;
        p.wrapping_sub(2 * CHUNK_OVERHEAD).wrapping_add(size).cast()
    }

    /// Marks a block dlmalloc just handed out as live.
    fn made(&self, p: *mut u8) -> *mut u8 {
        if !p.is_null() {
            // SAFETY: `p` is a block dlmalloc just handed out, and its last 8
            // bytes are the check word, which the block's size includes.
            unsafe { Self::check_word(p).write(tag(p as usize)) };
        }
        p
    }

    /// Ok when `p` is a live block with its check word intact.
    fn check(&self, p: *mut u8) -> Result<(), Misuse> {
        let sys = self.dl.allocator();
        let (base, end) = (sys.base.get(), sys.end.get());
        let a = p as usize;
        if !a.is_multiple_of(ALIGN) || base == 0 || a < base + ALIGN || a >= end {
            return Err(Misuse::NotLive);
        }
        // SAFETY: `a` is 16-aligned and at least 16 bytes into the heap, so
        // the 8 bytes before it are heap memory (mapped, readable).
        let head = unsafe { (p.sub(CHUNK_OVERHEAD) as *const usize).read() };
        let size = head & !FLAG_BITS;
        let chunk = a - 2 * CHUNK_OVERHEAD;
        if head & CINUSE == 0
            || size < MIN_CHUNK
            || !size.is_multiple_of(ALIGN)
            || size > end - chunk - 16
        {
            return Err(Misuse::NotLive);
        }
        // SAFETY: the next chunk's size word and this chunk's check word (at
        // chunk + size + 8 and chunk + size) are inside the heap, as the
        // check above keeps chunk + size + 16 <= end.
        let (next, word) = unsafe {
            (
                ((chunk + size + CHUNK_OVERHEAD) as *const usize).read(),
                ((chunk + size) as *const usize).read(),
            )
        };
        if next & PINUSE == 0 || word == !tag(a) {
            // dlmalloc holds the chunk free, or free() marked it freed.
            return Err(Misuse::NotLive);
        }
        if word != tag(a) {
            return Err(Misuse::Corrupt);
        }
        Ok(())
    }

    /// Frees a checked live block.
    fn release(&mut self, p: *mut u8) {
        // SAFETY: `p` is a live block (the caller checked it): its check
        // word is its own to mark freed, and dlmalloc frees it once.
        unsafe {
            Self::check_word(p).write(!tag(p as usize));
            self.dl.c_free(p);
        }
    }

    /// A block of `size` bytes, or NULL when memory is exhausted.
    pub fn malloc(&mut self, size: usize) -> *mut u8 {
        let Some(n) = size.checked_add(CHECK) else {
            return null_mut();
        };
        // SAFETY: c_malloc has no preconditions.
        let p = unsafe { self.dl.c_malloc(n) };
        self.made(p)
    }

    /// A block of `size` bytes aligned to `align` (a power of two), or
    /// NULL when memory is exhausted.
    pub fn memalign(&mut self, align: usize, size: usize) -> *mut u8 {
        debug_assert!(align.is_power_of_two());
        if align <= ALIGN {
            return self.malloc(size);
        }
        let Some(n) = size.checked_add(CHECK) else {
            return null_mut();
        };
        if align > self.dl.allocator().limit {
            return null_mut();
        }
        // SAFETY: `align` is a power of two (the caller's contract) no larger
        // than the heap limit, so dlmalloc's padding cannot overflow.
        let p = unsafe { self.dl.c_memalign(align, n) };
        self.made(p)
    }

    /// `n * size` zeroed bytes; NULL when that overflows or memory is
    /// exhausted.
    pub fn calloc(&mut self, n: usize, size: usize) -> *mut u8 {
        let Some(total) = n.checked_mul(size) else {
            return null_mut();
        };
        let p = self.malloc(total);
        if !p.is_null() {
            // SAFETY: `p` is a fresh block of at least `total` bytes.
            unsafe { core::ptr::write_bytes(p, 0, total) };
        }
        p
    }

    /// Frees `p` (NULL does nothing).
    ///
    /// # Safety
    /// `p` may be any pointer (a bad one is an error), but the heap's bytes
    /// outside live blocks must be as this heap left them: nobody wrote to
    /// a freed block or past a block's end (what C's free asks; a write
    /// past the end is caught when it reaches the check word).
    pub unsafe fn free(&mut self, p: *mut u8) -> Result<(), Misuse> {
        if p.is_null() {
            return Ok(());
        }
        self.check(p)?;
        self.release(p);
        Ok(())
    }

    /// glibc's realloc: NULL `p` is malloc, size 0 frees `p` and gives
    /// NULL; otherwise the block moves if it must, keeping its first
    /// `min(old, size)` bytes. Ok(NULL) for `size` > 0 is exhaustion, with
    /// `p` still live and unchanged.
    ///
    /// # Safety
    /// As for [`Heap::free`].
    pub unsafe fn realloc(&mut self, p: *mut u8, size: usize) -> Result<*mut u8, Misuse> {
        if p.is_null() {
            return Ok(self.malloc(size));
        }
        self.check(p)?;
        if size == 0 {
            self.release(p);
            return Ok(null_mut());
        }
        let Some(n) = size.checked_add(CHECK) else {
            return Ok(null_mut());
        };
        // SAFETY: `p` is a live block of this heap (checked). dlmalloc copies
        // the old chunk's bytes (the old check word among them) and frees
        // `p` if it moves the block; a new check word is written below.
        let q = unsafe { self.dl.c_realloc(p, n) };
        Ok(self.made(q))
    }

    /// The bytes usable in block `p` (0 for NULL), at least what it was
    /// asked for.
    ///
    /// # Safety
    /// As for [`Heap::free`].
    pub unsafe fn usable_size(&self, p: *mut u8) -> Result<usize, Misuse> {
        if p.is_null() {
            return Ok(0);
        }
        self.check(p)?;
        // SAFETY: `p` is a live block (checked), so the word before it is
        // its chunk's size word.
        let head = unsafe { (p.sub(CHUNK_OVERHEAD) as *const usize).read() };
        Ok((head & !FLAG_BITS) - CHUNK_OVERHEAD - CHECK)
    }
}

/// glibc's memalign alignment rule: up to 16 is malloc's own; a value that
/// is not a power of two rounds up to one; past half the address space is
/// EINVAL (None).
pub fn memalign_alignment(align: usize) -> Option<usize> {
    if align <= ALIGN {
        Some(ALIGN)
    } else if align > usize::MAX / 2 + 1 {
        None
    } else {
        Some(align.next_power_of_two())
    }
}

#[cfg(test)]
mod tests;
