//! BSD sockets over smoltcp: what `socket`, `bind`, `listen`, `accept`,
//! `connect`, `send`, `recv`, `close`, `shutdown`, the socket options and
//! `poll` mean, as a Linux programmer expects them.
//!
//! Every call here returns at once: where Linux would block, it returns
//! `EAGAIN`, and the caller (the runtime's exports) waits for the network
//! and tries again, bounded by the socket's timeouts. Sockets belong to an
//! app (its number) and have a number of their own ([`Sock`]); the app's
//! descriptor table (`crate::fdtable`) maps its descriptors to them.
//! Several apps share the one interface, each binding its own ports.
//!
//! smoltcp's TCP sockets accept one connection each, by becoming it: a
//! listening socket here is a few smoltcp sockets listening on the port
//! and the connections they became that nobody accepted yet (its
//! backlog). Between received frames the stack arms fresh listeners
//! ([`Sockets::arm_listeners`]), so a burst of SYNs finds one each while
//! only connections cost their buffers; `accept` hands one out.
use crate::errno::Errno;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use smoltcp::iface::{Interface, SocketHandle, SocketSet};
use smoltcp::socket::{tcp, udp};
use smoltcp::time::Duration;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint, Ipv4Address};

/// Which app a socket belongs to (its slot).
pub type App = u32;
/// A socket's number among its app's sockets (not a descriptor).
pub type Sock = i32;

/// The first socket number.
pub const FIRST_SOCK: Sock = 3;
/// Sockets an app may have open.
pub const MAX_SOCKETS: usize = 1024;
/// The most connections a listener queues unaccepted (Linux's
/// `SOMAXCONN`); each costs its buffers.
pub const MAX_BACKLOG: usize = 4096;
/// smoltcp sockets kept listening on a listener's port for the next SYN;
/// more are armed between frames.
pub const ARMED: usize = 2;
/// A new TCP socket's receive buffer (`SO_RCVBUF`), unless the app set one.
pub const TCP_RECV_BUFFER: usize = 64 * 1024;
/// A new TCP socket's send buffer (`SO_SNDBUF`) when the app set none is
/// sized from the memory free at the time ([`send_buffer_for`]): the
/// largest power of two at most a [`SEND_SHARE`]th of it, between these.
pub const TCP_SEND_MIN: usize = 16 * 1024;
pub const TCP_SEND_MAX: usize = 512 * 1024;
pub const SEND_SHARE: usize = 64;
/// The send buffer when no memory figure is known (host tests).
pub const TCP_SEND_UNKNOWN: usize = 64 * 1024;
/// What `SO_RCVBUF` and `SO_SNDBUF` may ask for.
pub const BUFFER_LIMITS: core::ops::RangeInclusive<usize> = 4096..=1024 * 1024;
/// Datagrams and bytes a UDP socket queues each way.
pub const UDP_PACKETS: usize = 64;
pub const UDP_BUFFER: usize = 64 * 1024;
/// The ports `bind(0)` and `connect` pick from (Linux's default range).
pub const EPHEMERAL: core::ops::RangeInclusive<u16> = 32768..=60999;

/// `socket`'s types and options (Linux's numbers).
pub const AF_INET: i32 = 2;
pub const SOCK_STREAM: i32 = 1;
pub const SOCK_DGRAM: i32 = 2;
pub const SOCK_NONBLOCK: i32 = 0o4000;
pub const SOCK_CLOEXEC: i32 = 0o2000000;
pub const IPPROTO_TCP: i32 = 6;
pub const IPPROTO_UDP: i32 = 17;

/// What `shutdown` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    Read,
    Write,
    Both,
}

/// Readiness, as `poll` reports it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ready {
    /// `recv` or `accept` would not block (data, a connection, or EOF).
    pub readable: bool,
    /// `send` would not block.
    pub writable: bool,
    /// An error is pending (`SO_ERROR`).
    pub error: bool,
    /// The connection is closed both ways.
    pub hangup: bool,
}

/// Socket options with a value the layer keeps.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub nonblocking: bool,
    pub reuse_addr: bool,
    pub nodelay: bool,
    pub keepalive: bool,
    /// `SO_RCVTIMEO` / `SO_SNDTIMEO` in ns (0: wait forever).
    pub recv_timeout_ns: u64,
    pub send_timeout_ns: u64,
    /// `SO_RCVBUF` / `SO_SNDBUF` as the app set them (within
    /// [`BUFFER_LIMITS`]); `None`: the defaults, decided when the
    /// connection's smoltcp socket is made ([`Sizes`]).
    pub recv_buffer: Option<usize>,
    pub send_buffer: Option<usize>,
}

/// The send buffer of a TCP socket made when `free` bytes of memory are
/// free and the app asked for no size: a [`SEND_SHARE`]th of `free`,
/// rounded down to a power of two, within [`TCP_SEND_MIN`] and
/// [`TCP_SEND_MAX`]. Each connection thus takes a share of what is left,
/// so buffers shrink as memory fills and memory is never promised twice.
pub fn send_buffer_for(free: usize) -> usize {
    let share = free / SEND_SHARE;
    let pow2 = if share == 0 {
        0
    } else {
        1usize << (usize::BITS - 1 - share.leading_zeros())
    };
    pow2.clamp(TCP_SEND_MIN, TCP_SEND_MAX)
}

/// The buffer sizes of the smoltcp sockets made now: the app's, or the
/// defaults for the memory free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub recv: usize,
    pub send: usize,
}

impl Sizes {
    fn tcp(opts: &Options, free: Option<usize>) -> Self {
        Sizes {
            recv: opts.recv_buffer.unwrap_or(TCP_RECV_BUFFER),
            send: opts
                .send_buffer
                .unwrap_or_else(|| free.map_or(TCP_SEND_UNKNOWN, send_buffer_for)),
        }
    }

    fn udp(opts: &Options) -> Self {
        Sizes {
            recv: opts.recv_buffer.unwrap_or(UDP_BUFFER),
            send: opts.send_buffer.unwrap_or(UDP_BUFFER),
        }
    }
}

#[derive(Debug)]
enum Kind {
    /// `socket(SOCK_STREAM)`, perhaps bound; not yet connected or listening.
    Tcp { local: Option<IpListenEndpoint> },
    Listener {
        local: IpListenEndpoint,
        /// smoltcp sockets listening (or already connected, not accepted).
        backlog: Vec<SocketHandle>,
        /// The most unaccepted connections (`listen`'s backlog).
        limit: usize,
    },
    Stream {
        handle: SocketHandle,
        /// connect() sent a SYN and no answer came yet.
        connecting: bool,
        /// An error to report once (`SO_ERROR`, then the next call).
        error: Option<Errno>,
        /// The app shut its sending side down.
        shut_write: bool,
        /// The app shut its receiving side down.
        shut_read: bool,
    },
    Udp {
        handle: SocketHandle,
        peer: Option<IpEndpoint>,
    },
}

#[derive(Debug)]
struct Entry {
    kind: Kind,
    options: Options,
}

/// The interface's sockets, every app's.
pub struct Sockets {
    pub set: SocketSet<'static>,
    entries: BTreeMap<(App, Sock), Entry>,
    /// Closed streams smoltcp still finishes (FIN, TIME-WAIT); freed by
    /// `reap` once done.
    closing: Vec<SocketHandle>,
    next_port: u16,
    /// The link went away ([`Self::network_down`]).
    down: bool,
    /// Protocol errors and refusals worth counting (for the stats line).
    pub counts: Counts,
    /// The memory free for buffers now, in bytes; `None`: no figure.
    free_memory: Option<fn() -> usize>,
    /// The most bytes the TCP sockets' buffers have held at once: the
    /// heap grew to hold them and does not give frames back, so what
    /// closed sockets freed is free heap, not free frames.
    peak_held: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub opened: u64,
    pub accepted: u64,
    pub refused: u64,
    pub resets: u64,
    /// Sockets a listener could not arm for want of memory.
    pub no_memory: u64,
}

/// `n` zeroed bytes, or `ENOBUFS` when memory is short: a busy server
/// gets an error to handle, not a runtime that stops.
fn zeroed<T: Clone>(n: usize, zero: T) -> Result<Vec<T>, Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| Errno::ENOBUFS)?;
    v.resize(n, zero);
    Ok(v)
}

fn tcp_socket(opts: &Options, sizes: Sizes) -> Result<tcp::Socket<'static>, Errno> {
    let rx = tcp::SocketBuffer::new(zeroed(sizes.recv, 0u8)?);
    let tx = tcp::SocketBuffer::new(zeroed(sizes.send, 0u8)?);
    let mut s = tcp::Socket::new(rx, tx);
    s.set_nagle_enabled(!opts.nodelay);
    if opts.keepalive {
        s.set_keep_alive(Some(Duration::from_secs(75)));
    }
    Ok(s)
}

fn udp_socket(sizes: Sizes) -> Result<udp::Socket<'static>, Errno> {
    let buffer = |n| -> Result<_, Errno> {
        Ok(udp::PacketBuffer::new(
            zeroed(UDP_PACKETS, udp::PacketMetadata::EMPTY)?,
            zeroed(n, 0u8)?,
        ))
    };
    Ok(udp::Socket::new(buffer(sizes.recv)?, buffer(sizes.send)?))
}

/// Keeps [`ARMED`] sockets of a listener listening while fewer than
/// `limit` connections wait to be accepted, and forgets connections that
/// were reset before anyone accepted them.
fn arm(
    set: &mut SocketSet<'static>,
    local: IpListenEndpoint,
    backlog: &mut Vec<SocketHandle>,
    limit: usize,
    opts: &Options,
    free: Option<usize>,
) -> Result<(), Errno> {
    backlog.retain(|&h| {
        let closed = set.get::<tcp::Socket>(h).state() == tcp::State::Closed;
        if closed {
            set.remove(h);
        }
        !closed
    });
    let is_listening =
        |set: &SocketSet, h: SocketHandle| set.get::<tcp::Socket>(h).state() == tcp::State::Listen;
    let listening = backlog.iter().filter(|&&h| is_listening(set, h)).count();
    let queued = backlog.len() - listening;
    let want = ARMED.min(limit.saturating_sub(queued));
    // A full queue takes no more: spare listeners go (they hold nothing).
    for _ in want..listening {
        if let Some(i) = backlog.iter().position(|&h| is_listening(set, h)) {
            set.remove(backlog.remove(i));
        }
    }
    for _ in listening..want {
        let mut s = tcp_socket(opts, Sizes::tcp(opts, free))?;
        s.listen(local).map_err(|_| Errno::EINVAL)?;
        backlog.push(set.add(s));
    }
    Ok(())
}

impl Default for Sockets {
    fn default() -> Self {
        Self::new()
    }
}

impl Sockets {
    pub fn new() -> Self {
        Sockets {
            set: SocketSet::new(Vec::new()),
            entries: BTreeMap::new(),
            closing: Vec::new(),
            next_port: *EPHEMERAL.start(),
            down: false,
            counts: Counts::default(),
            free_memory: None,
            peak_held: 0,
        }
    }

    /// Where the default send buffers' memory figure comes from (the
    /// guest: the frame allocator's free frames).
    pub fn set_free_memory(&mut self, free: fn() -> usize) {
        self.free_memory = Some(free);
    }

    /// Bytes the TCP sockets' buffers hold now.
    fn held(&self) -> usize {
        self.set
            .iter()
            .filter_map(|(_, s)| match s {
                smoltcp::socket::Socket::Tcp(t) => Some(t.recv_capacity() + t.send_capacity()),
                _ => None,
            })
            .sum()
    }

    /// The memory new buffers can have: the free frames, plus what the
    /// TCP buffers held at their peak and hold no more (free in the heap).
    fn estimate(&self, held: usize) -> Option<usize> {
        let frames = self.free_memory?();
        Some(frames.saturating_add(self.peak_held.saturating_sub(held)))
    }

    /// [`Self::estimate`], noting the buffers' peak first.
    fn free(&mut self) -> Option<usize> {
        self.free_memory?;
        let held = self.held();
        self.peak_held = self.peak_held.max(held);
        self.estimate(held)
    }

    fn entry(&mut self, app: App, sock: Sock) -> Result<&mut Entry, Errno> {
        self.entries.get_mut(&(app, sock)).ok_or(Errno::EBADF)
    }

    fn get(&self, app: App, sock: Sock) -> Result<&Entry, Errno> {
        self.entries.get(&(app, sock)).ok_or(Errno::EBADF)
    }

    fn free_sock(&self, app: App) -> Result<Sock, Errno> {
        let used = self
            .entries
            .range((app, 0)..(app + 1, 0))
            .map(|((_, sock), _)| *sock);
        let mut want = FIRST_SOCK;
        for sock in used {
            if sock != want {
                break;
            }
            want += 1;
        }
        if (want - FIRST_SOCK) as usize >= MAX_SOCKETS {
            return Err(Errno::EMFILE);
        }
        Ok(want)
    }

    fn insert(&mut self, app: App, kind: Kind, options: Options) -> Result<Sock, Errno> {
        let sock = self.free_sock(app)?;
        self.entries.insert((app, sock), Entry { kind, options });
        self.counts.opened += 1;
        Ok(sock)
    }

    /// `socket(domain, type, protocol)`.
    pub fn socket(&mut self, app: App, domain: i32, ty: i32, protocol: i32) -> Result<Sock, Errno> {
        if domain != AF_INET {
            return Err(Errno::EAFNOSUPPORT);
        }
        let options = Options {
            nonblocking: ty & SOCK_NONBLOCK != 0,
            ..Options::default()
        };
        let kind = match (ty & !(SOCK_NONBLOCK | SOCK_CLOEXEC), protocol) {
            (SOCK_STREAM, 0 | IPPROTO_TCP) => Kind::Tcp { local: None },
            (SOCK_DGRAM, 0 | IPPROTO_UDP) => {
                let handle = self.set.add(udp_socket(Sizes::udp(&options))?);
                Kind::Udp { handle, peer: None }
            }
            (SOCK_STREAM | SOCK_DGRAM, _) => return Err(Errno::EPROTONOSUPPORT),
            _ => return Err(Errno::EPROTOTYPE),
        };
        self.insert(app, kind, options)
    }

    /// Whether a TCP (`tcp`) or UDP port is taken by any app's socket.
    fn port_in_use(&self, tcp: bool, port: u16) -> bool {
        self.entries.values().any(|e| match &e.kind {
            Kind::Tcp { local: Some(l) } if tcp => l.port == port,
            Kind::Listener { local, .. } if tcp => local.port == port,
            Kind::Stream { handle, .. } if tcp => self
                .set
                .get::<tcp::Socket>(*handle)
                .local_endpoint()
                .is_some_and(|l| l.port == port),
            Kind::Udp { handle, .. } if !tcp => {
                self.set.get::<udp::Socket>(*handle).endpoint().port == port
            }
            _ => false,
        })
    }

    fn ephemeral_port(&mut self, tcp: bool) -> Result<u16, Errno> {
        let span = (*EPHEMERAL.end() - *EPHEMERAL.start()) as u32 + 1;
        for _ in 0..span {
            let p = self.next_port;
            self.next_port = if p == *EPHEMERAL.end() {
                *EPHEMERAL.start()
            } else {
                p + 1
            };
            if !self.port_in_use(tcp, p) {
                return Ok(p);
            }
        }
        Err(Errno::EADDRINUSE)
    }

    /// `bind(sock, addr)`: `addr` must be one of the interface's or
    /// 0.0.0.0; port 0 picks a free one.
    pub fn bind(
        &mut self,
        iface: &Interface,
        app: App,
        sock: Sock,
        addr: IpEndpoint,
    ) -> Result<(), Errno> {
        let unspecified = addr.addr.is_unspecified();
        if !unspecified && !iface.has_ip_addr(addr.addr) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        let tcp = match &self.get(app, sock)?.kind {
            Kind::Tcp { local: None } => true,
            Kind::Udp { handle, .. } => {
                if self.set.get::<udp::Socket>(*handle).is_open() {
                    return Err(Errno::EINVAL);
                }
                false
            }
            _ => return Err(Errno::EINVAL),
        };
        let port = match addr.port {
            0 => self.ephemeral_port(tcp)?,
            p if self.port_in_use(tcp, p) => return Err(Errno::EADDRINUSE),
            p => p,
        };
        let local = IpListenEndpoint {
            addr: (!unspecified).then_some(addr.addr),
            port,
        };
        let entry = self.entry(app, sock)?;
        match &mut entry.kind {
            Kind::Tcp { local: l } => *l = Some(local),
            Kind::Udp { handle, .. } => {
                let h = *handle;
                self.set
                    .get_mut::<udp::Socket>(h)
                    .bind(local)
                    .map_err(|_| Errno::EINVAL)?;
            }
            _ => unreachable!("checked above"),
        }
        Ok(())
    }

    /// `listen(sock, backlog)`.
    pub fn listen(&mut self, app: App, sock: Sock, backlog: i32) -> Result<(), Errno> {
        let entry = self.entry(app, sock)?;
        let local = match &entry.kind {
            Kind::Tcp { local: Some(l) } => *l,
            Kind::Tcp { local: None } => return Err(Errno::EDESTADDRREQ),
            Kind::Listener { .. } => return Ok(()),
            Kind::Udp { .. } => return Err(Errno::EOPNOTSUPP),
            Kind::Stream { .. } => return Err(Errno::EINVAL),
        };
        let opts = entry.options;
        let limit = (backlog.max(1) as usize).min(MAX_BACKLOG);
        let mut handles = Vec::new();
        let free = self.free();
        if let Err(e) = arm(&mut self.set, local, &mut handles, limit, &opts, free) {
            for h in handles {
                self.set.remove(h);
            }
            return Err(e);
        }
        self.entry(app, sock)?.kind = Kind::Listener {
            local,
            backlog: handles,
            limit,
        };
        Ok(())
    }

    /// Arms every listener (see [`arm`]); the stack calls it between
    /// received frames. A listener that cannot get memory for a fresh
    /// socket refuses connections until it can (counted).
    pub fn arm_listeners(&mut self) {
        if self.down {
            return;
        }
        let free = self.free();
        for entry in self.entries.values_mut() {
            if let Kind::Listener {
                local,
                backlog,
                limit,
            } = &mut entry.kind
            {
                if arm(&mut self.set, *local, backlog, *limit, &entry.options, free).is_err() {
                    self.counts.no_memory += 1;
                }
            }
        }
    }

    /// `accept(sock)`: a new socket for an established connection, and
    /// the peer's address; `EAGAIN` if none is waiting.
    pub fn accept(&mut self, app: App, sock: Sock) -> Result<(Sock, IpEndpoint), Errno> {
        let entry = self.get(app, sock)?;
        let opts = entry.options;
        let Kind::Listener { backlog, .. } = &entry.kind else {
            return Err(Errno::EINVAL);
        };
        let ready = backlog.iter().position(|&h| {
            let s = self.set.get::<tcp::Socket>(h);
            // Established, or already closing with data to read.
            !matches!(
                s.state(),
                tcp::State::Listen | tcp::State::SynReceived | tcp::State::Closed
            )
        });
        let Some(i) = ready else {
            return Err(Errno::EAGAIN);
        };
        // A socket number first: without one the connection stays queued.
        self.free_sock(app)?;
        let free = self.free();
        let Some(Entry {
            kind:
                Kind::Listener {
                    local,
                    backlog,
                    limit,
                },
            ..
        }) = self.entries.get_mut(&(app, sock))
        else {
            unreachable!("checked above");
        };
        let handle = backlog.remove(i);
        // The queue has room again: listen for the next one at once.
        if !self.down && arm(&mut self.set, *local, backlog, *limit, &opts, free).is_err() {
            self.counts.no_memory += 1;
        }
        let peer = self
            .set
            .get::<tcp::Socket>(handle)
            .remote_endpoint()
            .expect("an established socket has a peer");
        let stream = Kind::Stream {
            handle,
            connecting: false,
            error: None,
            shut_write: false,
            shut_read: false,
        };
        let mut stream_opts = opts;
        stream_opts.nonblocking = false;
        let new = self.insert(app, stream, stream_opts)?;
        self.counts.accepted += 1;
        Ok((new, peer))
    }

    /// `connect(sock, addr)` starts a connection (TCP) or sets the default
    /// peer (UDP). For TCP it returns `EINPROGRESS`; [`Self::connect_status`]
    /// then says how it went.
    pub fn connect(
        &mut self,
        iface: &mut Interface,
        app: App,
        sock: Sock,
        peer: IpEndpoint,
    ) -> Result<(), Errno> {
        if peer.addr.is_unspecified() || peer.port == 0 {
            return Err(Errno::EINVAL);
        }
        let entry = self.entry(app, sock)?;
        let opts = entry.options;
        match &mut entry.kind {
            Kind::Udp { peer: p, handle } => {
                *p = Some(peer);
                let h = *handle;
                if !self.set.get::<udp::Socket>(h).is_open() {
                    let port = self.ephemeral_port(false)?;
                    self.set
                        .get_mut::<udp::Socket>(h)
                        .bind(port)
                        .map_err(|_| Errno::EINVAL)?;
                }
                return Ok(());
            }
            Kind::Stream {
                connecting: true, ..
            } => return Err(Errno::EALREADY),
            Kind::Stream { .. } => return Err(Errno::EISCONN),
            Kind::Listener { .. } => return Err(Errno::EINVAL),
            Kind::Tcp { .. } => {}
        }
        let Kind::Tcp { local } = &self.entry(app, sock)?.kind else {
            unreachable!("checked above");
        };
        let local = match local {
            Some(l) => *l,
            None => IpListenEndpoint {
                addr: None,
                port: self.ephemeral_port(true)?,
            },
        };
        if self.down {
            return Err(Errno::ENETDOWN);
        }
        let mut s = tcp_socket(&opts, Sizes::tcp(&opts, self.free()))?;
        s.connect(iface.context(), peer, local)
            .map_err(|_| Errno::ENETUNREACH)?;
        let handle = self.set.add(s);
        self.entry(app, sock)?.kind = Kind::Stream {
            handle,
            connecting: true,
            error: None,
            shut_write: false,
            shut_read: false,
        };
        Err(Errno::EINPROGRESS)
    }

    /// How a connection `connect` started is doing: `Ok` once established,
    /// `EAGAIN` while it waits for the peer, `ECONNREFUSED` if the peer
    /// reset it.
    pub fn connect_status(&mut self, app: App, sock: Sock) -> Result<(), Errno> {
        self.update(app, sock)?;
        match &mut self.entry(app, sock)?.kind {
            Kind::Stream {
                connecting: true, ..
            } => Err(Errno::EAGAIN),
            Kind::Stream { error, .. } => match error.take() {
                Some(e) => Err(e),
                None => Ok(()),
            },
            _ => Err(Errno::EINVAL),
        }
    }

    /// Gives up a connection attempt that took too long (`ETIMEDOUT`).
    pub fn abort_connect(&mut self, app: App, sock: Sock) -> Result<(), Errno> {
        if let Kind::Stream {
            handle, connecting, ..
        } = &mut self.entry(app, sock)?.kind
        {
            *connecting = false;
            let h = *handle;
            self.set.get_mut::<tcp::Socket>(h).abort();
        }
        Ok(())
    }

    /// Notes what happened to a stream since the last look: an attempt
    /// that got an answer, a reset.
    fn update(&mut self, app: App, sock: Sock) -> Result<(), Errno> {
        let entry = self.entries.get_mut(&(app, sock)).ok_or(Errno::EBADF)?;
        let Kind::Stream {
            handle,
            connecting,
            error,
            ..
        } = &mut entry.kind
        else {
            return Ok(());
        };
        let s = self.set.get::<tcp::Socket>(*handle);
        match (s.state(), *connecting) {
            (tcp::State::SynSent, true) => {}
            (tcp::State::Closed, true) => {
                *connecting = false;
                *error = Some(Errno::ECONNREFUSED);
                self.counts.refused += 1;
            }
            (_, true) => *connecting = false,
            _ => {}
        }
        Ok(())
    }

    /// `send(sock, data)`: how much was queued; `EAGAIN` if nothing fits now.
    pub fn send(&mut self, app: App, sock: Sock, data: &[u8]) -> Result<usize, Errno> {
        self.update(app, sock)?;
        let entry = self.entry(app, sock)?;
        match &mut entry.kind {
            Kind::Stream {
                handle,
                connecting,
                error,
                shut_write,
                ..
            } => {
                if let Some(e) = error.take() {
                    return Err(e);
                }
                if *connecting {
                    return Err(Errno::EAGAIN);
                }
                if *shut_write {
                    return Err(Errno::EPIPE);
                }
                let h = *handle;
                let s = self.set.get_mut::<tcp::Socket>(h);
                if !s.may_send() {
                    return Err(if s.state() == tcp::State::Closed {
                        self.counts.resets += 1;
                        Errno::ECONNRESET
                    } else {
                        Errno::EPIPE
                    });
                }
                match s.send_slice(data) {
                    Ok(0) if !data.is_empty() => Err(Errno::EAGAIN),
                    Ok(n) => Ok(n),
                    Err(_) => Err(Errno::EPIPE),
                }
            }
            Kind::Udp { peer: Some(p), .. } => {
                let p = *p;
                self.send_to(app, sock, data, p)
            }
            Kind::Udp { peer: None, .. } => Err(Errno::EDESTADDRREQ),
            Kind::Tcp { .. } | Kind::Listener { .. } => Err(Errno::ENOTCONN),
        }
    }

    /// `sendto(sock, data, addr)` for a datagram socket (binds it to a free
    /// port first if need be).
    pub fn send_to(
        &mut self,
        app: App,
        sock: Sock,
        data: &[u8],
        to: IpEndpoint,
    ) -> Result<usize, Errno> {
        let entry = self.entry(app, sock)?;
        let Kind::Udp { handle, .. } = entry.kind else {
            return match entry.kind {
                Kind::Stream { .. } => Err(Errno::EISCONN),
                _ => Err(Errno::ENOTCONN),
            };
        };
        if to.addr.is_unspecified() || to.port == 0 {
            return Err(Errno::EINVAL);
        }
        if self.down {
            return Err(Errno::ENETDOWN);
        }
        if !self.set.get::<udp::Socket>(handle).is_open() {
            let port = self.ephemeral_port(false)?;
            self.set
                .get_mut::<udp::Socket>(handle)
                .bind(port)
                .map_err(|_| Errno::EINVAL)?;
        }
        let s = self.set.get_mut::<udp::Socket>(handle);
        if data.len() > s.payload_send_capacity() {
            return Err(Errno::EMSGSIZE);
        }
        match s.send_slice(data, to) {
            Ok(()) => Ok(data.len()),
            Err(udp::SendError::BufferFull) => Err(Errno::EAGAIN),
            Err(udp::SendError::Unaddressable) => Err(Errno::ENETUNREACH),
        }
    }

    /// `recv(sock, buf)` / `recvfrom`: bytes read (0 at the end of a stream),
    /// and for datagrams the sender; `EAGAIN` if none are waiting.
    pub fn recv(
        &mut self,
        app: App,
        sock: Sock,
        buf: &mut [u8],
    ) -> Result<(usize, Option<IpEndpoint>), Errno> {
        self.update(app, sock)?;
        let entry = self.entry(app, sock)?;
        match &mut entry.kind {
            Kind::Stream {
                handle,
                connecting,
                error,
                shut_read,
                ..
            } => {
                if let Some(e) = error.take() {
                    return Err(e);
                }
                if *connecting {
                    return Err(Errno::EAGAIN);
                }
                if *shut_read {
                    return Ok((0, None));
                }
                let h = *handle;
                let s = self.set.get_mut::<tcp::Socket>(h);
                match s.recv_slice(buf) {
                    Ok(0) if !buf.is_empty() => {
                        if s.may_recv() {
                            Err(Errno::EAGAIN)
                        } else {
                            Ok((0, None))
                        }
                    }
                    Ok(n) => Ok((n, None)),
                    Err(tcp::RecvError::Finished) => Ok((0, None)),
                    Err(tcp::RecvError::InvalidState) => {
                        if s.state() == tcp::State::Closed {
                            self.counts.resets += 1;
                            Err(Errno::ECONNRESET)
                        } else {
                            Err(Errno::ENOTCONN)
                        }
                    }
                }
            }
            Kind::Udp { handle, .. } => {
                let h = *handle;
                match self.set.get_mut::<udp::Socket>(h).recv_slice(buf) {
                    Ok((n, meta)) => Ok((n, Some(meta.endpoint))),
                    Err(udp::RecvError::Exhausted) => Err(Errno::EAGAIN),
                    // The datagram was longer than `buf`: it is dropped, as
                    // a truncated read would lose its tail anyway.
                    Err(udp::RecvError::Truncated) => Ok((buf.len(), None)),
                }
            }
            Kind::Tcp { .. } | Kind::Listener { .. } => Err(Errno::ENOTCONN),
        }
    }

    /// `shutdown(sock, how)`.
    pub fn shutdown(&mut self, app: App, sock: Sock, how: Shutdown) -> Result<(), Errno> {
        let entry = self.entry(app, sock)?;
        let Kind::Stream {
            handle,
            shut_read,
            shut_write,
            ..
        } = &mut entry.kind
        else {
            return Err(Errno::ENOTCONN);
        };
        let h = *handle;
        if matches!(how, Shutdown::Read | Shutdown::Both) {
            *shut_read = true;
        }
        if matches!(how, Shutdown::Write | Shutdown::Both) {
            *shut_write = true;
            self.set.get_mut::<tcp::Socket>(h).close();
        }
        Ok(())
    }

    /// `close(sock)`. A stream closes gracefully (its queued data still goes
    /// out, then a FIN); smoltcp keeps the socket until the close finishes,
    /// and [`Self::reap`] frees it then.
    pub fn close(&mut self, app: App, sock: Sock) -> Result<(), Errno> {
        let entry = self.entries.remove(&(app, sock)).ok_or(Errno::EBADF)?;
        match entry.kind {
            Kind::Tcp { .. } => {}
            Kind::Listener { backlog, .. } => {
                for h in backlog {
                    // Connections nobody accepted are reset, as on Linux.
                    self.set.get_mut::<tcp::Socket>(h).abort();
                    self.closing.push(h);
                }
            }
            Kind::Stream { handle, .. } => {
                self.set.get_mut::<tcp::Socket>(handle).close();
                self.closing.push(handle);
            }
            Kind::Udp { handle, .. } => {
                self.set.remove(handle);
            }
        }
        Ok(())
    }

    /// The link is gone for good: every connection ends with `ENETDOWN`
    /// (reported once, like a reset), connecting and sending datagrams
    /// fail with it, listeners stay open but take nothing; sockets
    /// stay valid until closed.
    pub fn network_down(&mut self) {
        self.down = true;
        for entry in self.entries.values_mut() {
            match &mut entry.kind {
                Kind::Stream {
                    handle,
                    connecting,
                    error,
                    ..
                } => {
                    self.set.get_mut::<tcp::Socket>(*handle).abort();
                    *connecting = false;
                    *error = Some(Errno::ENETDOWN);
                }
                Kind::Listener { backlog, .. } => {
                    for h in backlog.drain(..) {
                        self.set.get_mut::<tcp::Socket>(h).abort();
                        self.closing.push(h);
                    }
                }
                Kind::Tcp { .. } | Kind::Udp { .. } => {}
            }
        }
        for &h in &self.closing {
            self.set.get_mut::<tcp::Socket>(h).abort();
        }
    }

    /// Closed connections whose FIN has not been acknowledged yet (at
    /// shutdown the runtime gives them a moment to finish).
    pub fn unfinished(&self) -> usize {
        self.closing
            .iter()
            .filter(|&&h| {
                !matches!(
                    self.set.get::<tcp::Socket>(h).state(),
                    tcp::State::Closed | tcp::State::TimeWait | tcp::State::FinWait2
                )
            })
            .count()
    }

    /// Frees the smoltcp sockets whose close has finished.
    pub fn reap(&mut self) {
        let set = &mut self.set;
        self.closing.retain(|&h| {
            let done = set.get::<tcp::Socket>(h).state() == tcp::State::Closed;
            if done {
                set.remove(h);
            }
            !done
        });
    }

    /// Closes every socket of `app` (it ended).
    pub fn close_all(&mut self, app: App) {
        let socks: Vec<Sock> = self
            .entries
            .range((app, 0)..(app + 1, 0))
            .map(|((_, sock), _)| *sock)
            .collect();
        for sock in socks {
            let _ = self.close(app, sock);
        }
    }

    /// `SO_TYPE`: `SOCK_STREAM` or `SOCK_DGRAM`.
    pub fn socket_type(&self, app: App, sock: Sock) -> Result<i32, Errno> {
        Ok(match self.get(app, sock)?.kind {
            Kind::Udp { .. } => SOCK_DGRAM,
            _ => SOCK_STREAM,
        })
    }

    /// Whether `sock` is one of `app`'s sockets.
    #[cfg(test)]
    pub fn is_socket(&self, app: App, sock: Sock) -> bool {
        self.entries.contains_key(&(app, sock))
    }

    /// What `poll` reports for `sock`.
    pub fn ready(&mut self, app: App, sock: Sock) -> Result<Ready, Errno> {
        self.update(app, sock)?;
        let entry = self.get(app, sock)?;
        Ok(match &entry.kind {
            Kind::Tcp { .. } => Ready {
                writable: false,
                hangup: true,
                ..Ready::default()
            },
            Kind::Listener { backlog, .. } => Ready {
                readable: backlog.iter().any(|&h| {
                    let s = self.set.get::<tcp::Socket>(h);
                    !matches!(
                        s.state(),
                        tcp::State::Listen | tcp::State::SynReceived | tcp::State::Closed
                    )
                }),
                ..Ready::default()
            },
            Kind::Stream {
                handle,
                connecting,
                error,
                shut_read,
                ..
            } => {
                let s = self.set.get::<tcp::Socket>(*handle);
                if *connecting {
                    Ready::default()
                } else {
                    let closed = s.state() == tcp::State::Closed;
                    Ready {
                        readable: *shut_read || s.can_recv() || !s.may_recv(),
                        writable: s.can_send() || !s.may_send(),
                        error: error.is_some() || closed && s.may_recv(),
                        hangup: closed || (!s.may_recv() && !s.may_send()),
                    }
                }
            }
            Kind::Udp { handle, .. } => {
                let s = self.set.get::<udp::Socket>(*handle);
                Ready {
                    readable: s.can_recv(),
                    writable: s.can_send(),
                    ..Ready::default()
                }
            }
        })
    }

    /// The socket's options, to read or change.
    pub fn options(&mut self, app: App, sock: Sock) -> Result<&mut Options, Errno> {
        Ok(&mut self.entry(app, sock)?.options)
    }

    /// Applies `TCP_NODELAY` and `SO_KEEPALIVE` to a stream's smoltcp
    /// socket after the options changed.
    pub fn apply_options(&mut self, app: App, sock: Sock) -> Result<(), Errno> {
        let entry = self.entry(app, sock)?;
        let opts = entry.options;
        if let Kind::Stream { handle, .. } = entry.kind {
            let s = self.set.get_mut::<tcp::Socket>(handle);
            s.set_nagle_enabled(!opts.nodelay);
            s.set_keep_alive(opts.keepalive.then(|| Duration::from_secs(75)));
        }
        Ok(())
    }

    /// `setsockopt(SO_RCVBUF / SO_SNDBUF)`: the size (clamped to
    /// [`BUFFER_LIMITS`]) for the smoltcp sockets made from now on: a
    /// connection's at `connect`, a listener's next connections (the
    /// sockets already listening are made again). An established
    /// connection keeps its buffers (smoltcp's are fixed), and
    /// [`Self::buffer_sizes`] keeps saying so.
    pub fn set_buffer_size(
        &mut self,
        app: App,
        sock: Sock,
        send: bool,
        size: usize,
    ) -> Result<(), Errno> {
        let size = size.clamp(*BUFFER_LIMITS.start(), *BUFFER_LIMITS.end());
        let free = self.free();
        let down = self.down;
        let entry = self.entries.get_mut(&(app, sock)).ok_or(Errno::EBADF)?;
        if send {
            entry.options.send_buffer = Some(size);
        } else {
            entry.options.recv_buffer = Some(size);
        }
        let opts = entry.options;
        if let Kind::Listener {
            local,
            backlog,
            limit,
        } = &mut entry.kind
        {
            let set = &mut self.set;
            backlog.retain(|&h| {
                let listening = set.get::<tcp::Socket>(h).state() == tcp::State::Listen;
                if listening {
                    set.remove(h);
                }
                !listening
            });
            if !down && arm(set, *local, backlog, *limit, &opts, free).is_err() {
                self.counts.no_memory += 1;
            }
        }
        Ok(())
    }

    /// `getsockopt(SO_RCVBUF / SO_SNDBUF)`: the buffers a connection has,
    /// or for a listener those of its next connection, or for a socket
    /// not yet connected those `connect` would give it now.
    pub fn buffer_sizes(&self, app: App, sock: Sock) -> Result<Sizes, Errno> {
        let entry = self.get(app, sock)?;
        let tcp_sizes = |h: SocketHandle| {
            let s = self.set.get::<tcp::Socket>(h);
            Sizes {
                recv: s.recv_capacity(),
                send: s.send_capacity(),
            }
        };
        Ok(match &entry.kind {
            Kind::Stream { handle, .. } => tcp_sizes(*handle),
            Kind::Udp { handle, .. } => {
                let s = self.set.get::<udp::Socket>(*handle);
                Sizes {
                    recv: s.payload_recv_capacity(),
                    send: s.payload_send_capacity(),
                }
            }
            Kind::Listener { backlog, .. } => backlog
                .iter()
                .find(|&&h| self.set.get::<tcp::Socket>(h).state() == tcp::State::Listen)
                .map_or_else(
                    || Sizes::tcp(&entry.options, self.estimate(self.held())),
                    |&h| tcp_sizes(h),
                ),
            Kind::Tcp { .. } => Sizes::tcp(&entry.options, self.estimate(self.held())),
        })
    }

    /// `SO_ERROR`: the pending error, cleared.
    pub fn take_error(&mut self, app: App, sock: Sock) -> Result<Option<Errno>, Errno> {
        self.update(app, sock)?;
        Ok(match &mut self.entry(app, sock)?.kind {
            Kind::Stream { error, .. } => error.take(),
            _ => None,
        })
    }

    /// `getsockname`: the local address (0.0.0.0:0 before bind).
    pub fn local_addr(&mut self, app: App, sock: Sock) -> Result<IpEndpoint, Errno> {
        let unspecified = IpEndpoint::new(IpAddress::Ipv4(Ipv4Address::UNSPECIFIED), 0);
        let listen = |l: &IpListenEndpoint| {
            IpEndpoint::new(
                l.addr.unwrap_or(IpAddress::Ipv4(Ipv4Address::UNSPECIFIED)),
                l.port,
            )
        };
        Ok(match &self.get(app, sock)?.kind {
            Kind::Tcp { local } => local.as_ref().map_or(unspecified, listen),
            Kind::Listener { local, .. } => listen(local),
            Kind::Stream { handle, .. } => self
                .set
                .get::<tcp::Socket>(*handle)
                .local_endpoint()
                .unwrap_or(unspecified),
            Kind::Udp { handle, .. } => listen(&self.set.get::<udp::Socket>(*handle).endpoint()),
        })
    }

    /// `getpeername`: the peer's address; `ENOTCONN` without one.
    pub fn peer_addr(&mut self, app: App, sock: Sock) -> Result<IpEndpoint, Errno> {
        match &self.get(app, sock)?.kind {
            Kind::Stream { handle, .. } => self
                .set
                .get::<tcp::Socket>(*handle)
                .remote_endpoint()
                .ok_or(Errno::ENOTCONN),
            Kind::Udp { peer: Some(p), .. } => Ok(*p),
            _ => Err(Errno::ENOTCONN),
        }
    }
}

#[cfg(test)]
mod tests;
