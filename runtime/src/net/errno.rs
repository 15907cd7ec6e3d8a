//! Linux's errno values, as the socket layer returns them (negated) to the
//! libc-like layer, which sets `errno`.
#![allow(clippy::upper_case_acronyms)]

/// An errno value (asm-generic/errno-base.h and errno.h). The table is
/// Linux's, not just what the socket layer returns today.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Errno {
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EFAULT = 14,
    EINVAL = 22,
    EMFILE = 24,
    EPIPE = 32,
    ENOSYS = 38,
    ENOTSOCK = 88,
    EDESTADDRREQ = 89,
    EMSGSIZE = 90,
    EPROTOTYPE = 91,
    ENOPROTOOPT = 92,
    EPROTONOSUPPORT = 93,
    EOPNOTSUPP = 95,
    EAFNOSUPPORT = 97,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ENETDOWN = 100,
    ENETUNREACH = 101,
    ECONNABORTED = 103,
    ECONNRESET = 104,
    ENOBUFS = 105,
    EISCONN = 106,
    ENOTCONN = 107,
    ETIMEDOUT = 110,
    ECONNREFUSED = 111,
    EHOSTUNREACH = 113,
    EALREADY = 114,
    EINPROGRESS = 115,
}

impl Errno {
    /// The value an export returns for it: `-errno`.
    pub fn ret(self) -> i64 {
        -(self as i32 as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::Errno;

    #[test]
    fn values_are_linuxs() {
        // Spot checks against asm-generic/errno.h.
        assert_eq!(Errno::EAGAIN as i32, 11);
        assert_eq!(Errno::EADDRINUSE as i32, 98);
        assert_eq!(Errno::ECONNRESET as i32, 104);
        assert_eq!(Errno::ETIMEDOUT as i32, 110);
        assert_eq!(Errno::ECONNREFUSED as i32, 111);
        assert_eq!(Errno::EINPROGRESS as i32, 115);
        assert_eq!(Errno::ECONNREFUSED.ret(), -111);
    }
}
