//! A byte ring in a shared page: the protocol of the console and xenstore
//! pages (console.h, xs_wire.h). Each ring is a power-of-two array of bytes
//! with a free-running 32-bit producer and consumer index; a byte's slot is
//! its index modulo the size, which divides 2^32, so index wrap and ring
//! wrap agree.
//!
//! The producer writes bytes, then (after a release fence) publishes the new
//! producer index; the consumer reads up to the producer index, then (after
//! a release fence) publishes its consumer index, which gives the space
//! back. Indexes more than a ring's worth apart can only come from a broken
//! or hostile peer: the ring then counts as full (for producing) or empty
//! (for consuming), so no byte is overwritten or invented.
use super::shared_page::SharedPage;
use core::sync::atomic::{fence, Ordering};

/// Where one ring lives in its page.
#[derive(Debug, Clone, Copy)]
pub struct ByteRing {
    /// Offset of the data array and its size (a power of two).
    pub data: usize,
    pub size: u32,
    /// Offsets of the consumer and producer indexes.
    pub cons: usize,
    pub prod: usize,
}

impl ByteRing {
    fn indexes(&self, page: &SharedPage) -> (u32, u32) {
        let cons = page.atomic_u32(self.cons).load(Ordering::Relaxed);
        let prod = page.atomic_u32(self.prod).load(Ordering::Relaxed);
        // Nothing the indexes cover may be touched before they were read.
        fence(Ordering::Acquire);
        (cons, prod)
    }

    fn slot(&self, idx: u32) -> usize {
        self.data + (idx & (self.size - 1)) as usize
    }

    /// Bytes produced and not yet consumed (as the indexes say; may exceed
    /// the size if the peer is broken).
    pub fn pending(&self, page: &SharedPage) -> u32 {
        let (cons, prod) = self.indexes(page);
        prod.wrapping_sub(cons)
    }

    /// Whether the indexes are within a ring's worth of each other.
    pub fn valid(&self, page: &SharedPage) -> bool {
        self.pending(page) <= self.size
    }

    /// Producer side: copies as much of `bytes` as fits and publishes it;
    /// returns how many bytes were taken.
    pub fn produce(&self, page: &SharedPage, bytes: &[u8]) -> usize {
        let (cons, prod) = self.indexes(page);
        let used = prod.wrapping_sub(cons);
        if used > self.size {
            return 0;
        }
        let n = ((self.size - used) as usize).min(bytes.len());
        for (i, &b) in bytes[..n].iter().enumerate() {
            let at = self.slot(prod.wrapping_add(i as u32));
            page.write_bytes(at, &[b]);
        }
        // The bytes must be visible before the index that publishes them.
        fence(Ordering::Release);
        page.atomic_u32(self.prod)
            .store(prod.wrapping_add(n as u32), Ordering::Relaxed);
        n
    }

    /// Consumer side: copies up to `buf.len()` published bytes out and
    /// gives their space back; returns how many.
    pub fn consume(&self, page: &SharedPage, buf: &mut [u8]) -> usize {
        let (cons, prod) = self.indexes(page);
        let avail = prod.wrapping_sub(cons);
        if avail > self.size {
            return 0;
        }
        let n = (avail as usize).min(buf.len());
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let mut one = [0];
            page.read_bytes(self.slot(cons.wrapping_add(i as u32)), &mut one);
            *b = one[0];
        }
        // The bytes must have been read before their space is given back.
        fence(Ordering::Release);
        page.atomic_u32(self.cons)
            .store(cons.wrapping_add(n as u32), Ordering::Relaxed);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xen::shared_page::test_pages;
    use core::sync::atomic::Ordering::Relaxed;

    const RING: ByteRing = ByteRing {
        data: 0,
        size: 1024,
        cons: 2048,
        prod: 2052,
    };

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn what_is_produced_is_consumed_once_in_order() {
        let (ours, theirs) = test_pages::pair();
        let msg = pattern(3000);
        let mut sent = RING.produce(&ours, &msg);
        assert_eq!(sent, 1024);
        assert_eq!(
            RING.produce(&ours, &msg[sent..]),
            0,
            "a full ring takes nothing"
        );
        let mut got = Vec::new();
        let mut buf = [0; 700];
        loop {
            let n = RING.consume(&theirs, &mut buf);
            got.extend_from_slice(&buf[..n]);
            if sent < msg.len() {
                sent += RING.produce(&ours, &msg[sent..]);
            } else if n == 0 {
                break;
            }
        }
        assert_eq!(got, msg);
    }

    #[test]
    fn indexes_wrap_at_u32_max_and_bytes_cross_the_ring_end() {
        let (ours, theirs) = test_pages::pair();
        for off in [2048, 2052] {
            theirs.atomic_u32(off).store(u32::MAX - 5, Relaxed);
        }
        let msg = pattern(1000);
        assert_eq!(RING.produce(&ours, &msg), 1000);
        assert_eq!(theirs.atomic_u32(2052).load(Relaxed), 994);
        assert_eq!(theirs.read::<u8>(1018), msg[0]);
        assert_eq!(
            theirs.read::<u8>(0),
            msg[6],
            "the seventh byte wraps to slot 0"
        );
        let mut buf = vec![0; 1000];
        assert_eq!(RING.consume(&theirs, &mut buf), 1000);
        assert_eq!(buf, msg);
    }

    #[test]
    fn broken_indexes_neither_overwrite_nor_invent_bytes() {
        let (ours, theirs) = test_pages::pair();
        theirs.atomic_u32(2048).store(0, Relaxed);
        theirs.atomic_u32(2052).store(5000, Relaxed);
        assert!(!RING.valid(&ours));
        assert_eq!(RING.produce(&ours, b"x"), 0);
        assert_eq!(RING.consume(&ours, &mut [0; 8]), 0);
        assert_eq!(theirs.atomic_u32(2052).load(Relaxed), 5000, "untouched");
        assert_eq!(theirs.atomic_u32(2048).load(Relaxed), 0, "untouched");
    }
}
