//! Xen's request/response ring (io/ring.h) in one shared page: the
//! frontend produces requests and consumes responses, the backend the other
//! way round. Indexes are free-running 32-bit counters; an entry's slot is
//! its index modulo the (power-of-two) entry count.
//!
//! Notifications are asked for only when the other end said it waits: each
//! side publishes an event index ("wake me when your producer passes this"),
//! and a producer notifies only if its new entries cross it. A consumer that
//! runs out of work sets its own event index and looks once more before it
//! sleeps (`final_check`), or a response published in between would never
//! wake it.
//!
//! The frontend checks what the backend publishes: a producer index that
//! claims more responses than requests are outstanding is a protocol
//! violation, reported rather than believed.
use super::abi::io::SringHeader;
use super::shared_page::{SharedPage, SIZE};
use core::marker::PhantomData;
use core::mem::{align_of, offset_of, size_of};
use core::sync::atomic::{fence, Ordering};
use zerocopy::{FromBytes, Immutable, IntoBytes};

const HEADER: usize = size_of::<SringHeader>();
const REQ_PROD: usize = offset_of!(SringHeader, req_prod);
const REQ_EVENT: usize = offset_of!(SringHeader, req_event);
const RSP_PROD: usize = offset_of!(SringHeader, rsp_prod);
const RSP_EVENT: usize = offset_of!(SringHeader, rsp_event);

/// The size of one entry: the C union of request and response.
pub const fn entry_size<Req, Rsp>() -> usize {
    let size = if size_of::<Req>() > size_of::<Rsp>() {
        size_of::<Req>()
    } else {
        size_of::<Rsp>()
    };
    let align = if align_of::<Req>() > align_of::<Rsp>() {
        align_of::<Req>()
    } else {
        align_of::<Rsp>()
    };
    size.div_ceil(align) * align
}

/// Entries in a one-page ring (`__CONST_RING_SIZE(name, 4096)`): the
/// largest power of two that fits after the header.
pub const fn entries_per_page<Req, Rsp>() -> u32 {
    let fit = (SIZE - HEADER) / entry_size::<Req, Rsp>();
    1 << (usize::BITS - 1 - fit.leading_zeros())
}

/// The backend broke the ring protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolError {
    /// The producer index the other end published.
    pub published: u32,
    /// Entries it could legitimately have published beyond our consumer.
    pub allowed: u32,
}

impl core::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the backend published producer index {} with at most {} entries outstanding",
            self.published, self.allowed
        )
    }
}

/// The ring is full: no request can be queued until responses come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

fn slot_offset<Req, Rsp>(idx: u32) -> usize {
    let mask = entries_per_page::<Req, Rsp>() - 1;
    HEADER + (idx & mask) as usize * entry_size::<Req, Rsp>()
}

/// The frontend's end of a ring.
pub struct FrontRing<Req, Rsp> {
    page: SharedPage,
    /// Requests queued (published or not).
    req_prod_pvt: u32,
    /// Responses taken.
    rsp_cons: u32,
    _entries: PhantomData<(Req, Rsp)>,
}

impl<Req, Rsp> FrontRing<Req, Rsp>
where
    Req: IntoBytes + Immutable,
    Rsp: FromBytes + IntoBytes,
{
    pub const ENTRIES: u32 = entries_per_page::<Req, Rsp>();

    /// Initialises the shared page as an empty ring (`SHARED_RING_INIT`
    /// then `FRONT_RING_INIT`), before the backend is told about it.
    pub fn init(page: SharedPage) -> Self {
        page.fill(0, SIZE, 0);
        // Both sides start out wanting to hear of the first entry.
        page.atomic_u32(REQ_EVENT).store(1, Ordering::Relaxed);
        page.atomic_u32(RSP_EVENT).store(1, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        FrontRing {
            page,
            req_prod_pvt: 0,
            rsp_cons: 0,
            _entries: PhantomData,
        }
    }

    /// Requests that can be queued now.
    pub fn free_requests(&self) -> u32 {
        Self::ENTRIES - self.req_prod_pvt.wrapping_sub(self.rsp_cons)
    }

    /// Requests queued that have no response yet.
    pub fn outstanding(&self) -> u32 {
        self.req_prod_pvt.wrapping_sub(self.rsp_cons)
    }

    /// Queues `req` (not visible to the backend until [`Self::publish`]).
    pub fn queue(&mut self, req: &Req) -> Result<(), Full> {
        if self.free_requests() == 0 {
            return Err(Full);
        }
        let at = slot_offset::<Req, Rsp>(self.req_prod_pvt);
        self.page.write(at, req);
        self.req_prod_pvt = self.req_prod_pvt.wrapping_add(1);
        Ok(())
    }

    /// Queues `item` in the next request slot in place of a request: a
    /// protocol's other kind of entry sharing the request ring (netif's
    /// extra-info slots). It must fit in one entry.
    pub fn queue_other<T: IntoBytes + Immutable>(&mut self, item: &T) -> Result<(), Full> {
        const { assert!(size_of::<T>() <= entry_size::<Req, Rsp>()) };
        if self.free_requests() == 0 {
            return Err(Full);
        }
        let at = slot_offset::<Req, Rsp>(self.req_prod_pvt);
        self.page.write(at, item);
        self.req_prod_pvt = self.req_prod_pvt.wrapping_add(1);
        Ok(())
    }

    /// Publishes every queued request; returns whether the backend must be
    /// notified (`RING_PUSH_REQUESTS_AND_CHECK_NOTIFY`).
    pub fn publish(&mut self) -> bool {
        let prod = self.page.atomic_u32(REQ_PROD);
        let old = prod.load(Ordering::Relaxed);
        let new = self.req_prod_pvt;
        // The requests must be visible before the index that publishes them.
        fence(Ordering::Release);
        prod.store(new, Ordering::Relaxed);
        // The backend's event index must be read after the store above.
        fence(Ordering::SeqCst);
        let event = self.page.atomic_u32(REQ_EVENT).load(Ordering::Relaxed);
        new.wrapping_sub(event) < new.wrapping_sub(old)
    }

    /// Responses published and not yet taken, checked against what is
    /// outstanding.
    fn unconsumed(&self) -> Result<u32, ProtocolError> {
        let published = self.page.atomic_u32(RSP_PROD).load(Ordering::Relaxed);
        // Responses may only be read after the index that publishes them.
        fence(Ordering::Acquire);
        let n = published.wrapping_sub(self.rsp_cons);
        let allowed = self.outstanding();
        if n > allowed {
            return Err(ProtocolError { published, allowed });
        }
        Ok(n)
    }

    /// Takes the next response, if one is published.
    pub fn take_response(&mut self) -> Result<Option<Rsp>, ProtocolError> {
        if self.unconsumed()? == 0 {
            return Ok(None);
        }
        let rsp = self.page.read(slot_offset::<Req, Rsp>(self.rsp_cons));
        self.rsp_cons = self.rsp_cons.wrapping_add(1);
        Ok(Some(rsp))
    }

    /// Before sleeping: asks to be notified of the next response, then
    /// looks once more (`RING_FINAL_CHECK_FOR_RESPONSES`). `true` means a
    /// response is there and the caller must not sleep.
    pub fn final_check(&mut self) -> Result<bool, ProtocolError> {
        if self.unconsumed()? > 0 {
            return Ok(true);
        }
        self.page
            .atomic_u32(RSP_EVENT)
            .store(self.rsp_cons.wrapping_add(1), Ordering::Relaxed);
        // The event index must be visible before the producer is re-read.
        fence(Ordering::SeqCst);
        Ok(self.unconsumed()? > 0)
    }
}

/// The backend's end of a ring, for host tests: a model of what Linux's
/// netback and blkback do with the same macros.
#[cfg(test)]
pub struct BackRing<Req, Rsp> {
    page: SharedPage,
    req_cons: u32,
    rsp_prod_pvt: u32,
    _entries: PhantomData<(Req, Rsp)>,
}

#[cfg(test)]
impl<Req, Rsp> BackRing<Req, Rsp>
where
    Req: FromBytes + IntoBytes + Immutable,
    Rsp: FromBytes + IntoBytes + Immutable,
{
    pub fn attach(page: SharedPage) -> Self {
        BackRing {
            page,
            req_cons: 0,
            rsp_prod_pvt: 0,
            _entries: PhantomData,
        }
    }

    pub fn take_request(&mut self) -> Option<Req> {
        let prod = self.page.atomic_u32(REQ_PROD).load(Ordering::Acquire);
        if prod == self.req_cons {
            return None;
        }
        let req = self.page.read(slot_offset::<Req, Rsp>(self.req_cons));
        self.req_cons = self.req_cons.wrapping_add(1);
        Some(req)
    }

    pub fn queue_response(&mut self, rsp: &Rsp) {
        self.page
            .write(slot_offset::<Req, Rsp>(self.rsp_prod_pvt), rsp);
        self.rsp_prod_pvt = self.rsp_prod_pvt.wrapping_add(1);
    }

    /// `RING_PUSH_RESPONSES_AND_CHECK_NOTIFY`.
    pub fn publish(&mut self) -> bool {
        let prod = self.page.atomic_u32(RSP_PROD);
        let old = prod.load(Ordering::Relaxed);
        let new = self.rsp_prod_pvt;
        fence(Ordering::Release);
        prod.store(new, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        let event = self.page.atomic_u32(RSP_EVENT).load(Ordering::Relaxed);
        new.wrapping_sub(event) < new.wrapping_sub(old)
    }

    /// `RING_FINAL_CHECK_FOR_REQUESTS`'s event update.
    pub fn want_next_request(&mut self) {
        self.page
            .atomic_u32(REQ_EVENT)
            .store(self.req_cons.wrapping_add(1), Ordering::SeqCst);
    }

    /// Sets the published response index directly (a broken backend).
    pub fn publish_raw(&mut self, rsp_prod: u32) {
        self.page
            .atomic_u32(RSP_PROD)
            .store(rsp_prod, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xen::abi::io::*;
    use crate::xen::shared_page::test_pages;

    type Front = FrontRing<NetifTxRequest, NetifTxResponse>;
    type Back = BackRing<NetifTxRequest, NetifTxResponse>;

    fn rings() -> (Front, Back) {
        let (a, b) = test_pages::pair();
        (Front::init(a), Back::attach(b))
    }

    fn req(id: u16) -> NetifTxRequest {
        NetifTxRequest {
            gref: 1000 + id as u32,
            id,
            size: 60,
            ..Default::default()
        }
    }

    #[test]
    fn sizes_follow_ring_h() {
        assert_eq!(entry_size::<NetifTxRequest, NetifTxResponse>(), 12);
        assert_eq!(Front::ENTRIES, 256);
        assert_eq!(entries_per_page::<BlkifRequest, BlkifResponse>(), 32);
        assert_eq!(entry_size::<[u32; 3], u64>(), 16, "the union is aligned");
    }

    #[test]
    fn requests_and_responses_pass_in_order_across_index_wrap() {
        let (mut f, mut b) = rings();
        let mut next_id = 0u16;
        let mut answered = 0u32;
        // 1,000 rounds of up to 200 requests wrap the slot index many times.
        for round in 0..1000u32 {
            let n = 1 + round % 200;
            for _ in 0..n {
                f.queue(&req(next_id)).unwrap();
                next_id = next_id.wrapping_add(1);
            }
            f.publish();
            while let Some(r) = b.take_request() {
                b.queue_response(&NetifTxResponse {
                    id: r.id,
                    status: 0,
                });
            }
            b.publish();
            while let Some(rsp) = f.take_response().unwrap() {
                assert_eq!(rsp.id, answered as u16, "responses in request order");
                answered += 1;
            }
            assert_eq!(f.outstanding(), 0);
        }
        assert_eq!(answered, (0..1000).map(|r| 1 + r % 200).sum::<u32>());
    }

    #[test]
    fn a_full_ring_refuses_more_until_responses_return() {
        let (mut f, mut b) = rings();
        for i in 0..256 {
            f.queue(&req(i)).unwrap();
        }
        assert_eq!(f.queue(&req(256)), Err(Full));
        f.publish();
        let r = b.take_request().unwrap();
        b.queue_response(&NetifTxResponse {
            id: r.id,
            status: 0,
        });
        b.publish();
        assert_eq!(f.take_response().unwrap().unwrap().id, 0);
        assert_eq!(f.free_requests(), 1);
        f.queue(&req(256)).unwrap();
    }

    #[test]
    fn notifications_only_when_the_other_end_waits() {
        let (mut f, mut b) = rings();
        f.queue(&req(0)).unwrap();
        assert!(f.publish(), "the backend starts out waiting for entry 1");
        f.queue(&req(1)).unwrap();
        assert!(!f.publish(), "the backend has not asked again: no storm");
        b.take_request();
        b.take_request();
        b.want_next_request();
        f.queue(&req(2)).unwrap();
        f.queue(&req(3)).unwrap();
        assert!(f.publish(), "it asked for the next one");

        // Responses: the frontend asks through final_check.
        b.queue_response(&NetifTxResponse::default());
        assert!(b.publish(), "rsp_event starts at 1");
        b.queue_response(&NetifTxResponse::default());
        assert!(!b.publish());
        assert!(f.final_check().unwrap(), "responses waiting: do not sleep");
        f.take_response().unwrap();
        f.take_response().unwrap();
        assert!(
            !f.final_check().unwrap(),
            "nothing left: sleep, having asked"
        );
        b.queue_response(&NetifTxResponse::default());
        assert!(b.publish(), "the frontend asked for the next response");
    }

    #[test]
    fn final_check_catches_a_response_published_while_going_to_sleep() {
        let (mut f, mut b) = rings();
        f.queue(&req(0)).unwrap();
        f.publish();
        b.take_request();
        // The response lands just after the frontend found nothing...
        assert_eq!(f.take_response().unwrap(), None);
        b.queue_response(&NetifTxResponse { id: 0, status: 0 });
        b.publish();
        // ...and final_check sees it, so the frontend does not block.
        assert!(f.final_check().unwrap());
    }

    #[test]
    fn more_responses_than_requests_is_a_protocol_error() {
        let (mut f, mut b) = rings();
        f.queue(&req(0)).unwrap();
        f.publish();
        b.publish_raw(5);
        assert_eq!(
            f.take_response(),
            Err(ProtocolError {
                published: 5,
                allowed: 1
            })
        );
        b.publish_raw(u32::MAX);
        assert!(f.final_check().is_err());
    }
}
