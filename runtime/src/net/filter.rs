//! A first look at every received frame: anything malformed is dropped and
//! counted by reason before smoltcp sees it (smoltcp would drop it too, but
//! silently; a counter says an attack or a broken peer is there).
//!
//! The checks are the wire format's own, through smoltcp's checked packet
//! views: lengths that fit, IPv4 header and checksum, TCP/UDP/ICMP
//! checksums, TCP header lengths. IP fragments are refused: the stack does
//! not reassemble them (nothing we talk to sends them at MTU 1500).
use smoltcp::wire::{
    ArpPacket, EthernetFrame, EthernetProtocol, Icmpv4Packet, IpAddress, IpProtocol, Ipv4Packet,
    TcpPacket, UdpPacket,
};

/// Why a frame was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Shorter than its headers or lengths say.
    Truncated,
    /// An IPv4 header with a bad version, header length or checksum.
    BadIpHeader,
    /// A fragment (more-fragments set, or a non-zero offset).
    Fragment,
    /// A TCP, UDP or ICMP packet whose checksum does not match.
    BadChecksum,
    /// A TCP header length outside the segment.
    BadTcpHeader,
    /// An EtherType the stack does not speak (IPv6, VLAN tags...): not
    /// malformed, just not ours.
    Foreign,
}

/// Drop counts by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drops {
    pub truncated: u64,
    pub bad_ip_header: u64,
    pub fragment: u64,
    pub bad_checksum: u64,
    pub bad_tcp_header: u64,
    pub foreign: u64,
}

impl Drops {
    pub fn count(&mut self, why: Malformed) {
        let c = match why {
            Malformed::Truncated => &mut self.truncated,
            Malformed::BadIpHeader => &mut self.bad_ip_header,
            Malformed::Fragment => &mut self.fragment,
            Malformed::BadChecksum => &mut self.bad_checksum,
            Malformed::BadTcpHeader => &mut self.bad_tcp_header,
            Malformed::Foreign => &mut self.foreign,
        };
        *c += 1;
    }

    /// Frames dropped as malformed (foreign ones are not malformed).
    pub fn malformed(&self) -> u64 {
        self.truncated
            + self.bad_ip_header
            + self.fragment
            + self.bad_checksum
            + self.bad_tcp_header
    }
}

/// Checks one Ethernet frame.
pub fn check(frame: &[u8]) -> Result<(), Malformed> {
    let eth = EthernetFrame::new_checked(frame).map_err(|_| Malformed::Truncated)?;
    match eth.ethertype() {
        EthernetProtocol::Arp => ArpPacket::new_checked(eth.payload())
            .map(|_| ())
            .map_err(|_| Malformed::Truncated),
        EthernetProtocol::Ipv4 => ipv4(eth.payload()),
        _ => Err(Malformed::Foreign),
    }
}

fn ipv4(bytes: &[u8]) -> Result<(), Malformed> {
    let ip = Ipv4Packet::new_checked(bytes).map_err(|e| {
        // new_checked refuses a too-short buffer and a header length or
        // total length that does not fit; tell the two apart.
        let _ = e;
        if bytes.len() < 20 {
            Malformed::Truncated
        } else {
            Malformed::BadIpHeader
        }
    })?;
    if ip.version() != 4 || !ip.verify_checksum() {
        return Err(Malformed::BadIpHeader);
    }
    if ip.more_frags() || ip.frag_offset() != 0 {
        return Err(Malformed::Fragment);
    }
    let (src, dst) = (
        IpAddress::Ipv4(ip.src_addr()),
        IpAddress::Ipv4(ip.dst_addr()),
    );
    let payload = ip.payload();
    match ip.next_header() {
        IpProtocol::Tcp => {
            let tcp = TcpPacket::new_checked(payload).map_err(|_| Malformed::BadTcpHeader)?;
            if !tcp.verify_checksum(&src, &dst) {
                return Err(Malformed::BadChecksum);
            }
        }
        IpProtocol::Udp => {
            let udp = UdpPacket::new_checked(payload).map_err(|_| Malformed::Truncated)?;
            // A zero UDP checksum means "none" over IPv4.
            if udp.checksum() != 0 && !udp.verify_checksum(&src, &dst) {
                return Err(Malformed::BadChecksum);
            }
        }
        IpProtocol::Icmp => {
            let icmp = Icmpv4Packet::new_checked(payload).map_err(|_| Malformed::Truncated)?;
            if !icmp.verify_checksum() {
                return Err(Malformed::BadChecksum);
            }
        }
        // Other protocols: smoltcp answers with ICMP protocol-unreachable.
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
