//! The network device as smoltcp sees it: Ethernet frames in and out of a
//! [`Link`] (netfront in the guest, a model wire in host tests).
use smoltcp::phy::{self, Checksum, ChecksumCapabilities, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

/// The largest frame: MTU 1500 plus the 14-byte Ethernet header.
pub const MAX_FRAME: usize = 1514;

/// What carries frames.
pub trait Link {
    /// Copies the next received frame into `buf`; returns its length.
    fn receive(&mut self, buf: &mut [u8; MAX_FRAME]) -> Option<usize>;
    /// Whether a frame can be sent now.
    fn can_send(&mut self) -> bool;
    /// Sends a frame (the link copies it).
    fn send(&mut self, frame: &[u8]);
}

/// A smoltcp device over a link. Received frames pass the filter first.
pub struct Device<L: Link> {
    pub link: L,
    rx: [u8; MAX_FRAME],
    /// Frames the filter dropped, by reason.
    pub drops: super::filter::Drops,
}

impl<L: Link> Device<L> {
    pub fn new(link: L) -> Self {
        Device {
            link,
            rx: [0; MAX_FRAME],
            drops: Default::default(),
        }
    }
}

pub struct RxToken<'a>(&'a [u8]);

pub struct TxToken<'a, L: Link>(&'a mut L);

impl phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl<L: Link> phy::TxToken for TxToken<'_, L> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = [0u8; MAX_FRAME];
        let len = len.min(MAX_FRAME);
        let r = f(&mut frame[..len]);
        self.0.send(&frame[..len]);
        r
    }
}

impl<L: Link> phy::Device for Device<L> {
    type RxToken<'a>
        = RxToken<'a>
    where
        Self: 'a;
    type TxToken<'a>
        = TxToken<'a, L>
    where
        Self: 'a;

    fn receive(&mut self, _now: Instant) -> Option<(RxToken<'_>, TxToken<'_, L>)> {
        // A reply may be needed: take a frame only if one can go out.
        if !self.link.can_send() {
            return None;
        }
        // Malformed frames are counted and skipped (a bounded number per
        // call, so a flood cannot hold the poll).
        for _ in 0..64 {
            let len = self.link.receive(&mut self.rx)?;
            match super::filter::check(&self.rx[..len]) {
                Ok(()) => return Some((RxToken(&self.rx[..len]), TxToken(&mut self.link))),
                Err(why) => self.drops.count(why),
            }
        }
        None
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_, L>> {
        if self.link.can_send() {
            Some(TxToken(&mut self.link))
        } else {
            None
        }
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MAX_FRAME;
        caps.max_burst_size = None;
        // netback neither computes nor checks checksums for us (we do not
        // negotiate offloads): smoltcp does both.
        let mut csum = ChecksumCapabilities::default();
        csum.ipv4 = Checksum::Both;
        csum.tcp = Checksum::Both;
        csum.udp = Checksum::Both;
        csum.icmpv4 = Checksum::Both;
        caps.checksum = csum;
        caps
    }
}
