//! netfront: the network frontend's rings and buffers (io/netif.h).
//!
//! Two rings, each one granted page: transmit requests carry a granted
//! buffer page and a length; receive requests post an empty granted page,
//! which the backend fills by grant copy (`request-rx-copy`) and hands back
//! in a response. Every buffer is granted once, when the device is set up,
//! and stays granted: a packet costs two copies (into a transmit page, out
//! of a receive page) and no grant operation.
//!
//! Memory is bounded: 256 receive pages and 256 transmit pages, and no
//! allocation per packet. Everything the backend writes is checked before
//! use (response ids, statuses, offsets and lengths); a bad response is
//! counted and dropped, never trusted.
//!
//! The logic here is host-tested against a model backend; the guest
//! supplies pages, grants and the event channel.
use crate::xen::abi::grant::GrantRef;
use crate::xen::abi::io::*;
use crate::xen::abi::DomId;
use crate::xen::grant_table::{GrantError, GrantTable};
use crate::xen::ring::{FrontRing, ProtocolError};
use crate::xen::shared_page::{SharedPage, SIZE};
use alloc::vec::Vec;

/// Receive buffers posted to the backend (one ring's worth).
pub const RX_BUFFERS: usize = FrontRing::<NetifRxRequest, NetifRxResponse>::ENTRIES as usize;
/// Transmit buffers (one ring's worth).
pub const TX_BUFFERS: usize = FrontRing::<NetifTxRequest, NetifTxResponse>::ENTRIES as usize;
/// The largest frame sent or received: MTU 1500 plus the Ethernet header
/// (no VLAN tags, no scatter-gather).
pub const MAX_FRAME: usize = 1514;

/// Where pages to share come from (the frame allocator in the guest).
pub trait PageSource {
    /// A zeroed page and its machine frame number.
    fn page(&mut self) -> Option<(SharedPage, u64)>;
}

/// Why the device could not be set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupError {
    OutOfMemory,
    Grant(GrantError),
}

impl core::fmt::Display for SetupError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::OutOfMemory => write!(f, "out of memory for the rings and buffers"),
            Self::Grant(e) => write!(f, "{e}"),
        }
    }
}

/// Why a frame was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxError {
    /// Every transmit buffer is in flight.
    Full,
    /// Longer than [`MAX_FRAME`], or empty.
    BadLength(usize),
}

/// What the device counted (for the stats line and tests).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    /// Responses with an error status, or for packets we cannot take
    /// (several slots, too long).
    pub rx_dropped: u64,
    pub tx_errors: u64,
    /// Responses that broke the protocol (unknown ids, bad offsets, more
    /// responses than requests); each is dropped.
    pub protocol_errors: u64,
    /// Notifications sent to the backend.
    pub notifies: u64,
}

struct Buffer {
    page: SharedPage,
    gref: GrantRef,
}

/// The rings, the buffers and their grants of one vif.
pub struct NetFront {
    tx: FrontRing<NetifTxRequest, NetifTxResponse>,
    rx: FrontRing<NetifRxRequest, NetifRxResponse>,
    tx_ring_ref: GrantRef,
    rx_ring_ref: GrantRef,
    tx_bufs: Vec<Buffer>,
    rx_bufs: Vec<Buffer>,
    /// Transmit buffers not in flight.
    tx_free: Vec<u16>,
    tx_in_flight: Vec<bool>,
    /// Whether each receive buffer is posted (so a response may name it).
    rx_posted: Vec<bool>,
    pub counts: Counts,
}

fn page(pages: &mut impl PageSource) -> Result<(SharedPage, u64), SetupError> {
    pages.page().ok_or(SetupError::OutOfMemory)
}

impl NetFront {
    /// Allocates and grants the rings and every buffer to `backend`, and
    /// posts every receive buffer. Nothing is visible to the backend until
    /// it connects to the rings named by [`Self::ring_refs`].
    pub fn new(
        pages: &mut impl PageSource,
        grants: &mut GrantTable,
        backend: DomId,
    ) -> Result<Self, SetupError> {
        let grant =
            |g: &mut GrantTable, mfn, ro| g.grant(backend, mfn, ro).map_err(SetupError::Grant);
        let (tx_page, tx_mfn) = page(pages)?;
        let (rx_page, rx_mfn) = page(pages)?;
        let tx_ring_ref = grant(grants, tx_mfn, false)?;
        let rx_ring_ref = grant(grants, rx_mfn, false)?;
        let mut buffers = |n: usize, readonly: bool| -> Result<Vec<Buffer>, SetupError> {
            (0..n)
                .map(|_| {
                    let (page, mfn) = page(pages)?;
                    Ok(Buffer {
                        page,
                        gref: grant(grants, mfn, readonly)?,
                    })
                })
                .collect()
        };
        let tx_bufs = buffers(TX_BUFFERS, true)?;
        let rx_bufs = buffers(RX_BUFFERS, false)?;
        let mut nf = NetFront {
            tx: FrontRing::init(tx_page),
            rx: FrontRing::init(rx_page),
            tx_ring_ref,
            rx_ring_ref,
            tx_bufs,
            rx_bufs,
            tx_free: (0..TX_BUFFERS as u16).rev().collect(),
            tx_in_flight: alloc::vec![false; TX_BUFFERS],
            rx_posted: alloc::vec![false; RX_BUFFERS],
            counts: Counts::default(),
        };
        for id in 0..RX_BUFFERS as u16 {
            nf.post_rx(id);
        }
        // Published before the backend connects: it sees them at once.
        nf.rx.publish();
        Ok(nf)
    }

    /// (`tx-ring-ref`, `rx-ring-ref`) for xenstore.
    pub fn ring_refs(&self) -> (GrantRef, GrantRef) {
        (self.tx_ring_ref, self.rx_ring_ref)
    }

    fn post_rx(&mut self, id: u16) {
        let req = NetifRxRequest {
            id,
            pad: 0,
            gref: self.rx_bufs[id as usize].gref,
        };
        self.rx
            .queue(&req)
            .expect("one ring entry per receive buffer");
        self.rx_posted[id as usize] = true;
    }

    /// Whether a frame can be queued now (after reclaiming finished sends).
    pub fn can_send(&mut self) -> bool {
        self.reclaim_tx();
        !self.tx_free.is_empty()
    }

    /// Queues `frame` and publishes it; returns whether the backend must be
    /// notified (the caller sends on the event channel).
    pub fn send(&mut self, frame: &[u8]) -> Result<bool, TxError> {
        if frame.is_empty() || frame.len() > MAX_FRAME {
            self.counts.tx_errors += 1;
            return Err(TxError::BadLength(frame.len()));
        }
        self.reclaim_tx();
        let id = self.tx_free.pop().ok_or(TxError::Full)?;
        let buf = &self.tx_bufs[id as usize];
        buf.page.write_bytes(0, frame);
        let req = NetifTxRequest {
            gref: buf.gref,
            offset: 0,
            flags: 0,
            id,
            size: frame.len() as u16,
        };
        self.tx
            .queue(&req)
            .expect("one ring entry per transmit buffer");
        self.tx_in_flight[id as usize] = true;
        self.counts.tx_packets += 1;
        self.counts.tx_bytes += frame.len() as u64;
        let notify = self.tx.publish();
        self.counts.notifies += notify as u64;
        Ok(notify)
    }

    /// Takes finished transmit responses: their buffers are free again.
    fn reclaim_tx(&mut self) {
        loop {
            let rsp = match self.tx.take_response() {
                Ok(Some(rsp)) => rsp,
                Ok(None) => return,
                Err(ProtocolError { .. }) => {
                    // The backend's producer index is not to be believed:
                    // stop taking from it (the device will be reset).
                    self.counts.protocol_errors += 1;
                    return;
                }
            };
            let id = rsp.id as usize;
            if id >= TX_BUFFERS || !self.tx_in_flight[id] {
                self.counts.protocol_errors += 1;
                continue;
            }
            if rsp.status != NETIF_RSP_OKAY {
                self.counts.tx_errors += 1;
            }
            self.tx_in_flight[id] = false;
            self.tx_free.push(id as u16);
        }
    }

    /// Hands each received frame to `deliver` (a copy out of its receive
    /// buffer), re-posts the buffers, and returns whether the backend must
    /// be notified. At most `budget` frames are taken.
    pub fn receive(&mut self, budget: usize, mut deliver: impl FnMut(&[u8])) -> bool {
        let mut frame = [0u8; MAX_FRAME];
        let mut reposted = false;
        for _ in 0..budget {
            let rsp = match self.rx.take_response() {
                Ok(Some(rsp)) => rsp,
                Ok(None) => break,
                Err(_) => {
                    self.counts.protocol_errors += 1;
                    break;
                }
            };
            let id = rsp.id as usize;
            if id >= RX_BUFFERS || !self.rx_posted[id] {
                self.counts.protocol_errors += 1;
                continue;
            }
            self.rx_posted[id] = false;
            if let Ok(len) = self.check_rx(&rsp) {
                let buf = &self.rx_bufs[id];
                buf.page.read_bytes(rsp.offset as usize, &mut frame[..len]);
                self.counts.rx_packets += 1;
                self.counts.rx_bytes += len as u64;
                deliver(&frame[..len]);
            }
            // The buffer goes back at once: it stays granted.
            self.post_rx(id as u16);
            reposted = true;
        }
        if !reposted {
            return false;
        }
        let notify = self.rx.publish();
        self.counts.notifies += notify as u64;
        notify
    }

    /// The frame length a receive response says, if it can be taken.
    fn check_rx(&mut self, rsp: &NetifRxResponse) -> Result<usize, ()> {
        if rsp.status <= 0 {
            // Negative: an error; 0 bytes: nothing to deliver.
            self.counts.rx_dropped += 1;
            return Err(());
        }
        let (offset, len) = (rsp.offset as usize, rsp.status as usize);
        if offset + len > SIZE {
            self.counts.protocol_errors += 1;
            return Err(());
        }
        if rsp.flags & (NETRXF_MORE_DATA | NETRXF_EXTRA_INFO) != 0 || len > MAX_FRAME {
            // Multi-slot packets: not negotiated, not taken.
            self.counts.rx_dropped += 1;
            return Err(());
        }
        Ok(len)
    }

    /// Before the caller sleeps: asks to be woken for the next response of
    /// either ring; `true` means work is already waiting.
    pub fn final_check(&mut self) -> bool {
        let rx = self.rx.final_check().unwrap_or(true);
        let tx = self.tx.final_check().unwrap_or(true);
        rx || tx
    }

    /// Receive buffers posted now (all of them between calls).
    #[cfg(test)]
    pub fn rx_posted(&self) -> usize {
        self.rx_posted.iter().filter(|&&p| p).count()
    }

    /// Transmit buffers in flight.
    #[cfg(test)]
    pub fn tx_in_flight(&self) -> usize {
        TX_BUFFERS - self.tx_free.len()
    }

    /// Ends every grant of the device. Buffers whose grant the backend
    /// still maps are leaked (returned in the count), never reused.
    pub fn release(self, grants: &mut GrantTable) -> usize {
        let mut leaked = 0;
        let refs = [self.tx_ring_ref, self.rx_ring_ref];
        let bufs = self.tx_bufs.into_iter().chain(self.rx_bufs);
        for b in bufs {
            if grants.end_access(b.gref).is_err() {
                core::mem::forget(b.page);
                leaked += 1;
            }
        }
        for r in refs {
            if grants.end_access(r).is_err() {
                leaked += 1;
            }
        }
        if leaked > 0 {
            // A ring page still mapped by the backend must not be reused.
            core::mem::forget(self.tx);
            core::mem::forget(self.rx);
        }
        leaked
    }
}

#[cfg(test)]
mod tests;
