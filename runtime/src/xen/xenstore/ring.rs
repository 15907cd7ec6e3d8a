//! The xenstore ring page shared with xenstored (`struct
//! xenstore_domain_interface`, xs_wire.h): a request ring the guest
//! produces into and a response ring it consumes from, each a
//! [`ByteRing`], and in current Xen the server's feature, connection-state
//! and error words.
//!
//! A broken or hostile daemon's indexes make the request ring count as full
//! and the response ring as empty, so no byte is overwritten or invented;
//! the client then times out.
use core::mem::offset_of;
use core::sync::atomic::Ordering;

use super::{Timeout, Transport};
use crate::xen::abi::io::{XenstoreDomainInterface as Iface, XENSTORE_RING_SIZE};
use crate::xen::byte_ring::ByteRing;
use crate::xen::shared_page::SharedPage;

/// Size of each ring (`XENSTORE_RING_SIZE`).
pub const RING_SIZE: u32 = XENSTORE_RING_SIZE as u32;

pub(super) const REQUESTS: ByteRing = ByteRing {
    data: offset_of!(Iface, req),
    size: RING_SIZE,
    cons: offset_of!(Iface, req_cons),
    prod: offset_of!(Iface, req_prod),
};
pub(super) const RESPONSES: ByteRing = ByteRing {
    data: offset_of!(Iface, rsp),
    size: RING_SIZE,
    cons: offset_of!(Iface, rsp_cons),
    prod: offset_of!(Iface, rsp_prod),
};

/// The guest's side of the ring page.
pub struct RingIo {
    page: SharedPage,
}

impl RingIo {
    pub fn new(page: SharedPage) -> Self {
        Self { page }
    }

    /// Copies as much of `bytes` as fits into the request ring and
    /// publishes it; returns how many bytes were taken. The caller notifies
    /// xenstored.
    pub fn write(&mut self, bytes: &[u8]) -> usize {
        REQUESTS.produce(&self.page, bytes)
    }

    /// Copies up to `buf.len()` published response bytes into `buf` and
    /// gives their space back; returns how many. The caller notifies
    /// xenstored, which may be waiting for space.
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        RESPONSES.consume(&self.page, buf)
    }

    /// Request bytes xenstored has not taken yet.
    pub fn requests_pending(&self) -> u32 {
        REQUESTS.pending(&self.page)
    }

    /// Response bytes waiting to be read.
    pub fn responses_available(&self) -> u32 {
        RESPONSES.pending(&self.page)
    }

    /// Whether both rings' indexes are within a ring's worth of each other.
    pub fn indexes_valid(&self) -> bool {
        REQUESTS.valid(&self.page) && RESPONSES.valid(&self.page)
    }

    fn word(&self, offset: usize) -> u32 {
        self.page.atomic_u32(offset).load(Ordering::Acquire)
    }

    /// `server_features` (`XENSTORE_SERVER_FEATURE_*`); 0 from servers that
    /// predate the field.
    pub fn server_features(&self) -> u32 {
        self.word(offset_of!(Iface, server_features))
    }

    /// `connection`: `XENSTORE_CONNECTED` or `XENSTORE_RECONNECT`.
    pub fn connection(&self) -> u32 {
        self.word(offset_of!(Iface, connection))
    }

    /// `error`, meaningful when the server has the error feature: 0 none,
    /// 1 communication problem, 2 bad ring index, 3 protocol violation.
    pub fn error(&self) -> u32 {
        self.word(offset_of!(Iface, error))
    }
}

/// Signalling xenstored and waiting for it: the event channel and a
/// bounded block, supplied by the runtime.
pub trait Doorbell {
    /// Notifies xenstored (send on the store event channel).
    fn notify(&mut self);
    /// Blocks until xenstored signals or the operation's deadline passes.
    fn wait(&mut self) -> Result<(), Timeout>;
    /// An operation starts (see [`Transport::begin`]).
    fn begin(&mut self) {}
}

/// A [`Transport`] over the ring page and a [`Doorbell`].
pub struct RingTransport<D: Doorbell> {
    pub ring: RingIo,
    pub doorbell: D,
}

impl<D: Doorbell> RingTransport<D> {
    pub fn new(ring: RingIo, doorbell: D) -> Self {
        RingTransport { ring, doorbell }
    }
}

impl<D: Doorbell> Transport for RingTransport<D> {
    fn write(&mut self, bytes: &[u8]) -> usize {
        self.ring.write(bytes)
    }
    fn read(&mut self, buf: &mut [u8]) -> usize {
        self.ring.read(buf)
    }
    fn notify(&mut self) {
        self.doorbell.notify()
    }
    fn wait(&mut self) -> Result<(), Timeout> {
        self.doorbell.wait()
    }
    fn begin(&mut self) {
        self.doorbell.begin()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::xen::abi::io::*;
    use crate::xen::shared_page::test_pages;
    use alloc::vec::Vec;

    /// xenstored's side of the page.
    pub struct Server(pub SharedPage);

    impl Server {
        pub fn index(&self, off: usize) -> u32 {
            self.0.atomic_u32(off).load(Ordering::Relaxed)
        }
        pub fn set_index(&self, off: usize, v: u32) {
            self.0.atomic_u32(off).store(v, Ordering::Relaxed)
        }
        /// Starts all four indexes at `at`.
        pub fn start_at(&self, at: u32) {
            for off in [REQUESTS.cons, REQUESTS.prod, RESPONSES.cons, RESPONSES.prod] {
                self.set_index(off, at);
            }
        }
        /// Takes every request byte the guest has published.
        pub fn take_requests(&self) -> Vec<u8> {
            let mut out = alloc::vec![0; RING_SIZE as usize];
            let n = REQUESTS.consume(&self.0, &mut out);
            out.truncate(n);
            out
        }
        /// Publishes as much of `bytes` as fits; returns how many.
        pub fn put_responses(&self, bytes: &[u8]) -> usize {
            RESPONSES.produce(&self.0, bytes)
        }
    }

    /// A ring page and the daemon's handle on it.
    pub fn ring_and_server() -> (RingIo, Server) {
        let (ours, theirs) = test_pages::pair();
        (RingIo::new(ours), Server(theirs))
    }

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn layout_matches_the_header() {
        let (mut ring, s) = ring_and_server();
        s.set_index(
            2064,
            XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR,
        );
        s.set_index(2068, XENSTORE_RECONNECT);
        s.set_index(2072, 3);
        assert_eq!(ring.server_features(), 3);
        assert_eq!(ring.connection(), XENSTORE_RECONNECT);
        assert_eq!(ring.error(), 3);
        assert_eq!(ring.write(b"ab"), 2);
        assert_eq!(s.0.read::<u8>(0), b'a', "the request ring starts the page");
        assert_eq!(s.index(2052), 2, "req_prod follows req_cons at 2048");
        s.put_responses(b"z");
        assert_eq!(s.0.read::<u8>(1024), b'z', "the response ring follows it");
        assert_eq!(s.index(2060), 1);
    }

    #[test]
    fn request_ring_takes_what_fits_then_resumes() {
        let (mut ring, s) = ring_and_server();
        let msg = pattern(3000);
        assert_eq!(ring.write(&msg), 1024);
        assert_eq!(ring.write(&msg[1024..]), 0, "a full ring takes nothing");
        assert_eq!(ring.requests_pending(), 1024);
        let mut got = s.take_requests();
        let mut sent = 1024;
        while sent < msg.len() {
            sent += ring.write(&msg[sent..]);
            got.extend(s.take_requests());
        }
        assert_eq!(got, msg);
        assert_eq!(ring.write(&[]), 0);
    }

    #[test]
    fn response_ring_reads_in_pieces() {
        let (mut ring, s) = ring_and_server();
        s.start_at(1000);
        let msg = pattern(1024);
        assert_eq!(s.put_responses(&msg), 1024);
        assert_eq!(s.put_responses(b"x"), 0, "full until the guest reads");
        let mut got = Vec::new();
        let mut one = [0; 1];
        while ring.read(&mut one) == 1 {
            got.push(one[0]);
        }
        assert_eq!(got, msg);
        assert_eq!(ring.responses_available(), 0);
    }

    #[test]
    fn corrupt_indexes_neither_overwrite_nor_invent_bytes() {
        let (mut ring, s) = ring_and_server();
        s.set_index(REQUESTS.cons, 0);
        s.set_index(REQUESTS.prod, 5000);
        s.set_index(RESPONSES.cons, 10);
        s.set_index(RESPONSES.prod, 9);
        assert!(!ring.indexes_valid());
        assert_eq!(ring.write(b"x"), 0);
        let mut buf = [0; 8];
        assert_eq!(ring.read(&mut buf), 0);
        assert_eq!(s.index(REQUESTS.prod), 5000);
        assert_eq!(s.index(RESPONSES.cons), 10);
    }
}
