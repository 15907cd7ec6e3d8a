//! The network device as smoltcp sees it: Ethernet frames in and out of a
//! [`Link`] (netfront in the guest, a model wire in host tests).
//!
//! A link may take two offloads for what goes out. TCP checksums: smoltcp
//! leaves them at zero and the device writes the pseudo-header sum in
//! their place for the link's other end to complete. Segmentation: smoltcp
//! then builds TCP packets of up to [`MAX_GSO_PACKET`] bytes, each with
//! the segment size its connection allows (the peer's MSS and our MTU,
//! less the TCP options), and the other end cuts them into segments of
//! that size. The MTU stays 1500, so everything else (the MSS we
//! advertise, UDP, ICMP) is as without offloads.
use crate::drivers::netfront::{tcp_ipv4_header_len, ETH_HEADER};
use core::num::NonZeroU16;
use smoltcp::phy::{self, Checksum, ChecksumCapabilities, DeviceCapabilities, Medium, PacketMeta};
use smoltcp::time::Instant;
use smoltcp::wire::checksum;

/// The largest frame: MTU 1500 plus the 14-byte Ethernet header.
pub const MAX_FRAME: usize = 1514;
/// The largest packet handed to a link that segments (Ethernet header
/// included): what a 16-bit length field can say.
pub const MAX_GSO_PACKET: usize = u16::MAX as usize;

/// What a link does for the stack on the way out.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Offloads {
    /// It completes TCP checksums left blank (see [`TxMeta::csum_blank`]).
    pub tcp_csum: bool,
    /// It cuts TCP/IPv4 packets of up to [`MAX_GSO_PACKET`] bytes into
    /// segments (needs `tcp_csum`).
    pub tcp_segmentation: bool,
}

impl Offloads {
    /// Both: what a vif gets unless told otherwise.
    pub const ALL: Offloads = Offloads {
        tcp_csum: true,
        tcp_segmentation: true,
    };

    /// What `uk.tx-offload` asks for: `none` (smoltcp computes every
    /// checksum and sends frames of the MTU), `csum` (TCP checksums left
    /// to the link), `tso` (segmentation too; the default). The link's
    /// end may lack segmentation (netfront's backend says); the guest
    /// then uses none for `tso`, checksum offload alone having measured
    /// no faster.
    pub fn from_option(v: Option<&str>) -> Result<Offloads, alloc::string::String> {
        match v {
            None | Some("tso") => Ok(Self::ALL),
            Some("csum") => Ok(Offloads {
                tcp_segmentation: false,
                ..Self::ALL
            }),
            Some("none") => Ok(Offloads::default()),
            Some(other) => Err(alloc::format!(
                "uk.tx-offload={other:?}: one of none, csum, tso; tso is used"
            )),
        }
    }
}

/// What a sent frame leaves to the link.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TxMeta {
    /// A TCP/IPv4 frame whose checksum field holds the pseudo-header sum
    /// (folded, not complemented, over the TCP length of the whole
    /// packet): the link's end completes it over the TCP header and data.
    pub csum_blank: bool,
    /// A TCP/IPv4 packet to cut into segments of this many payload bytes.
    pub gso_size: Option<NonZeroU16>,
}

/// What carries frames.
pub trait Link {
    /// Copies the next received frame into `buf`; returns its length.
    fn receive(&mut self, buf: &mut [u8; MAX_FRAME]) -> Option<usize>;
    /// Whether a frame (of the longest kind the offloads allow) can be
    /// sent now.
    fn can_send(&mut self) -> bool;
    /// Sends a frame (the link copies it).
    fn send(&mut self, frame: &[u8], meta: TxMeta);
    /// What the link does on the way out (read once, when the device is
    /// made).
    fn offloads(&self) -> Offloads {
        Offloads::default()
    }
}

/// Where a TCP/IPv4 frame's checksum field is, and its pseudo-header sum.
fn tcp_pseudo_header(frame: &[u8]) -> Option<(usize, u16)> {
    let ihl = tcp_ipv4_header_len(frame)?;
    let ip = &frame[ETH_HEADER..];
    let tcp_len = u32::try_from(ip.len() - ihl).ok()?;
    let src = smoltcp::wire::Ipv4Address::from(<[u8; 4]>::try_from(&ip[12..16]).ok()?);
    let dst = smoltcp::wire::Ipv4Address::from(<[u8; 4]>::try_from(&ip[16..20]).ok()?);
    let sum = checksum::pseudo_header_v4(&src, &dst, smoltcp::wire::IpProtocol::Tcp, tcp_len);
    Some((ETH_HEADER + ihl + 16, sum))
}

/// Prepares a frame smoltcp built for the link: with TCP checksums
/// offloaded, a TCP/IPv4 frame gets its pseudo-header sum and is marked.
fn finish(frame: &mut [u8], offloads: Offloads, gso_size: Option<NonZeroU16>) -> TxMeta {
    if !offloads.tcp_csum {
        return TxMeta::default();
    }
    match tcp_pseudo_header(frame) {
        Some((at, sum)) => {
            frame[at..at + 2].copy_from_slice(&sum.to_be_bytes());
            TxMeta {
                csum_blank: true,
                gso_size: gso_size.filter(|_| offloads.tcp_segmentation),
            }
        }
        None => TxMeta::default(),
    }
}

/// A smoltcp device over a link. Received frames pass the filter first.
pub struct Device<L: Link> {
    pub link: L,
    rx: [u8; MAX_FRAME],
    /// Where smoltcp builds each frame it sends (as long as the longest).
    tx: alloc::vec::Vec<u8>,
    offloads: Offloads,
    /// Frames the filter dropped, by reason.
    pub drops: super::filter::Drops,
}

impl<L: Link> Device<L> {
    pub fn new(link: L) -> Self {
        let mut offloads = link.offloads();
        // Segments need their checksums completed at the other end.
        offloads.tcp_segmentation &= offloads.tcp_csum;
        let max = if offloads.tcp_segmentation {
            MAX_GSO_PACKET
        } else {
            MAX_FRAME
        };
        Device {
            link,
            rx: [0; MAX_FRAME],
            tx: alloc::vec![0; max],
            offloads,
            drops: Default::default(),
        }
    }
}

pub struct RxToken<'a>(&'a [u8]);

pub struct TxToken<'a, L: Link> {
    link: &'a mut L,
    buf: &'a mut [u8],
    offloads: Offloads,
    gso_size: Option<NonZeroU16>,
}

impl phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl<L: Link> phy::TxToken for TxToken<'_, L> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let len = len.min(self.buf.len());
        let frame = &mut self.buf[..len];
        frame.fill(0);
        let r = f(frame);
        let meta = finish(frame, self.offloads, self.gso_size);
        self.link.send(frame, meta);
        r
    }

    fn set_meta(&mut self, meta: PacketMeta) {
        self.gso_size = meta.segmentation_offload_size;
    }
}

impl<L: Link> Device<L> {
    fn tx_token(&mut self) -> TxToken<'_, L> {
        TxToken {
            link: &mut self.link,
            buf: &mut self.tx,
            offloads: self.offloads,
            gso_size: None,
        }
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
                Ok(()) => {
                    let tx = TxToken {
                        link: &mut self.link,
                        buf: &mut self.tx,
                        offloads: self.offloads,
                        gso_size: None,
                    };
                    return Some((RxToken(&self.rx[..len]), tx));
                }
                Err(why) => self.drops.count(why),
            }
        }
        None
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_, L>> {
        if self.link.can_send() {
            Some(self.tx_token())
        } else {
            None
        }
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MAX_FRAME;
        caps.max_burst_size = None;
        // smoltcp checks every checksum that comes in (the backend hands
        // over none blank) and computes those that go out, but TCP's when
        // the link completes them.
        let mut csum = ChecksumCapabilities::default();
        csum.ipv4 = Checksum::Both;
        csum.tcp = if self.offloads.tcp_csum {
            Checksum::Rx
        } else {
            Checksum::Both
        };
        csum.udp = Checksum::Both;
        csum.icmpv4 = Checksum::Both;
        caps.checksum = csum;
        if self.offloads.tcp_segmentation {
            caps.segmentation.tcpv4 = core::num::NonZeroUsize::new(MAX_GSO_PACKET);
        }
        caps
    }
}

#[cfg(test)]
mod tests;
