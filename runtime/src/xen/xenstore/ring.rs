//! The xenstore ring page shared with xenstored
//! (`struct xenstore_domain_interface` in xs_wire.h): a 1 KiB request ring
//! the guest produces into, a 1 KiB response ring it consumes from, four
//! free-running 32-bit indexes and, in current Xen, the server's feature,
//! connection-state and error words.
//!
//! Indexes only grow (wrapping at 2^32); a byte's slot is the index modulo
//! the ring size, which divides 2^32, so the wrap of the index and the wrap
//! of the ring agree. The producer writes its bytes and only then publishes
//! the new producer index; the consumer reads bytes up to the producer
//! index and only then publishes its consumer index, which gives the space
//! back.
use core::ptr::NonNull;
use core::sync::atomic::{fence, Ordering};

use super::{Timeout, Transport};

/// Size of each ring (`XENSTORE_RING_SIZE`).
pub const RING_SIZE: u32 = 1024;

// Byte offsets of the fields in the page.
const REQ: usize = 0;
const RSP: usize = 1024;
const REQ_CONS: usize = 2048;
const REQ_PROD: usize = 2052;
const RSP_CONS: usize = 2056;
const RSP_PROD: usize = 2060;
const SERVER_FEATURES: usize = 2064;
const CONNECTION: usize = 2068;
const ERROR: usize = 2072;

/// `server_features` bit: the server supports ring reconnection.
pub const FEATURE_RECONNECTION: u32 = 1;
/// `server_features` bit: the server reports errors in the `error` word.
pub const FEATURE_ERROR: u32 = 2;
/// `connection` value in the steady state.
pub const CONNECTED: u32 = 0;
/// `connection` value while a reconnection is in progress.
pub const RECONNECT: u32 = 1;

fn slot(idx: u32) -> usize {
    (idx & (RING_SIZE - 1)) as usize
}

/// The guest's side of the ring page.
///
/// A producer or consumer index that puts more than a ring's worth between
/// itself and its partner can only come from a broken or hostile peer; the
/// ring is then treated as full (for requests) or empty (for responses), so
/// no byte is overwritten or invented, and the client times out.
pub struct RingIo {
    page: NonNull<u8>,
}

// SAFETY: the page is shared memory accessed only with volatile reads and
// writes; the client that owns the RingIo serialises its use.
unsafe impl Send for RingIo {}

impl RingIo {
    /// # Safety
    /// `page` must point at the mapped, writable, 4 KiB-aligned xenstore
    /// page, which must stay mapped for the life of the value and have no
    /// other guest-side user.
    pub unsafe fn new(page: NonNull<u8>) -> Self {
        Self { page }
    }

    fn load(&self, offset: usize) -> u32 {
        // SAFETY: every offset used is that of an aligned u32 field inside
        // the page (see `new`).
        unsafe { self.page.as_ptr().add(offset).cast::<u32>().read_volatile() }
    }

    fn store(&self, offset: usize, v: u32) {
        // SAFETY: as in `load`; the fields stored are the guest's to write.
        unsafe {
            self.page
                .as_ptr()
                .add(offset)
                .cast::<u32>()
                .write_volatile(v)
        }
    }

    /// Copies as much of `bytes` as fits into the request ring and
    /// publishes it; returns how many bytes were taken. The caller notifies
    /// xenstored.
    pub fn write(&mut self, bytes: &[u8]) -> usize {
        let cons = self.load(REQ_CONS);
        let prod = self.load(REQ_PROD);
        // The space the consumer index frees must not be reused before the
        // index has been read.
        fence(Ordering::Acquire);
        let used = prod.wrapping_sub(cons);
        if used > RING_SIZE {
            return 0;
        }
        let n = ((RING_SIZE - used) as usize).min(bytes.len());
        if n == 0 {
            return 0;
        }
        for (i, &b) in bytes[..n].iter().enumerate() {
            let at = REQ + slot(prod.wrapping_add(i as u32));
            // SAFETY: `at` is inside the request ring, inside the page.
            unsafe { self.page.as_ptr().add(at).write_volatile(b) };
        }
        // The bytes must be visible before the index that publishes them.
        fence(Ordering::Release);
        self.store(REQ_PROD, prod.wrapping_add(n as u32));
        n
    }

    /// Copies up to `buf.len()` published response bytes into `buf` and
    /// gives their space back; returns how many. The caller notifies
    /// xenstored, which may be waiting for space.
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        let cons = self.load(RSP_CONS);
        let prod = self.load(RSP_PROD);
        // The bytes must not be read before the index that publishes them.
        fence(Ordering::Acquire);
        let avail = prod.wrapping_sub(cons);
        if avail > RING_SIZE {
            return 0;
        }
        let n = (avail as usize).min(buf.len());
        if n == 0 {
            return 0;
        }
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let at = RSP + slot(cons.wrapping_add(i as u32));
            // SAFETY: `at` is inside the response ring, inside the page.
            *b = unsafe { self.page.as_ptr().add(at).read_volatile() };
        }
        // The bytes must have been read before their space is given back.
        fence(Ordering::Release);
        self.store(RSP_CONS, cons.wrapping_add(n as u32));
        n
    }

    /// Request bytes xenstored has not taken yet.
    pub fn requests_pending(&self) -> u32 {
        self.load(REQ_PROD).wrapping_sub(self.load(REQ_CONS))
    }

    /// Response bytes waiting to be read.
    pub fn responses_available(&self) -> u32 {
        self.load(RSP_PROD).wrapping_sub(self.load(RSP_CONS))
    }

    /// Whether both rings' indexes are within a ring's worth of each other.
    pub fn indexes_valid(&self) -> bool {
        self.requests_pending() <= RING_SIZE && self.responses_available() <= RING_SIZE
    }

    /// `server_features` ([`FEATURE_RECONNECTION`], [`FEATURE_ERROR`]); 0
    /// from servers that predate the field.
    pub fn server_features(&self) -> u32 {
        self.load(SERVER_FEATURES)
    }

    /// `connection`: [`CONNECTED`] or [`RECONNECT`].
    pub fn connection(&self) -> u32 {
        self.load(CONNECTION)
    }

    /// `error`, meaningful when the server has [`FEATURE_ERROR`]: 0 none,
    /// 1 communication problem, 2 bad ring index, 3 protocol violation.
    pub fn error(&self) -> u32 {
        self.load(ERROR)
    }
}

/// Signalling xenstored and waiting for it: the event channel and a
/// bounded block, supplied by the runtime.
pub trait Doorbell {
    /// Notifies xenstored (send on the store event channel).
    fn notify(&mut self);
    /// Blocks until xenstored signals or a deadline passes.
    fn wait(&mut self) -> Result<(), Timeout>;
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
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::vec::Vec;

    #[repr(C, align(4096))]
    struct Page([u8; 4096]);

    /// A page shared by a `RingIo` and a test's xenstored. Both sides use
    /// only raw-pointer accesses, so neither invalidates the other.
    pub struct SharedPage(NonNull<u8>);

    impl SharedPage {
        pub fn new() -> Self {
            SharedPage(NonNull::new(Box::into_raw(Box::new(Page([0; 4096]))).cast()).unwrap())
        }
        pub fn ring(&self) -> RingIo {
            // SAFETY: the page outlives the ring in every test (declared
            // first, dropped last).
            unsafe { RingIo::new(self.0) }
        }
        pub fn server(&self) -> Server {
            Server(self.0)
        }
    }

    impl Drop for SharedPage {
        fn drop(&mut self) {
            // SAFETY: allocated by `new` as a Box<Page>.
            drop(unsafe { Box::from_raw(self.0.as_ptr().cast::<Page>()) });
        }
    }

    /// xenstored's side of the page.
    pub struct Server(NonNull<u8>);

    impl Server {
        fn byte(&self, at: usize) -> u8 {
            // SAFETY: at < 4096, inside the live page.
            unsafe { self.0.as_ptr().add(at).read_volatile() }
        }
        fn set_byte(&self, at: usize, v: u8) {
            // SAFETY: as in `byte`.
            unsafe { self.0.as_ptr().add(at).write_volatile(v) }
        }
        pub fn index(&self, off: usize) -> u32 {
            u32::from_le_bytes(core::array::from_fn(|i| self.byte(off + i)))
        }
        pub fn set_index(&self, off: usize, v: u32) {
            for (i, b) in v.to_le_bytes().into_iter().enumerate() {
                self.set_byte(off + i, b);
            }
        }
        /// Starts all four indexes at `at`.
        pub fn start_at(&self, at: u32) {
            for off in [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD] {
                self.set_index(off, at);
            }
        }
        /// Takes every request byte the guest has published.
        pub fn take_requests(&self) -> Vec<u8> {
            let (mut cons, prod) = (self.index(REQ_CONS), self.index(REQ_PROD));
            let mut out = Vec::new();
            while cons != prod {
                out.push(self.byte(REQ + slot(cons)));
                cons = cons.wrapping_add(1);
            }
            self.set_index(REQ_CONS, cons);
            out
        }
        /// Publishes as much of `bytes` as fits; returns how many.
        pub fn put_responses(&self, bytes: &[u8]) -> usize {
            let (cons, prod) = (self.index(RSP_CONS), self.index(RSP_PROD));
            let n = ((RING_SIZE - prod.wrapping_sub(cons)) as usize).min(bytes.len());
            for (i, &b) in bytes[..n].iter().enumerate() {
                self.set_byte(RSP + slot(prod.wrapping_add(i as u32)), b);
            }
            self.set_index(RSP_PROD, prod.wrapping_add(n as u32));
            n
        }
    }

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn layout_matches_the_header() {
        let page = SharedPage::new();
        let s = page.server();
        s.set_index(2064, FEATURE_RECONNECTION | FEATURE_ERROR);
        s.set_index(2068, RECONNECT);
        s.set_index(2072, 3);
        let ring = page.ring();
        assert_eq!(ring.server_features(), 3);
        assert_eq!(ring.connection(), RECONNECT);
        assert_eq!(ring.error(), 3);
        let mut ring = page.ring();
        assert_eq!(ring.write(b"ab"), 2);
        assert_eq!(s.byte(0), b'a', "the request ring starts the page");
        assert_eq!(s.index(2052), 2, "req_prod follows req_cons at 2048");
        s.put_responses(b"z");
        assert_eq!(s.byte(1024), b'z', "the response ring follows it");
        assert_eq!(s.index(2060), 1);
    }

    #[test]
    fn request_ring_takes_what_fits_then_resumes() {
        let page = SharedPage::new();
        let s = page.server();
        let mut ring = page.ring();
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
    fn indexes_wrap_at_u32_max_and_data_crosses_the_ring_end() {
        let page = SharedPage::new();
        let s = page.server();
        // 2^32 - 6: slot 1018, six bytes before both the ring end and the
        // index wrap.
        s.start_at(u32::MAX - 5);
        let mut ring = page.ring();
        let msg = pattern(1000);
        assert_eq!(ring.write(&msg), 1000);
        assert_eq!(s.index(REQ_PROD), 994);
        assert_eq!(s.byte(REQ + 1018), msg[0]);
        assert_eq!(
            s.byte(REQ),
            msg[6],
            "the seventh byte wraps to the ring start"
        );
        assert_eq!(s.take_requests(), msg);

        assert_eq!(s.put_responses(&msg), 1000);
        let mut buf = [0; 600];
        assert_eq!(ring.read(&mut buf), 600);
        assert_eq!(&buf[..], &msg[..600]);
        assert_eq!(ring.read(&mut buf), 400);
        assert_eq!(&buf[..400], &msg[600..]);
        assert_eq!(ring.read(&mut buf), 0);
        assert_eq!(s.index(RSP_CONS), 994);
    }

    #[test]
    fn response_ring_reads_in_pieces() {
        let page = SharedPage::new();
        let s = page.server();
        s.start_at(1000);
        let mut ring = page.ring();
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
        let page = SharedPage::new();
        let s = page.server();
        s.set_index(REQ_CONS, 0);
        s.set_index(REQ_PROD, 5000);
        s.set_index(RSP_CONS, 10);
        s.set_index(RSP_PROD, 9);
        let mut ring = page.ring();
        assert!(!ring.indexes_valid());
        assert_eq!(ring.write(b"x"), 0);
        let mut buf = [0; 8];
        assert_eq!(ring.read(&mut buf), 0);
        assert_eq!(s.index(REQ_PROD), 5000);
        assert_eq!(s.index(RSP_CONS), 10);
    }
}
