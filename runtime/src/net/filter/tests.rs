//! The filter on frames built here, good and then broken one field at a time.
use super::*;
use smoltcp::wire::{EthernetAddress, Ipv4Address};

const SRC: Ipv4Address = Ipv4Address::new(198, 18, 0, 1);
const DST: Ipv4Address = Ipv4Address::new(198, 18, 0, 2);

/// An Ethernet frame carrying an IPv4 packet of `proto` with a transport
/// header of `l4_len` bytes and `payload`, every checksum right.
fn frame(proto: IpProtocol, l4_len: usize, payload: &[u8]) -> Vec<u8> {
    let ip_len = 20 + l4_len + payload.len();
    let mut buf = vec![0u8; 14 + ip_len];
    let mut eth = EthernetFrame::new_unchecked(&mut buf[..]);
    eth.set_dst_addr(EthernetAddress([2, 0, 0, 0, 0, 2]));
    eth.set_src_addr(EthernetAddress([2, 0, 0, 0, 0, 1]));
    eth.set_ethertype(EthernetProtocol::Ipv4);
    let mut ip = Ipv4Packet::new_unchecked(&mut buf[14..]);
    ip.set_version(4);
    ip.set_header_len(20);
    ip.set_total_len(ip_len as u16);
    ip.set_hop_limit(64);
    ip.set_next_header(proto);
    ip.set_src_addr(SRC);
    ip.set_dst_addr(DST);
    ip.fill_checksum();
    let l4 = &mut buf[34..];
    l4[l4_len..].copy_from_slice(payload);
    let (src, dst) = (IpAddress::Ipv4(SRC), IpAddress::Ipv4(DST));
    match proto {
        IpProtocol::Tcp => {
            let mut t = TcpPacket::new_unchecked(&mut l4[..]);
            t.set_src_port(40000);
            t.set_dst_port(80);
            t.set_header_len(20);
            t.set_syn(true);
            t.set_window_len(1000);
            t.fill_checksum(&src, &dst);
        }
        IpProtocol::Udp => {
            let mut u = UdpPacket::new_unchecked(&mut l4[..]);
            u.set_src_port(40000);
            u.set_dst_port(7);
            u.set_len((8 + payload.len()) as u16);
            u.fill_checksum(&src, &dst);
        }
        IpProtocol::Icmp => {
            let mut i = Icmpv4Packet::new_unchecked(&mut l4[..]);
            i.set_msg_type(smoltcp::wire::Icmpv4Message::EchoRequest);
            i.fill_checksum();
        }
        _ => {}
    }
    buf
}

fn tcp() -> Vec<u8> {
    frame(IpProtocol::Tcp, 20, b"hello")
}

#[test]
fn good_frames_pass() {
    assert_eq!(check(&tcp()), Ok(()));
    assert_eq!(check(&frame(IpProtocol::Udp, 8, b"datagram")), Ok(()));
    assert_eq!(check(&frame(IpProtocol::Icmp, 8, b"ping")), Ok(()));
    let mut udp = frame(IpProtocol::Udp, 8, b"no checksum");
    udp[34 + 6..34 + 8].fill(0); // "no checksum" is allowed over IPv4
    assert_eq!(check(&udp), Ok(()));
}

#[test]
fn each_broken_field_is_dropped_for_its_reason() {
    use Malformed::*;
    let cases: Vec<(&str, Vec<u8>, Malformed)> = vec![
        ("a runt", tcp()[..10].to_vec(), Truncated),
        ("half an IP header", tcp()[..14 + 12].to_vec(), Truncated),
        (
            "IP version 6 in an IPv4 frame",
            {
                let mut f = tcp();
                f[14] = 0x65;
                f
            },
            BadIpHeader,
        ),
        (
            "an IP header length of 12",
            {
                let mut f = tcp();
                f[14] = 0x43;
                f
            },
            BadIpHeader,
        ),
        (
            "a total length past the frame",
            {
                let mut f = tcp();
                f[16..18].copy_from_slice(&2000u16.to_be_bytes());
                f
            },
            BadIpHeader,
        ),
        (
            "a wrong IP checksum",
            {
                let mut f = tcp();
                f[24] ^= 0xff;
                f
            },
            BadIpHeader,
        ),
        (
            "a fragment",
            {
                let mut f = tcp();
                let mut ip = Ipv4Packet::new_unchecked(&mut f[14..]);
                ip.set_more_frags(true);
                ip.fill_checksum();
                f
            },
            Fragment,
        ),
        (
            "a wrong TCP checksum",
            {
                let mut f = tcp();
                *f.last_mut().unwrap() ^= 1;
                f
            },
            BadChecksum,
        ),
        (
            "a TCP data offset past the segment",
            {
                let mut f = tcp();
                f[34 + 12] = 0xf0; // 60-byte header in a 25-byte segment
                f
            },
            BadTcpHeader,
        ),
        (
            "a wrong UDP checksum",
            {
                let mut f = frame(IpProtocol::Udp, 8, b"x");
                *f.last_mut().unwrap() ^= 1;
                f
            },
            BadChecksum,
        ),
        (
            "a wrong ICMP checksum",
            {
                let mut f = frame(IpProtocol::Icmp, 8, b"ping");
                *f.last_mut().unwrap() ^= 1;
                f
            },
            BadChecksum,
        ),
        (
            "a short ARP packet",
            {
                let mut f = tcp()[..20].to_vec();
                f[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
                f
            },
            Truncated,
        ),
        (
            "IPv6",
            {
                let mut f = tcp();
                f[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
                f
            },
            Foreign,
        ),
    ];
    let mut drops = Drops::default();
    for (what, f, why) in cases {
        assert_eq!(check(&f), Err(why), "{what}");
        drops.count(why);
    }
    assert_eq!(drops.malformed(), 12, "foreign frames are not malformed");
    assert_eq!(drops.bad_checksum, 3);
}

#[test]
fn random_bytes_never_panic() {
    let mut seed = 0x1234_5678u32;
    let mut rand = || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (seed >> 16) as u8
    };
    let base = tcp();
    for i in 0..20_000 {
        let mut f = base.clone();
        for _ in 0..(1 + i % 4) {
            let at = rand() as usize % f.len();
            f[at] = rand();
        }
        f.truncate(rand() as usize % (f.len() + 1));
        let _ = check(&f);
    }
}
