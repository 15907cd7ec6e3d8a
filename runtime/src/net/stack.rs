//! The interface: smoltcp's `Interface` over a [`Device`], its address,
//! and the sockets; `poll` moves frames between them.
use super::device::{Device, Link};
use super::socket::Sockets;
use smoltcp::iface::{Config, Interface, PollIngressSingleResult, PollResult};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, Ipv4Address, Ipv4Cidr};

/// Frames one `poll` takes in (and egress rounds it runs), so that a
/// flood cannot keep the scheduler from the apps; the rest wait for the
/// next pass, which comes at once (`net::pending`).
pub const FRAMES_PER_POLL: usize = 128;

/// One network interface and the sockets on it.
pub struct Stack<L: Link> {
    pub iface: Interface,
    pub device: Device<L>,
    pub sockets: Sockets,
}

/// smoltcp's time: milliseconds, from the runtime's ns.
pub fn instant(now_ns: u64) -> Instant {
    Instant::from_micros((now_ns / 1000) as i64)
}

impl<L: Link> Stack<L> {
    /// An interface with hardware address `mac` and no IP address yet;
    /// `seed` randomises initial sequence numbers and ports.
    pub fn new(link: L, mac: [u8; 6], seed: u64, now_ns: u64) -> Self {
        let mut device = Device::new(link);
        let mut config = Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
        config.random_seed = seed;
        let iface = Interface::new(config, &mut device, instant(now_ns));
        Stack {
            iface,
            device,
            sockets: Sockets::new(),
        }
    }

    /// Sets the address (and the default route through `gateway`).
    pub fn set_address(&mut self, cidr: Ipv4Cidr, gateway: Option<Ipv4Address>) {
        self.iface.update_ip_addrs(|addrs| {
            addrs.clear();
            let _ = addrs.push(IpCidr::Ipv4(cidr));
        });
        let routes = self.iface.routes_mut();
        routes.remove_default_ipv4_route();
        if let Some(g) = gateway {
            let _ = routes.add_default_ipv4_route(g);
        }
    }

    /// Moves frames in and out and runs the sockets' timers; returns
    /// whether anything happened. Takes at most [`FRAMES_PER_POLL`] frames
    /// in, re-arming listeners after each one that moved a socket.
    pub fn poll(&mut self, now_ns: u64) -> bool {
        let now = instant(now_ns);
        self.iface.poll_maintenance(now);
        let mut changed = false;
        for _ in 0..FRAMES_PER_POLL {
            let set = &mut self.sockets.set;
            match self.iface.poll_ingress_single(now, &mut self.device, set) {
                PollIngressSingleResult::None => break,
                PollIngressSingleResult::PacketProcessed => {}
                PollIngressSingleResult::SocketStateChanged => {
                    changed = true;
                    self.sockets.arm_listeners();
                }
            }
        }
        for _ in 0..FRAMES_PER_POLL {
            match self
                .iface
                .poll_egress(now, &mut self.device, &mut self.sockets.set)
            {
                PollResult::None => break,
                PollResult::SocketStateChanged => changed = true,
            }
        }
        self.sockets.reap();
        changed
    }

    /// When `poll` must run again at the latest (ns), if a timer is due.
    pub fn next_poll_ns(&mut self, now_ns: u64) -> Option<u64> {
        self.iface
            .poll_delay(instant(now_ns), &self.sockets.set)
            .map(|d| now_ns + d.total_micros() * 1000)
    }
}
