//! Linux's errno values, as the socket and file layers return them
//! (negated) to the libc-like layer, which sets `errno`.
#![allow(clippy::upper_case_acronyms)]

/// An errno value (asm-generic/errno-base.h and errno.h). The table is
/// Linux's, not just what the runtime returns today.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Errno {
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EIO = 5,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    EXDEV = 18,
    ENODEV = 19,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOTTY = 25,
    EFBIG = 27,
    ENOSPC = 28,
    ESPIPE = 29,
    EROFS = 30,
    EMLINK = 31,
    EPIPE = 32,
    ERANGE = 34,
    ENAMETOOLONG = 36,
    ENOSYS = 38,
    ENOTEMPTY = 39,
    ELOOP = 40,
    EOVERFLOW = 75,
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
        assert_eq!(Errno::ENOSPC as i32, 28);
        assert_eq!(Errno::EROFS as i32, 30);
        assert_eq!(Errno::ENOTEMPTY as i32, 39);
        assert_eq!(Errno::EADDRINUSE as i32, 98);
        assert_eq!(Errno::ECONNRESET as i32, 104);
        assert_eq!(Errno::ETIMEDOUT as i32, 110);
        assert_eq!(Errno::ECONNREFUSED as i32, 111);
        assert_eq!(Errno::EINPROGRESS as i32, 115);
        assert_eq!(Errno::ECONNREFUSED.ret(), -111);
    }
}
