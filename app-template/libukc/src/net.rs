//! The numbers and structures of sys/socket.h, netinet/in.h, netinet/tcp.h,
//! poll.h, sys/select.h and fcntl.h, with Linux x86_64's values and layouts
//! (what the runtime's socket calls take), byte order, and `fd_set`.
//!
//! The tests compare every constant, size and offset here and in the C
//! headers with glibc's headers (tests/headers_vs_glibc.rs).

// Address families (sys/socket.h). PF_* are the same numbers.
pub const AF_UNSPEC: i32 = 0;
pub const AF_UNIX: i32 = 1;
pub const AF_INET: i32 = 2;
pub const AF_INET6: i32 = 10;

// Socket types, and the flags `socket` and `accept4` take with them.
pub const SOCK_STREAM: i32 = 1;
pub const SOCK_DGRAM: i32 = 2;
pub const SOCK_RAW: i32 = 3;
pub const SOCK_SEQPACKET: i32 = 5;
pub const SOCK_DCCP: i32 = 6;
pub const SOCK_NONBLOCK: i32 = 0o4000;
pub const SOCK_CLOEXEC: i32 = 0o2000000;

// Protocols (netinet/in.h).
pub const IPPROTO_IP: i32 = 0;
pub const IPPROTO_ICMP: i32 = 1;
pub const IPPROTO_TCP: i32 = 6;
pub const IPPROTO_UDP: i32 = 17;
pub const IPPROTO_IPV6: i32 = 41;
pub const IPPROTO_DCCP: i32 = 33;
pub const IPPROTO_SCTP: i32 = 132;
pub const IPPROTO_UDPLITE: i32 = 136;
pub const IPPROTO_RAW: i32 = 255;

// Socket options the runtime supports.
pub const SOL_SOCKET: i32 = 1;
pub const SO_REUSEADDR: i32 = 2;
pub const SO_TYPE: i32 = 3;
pub const SO_ERROR: i32 = 4;
pub const SO_SNDBUF: i32 = 7;
pub const SO_RCVBUF: i32 = 8;
pub const SO_KEEPALIVE: i32 = 9;
pub const SO_RCVTIMEO: i32 = 20;
pub const SO_SNDTIMEO: i32 = 21;
pub const TCP_NODELAY: i32 = 1;

// Message flags.
pub const MSG_OOB: i32 = 1;
pub const MSG_PEEK: i32 = 2;
pub const MSG_DONTWAIT: i32 = 0x40;
pub const MSG_WAITALL: i32 = 0x100;
pub const MSG_NOSIGNAL: i32 = 0x4000;

// shutdown's `how`.
pub const SHUT_RD: i32 = 0;
pub const SHUT_WR: i32 = 1;
pub const SHUT_RDWR: i32 = 2;

// poll's events.
pub const POLLIN: i16 = 1;
pub const POLLPRI: i16 = 2;
pub const POLLOUT: i16 = 4;
pub const POLLERR: i16 = 8;
pub const POLLHUP: i16 = 16;
pub const POLLNVAL: i16 = 32;

// fcntl's commands and flags.
pub const F_DUPFD: i32 = 0;
pub const F_GETFD: i32 = 1;
pub const F_SETFD: i32 = 2;
pub const F_GETFL: i32 = 3;
pub const F_SETFL: i32 = 4;
pub const FD_CLOEXEC: i32 = 1;
pub const O_NONBLOCK: i32 = 0o4000;

pub const INADDR_ANY: u32 = 0;
pub const INADDR_LOOPBACK: u32 = 0x7f00_0001;
pub const INADDR_NONE: u32 = 0xffff_ffff;
pub const INET_ADDRSTRLEN: usize = 16;
pub const INET6_ADDRSTRLEN: usize = 46;

/// `struct in_addr`: the address in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InAddr {
    pub s_addr: u32,
}

/// `struct sockaddr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Sockaddr {
    pub sa_family: u16,
    pub sa_data: [u8; 14],
}

/// `struct sockaddr_in`: port and address in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockaddrIn {
    pub sin_family: u16,
    pub sin_port: u16,
    pub sin_addr: InAddr,
    pub sin_zero: [u8; 8],
}

/// `struct sockaddr_in6`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockaddrIn6 {
    pub sin6_family: u16,
    pub sin6_port: u16,
    pub sin6_flowinfo: u32,
    pub sin6_addr: [u8; 16],
    pub sin6_scope_id: u32,
}

/// `struct sockaddr_storage`: 128 bytes, aligned like a `long`.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
pub struct SockaddrStorage {
    pub ss_family: u16,
    pub data: [u8; 126],
}

/// `struct addrinfo`.
#[repr(C)]
#[derive(Debug)]
pub struct Addrinfo {
    pub ai_flags: i32,
    pub ai_family: i32,
    pub ai_socktype: i32,
    pub ai_protocol: i32,
    pub ai_addrlen: u32,
    pub ai_addr: *mut Sockaddr,
    pub ai_canonname: *mut u8,
    pub ai_next: *mut Addrinfo,
}

/// `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pollfd {
    pub fd: i32,
    pub events: i16,
    pub revents: i16,
}

/// `struct timeval` (for SO_RCVTIMEO, SO_SNDTIMEO and select).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

impl SockaddrIn {
    /// An AF_INET address from the address and port in host byte order.
    pub fn new(addr: u32, port: u16) -> Self {
        SockaddrIn {
            sin_family: AF_INET as u16,
            sin_port: htons(port),
            sin_addr: InAddr {
                s_addr: htonl(addr),
            },
            sin_zero: [0; 8],
        }
    }
}

pub const fn htons(x: u16) -> u16 {
    x.to_be()
}
pub const fn ntohs(x: u16) -> u16 {
    u16::from_be(x)
}
pub const fn htonl(x: u32) -> u32 {
    x.to_be()
}
pub const fn ntohl(x: u32) -> u32 {
    u32::from_be(x)
}

/// `FD_SETSIZE`: the descriptors an `fd_set` holds.
pub const FD_SETSIZE: usize = 1024;
const NFDBITS: usize = 64;

/// `fd_set` as glibc lays it out: 16 `long`s, descriptor `d` is bit
/// `d % 64` of word `d / 64`. Out-of-range descriptors are ignored here
/// (glibc's macros would write past the set).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FdSet {
    pub fds_bits: [u64; FD_SETSIZE / NFDBITS],
}

impl FdSet {
    fn slot(fd: i32) -> Option<(usize, u64)> {
        let d = usize::try_from(fd).ok().filter(|&d| d < FD_SETSIZE)?;
        Some((d / NFDBITS, 1 << (d % NFDBITS)))
    }
    pub fn zero(&mut self) {
        self.fds_bits = [0; FD_SETSIZE / NFDBITS];
    }
    pub fn set(&mut self, fd: i32) {
        if let Some((w, m)) = Self::slot(fd) {
            self.fds_bits[w] |= m;
        }
    }
    pub fn clear(&mut self, fd: i32) {
        if let Some((w, m)) = Self::slot(fd) {
            self.fds_bits[w] &= !m;
        }
    }
    pub fn is_set(&self, fd: i32) -> bool {
        Self::slot(fd).is_some_and(|(w, m)| self.fds_bits[w] & m != 0)
    }
}

/// What `select` asks `poll` for one descriptor of its sets: read interest
/// is POLLIN, write interest POLLOUT, exceptional conditions POLLPRI.
pub fn select_events(read: bool, write: bool, except: bool) -> i16 {
    (if read { POLLIN } else { 0 })
        | (if write { POLLOUT } else { 0 })
        | (if except { POLLPRI } else { 0 })
}

/// Which of its sets `select` reports a descriptor in, from poll's
/// `revents`, as Linux does: readable on POLLIN, POLLHUP or POLLERR,
/// writable on POLLOUT or POLLERR, exceptional on POLLPRI; each only where
/// it was asked for.
pub fn select_ready(events: i16, revents: i16) -> (bool, bool, bool) {
    let r = events & POLLIN != 0 && revents & (POLLIN | POLLHUP | POLLERR) != 0;
    let w = events & POLLOUT != 0 && revents & (POLLOUT | POLLERR) != 0;
    let x = events & POLLPRI != 0 && revents & POLLPRI != 0;
    (r, w, x)
}

/// A `timeval` timeout as poll's milliseconds, rounded up so that select
/// never returns before its time (`None` for a negative field: EINVAL).
pub fn timeval_ms(tv: &Timeval) -> Option<i32> {
    if tv.tv_sec < 0 || tv.tv_usec < 0 {
        return None;
    }
    let ms = (tv.tv_sec as i128) * 1000 + (tv.tv_usec as i128 + 999) / 1000;
    Some(ms.min(i32::MAX as i128) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fd_set_bits() {
        let mut s = FdSet::default();
        s.set(0);
        s.set(65);
        s.set(1023);
        s.set(1024);
        s.set(-1);
        assert_eq!(s.fds_bits[0], 1);
        assert_eq!(s.fds_bits[1], 2);
        assert_eq!(s.fds_bits[15], 1 << 63);
        assert!(s.is_set(65) && !s.is_set(64) && !s.is_set(1024));
        s.clear(65);
        assert!(!s.is_set(65));
        s.zero();
        assert_eq!(s, FdSet::default());
    }

    #[test]
    fn select_maps_like_linux() {
        assert_eq!(select_ready(POLLIN, POLLHUP), (true, false, false));
        assert_eq!(select_ready(POLLIN | POLLOUT, POLLERR), (true, true, false));
        assert_eq!(select_ready(POLLOUT, POLLIN), (false, false, false));
        assert_eq!(select_ready(POLLPRI, POLLPRI), (false, false, true));
        assert_eq!(select_events(true, false, true), POLLIN | POLLPRI);
    }

    #[test]
    fn timeouts_round_up() {
        let tv = |s, u| Timeval {
            tv_sec: s,
            tv_usec: u,
        };
        assert_eq!(timeval_ms(&tv(0, 0)), Some(0));
        assert_eq!(timeval_ms(&tv(0, 1)), Some(1));
        assert_eq!(timeval_ms(&tv(1, 999_999)), Some(2000));
        assert_eq!(timeval_ms(&tv(i64::MAX, 0)), Some(i32::MAX));
        assert_eq!(timeval_ms(&tv(-1, 0)), None);
        assert_eq!(timeval_ms(&tv(0, -1)), None);
    }
}
