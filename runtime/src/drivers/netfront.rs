//! netfront: the network frontend's rings and buffers (io/netif.h).
//!
//! Two rings, each one granted page: transmit requests carry a granted
//! buffer page and a length; receive requests post an empty granted page,
//! which the backend fills by grant copy (`request-rx-copy`) and hands back
//! in a response. Every buffer is granted once, when the device is set up,
//! and stays granted: a packet costs two copies (into a transmit page, out
//! of a receive page) and no grant operation.
//!
//! A packet bigger than a page goes out in several slots chained with
//! `NETTXF_more_data`, one transmit page each. With the backend's
//! `feature-sg` and `feature-gso-tcpv4` ([`NetFront::enable_gso`]) a TCP
//! packet may be larger than the MTU: its first slot is followed by an
//! extra-info slot (`XEN_NETIF_EXTRA_TYPE_GSO`) giving the segment size,
//! and the backend's side cuts it into segments of that size. TCP
//! checksums may be left to the backend (`NETTXF_csum_blank`, with the
//! pseudo-header sum in the checksum field, the convention Linux's
//! netback completes). Every packet is checked against what netback
//! accepts before it goes on the ring: netback takes the vif down on a
//! malformed multi-slot or GSO request.
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
/// The largest GSO packet sent: it must fit the first request's 16-bit
/// size, hence 16 slots of a page at most (netback takes up to 18).
pub const MAX_GSO_PACKET: usize = u16::MAX as usize;
/// The most data slots one packet takes.
pub const MAX_SLOTS: usize = MAX_GSO_PACKET.div_ceil(SIZE);
/// The shortest packet netback takes (`ETH_HLEN`).
pub const MIN_FRAME: usize = 14;

/// What a packet leaves to the backend.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TxOffload {
    /// Its TCP checksum field holds the pseudo-header sum, not the
    /// checksum: the backend completes it (`NETTXF_csum_blank`).
    pub csum_blank: bool,
    /// A TCP/IPv4 packet the backend cuts into segments of this many
    /// payload bytes (the connection's MSS less its options); needs
    /// [`NetFront::enable_gso`] and `csum_blank`.
    pub gso_size: Option<core::num::NonZeroU16>,
}

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
    /// Shorter than [`MIN_FRAME`], longer than [`MAX_FRAME`] (or, for a
    /// GSO packet, [`MAX_GSO_PACKET`]).
    BadLength(usize),
    /// A GSO request the backend would not take: GSO not enabled, the
    /// checksum not left blank, or not a TCP/IPv4 packet with payload.
    BadGso,
}

/// What the device counted (for the stats line and tests).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    /// Packets put on the ring (a GSO packet counts once).
    pub tx_packets: u64,
    pub tx_bytes: u64,
    /// Of those, GSO packets.
    pub tx_gso_packets: u64,
    /// TCP segments and other frames as they leave the backend: a GSO
    /// packet counts as the segments it is cut into.
    pub tx_segments: u64,
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
    /// The backend takes multi-slot and GSO packets.
    gso: bool,
    pub counts: Counts,
}

/// The Ethernet header's length.
pub const ETH_HEADER: usize = 14;

/// The IPv4 header length of `frame` if it is an Ethernet frame carrying
/// TCP/IPv4 with the IPv4 header and 20 bytes of TCP header inside it.
pub fn tcp_ipv4_header_len(frame: &[u8]) -> Option<usize> {
    if frame.len() < ETH_HEADER + 20 || frame[12..14] != [0x08, 0x00] {
        return None;
    }
    let ip = &frame[ETH_HEADER..];
    let ihl = (ip[0] & 0x0f) as usize * 4;
    if ip[0] >> 4 != 4 || ihl < 20 || ip[9] != 6 || ip.len() < ihl + 20 {
        return None;
    }
    Some(ihl)
}

/// The number of segments a TCP/IPv4 GSO packet is cut into, if `frame`
/// is one with payload (its headers within the frame).
fn gso_segments(frame: &[u8], gso_size: u16) -> Option<u64> {
    let ihl = tcp_ipv4_header_len(frame)?;
    let tcp = &frame[ETH_HEADER + ihl..];
    let doff = (tcp[12] >> 4) as usize * 4;
    if doff < 20 || tcp.len() <= doff {
        return None;
    }
    Some((tcp.len() - doff).div_ceil(gso_size as usize) as u64)
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
            gso: false,
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

    /// Lets packets of several slots and GSO packets go out: the backend
    /// said `feature-sg` and `feature-gso-tcpv4`.
    pub fn enable_gso(&mut self) {
        self.gso = true;
    }

    /// Whether a packet of the longest kind can be queued now (after
    /// reclaiming finished sends).
    pub fn can_send(&mut self) -> bool {
        self.reclaim_tx();
        let (slots, extra) = if self.gso { (MAX_SLOTS, 1) } else { (1, 0) };
        self.tx_free.len() >= slots && self.tx.free_requests() as usize >= slots + extra
    }

    /// Queues `frame` (a plain frame of at most [`MAX_FRAME`]) and
    /// publishes it; returns whether the backend must be notified (the
    /// caller sends on the event channel).
    #[cfg(test)]
    pub fn send(&mut self, frame: &[u8]) -> Result<bool, TxError> {
        self.send_packet(frame, TxOffload::default())
    }

    /// Queues a packet with what it leaves to the backend, in as many
    /// slots as it needs (a GSO packet's extra-info slot after its first),
    /// and publishes it; returns whether the backend must be notified.
    /// Nothing is queued unless the whole packet fits.
    pub fn send_packet(&mut self, frame: &[u8], off: TxOffload) -> Result<bool, TxError> {
        let segments = match self.check_tx(frame, off) {
            Ok(n) => n,
            Err(e) => {
                self.counts.tx_errors += 1;
                return Err(e);
            }
        };
        self.reclaim_tx();
        let slots = frame.len().div_ceil(SIZE);
        let extra = off.gso_size.is_some() as usize;
        if self.tx_free.len() < slots || (self.tx.free_requests() as usize) < slots + extra {
            return Err(TxError::Full);
        }
        for (i, chunk) in frame.chunks(SIZE).enumerate() {
            let id = self.tx_free.pop().expect("counted above");
            let buf = &self.tx_bufs[id as usize];
            buf.page.write_bytes(0, chunk);
            let mut flags = 0;
            if i + 1 < slots {
                flags |= NETTXF_MORE_DATA;
            }
            // The first slot's size is the whole packet's; the others'
            // their own.
            let size = if i == 0 { frame.len() } else { chunk.len() };
            if i == 0 {
                if off.csum_blank {
                    flags |= NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED;
                }
                if off.gso_size.is_some() {
                    flags |= NETTXF_EXTRA_INFO;
                }
            }
            let req = NetifTxRequest {
                gref: buf.gref,
                offset: 0,
                flags,
                id,
                size: size as u16,
            };
            self.tx.queue(&req).expect("counted above");
            self.tx_in_flight[id as usize] = true;
            if let (0, Some(mss)) = (i, off.gso_size) {
                let [lo, hi] = mss.get().to_le_bytes();
                let gso = NetifExtraInfo {
                    ty: XEN_NETIF_EXTRA_TYPE_GSO,
                    flags: 0,
                    // size (le16), type, pad, features (le16).
                    u: [lo, hi, XEN_NETIF_GSO_TYPE_TCPV4, 0, 0, 0],
                };
                self.tx.queue_other(&gso).expect("counted above");
            }
        }
        self.counts.tx_packets += 1;
        self.counts.tx_bytes += frame.len() as u64;
        self.counts.tx_gso_packets += off.gso_size.is_some() as u64;
        self.counts.tx_segments += segments;
        let notify = self.tx.publish();
        self.counts.notifies += notify as u64;
        Ok(notify)
    }

    /// Checks a packet against what netback takes; returns the number of
    /// segments it becomes.
    fn check_tx(&self, frame: &[u8], off: TxOffload) -> Result<u64, TxError> {
        let max = if off.gso_size.is_some() {
            MAX_GSO_PACKET
        } else {
            MAX_FRAME
        };
        if frame.len() < MIN_FRAME || frame.len() > max {
            return Err(TxError::BadLength(frame.len()));
        }
        let Some(mss) = off.gso_size else {
            return Ok(1);
        };
        if !self.gso || !off.csum_blank {
            return Err(TxError::BadGso);
        }
        gso_segments(frame, mss.get()).ok_or(TxError::BadGso)
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
            if rsp.status == NETIF_RSP_NULL {
                // The answer to an extra-info slot: it names no buffer.
                continue;
            }
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
