//! The PV console page shared with the console backend (`struct
//! xencons_interface`, console.h): a 1 KiB input ring the guest consumes
//! and a 2 KiB output ring it produces into, each a [`ByteRing`].
use super::abi::io::{XenconsInterface, XENCONS_IN_SIZE, XENCONS_OUT_SIZE};
use super::byte_ring::ByteRing;
use super::shared_page::SharedPage;
use core::mem::offset_of;

/// Size of the output ring.
pub const OUT_SIZE: u32 = XENCONS_OUT_SIZE as u32;

const INPUT: ByteRing = ByteRing {
    data: offset_of!(XenconsInterface, input),
    size: XENCONS_IN_SIZE as u32,
    cons: offset_of!(XenconsInterface, in_cons),
    prod: offset_of!(XenconsInterface, in_prod),
};
const OUTPUT: ByteRing = ByteRing {
    data: offset_of!(XenconsInterface, output),
    size: OUT_SIZE,
    cons: offset_of!(XenconsInterface, out_cons),
    prod: offset_of!(XenconsInterface, out_prod),
};

/// The guest's side of the console page.
pub struct ConsoleRing {
    page: SharedPage,
}

impl ConsoleRing {
    pub fn new(page: SharedPage) -> Self {
        Self { page }
    }

    /// Output bytes written but not yet taken by the backend.
    pub fn unconsumed(&self) -> u32 {
        OUTPUT.pending(&self.page)
    }

    /// Copies as much of `bytes` as fits into the output ring; returns how
    /// many. A broken backend index counts as a full ring.
    pub fn push(&self, bytes: &[u8]) -> usize {
        OUTPUT.produce(&self.page, bytes)
    }

    /// Takes up to `buf.len()` bytes of input; returns how many.
    pub fn pull(&self, buf: &mut [u8]) -> usize {
        INPUT.consume(&self.page, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xen::shared_page::test_pages;
    use core::sync::atomic::Ordering::Relaxed;

    /// xenconsoled's side: takes every output byte.
    fn drain(page: &SharedPage) -> Vec<u8> {
        let mut out = vec![0; 4096];
        let n = OUTPUT.consume(page, &mut out);
        out.truncate(n);
        out
    }

    #[test]
    fn output_goes_to_the_out_array_and_input_comes_from_in() {
        let (ours, theirs) = test_pages::pair();
        let ring = ConsoleRing::new(ours);
        assert_eq!(ring.push(b"hi"), 2);
        assert_eq!(
            theirs.read::<[u8; 2]>(1024),
            *b"hi",
            "out follows the 1 KiB in array"
        );
        assert_eq!(theirs.atomic_u32(3084).load(Relaxed), 2, "out_prod");
        assert_eq!(ring.unconsumed(), 2);
        assert_eq!(drain(&theirs), b"hi");
        assert_eq!(ring.unconsumed(), 0);
        assert_eq!(INPUT.produce(&theirs, b"typed"), 5);
        let mut buf = [0; 8];
        assert_eq!(ring.pull(&mut buf), 5);
        assert_eq!(&buf[..5], b"typed");
    }

    #[test]
    fn a_full_ring_resumes_after_the_backend_drains_it() {
        let (ours, theirs) = test_pages::pair();
        let ring = ConsoleRing::new(ours);
        let msg: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let mut sent = ring.push(&msg);
        assert_eq!(sent, 2048);
        assert_eq!(ring.push(&msg[sent..]), 0);
        let mut got = drain(&theirs);
        while sent < msg.len() {
            sent += ring.push(&msg[sent..]);
            got.extend(drain(&theirs));
        }
        assert_eq!(got, msg);
    }
}
