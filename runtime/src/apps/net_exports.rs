//! The socket calls the runtime exports to apps (libukc builds the BSD
//! socket API on them). Each returns a 64-bit value: the result, or
//! `-errno` (Linux's values). App pointers go through the app's
//! `AppMemory` (`-EFAULT` for bad ones); structures have Linux x86_64's
//! layout (`sockaddr_in`, `pollfd`, `timeval`).
//!
//! Where a call would block, it waits for the network (other apps run
//! meanwhile), bounded by the socket's `SO_RCVTIMEO`/`SO_SNDTIMEO`; a
//! non-blocking socket gets `-EAGAIN` at once.
use super::call::{app, fault, ret};
use super::fds::{self, Object};
use crate::errno::Errno;
use crate::fdtable::Fd;
use crate::mm::uaccess::AppMemory;
use crate::net::socket::{App, Options, Ready, Shutdown, Sock};
use alloc::vec::Vec;
use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address};

/// Linux's constants the calls take.
const AF_INET: u16 = 2;
const SOCKADDR_IN_LEN: u32 = 16;
const SOL_SOCKET: i32 = 1;
const SO_REUSEADDR: i32 = 2;
const SO_TYPE: i32 = 3;
const SO_ERROR: i32 = 4;
const SO_SNDBUF: i32 = 7;
const SO_RCVBUF: i32 = 8;
const SO_KEEPALIVE: i32 = 9;
const SO_RCVTIMEO: i32 = 20;
const SO_SNDTIMEO: i32 = 21;
const IPPROTO_TCP: i32 = 6;
const TCP_NODELAY: i32 = 1;
const MSG_DONTWAIT: i32 = 0x40;
const MSG_NOSIGNAL: i32 = 0x4000;
/// How long a blocking `connect` waits for the peer by default (Linux gives
/// up after about two minutes of SYN retries; most callers want less).
const CONNECT_TIMEOUT_NS: u64 = 60_000_000_000;

fn net<R>(f: impl FnOnce(&mut crate::net::Net) -> R) -> Result<R, Errno> {
    crate::net::with(f).ok_or(Errno::ENETDOWN)
}

/// A `sockaddr_in` from app memory.
fn read_addr(mem: &AppMemory, addr: u64, len: u32) -> Result<IpEndpoint, Errno> {
    if len < SOCKADDR_IN_LEN {
        return Err(Errno::EINVAL);
    }
    let mut b = [0u8; 16];
    mem.read(addr, &mut b).map_err(fault)?;
    if u16::from_le_bytes([b[0], b[1]]) != AF_INET {
        return Err(Errno::EAFNOSUPPORT);
    }
    let port = u16::from_be_bytes([b[2], b[3]]);
    let ip = Ipv4Address::new(b[4], b[5], b[6], b[7]);
    Ok(IpEndpoint::new(IpAddress::Ipv4(ip), port))
}

/// Writes `ep` as a `sockaddr_in` where `addr`/`len` say (both may be 0),
/// as much as fits, and the full length into `*len`.
fn write_addr(mem: &AppMemory, addr: u64, len: u64, ep: IpEndpoint) -> Result<(), Errno> {
    if addr == 0 || len == 0 {
        return Ok(());
    }
    let mut room = [0u8; 4];
    mem.read(len, &mut room).map_err(fault)?;
    let room = u32::from_le_bytes(room).min(SOCKADDR_IN_LEN) as usize;
    // The stack has IPv4 addresses only (IPv6 is compiled in for
    // smoltcp's segmentation offload, never configured).
    let ip = match ep.addr {
        IpAddress::Ipv4(ip) => ip,
        IpAddress::Ipv6(_) => core::net::Ipv4Addr::UNSPECIFIED,
    };
    let mut b = [0u8; 16];
    b[..2].copy_from_slice(&AF_INET.to_le_bytes());
    b[2..4].copy_from_slice(&ep.port.to_be_bytes());
    b[4..8].copy_from_slice(&ip.octets());
    mem.write(addr, &b[..room]).map_err(fault)?;
    mem.write(len, &SOCKADDR_IN_LEN.to_le_bytes())
        .map_err(fault)
}

/// The deadline a wait with `timeout_ns` (0: none) has from now.
fn deadline(timeout_ns: u64) -> u64 {
    if timeout_ns == 0 {
        0
    } else {
        crate::time::now_ns().saturating_add(timeout_ns).max(1)
    }
}

/// Runs `op` until it does not say `EAGAIN`, waiting for the network in
/// between unless the socket (or the call) is non-blocking; a deadline that
/// passes gives `EAGAIN`, as Linux does for `SO_RCVTIMEO`.
fn blocking<T>(
    app: App,
    sock: Sock,
    dontwait: bool,
    timeout: impl Fn(&Options) -> u64,
    mut op: impl FnMut(&mut crate::net::Net) -> Result<T, Errno>,
) -> Result<T, Errno> {
    let opts = net(|n| n.stack.sockets.options(app, sock).map(|o| *o))??;
    let until = deadline(timeout(&opts));
    loop {
        let r = net(|n| {
            let r = op(n);
            // What the call queued goes out now, not at the next pass.
            n.stack.poll(crate::time::now_ns());
            r
        })?;
        match r {
            Err(Errno::EAGAIN) if !(dontwait || opts.nonblocking) => {
                if until != 0 && crate::time::now_ns() >= until {
                    return Err(Errno::EAGAIN);
                }
                crate::sched::wait_net(until);
            }
            other => return other,
        }
    }
}

extern "C" fn ukrt_socket(domain: i32, ty: i32, protocol: i32) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        let sock = net(|n| n.stack.sockets.socket(app, domain, ty, protocol))??;
        let cloexec = ty & crate::net::socket::SOCK_CLOEXEC != 0;
        Ok(fds::insert(app, Object::Socket(sock), cloexec)? as i64)
    })())
}

extern "C" fn ukrt_bind(fd: Fd, addr: u64, len: u32) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let sock = fds::socket(app, fd)?;
        let ep = read_addr(&mem, addr, len)?;
        net(|n| n.stack.sockets.bind(&n.stack.iface, app, sock, ep))??;
        Ok(0)
    })())
}

extern "C" fn ukrt_listen(fd: Fd, backlog: i32) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        let sock = fds::socket(app, fd)?;
        net(|n| n.stack.sockets.listen(app, sock, backlog))??;
        Ok(0)
    })())
}

extern "C" fn ukrt_accept(fd: Fd, addr: u64, len: u64, flags: i32) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let sock = fds::socket(app, fd)?;
        // A descriptor first: without one the connection stays queued.
        if !fds::has_room(app) {
            return Err(Errno::EMFILE);
        }
        let (new, peer) = blocking(
            app,
            sock,
            false,
            |o| o.recv_timeout_ns,
            |n| n.stack.sockets.accept(app, sock),
        )?;
        if flags & crate::net::socket::SOCK_NONBLOCK != 0 {
            net(|n| {
                n.stack
                    .sockets
                    .options(app, new)
                    .map(|o| o.nonblocking = true)
            })??;
        }
        write_addr(&mem, addr, len, peer)?;
        let cloexec = flags & crate::net::socket::SOCK_CLOEXEC != 0;
        Ok(fds::insert(app, Object::Socket(new), cloexec)? as i64)
    })())
}

extern "C" fn ukrt_connect(fd: Fd, addr: u64, len: u32) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let sock = fds::socket(app, fd)?;
        let peer = read_addr(&mem, addr, len)?;
        match net(|n| {
            let r = n.stack.sockets.connect(&mut n.stack.iface, app, sock, peer);
            n.stack.poll(crate::time::now_ns());
            r
        })? {
            Err(Errno::EINPROGRESS) => {}
            other => return other.map(|()| 0),
        }
        let opts = net(|n| n.stack.sockets.options(app, sock).map(|o| *o))??;
        if opts.nonblocking {
            return Err(Errno::EINPROGRESS);
        }
        let timeout = match opts.send_timeout_ns {
            0 => CONNECT_TIMEOUT_NS,
            t => t,
        };
        let r = blocking(
            app,
            sock,
            false,
            |_| timeout,
            |n| n.stack.sockets.connect_status(app, sock),
        );
        match r {
            Err(Errno::EAGAIN) => {
                net(|n| n.stack.sockets.abort_connect(app, sock))??;
                Err(Errno::ETIMEDOUT)
            }
            other => other.map(|()| 0),
        }
    })())
}

fn check_flags(flags: i32) -> Result<bool, Errno> {
    if flags & !(MSG_DONTWAIT | MSG_NOSIGNAL) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    Ok(flags & MSG_DONTWAIT != 0)
}

/// A bounded copy of an app buffer (a socket never takes more at once).
const CHUNK: usize = 64 * 1024;

pub(super) extern "C" fn ukrt_sendto(
    fd: Fd,
    buf: u64,
    len: usize,
    flags: i32,
    addr: u64,
    alen: u32,
) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let sock = fds::socket(app, fd)?;
        let dontwait = check_flags(flags)?;
        let to = if addr != 0 {
            Some(read_addr(&mem, addr, alen)?)
        } else {
            None
        };
        let mut data = alloc::vec![0u8; len.min(CHUNK)];
        mem.read(buf, &mut data).map_err(fault)?;
        let n = blocking(
            app,
            sock,
            dontwait,
            |o| o.send_timeout_ns,
            |n| match to {
                Some(to) => n.stack.sockets.send_to(app, sock, &data, to),
                None => n.stack.sockets.send(app, sock, &data),
            },
        )?;
        Ok(n as i64)
    })())
}

pub(super) extern "C" fn ukrt_recvfrom(
    fd: Fd,
    buf: u64,
    len: usize,
    flags: i32,
    addr: u64,
    alen: u64,
) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let sock = fds::socket(app, fd)?;
        let dontwait = check_flags(flags)?;
        let mut data = alloc::vec![0u8; len.min(CHUNK)];
        let (n, from) = blocking(
            app,
            sock,
            dontwait,
            |o| o.recv_timeout_ns,
            |n| n.stack.sockets.recv(app, sock, &mut data),
        )?;
        mem.write(buf, &data[..n]).map_err(fault)?;
        if let Some(from) = from {
            write_addr(&mem, addr, alen, from)?;
        }
        Ok(n as i64)
    })())
}

extern "C" fn ukrt_shutdown(fd: Fd, how: i32) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        let sock = fds::socket(app, fd)?;
        let how = match how {
            0 => Shutdown::Read,
            1 => Shutdown::Write,
            2 => Shutdown::Both,
            _ => return Err(Errno::EINVAL),
        };
        net(|n| n.stack.sockets.shutdown(app, sock, how))??;
        Ok(0)
    })())
}

fn timeval_ns(mem: &AppMemory, val: u64, len: u32) -> Result<u64, Errno> {
    if len < 16 {
        return Err(Errno::EINVAL);
    }
    let mut b = [0u8; 16];
    mem.read(val, &mut b).map_err(fault)?;
    let sec = i64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    let usec = i64::from_le_bytes(b[8..].try_into().expect("8 bytes"));
    if sec < 0 || !(0..1_000_000).contains(&usec) {
        return Err(Errno::EINVAL);
    }
    Ok((sec as u64).saturating_mul(1_000_000_000) + usec as u64 * 1000)
}

fn int(mem: &AppMemory, val: u64, len: u32) -> Result<i32, Errno> {
    if len < 4 {
        return Err(Errno::EINVAL);
    }
    let mut b = [0u8; 4];
    mem.read(val, &mut b).map_err(fault)?;
    Ok(i32::from_le_bytes(b))
}

extern "C" fn ukrt_setsockopt(fd: Fd, level: i32, name: i32, val: u64, len: u32) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let sock = fds::socket(app, fd)?;
        net(|n| n.stack.sockets.options(app, sock).map(|_| ()))??;
        let set = |f: &dyn Fn(&mut Options)| -> Result<(), Errno> {
            net(|n| {
                n.stack.sockets.options(app, sock).map(f)?;
                n.stack.sockets.apply_options(app, sock)
            })?
        };
        match (level, name) {
            (SOL_SOCKET, SO_REUSEADDR) => {
                let on = int(&mem, val, len)? != 0;
                set(&|o| o.reuse_addr = on)?
            }
            (SOL_SOCKET, SO_KEEPALIVE) => {
                let on = int(&mem, val, len)? != 0;
                set(&|o| o.keepalive = on)?
            }
            (SOL_SOCKET, SO_RCVTIMEO) => {
                let ns = timeval_ns(&mem, val, len)?;
                set(&|o| o.recv_timeout_ns = ns)?
            }
            (SOL_SOCKET, SO_SNDTIMEO) => {
                let ns = timeval_ns(&mem, val, len)?;
                set(&|o| o.send_timeout_ns = ns)?
            }
            (SOL_SOCKET, SO_RCVBUF | SO_SNDBUF) => {
                let size = int(&mem, val, len)?.max(0) as usize;
                let send = name == SO_SNDBUF;
                net(|n| n.stack.sockets.set_buffer_size(app, sock, send, size))??
            }
            (IPPROTO_TCP, TCP_NODELAY) => {
                let on = int(&mem, val, len)? != 0;
                set(&|o| o.nodelay = on)?
            }
            _ => return Err(Errno::ENOPROTOOPT),
        }
        Ok(0)
    })())
}

extern "C" fn ukrt_getsockopt(fd: Fd, level: i32, name: i32, val: u64, len: u64) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let sock = fds::socket(app, fd)?;
        let opts = net(|n| n.stack.sockets.options(app, sock).map(|o| *o))??;
        let timeval = |ns: u64| {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&((ns / 1_000_000_000) as i64).to_le_bytes());
            b[8..].copy_from_slice(&((ns % 1_000_000_000 / 1000) as i64).to_le_bytes());
            b.to_vec()
        };
        let int = |v: i32| v.to_le_bytes().to_vec();
        let bytes: Vec<u8> = match (level, name) {
            (SOL_SOCKET, SO_REUSEADDR) => int(opts.reuse_addr as i32),
            (SOL_SOCKET, SO_KEEPALIVE) => int(opts.keepalive as i32),
            (SOL_SOCKET, SO_RCVTIMEO) => timeval(opts.recv_timeout_ns),
            (SOL_SOCKET, SO_SNDTIMEO) => timeval(opts.send_timeout_ns),
            (SOL_SOCKET, SO_RCVBUF | SO_SNDBUF) => {
                let sizes = net(|n| n.stack.sockets.buffer_sizes(app, sock))??;
                int(if name == SO_SNDBUF {
                    sizes.send
                } else {
                    sizes.recv
                } as i32)
            }
            (SOL_SOCKET, SO_ERROR) => {
                let e = net(|n| n.stack.sockets.take_error(app, sock))??;
                int(e.map_or(0, |e| e as i32))
            }
            (SOL_SOCKET, SO_TYPE) => int(net(|n| n.stack.sockets.socket_type(app, sock))??),
            (IPPROTO_TCP, TCP_NODELAY) => int(opts.nodelay as i32),
            _ => return Err(Errno::ENOPROTOOPT),
        };
        let mut room = [0u8; 4];
        mem.read(len, &mut room).map_err(fault)?;
        let room = (u32::from_le_bytes(room) as usize).min(bytes.len());
        mem.write(val, &bytes[..room]).map_err(fault)?;
        mem.write(len, &(room as u32).to_le_bytes())
            .map_err(fault)?;
        Ok(0)
    })())
}

fn name(fd: Fd, addr: u64, len: u64, peer: bool) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let sock = fds::socket(app, fd)?;
        let ep = net(|n| {
            if peer {
                n.stack.sockets.peer_addr(app, sock)
            } else {
                n.stack.sockets.local_addr(app, sock)
            }
        })??;
        if addr == 0 || len == 0 {
            return Err(Errno::EFAULT);
        }
        write_addr(&mem, addr, len, ep)?;
        Ok(0)
    })())
}

extern "C" fn ukrt_getsockname(fd: Fd, addr: u64, len: u64) -> i64 {
    name(fd, addr, len, false)
}

extern "C" fn ukrt_getpeername(fd: Fd, addr: u64, len: u64) -> i64 {
    name(fd, addr, len, true)
}

/// `fcntl(F_GETFL)` of a socket: read-write, and whether non-blocking.
pub(super) fn socket_flags(app: App, sock: Sock) -> Result<bool, Errno> {
    net(|n| n.stack.sockets.options(app, sock).map(|o| o.nonblocking))?
}

/// `fcntl(F_SETFL)` of a socket: only `O_NONBLOCK` changes anything.
pub(super) fn set_socket_nonblocking(app: App, sock: Sock, on: bool) -> Result<(), Errno> {
    net(|n| {
        n.stack
            .sockets
            .options(app, sock)
            .map(|o| o.nonblocking = on)
    })?
}

/// What `poll` says about a socket: readiness, or `None` if it is gone.
pub(super) fn socket_ready(app: App, sock: Sock) -> Option<Ready> {
    net(|n| n.stack.sockets.ready(app, sock)).ok()?.ok()
}

/// The socket exports, for the export table.
pub fn exports() -> [(&'static str, u64); 12] {
    [
        ("ukrt_socket", ukrt_socket as *const () as u64),
        ("ukrt_bind", ukrt_bind as *const () as u64),
        ("ukrt_listen", ukrt_listen as *const () as u64),
        ("ukrt_accept", ukrt_accept as *const () as u64),
        ("ukrt_connect", ukrt_connect as *const () as u64),
        ("ukrt_sendto", ukrt_sendto as *const () as u64),
        ("ukrt_recvfrom", ukrt_recvfrom as *const () as u64),
        ("ukrt_shutdown", ukrt_shutdown as *const () as u64),
        ("ukrt_setsockopt", ukrt_setsockopt as *const () as u64),
        ("ukrt_getsockopt", ukrt_getsockopt as *const () as u64),
        ("ukrt_getsockname", ukrt_getsockname as *const () as u64),
        ("ukrt_getpeername", ukrt_getpeername as *const () as u64),
    ]
}
