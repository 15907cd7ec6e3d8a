//! TCP and UDP over IPv4, shaped like `std::net`: [`TcpListener`],
//! [`TcpStream`], [`UdpSocket`], with `core::net`'s [`Ipv4Addr`] and
//! [`SocketAddrV4`], and [`io::Error`](crate::io::Error) (re-exported
//! here) that carries the errno with a kind like `std::io::ErrorKind`.
//!
//! ```ignore
//! use ukrt_app::net::{TcpListener, Ipv4Addr};
//! let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 8080))?;
//! for stream in listener.incoming() {
//!     let stream = stream?;
//!     stream.write_all(b"hello\n")?;
//! }
//! ```
//!
//! Calls block in the runtime (other apps run meanwhile) until they can go
//! on, or until the socket's read or write timeout (then an error of kind
//! `WouldBlock`, as on Linux); a non-blocking socket returns `WouldBlock`
//! at once.
//!
//! The module goes through libukc's BSD socket functions and uses only
//! `core`, so the host tests build this same file against glibc.
use core::fmt;
use core::time::Duration;

pub use super::io::{Error, ErrorKind, Result};

pub use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// The C side: libukc's functions (glibc's on the host), with Linux's
/// numbers and layouts.
mod sys {
    pub const AF_INET: i32 = 2;
    pub const SOCK_STREAM: i32 = 1;
    pub const SOCK_DGRAM: i32 = 2;
    pub const SOL_SOCKET: i32 = 1;
    pub const SO_REUSEADDR: i32 = 2;
    pub const SO_ERROR: i32 = 4;
    pub const SO_RCVTIMEO: i32 = 20;
    pub const SO_SNDTIMEO: i32 = 21;
    pub const IPPROTO_TCP: i32 = 6;
    pub const TCP_NODELAY: i32 = 1;
    pub const MSG_NOSIGNAL: i32 = 0x4000;
    pub const F_GETFL: i32 = 3;
    pub const F_SETFL: i32 = 4;
    pub const O_NONBLOCK: i32 = 0o4000;
    pub const EINTR: i32 = 4;

    /// `struct sockaddr_in`: port and address in network byte order.
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    pub struct SockaddrIn {
        pub sin_family: u16,
        pub sin_port: u16,
        pub sin_addr: u32,
        pub sin_zero: [u8; 8],
    }

    /// `struct timeval`.
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    pub struct Timeval {
        pub tv_sec: i64,
        pub tv_usec: i64,
    }

    // SAFETY: these declarations match libukc's C functions
    // (app-template/libukc/src/abi/net.rs, inet.rs and string.rs) and
    // glibc's, in name, argument and result types. The ones marked `safe`
    // take no pointer and are sound with any argument: a bad descriptor or
    // number is an error result, not undefined behaviour.
    unsafe extern "C" {
        pub safe fn socket(domain: i32, ty: i32, protocol: i32) -> i32;
        pub fn bind(fd: i32, addr: *const SockaddrIn, len: u32) -> i32;
        pub safe fn listen(fd: i32, backlog: i32) -> i32;
        pub fn accept(fd: i32, addr: *mut SockaddrIn, len: *mut u32) -> i32;
        pub fn connect(fd: i32, addr: *const SockaddrIn, len: u32) -> i32;
        pub fn send(fd: i32, buf: *const u8, len: usize, flags: i32) -> isize;
        pub fn recv(fd: i32, buf: *mut u8, len: usize, flags: i32) -> isize;
        pub fn sendto(
            fd: i32,
            buf: *const u8,
            len: usize,
            flags: i32,
            addr: *const SockaddrIn,
            addrlen: u32,
        ) -> isize;
        pub fn recvfrom(
            fd: i32,
            buf: *mut u8,
            len: usize,
            flags: i32,
            addr: *mut SockaddrIn,
            addrlen: *mut u32,
        ) -> isize;
        pub safe fn shutdown(fd: i32, how: i32) -> i32;
        pub safe fn close(fd: i32) -> i32;
        pub fn setsockopt(fd: i32, level: i32, name: i32, val: *const u8, len: u32) -> i32;
        pub fn getsockopt(fd: i32, level: i32, name: i32, val: *mut u8, len: *mut u32) -> i32;
        pub fn getsockname(fd: i32, addr: *mut SockaddrIn, len: *mut u32) -> i32;
        pub fn getpeername(fd: i32, addr: *mut SockaddrIn, len: *mut u32) -> i32;
        pub safe fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }
}

/// A C result: the value, or the errno as an Error when it is -1.
fn cvt(r: i32) -> Result<i32> {
    if r < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn cvt_size(r: isize) -> Result<usize> {
    if r < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// Repeats `f` while it fails with EINTR.
fn retry<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    loop {
        match f() {
            Err(e) if e.raw_os_error() == Some(sys::EINTR) => continue,
            other => return other,
        }
    }
}

/// Something that names one IPv4 socket address, like std's
/// `ToSocketAddrs` (without name lookup: a `&str` is `a.b.c.d:port`).
pub trait ToSocketAddrV4 {
    fn to_socket_addr_v4(&self) -> Result<SocketAddrV4>;
}

impl ToSocketAddrV4 for SocketAddrV4 {
    fn to_socket_addr_v4(&self) -> Result<SocketAddrV4> {
        Ok(*self)
    }
}

impl ToSocketAddrV4 for SocketAddr {
    fn to_socket_addr_v4(&self) -> Result<SocketAddrV4> {
        match self {
            SocketAddr::V4(a) => Ok(*a),
            SocketAddr::V6(_) => Err(Error::new(ErrorKind::Unsupported, "IPv6 is not supported")),
        }
    }
}

impl ToSocketAddrV4 for (Ipv4Addr, u16) {
    fn to_socket_addr_v4(&self) -> Result<SocketAddrV4> {
        Ok(SocketAddrV4::new(self.0, self.1))
    }
}

impl ToSocketAddrV4 for ([u8; 4], u16) {
    fn to_socket_addr_v4(&self) -> Result<SocketAddrV4> {
        Ok(SocketAddrV4::new(Ipv4Addr::from(self.0), self.1))
    }
}

impl ToSocketAddrV4 for str {
    fn to_socket_addr_v4(&self) -> Result<SocketAddrV4> {
        self.parse()
            .map_err(|_| Error::new(ErrorKind::InvalidInput, "invalid IPv4 socket address"))
    }
}

impl<T: ToSocketAddrV4 + ?Sized> ToSocketAddrV4 for &T {
    fn to_socket_addr_v4(&self) -> Result<SocketAddrV4> {
        (**self).to_socket_addr_v4()
    }
}

fn to_c(a: &SocketAddrV4) -> sys::SockaddrIn {
    sys::SockaddrIn {
        sin_family: sys::AF_INET as u16,
        sin_port: a.port().to_be(),
        sin_addr: u32::from(*a.ip()).to_be(),
        sin_zero: [0; 8],
    }
}

fn from_c(s: &sys::SockaddrIn) -> Result<SocketAddrV4> {
    if s.sin_family != sys::AF_INET as u16 {
        return Err(Error::new(ErrorKind::InvalidData, "not an IPv4 address"));
    }
    Ok(SocketAddrV4::new(
        Ipv4Addr::from(u32::from_be(s.sin_addr)),
        u16::from_be(s.sin_port),
    ))
}

const SOCKADDR_LEN: u32 = core::mem::size_of::<sys::SockaddrIn>() as u32;

/// How [`TcpStream::shutdown`] closes a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    Read,
    Write,
    Both,
}

/// An open socket, closed when dropped.
#[derive(Debug)]
struct Socket(i32);

impl Drop for Socket {
    fn drop(&mut self) {
        sys::close(self.0);
    }
}

impl Socket {
    fn new(ty: i32) -> Result<Socket> {
        cvt(sys::socket(sys::AF_INET, ty, 0)).map(Socket)
    }

    fn bind(&self, addr: &SocketAddrV4) -> Result<()> {
        let sa = to_c(addr);
        // SAFETY: `sa` is a live sockaddr_in of SOCKADDR_LEN bytes, which is
        // all bind reads.
        cvt(unsafe { sys::bind(self.0, &sa, SOCKADDR_LEN) }).map(drop)
    }

    fn connect(&self, addr: &SocketAddrV4) -> Result<()> {
        let sa = to_c(addr);
        // SAFETY: `sa` is a live sockaddr_in of SOCKADDR_LEN bytes, which is
        // all connect reads.
        retry(|| cvt(unsafe { sys::connect(self.0, &sa, SOCKADDR_LEN) })).map(drop)
    }

    fn name(&self, peer: bool) -> Result<SocketAddrV4> {
        let mut sa = sys::SockaddrIn::default();
        let mut len = SOCKADDR_LEN;
        // SAFETY: `sa` has room for SOCKADDR_LEN bytes, which `len` says,
        // and `len` is a writable u32; getsockname and getpeername write no
        // more than that.
        let r = unsafe {
            if peer {
                sys::getpeername(self.0, &mut sa, &mut len)
            } else {
                sys::getsockname(self.0, &mut sa, &mut len)
            }
        };
        cvt(r)?;
        from_c(&sa)
    }

    fn set_int(&self, level: i32, name: i32, value: i32) -> Result<()> {
        // SAFETY: `value` is a live i32, and setsockopt reads the 4 bytes
        // the length says.
        cvt(unsafe { sys::setsockopt(self.0, level, name, (&value as *const i32).cast(), 4) })
            .map(drop)
    }

    fn get_int(&self, level: i32, name: i32) -> Result<i32> {
        let mut value = 0i32;
        let mut len = 4u32;
        // SAFETY: `value` has room for the 4 bytes `len` says and `len` is
        // a writable u32; getsockopt writes no more than that.
        cvt(unsafe {
            sys::getsockopt(
                self.0,
                level,
                name,
                (&mut value as *mut i32).cast(),
                &mut len,
            )
        })?;
        Ok(value)
    }

    fn set_timeout(&self, name: i32, d: Option<Duration>) -> Result<()> {
        let tv = match d {
            Some(d) if d.is_zero() => {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    "cannot set a 0 duration timeout",
                ))
            }
            Some(d) => {
                let mut tv = sys::Timeval {
                    tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
                    tv_usec: d.subsec_micros() as i64,
                };
                if tv.tv_sec == 0 && tv.tv_usec == 0 {
                    tv.tv_usec = 1;
                }
                tv
            }
            None => sys::Timeval::default(),
        };
        let len = core::mem::size_of::<sys::Timeval>() as u32;
        // SAFETY: `tv` is a live timeval of `len` bytes, which is all
        // setsockopt reads.
        cvt(unsafe {
            sys::setsockopt(
                self.0,
                sys::SOL_SOCKET,
                name,
                (&tv as *const sys::Timeval).cast(),
                len,
            )
        })
        .map(drop)
    }

    fn timeout(&self, name: i32) -> Result<Option<Duration>> {
        let mut tv = sys::Timeval::default();
        let mut len = core::mem::size_of::<sys::Timeval>() as u32;
        // SAFETY: `tv` has room for the `len` bytes of a timeval and `len`
        // is a writable u32; getsockopt writes no more than that.
        cvt(unsafe {
            sys::getsockopt(
                self.0,
                sys::SOL_SOCKET,
                name,
                (&mut tv as *mut sys::Timeval).cast(),
                &mut len,
            )
        })?;
        Ok((tv.tv_sec != 0 || tv.tv_usec != 0)
            .then(|| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000)))
    }

    fn set_nonblocking(&self, on: bool) -> Result<()> {
        let flags = cvt(sys::fcntl(self.0, sys::F_GETFL))?;
        let flags = if on {
            flags | sys::O_NONBLOCK
        } else {
            flags & !sys::O_NONBLOCK
        };
        cvt(sys::fcntl(self.0, sys::F_SETFL, flags)).map(drop)
    }

    fn take_error(&self) -> Result<Option<Error>> {
        let e = self.get_int(sys::SOL_SOCKET, sys::SO_ERROR)?;
        Ok((e != 0).then(|| Error::from_raw_os_error(e)))
    }

    fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        // SAFETY: `buf` is a live, writable slice, and recv writes at most
        // `buf.len()` bytes into it.
        retry(|| cvt_size(unsafe { sys::recv(self.0, buf.as_mut_ptr(), buf.len(), 0) }))
    }

    fn send(&self, buf: &[u8]) -> Result<usize> {
        // SAFETY: `buf` is a live slice, and send reads its `buf.len()`
        // bytes only.
        retry(|| cvt_size(unsafe { sys::send(self.0, buf.as_ptr(), buf.len(), sys::MSG_NOSIGNAL) }))
    }
}

/// A TCP socket that listens for connections.
#[derive(Debug)]
pub struct TcpListener(Socket);

impl TcpListener {
    /// Listens on `addr` (SO_REUSEADDR set, as std does), with a backlog of
    /// 128.
    pub fn bind(addr: impl ToSocketAddrV4) -> Result<TcpListener> {
        let addr = addr.to_socket_addr_v4()?;
        let s = Socket::new(sys::SOCK_STREAM)?;
        s.set_int(sys::SOL_SOCKET, sys::SO_REUSEADDR, 1)?;
        s.bind(&addr)?;
        cvt(sys::listen(s.0, 128))?;
        Ok(TcpListener(s))
    }

    /// The next connection and its peer's address.
    pub fn accept(&self) -> Result<(TcpStream, SocketAddrV4)> {
        let mut sa = sys::SockaddrIn::default();
        let mut len = SOCKADDR_LEN;
        // SAFETY: `sa` has room for SOCKADDR_LEN bytes, which `len` says,
        // and `len` is a writable u32; accept writes no more than that.
        let fd = retry(|| cvt(unsafe { sys::accept(self.0 .0, &mut sa, &mut len) }))?;
        let stream = TcpStream(Socket(fd));
        Ok((stream, from_c(&sa)?))
    }

    /// The connections as they come (never ends).
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming(self)
    }

    pub fn local_addr(&self) -> Result<SocketAddrV4> {
        self.0.name(false)
    }

    /// With `true`, `accept` returns `WouldBlock` when no connection waits.
    pub fn set_nonblocking(&self, on: bool) -> Result<()> {
        self.0.set_nonblocking(on)
    }

    /// The descriptor, for poll.
    pub fn as_raw_fd(&self) -> i32 {
        self.0 .0
    }
}

/// [`TcpListener::incoming`]'s iterator.
pub struct Incoming<'a>(&'a TcpListener);

impl Iterator for Incoming<'_> {
    type Item = Result<TcpStream>;
    fn next(&mut self) -> Option<Result<TcpStream>> {
        Some(self.0.accept().map(|(s, _)| s))
    }
}

/// A TCP connection. Reads and writes take `&self`, as std's `&TcpStream`
/// allows.
#[derive(Debug)]
pub struct TcpStream(Socket);

impl TcpStream {
    /// Connects to `addr` (blocking until it is up or refused).
    pub fn connect(addr: impl ToSocketAddrV4) -> Result<TcpStream> {
        let addr = addr.to_socket_addr_v4()?;
        let s = Socket::new(sys::SOCK_STREAM)?;
        s.connect(&addr)?;
        Ok(TcpStream(s))
    }

    /// Reads what has arrived (waiting for at least one byte); 0 at the end
    /// of the stream.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        self.0.recv(buf)
    }

    /// Reads exactly `buf.len()` bytes (`UnexpectedEof` if the stream ends
    /// first).
    pub fn read_exact(&self, mut buf: &mut [u8]) -> Result<()> {
        while !buf.is_empty() {
            match self.read(buf)? {
                0 => {
                    return Err(Error::new(
                        ErrorKind::UnexpectedEof,
                        "failed to fill whole buffer",
                    ))
                }
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Sends some of `buf`; returns how much.
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        self.0.send(buf)
    }

    /// Sends all of `buf`.
    pub fn write_all(&self, mut buf: &[u8]) -> Result<()> {
        while !buf.is_empty() {
            match self.write(buf)? {
                0 => {
                    return Err(Error::new(
                        ErrorKind::WriteZero,
                        "failed to write whole buffer",
                    ))
                }
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Formatted output, so that `write!(stream, ...)` works.
    pub fn write_fmt(&self, args: fmt::Arguments<'_>) -> Result<()> {
        struct Adapter<'a> {
            stream: &'a TcpStream,
            error: Option<Error>,
        }
        impl fmt::Write for Adapter<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.stream.write_all(s.as_bytes()).map_err(|e| {
                    self.error = Some(e);
                    fmt::Error
                })
            }
        }
        let mut a = Adapter {
            stream: self,
            error: None,
        };
        match fmt::write(&mut a, args) {
            Ok(()) => Ok(()),
            Err(_) => Err(a
                .error
                .unwrap_or(Error::new(ErrorKind::Other, "formatter error"))),
        }
    }

    /// Nothing is buffered here.
    pub fn flush(&self) -> Result<()> {
        Ok(())
    }

    pub fn shutdown(&self, how: Shutdown) -> Result<()> {
        let how = match how {
            Shutdown::Read => 0,
            Shutdown::Write => 1,
            Shutdown::Both => 2,
        };
        cvt(sys::shutdown(self.0 .0, how)).map(drop)
    }

    pub fn set_nodelay(&self, on: bool) -> Result<()> {
        self.0
            .set_int(sys::IPPROTO_TCP, sys::TCP_NODELAY, on as i32)
    }

    pub fn nodelay(&self) -> Result<bool> {
        Ok(self.0.get_int(sys::IPPROTO_TCP, sys::TCP_NODELAY)? != 0)
    }

    /// Reads wait at most `d` (then `WouldBlock`); `None` waits for ever.
    /// A zero duration is `InvalidInput`, as in std.
    pub fn set_read_timeout(&self, d: Option<Duration>) -> Result<()> {
        self.0.set_timeout(sys::SO_RCVTIMEO, d)
    }

    /// Writes wait at most `d` (then `WouldBlock`); `None` waits for ever.
    pub fn set_write_timeout(&self, d: Option<Duration>) -> Result<()> {
        self.0.set_timeout(sys::SO_SNDTIMEO, d)
    }

    pub fn read_timeout(&self) -> Result<Option<Duration>> {
        self.0.timeout(sys::SO_RCVTIMEO)
    }

    pub fn write_timeout(&self) -> Result<Option<Duration>> {
        self.0.timeout(sys::SO_SNDTIMEO)
    }

    pub fn peer_addr(&self) -> Result<SocketAddrV4> {
        self.0.name(true)
    }

    pub fn local_addr(&self) -> Result<SocketAddrV4> {
        self.0.name(false)
    }

    pub fn set_nonblocking(&self, on: bool) -> Result<()> {
        self.0.set_nonblocking(on)
    }

    /// The pending error of the socket (SO_ERROR), cleared by reading it.
    pub fn take_error(&self) -> Result<Option<Error>> {
        self.0.take_error()
    }

    /// The descriptor, for poll.
    pub fn as_raw_fd(&self) -> i32 {
        self.0 .0
    }
}

/// A UDP socket.
#[derive(Debug)]
pub struct UdpSocket(Socket);

impl UdpSocket {
    pub fn bind(addr: impl ToSocketAddrV4) -> Result<UdpSocket> {
        let addr = addr.to_socket_addr_v4()?;
        let s = Socket::new(sys::SOCK_DGRAM)?;
        s.bind(&addr)?;
        Ok(UdpSocket(s))
    }

    /// Sends one datagram to `addr`.
    pub fn send_to(&self, buf: &[u8], addr: impl ToSocketAddrV4) -> Result<usize> {
        let sa = to_c(&addr.to_socket_addr_v4()?);
        retry(|| {
            // SAFETY: `buf` is a live slice of `buf.len()` bytes and `sa` a
            // live sockaddr_in of SOCKADDR_LEN bytes; sendto reads only
            // those.
            let r =
                unsafe { sys::sendto(self.0 .0, buf.as_ptr(), buf.len(), 0, &sa, SOCKADDR_LEN) };
            cvt_size(r)
        })
    }

    /// Receives one datagram (the rest of a longer one is lost) and its
    /// sender.
    pub fn recv_from(&self, buf: &mut [u8]) -> Result<(usize, SocketAddrV4)> {
        let mut sa = sys::SockaddrIn::default();
        let mut len = SOCKADDR_LEN;
        let n = retry(|| {
            // SAFETY: `buf` is a live, writable slice, `sa` has room for the
            // SOCKADDR_LEN bytes `len` says and `len` is a writable u32;
            // recvfrom writes no more than those.
            let r = unsafe {
                sys::recvfrom(self.0 .0, buf.as_mut_ptr(), buf.len(), 0, &mut sa, &mut len)
            };
            cvt_size(r)
        })?;
        Ok((n, from_c(&sa)?))
    }

    /// Sets the peer for `send` and `recv` (and receives only from it).
    pub fn connect(&self, addr: impl ToSocketAddrV4) -> Result<()> {
        self.0.connect(&addr.to_socket_addr_v4()?)
    }

    pub fn send(&self, buf: &[u8]) -> Result<usize> {
        self.0.send(buf)
    }

    pub fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        self.0.recv(buf)
    }

    pub fn local_addr(&self) -> Result<SocketAddrV4> {
        self.0.name(false)
    }

    pub fn peer_addr(&self) -> Result<SocketAddrV4> {
        self.0.name(true)
    }

    pub fn set_read_timeout(&self, d: Option<Duration>) -> Result<()> {
        self.0.set_timeout(sys::SO_RCVTIMEO, d)
    }

    pub fn set_write_timeout(&self, d: Option<Duration>) -> Result<()> {
        self.0.set_timeout(sys::SO_SNDTIMEO, d)
    }

    pub fn read_timeout(&self) -> Result<Option<Duration>> {
        self.0.timeout(sys::SO_RCVTIMEO)
    }

    pub fn set_nonblocking(&self, on: bool) -> Result<()> {
        self.0.set_nonblocking(on)
    }

    pub fn take_error(&self) -> Result<Option<Error>> {
        self.0.take_error()
    }

    pub fn as_raw_fd(&self) -> i32 {
        self.0 .0
    }
}
