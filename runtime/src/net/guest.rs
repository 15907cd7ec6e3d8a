//! The guest's network: the first vif found in xenstore, brought up with
//! netfront over the xenbus handshake, smoltcp on top, an address, and a
//! poll the scheduler runs on every pass.
use super::config::{self, Asked};
use super::device::{Link, Offloads, TxMeta, MAX_FRAME};
use super::stack::Stack;
use crate::drivers::netfront::{Counts, NetFront, PageSource, TxOffload};
use crate::drivers::xenbus::{self, Device, State, Store};
use crate::xen::hypercall;
use crate::xen::shared_page::SharedPage;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::dhcpv4;

/// How long each step of the handshake may take.
const HANDSHAKE_TIMEOUT_NS: u64 = 10_000_000_000;
/// How long DHCP may take before the interface is said to have no address.
const DHCP_TIMEOUT_NS: u64 = 30_000_000_000;

/// Set by the vif's event handler: the backend answered.
static EVENT: AtomicBool = AtomicBool::new(false);

struct Pages;

impl PageSource for Pages {
    fn page(&mut self) -> Option<(SharedPage, u64)> {
        crate::mm::shared::alloc().ok()
    }
}

/// netfront as smoltcp's link; notifies the backend when a ring says so.
/// After the backend went away the link is down: nothing comes in and
/// nothing goes out, and the device's counts stay for the stats.
pub struct GuestLink {
    front: Option<NetFront>,
    port: u32,
    counts: Counts,
    offloads: Offloads,
}

impl GuestLink {
    fn notify(&self, needed: bool) {
        if needed {
            let _ = hypercall::evtchn_send(self.port);
        }
    }

    /// The device's counts (the last ones, once it is gone).
    fn counts(&self) -> Counts {
        self.front.as_ref().map_or(self.counts, |f| f.counts)
    }
}

impl Link for GuestLink {
    fn receive(&mut self, buf: &mut [u8; MAX_FRAME]) -> Option<usize> {
        let front = self.front.as_mut()?;
        let mut len = None;
        let notify = front.receive(1, |f| {
            buf[..f.len()].copy_from_slice(f);
            len = Some(f.len());
        });
        self.notify(notify);
        len
    }
    fn can_send(&mut self) -> bool {
        self.front.as_mut().is_some_and(NetFront::can_send)
    }
    fn send(&mut self, frame: &[u8], meta: TxMeta) {
        let Some(front) = self.front.as_mut() else {
            return;
        };
        let off = TxOffload {
            csum_blank: meta.csum_blank,
            gso_size: meta.gso_size,
        };
        if let Ok(notify) = front.send_packet(frame, off) {
            self.notify(notify);
        }
    }
    fn offloads(&self) -> Offloads {
        self.offloads
    }
}

/// Bytes the frame allocator can still hand out, its reserve left out:
/// what new connections' default send buffers are sized from.
fn free_memory() -> usize {
    let (_, free) = crate::mm::frame_counts();
    let frames = free.saturating_sub(crate::mm::reserve());
    (frames as usize).saturating_mul(crate::mm::pte::PAGE_SIZE as usize)
}

/// The interface and what keeps it configured.
pub struct Net {
    pub name: String,
    pub stack: Stack<GuestLink>,
    dhcp: Option<(SocketHandle, u64)>,
    device: Device,
}

static NET: spin::Mutex<Option<Net>> = spin::Mutex::new(None);

/// Runs `f` on the interface; `None` if the domain has no network.
pub fn with<R>(f: impl FnOnce(&mut Net) -> R) -> Option<R> {
    NET.lock().as_mut().map(f)
}

/// Why the network could not come up.
#[derive(Debug)]
enum UpError {
    Xenbus(xenbus::XenbusError),
    Setup(String),
}

impl core::fmt::Display for UpError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Xenbus(e) => write!(f, "{e}"),
            Self::Setup(s) => f.write_str(s),
        }
    }
}

impl From<xenbus::XenbusError> for UpError {
    fn from(e: xenbus::XenbusError) -> Self {
        UpError::Xenbus(e)
    }
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = s.trim().split(':');
    for b in &mut mac {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

fn mac_string(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// Brings up the first vif, if the domain has one; `options` is the
/// command line's `uk.ip`/`uk.gw`. Problems are said, and the domain runs
/// on without a network.
pub fn init(ip: Option<&str>, gw: Option<&str>, tx_offload: Option<&str>) {
    let offloads = Offloads::from_option(tx_offload).unwrap_or_else(|e| {
        crate::println!("ukrt: net: {e}");
        Offloads::ALL
    });
    let asked = match config::from_options(ip, gw) {
        Ok(a) => a,
        Err(e) => {
            crate::println!("ukrt: net: {e}; ignored");
            Asked::Nothing
        }
    };
    let found = crate::xen::store::with(|s| xenbus::discover(s, "vif"));
    let dev = match found {
        None => return,
        Some(Err(e)) => return crate::println!("ukrt: net: {e}"),
        Some(Ok(devs)) => match devs.into_iter().next() {
            Some(d) => d,
            None => return,
        },
    };
    match crate::xen::store::with(|s| up(s, dev.clone(), asked, offloads)) {
        Some(Ok(net)) => *NET.lock() = Some(net),
        // xenbus's errors name the device already.
        Some(Err(UpError::Xenbus(e))) => crate::println!("ukrt: net: {e}"),
        Some(Err(UpError::Setup(e))) => crate::println!("ukrt: net: {}: {e}", dev.name),
        None => {}
    }
}

fn up(
    store: &mut impl Store,
    dev: Device,
    asked: Asked,
    mut offloads: Offloads,
) -> Result<Net, UpError> {
    let setup = |e: &dyn core::fmt::Display| UpError::Setup(format!("{e}"));
    let mut front = crate::xen::grant_table::with(|g| NetFront::new(&mut Pages, g, dev.backend_id))
        .map_err(|e| setup(&e))?
        .map_err(|e| setup(&e))?;
    let port = hypercall::evtchn_alloc_unbound(dev.backend_id).map_err(|e| setup(&e))?;
    fn event(_port: u32) {
        EVENT.store(true, Relaxed);
    }
    crate::xen::events::bind(port, event);
    let (tx, rx) = front.ring_refs();
    let keys = vec![
        ("tx-ring-ref", format!("{tx}")),
        ("rx-ring-ref", format!("{rx}")),
        ("event-channel", format!("{port}")),
        // The backend copies into our granted pages.
        ("request-rx-copy", "1".into()),
        ("feature-rx-notify", "1".into()),
        // These three are about what the backend sends us: smoltcp checks
        // every checksum, so none may come blank, and a received packet
        // is one frame of one slot. What we send is the backend's keys'
        // business (below).
        ("feature-no-csum-offload", "1".into()),
        ("feature-sg", "0".into()),
        ("feature-gso-tcpv4", "0".into()),
    ];
    dev.connect(store, &keys, State::Connected, HANDSHAKE_TIMEOUT_NS)?;
    dev.follow_backend(store)?;
    // Packets of several slots and TCP segmentation: only if the backend
    // takes both (Linux's netback always does; others may not). TCP
    // checksums left blank are part of the base protocol, but alone they
    // measured no faster than full ones (docs/bench-net.md): without
    // segmentation, `tso` asks for neither.
    let mut offered = |key| dev.backend_key(store, key).is_ok_and(|v| v.trim() == "1");
    let gso = offered("feature-sg") && offered("feature-gso-tcpv4");
    if offloads.tcp_segmentation && !gso {
        offloads = Offloads::default();
    }
    if offloads.tcp_segmentation {
        front.enable_gso();
    }
    let mac_text = dev.key(store, "mac").map_err(|e| setup(&e))?;
    let mac = parse_mac(&mac_text).ok_or_else(|| setup(&format!("bad mac {mac_text:?}")))?;
    let now = crate::time::now_ns();
    let seed = crate::arch::rdtsc()
        ^ u64::from_le_bytes([mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], 0, 0]);
    let link = GuestLink {
        front: Some(front),
        port,
        counts: Counts::default(),
        offloads,
    };
    let mut stack = Stack::new(link, mac, seed, now);
    stack.sockets.set_free_memory(free_memory);
    let address = match asked {
        Asked::Static(s) => Some(s),
        Asked::Dhcp => None,
        Asked::Nothing => dev
            .backend_key(store, "ip")
            .ok()
            .and_then(|v| config::from_xl(&v).ok()),
    };
    let mut dhcp = None;
    match address {
        Some(s) => {
            stack.set_address(s.cidr, s.gateway);
            crate::println!(
                "ukrt: net: {} up mac={} ip={}",
                dev.name,
                mac_string(mac),
                s.cidr
            );
        }
        None => {
            let handle = stack.sockets.set.add(dhcpv4::Socket::new());
            dhcp = Some((handle, now + DHCP_TIMEOUT_NS));
            crate::println!(
                "ukrt: net: {} up mac={}, asking DHCP for an address",
                dev.name,
                mac_string(mac)
            );
        }
    }
    Ok(Net {
        name: dev.name.clone(),
        stack,
        dhcp,
        device: dev,
    })
}

impl Net {
    /// Applies what DHCP says, and gives up saying so when it takes too
    /// long.
    fn dhcp(&mut self, now: u64) {
        let Some((handle, deadline)) = self.dhcp else {
            return;
        };
        let event = self
            .stack
            .sockets
            .set
            .get_mut::<dhcpv4::Socket>(handle)
            .poll()
            .map(|e| match e {
                dhcpv4::Event::Configured(c) => Some((c.address, c.router)),
                dhcpv4::Event::Deconfigured => None,
            });
        match event {
            Some(Some((address, router))) => {
                self.stack.set_address(address, router);
                crate::println!("ukrt: net: {} ip={} (DHCP)", self.name, address);
                self.dhcp = Some((handle, u64::MAX));
            }
            Some(None) => {
                crate::println!("ukrt: net: {}: DHCP lease lost", self.name);
            }
            None if now >= deadline => {
                crate::println!(
                    "ukrt: net: {}: no DHCP lease after {} s; still asking",
                    self.name,
                    DHCP_TIMEOUT_NS / 1_000_000_000
                );
                self.dhcp = Some((handle, u64::MAX));
            }
            None => {}
        }
    }

    /// Closes the device at shutdown (bounded).
    pub fn close(&mut self) {
        if self.stack.device.link.front.is_none() {
            return; // detached already
        }
        let dev = self.device.clone();
        let closed = crate::xen::store::with(|s| {
            dev.unfollow_backend(s);
            dev.close(s, 2_000_000_000)
        });
        if let Some(Err(e)) = closed {
            crate::println!("ukrt: net: {e}");
        }
    }
}

/// Runs the interface (frames in and out, timers, DHCP); returns whether
/// anything happened that a waiting socket may care about.
pub fn poll() -> bool {
    let event = EVENT.swap(false, Relaxed);
    let Some((changed, token)) = with(|n| {
        let now = crate::time::now_ns();
        let changed = n.stack.poll(now);
        n.dhcp(now);
        (changed || event, n.device.state_token())
    }) else {
        return false;
    };
    let backend_moved = crate::xen::store::with(|s| !s.take_events(&token).is_empty());
    if backend_moved == Some(true) && backend_gone() {
        detach();
        return true;
    }
    changed
}

/// Whether the backend is closing or gone (`xl network-detach`, or the
/// backend domain went away).
fn backend_gone() -> bool {
    let dev = with(|n| n.device.clone());
    let state = dev.and_then(|d| crate::xen::store::with(|s| d.backend_state(s)));
    !matches!(state, Some(Ok(s)) if !s.is_closing())
}

/// The backend went away: close our side, give the grants back, and take
/// the link down. Connections end with `ENETDOWN` (threads blocked on
/// them wake and get it), sending and connecting fail with it, listeners
/// and UDP sockets stay open and quiet; the domain runs on.
fn detach() {
    let mut guard = NET.lock();
    let Some(net) = guard.as_mut() else {
        return;
    };
    let Some(front) = net.stack.device.link.front.take() else {
        return;
    };
    crate::println!(
        "ukrt: net: {}: the backend went away; the network is down",
        net.name
    );
    net.stack.sockets.network_down();
    let link = &mut net.stack.device.link;
    link.counts = front.counts;
    crate::xen::events::unbind(link.port);
    let _ = hypercall::evtchn_close(link.port);
    let dev = net.device.clone();
    let name = net.name.clone();
    drop(guard);
    crate::xen::store::with(|s| {
        dev.unfollow_backend(s);
        if let Err(e) = dev.close(s, 2_000_000_000) {
            crate::println!("ukrt: net: {e}");
        }
    });
    if let Ok(leaked) = crate::xen::grant_table::with(|g| front.release(g)) {
        if leaked > 0 {
            crate::println!(
                "ukrt: net: {name}: {leaked} pages still mapped by the backend are kept"
            );
        }
    }
}

/// Whether frames are waiting that `poll` has not taken (checked just
/// before the vCPU would block, after asking the backend for a
/// notification, so none is missed).
pub fn pending() -> bool {
    with(|n| {
        n.stack
            .device
            .link
            .front
            .as_mut()
            .is_some_and(NetFront::final_check)
    })
    .unwrap_or(false)
}

/// When `poll` must run by itself next (smoltcp's timers).
pub fn next_deadline() -> Option<u64> {
    with(|n| n.stack.next_poll_ns(crate::time::now_ns())).flatten()
}

/// How long shutdown waits for closed connections to finish (their FIN
/// sent and acknowledged) before the device goes.
const DRAIN_NS: u64 = 1_000_000_000;

/// At shutdown, once the apps are done: lets the connections they closed
/// finish (bounded), says how that went if any were still closing, and
/// closes the device.
pub fn shutdown() {
    let Some(closing) = with(|n| n.stack.sockets.unfinished()) else {
        return;
    };
    let deadline = crate::time::now_ns() + DRAIN_NS;
    let mut left = closing;
    while left > 0 {
        let now = crate::time::now_ns();
        left = with(|n| {
            EVENT.store(false, Relaxed);
            n.stack.poll(now);
            n.stack.sockets.unfinished()
        })
        .unwrap_or(0);
        if left == 0 || now >= deadline {
            break;
        }
        let _ = hypercall::set_timer(deadline.min(now + 10_000_000));
        crate::xen::events::block();
    }
    if closing > 0 {
        let name = with(|n| n.name.clone()).unwrap_or_default();
        crate::println!(
            "ukrt: net: {name}: {closing} connections closing at shutdown: {} finished, {left} cut off",
            closing - left
        );
    }
    with(Net::close);
}

/// The devices' figures for the stats line; never waits.
pub fn device_stats() -> crate::stats::DeviceStats {
    let (c, drops) = NET
        .try_lock()
        .and_then(|n| {
            n.as_ref()
                .map(|n| (n.stack.device.link.counts(), n.stack.device.drops))
        })
        .unwrap_or_default();
    crate::stats::DeviceStats {
        grants: crate::xen::grant_table::active() as u64,
        rx_packets: c.rx_packets,
        tx_packets: c.tx_packets,
        rx_dropped: c.rx_dropped,
        net_protocol_errors: c.protocol_errors,
        rx_malformed: drops.malformed(),
        tx_gso_packets: c.tx_gso_packets,
        tx_segments: c.tx_segments,
    }
}
