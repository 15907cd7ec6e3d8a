//! The PV console ring shared with the console backend (`xencons_interface`
//! in xen/include/public/io/console.h): a 1 KiB input ring, a 2 KiB output
//! ring and four free-running indexes.
use core::ptr::NonNull;
use core::sync::atomic::{fence, Ordering};

const IN_SIZE: u32 = 1024;
const IN_CONS: usize = 3072;
const IN_PROD: usize = 3076;
const OUT: usize = 1024;
const OUT_SIZE: u32 = 2048;
const OUT_CONS: usize = 3080;
const OUT_PROD: usize = 3084;

/// The guest's (producer's) side of the output ring.
pub struct ConsoleRing {
    page: NonNull<u8>,
}

// SAFETY: the ring is a page of shared memory accessed only with volatile
// reads and writes; the console lock serialises producers.
unsafe impl Send for ConsoleRing {}

impl ConsoleRing {
    /// # Safety
    /// `page` must point at a mapped, writable 4 KiB console page that stays
    /// mapped for the life of the value.
    pub unsafe fn new(page: NonNull<u8>) -> Self {
        Self { page }
    }

    fn read_index(&self, offset: usize) -> u32 {
        // SAFETY: offset is inside the page (see `new`); aligned u32 field.
        unsafe { self.page.as_ptr().add(offset).cast::<u32>().read_volatile() }
    }

    /// Bytes written but not yet taken by the backend.
    pub fn unconsumed(&self) -> u32 {
        let cons = self.read_index(OUT_CONS);
        let prod = self.read_index(OUT_PROD);
        prod.wrapping_sub(cons)
    }

    /// Takes up to `buf.len()` bytes of input; returns how many.
    pub fn pull(&self, buf: &mut [u8]) -> usize {
        let cons = self.read_index(IN_CONS);
        let prod = self.read_index(IN_PROD);
        fence(Ordering::Acquire);
        let avail = prod.wrapping_sub(cons).min(IN_SIZE) as usize;
        let n = avail.min(buf.len());
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let slot = (cons.wrapping_add(i as u32) % IN_SIZE) as usize;
            // SAFETY: slot < IN_SIZE lies in the input ring at offset 0.
            *b = unsafe { self.page.as_ptr().add(slot).read_volatile() };
        }
        fence(Ordering::Release);
        // SAFETY: IN_CONS is an aligned u32 field inside the page.
        unsafe {
            let p = self.page.as_ptr().add(IN_CONS).cast::<u32>();
            p.write_volatile(cons.wrapping_add(n as u32));
        }
        n
    }

    /// Copies as much of `bytes` as fits into the ring; returns how many.
    /// A backend that reports more than a ring's worth outstanding is treated
    /// as a full ring, so a corrupt index never makes us overwrite data.
    pub fn push(&self, bytes: &[u8]) -> usize {
        let cons = self.read_index(OUT_CONS);
        let prod = self.read_index(OUT_PROD);
        // Read the consumer index before reusing the space it frees.
        fence(Ordering::Acquire);
        let used = prod.wrapping_sub(cons);
        let free = OUT_SIZE.saturating_sub(used) as usize;
        let n = free.min(bytes.len());
        for (i, &b) in bytes[..n].iter().enumerate() {
            let slot = (prod.wrapping_add(i as u32) % OUT_SIZE) as usize;
            // SAFETY: OUT + slot < OUT + OUT_SIZE lies inside the page.
            unsafe { self.page.as_ptr().add(OUT + slot).write_volatile(b) };
        }
        // The data must be visible before the index that publishes it.
        fence(Ordering::Release);
        // SAFETY: OUT_PROD is an aligned u32 field inside the page.
        unsafe {
            let p = self.page.as_ptr().add(OUT_PROD).cast::<u32>();
            p.write_volatile(prod.wrapping_add(n as u32));
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(align(4096))]
    struct Page([u8; 4096]);

    struct Backend(Box<Page>);

    impl Backend {
        fn new() -> Self {
            Backend(Box::new(Page([0; 4096])))
        }
        fn ring(&mut self) -> ConsoleRing {
            // SAFETY: the page lives as long as the backend in each test.
            unsafe { ConsoleRing::new(NonNull::new(self.0 .0.as_mut_ptr()).unwrap()) }
        }
        fn index(&self, off: usize) -> u32 {
            u32::from_le_bytes(self.0 .0[off..off + 4].try_into().unwrap())
        }
        fn set_cons(&mut self, v: u32) {
            self.0 .0[OUT_CONS..OUT_CONS + 4].copy_from_slice(&v.to_le_bytes());
        }
        fn set_prod(&mut self, v: u32) {
            self.0 .0[OUT_PROD..OUT_PROD + 4].copy_from_slice(&v.to_le_bytes());
        }
        /// Takes everything outstanding, as xenconsoled would.
        fn drain(&mut self) -> Vec<u8> {
            let (mut cons, prod) = (self.index(OUT_CONS), self.index(OUT_PROD));
            let mut out = vec![];
            while cons != prod {
                out.push(self.0 .0[OUT + (cons % OUT_SIZE) as usize]);
                cons = cons.wrapping_add(1);
            }
            self.set_cons(cons);
            out
        }
    }

    #[test]
    fn push_until_full_then_resume_after_drain() {
        let mut be = Backend::new();
        let msg: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let ring = be.ring();
        let first = ring.push(&msg);
        assert_eq!(first, 2048);
        assert_eq!(ring.push(&msg[first..]), 0, "a full ring takes nothing");
        assert_eq!(ring.unconsumed(), 2048);
        let mut got = be.drain();
        let ring = be.ring();
        let mut sent = first;
        while sent < msg.len() {
            sent += ring.push(&msg[sent..]);
            got.extend(be.drain());
        }
        assert_eq!(got, msg, "every byte arrives once, in order");
    }

    #[test]
    fn input_is_taken_in_order_across_the_wrap() {
        let mut be = Backend::new();
        let start = u32::MAX - 2;
        be.0 .0[IN_CONS..IN_CONS + 4].copy_from_slice(&start.to_le_bytes());
        for (i, b) in b"hello".iter().enumerate() {
            be.0 .0[(start.wrapping_add(i as u32) % IN_SIZE) as usize] = *b;
        }
        be.0 .0[IN_PROD..IN_PROD + 4].copy_from_slice(&start.wrapping_add(5).to_le_bytes());
        let ring = be.ring();
        let mut buf = [0u8; 3];
        assert_eq!(ring.pull(&mut buf), 3);
        assert_eq!(&buf, b"hel");
        assert_eq!(ring.pull(&mut buf), 2);
        assert_eq!(&buf[..2], b"lo");
        assert_eq!(ring.pull(&mut buf), 0);
    }

    #[test]
    fn indexes_wrap_around_u32() {
        let mut be = Backend::new();
        be.set_cons(u32::MAX - 3);
        be.set_prod(u32::MAX - 3);
        let ring = be.ring();
        assert_eq!(ring.push(b"0123456789"), 10);
        assert_eq!(be.index(OUT_PROD), 6);
        assert_eq!(be.drain(), b"0123456789");
    }

    #[test]
    fn a_corrupt_consumer_index_means_full_not_overwrite() {
        let mut be = Backend::new();
        be.set_cons(0);
        be.set_prod(5000);
        assert_eq!(be.ring().push(b"x"), 0);
    }
}
