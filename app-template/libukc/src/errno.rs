//! The errno numbers of glibc on x86_64 Linux and their messages (the C
//! locale texts of glibc 2.36's `strerror`), for errno.h, `strerror` and
//! `perror`.
//!
//! 41 and 58 are unused numbers, so glibc calls them "Unknown error 41" and
//! "Unknown error 58"; so do we, and so for every number outside 0..=133.

pub const EPERM: i32 = 1;
pub const ENOENT: i32 = 2;
pub const ESRCH: i32 = 3;
pub const EINTR: i32 = 4;
pub const EIO: i32 = 5;
pub const ENXIO: i32 = 6;
pub const E2BIG: i32 = 7;
pub const ENOEXEC: i32 = 8;
pub const EBADF: i32 = 9;
pub const ECHILD: i32 = 10;
pub const EAGAIN: i32 = 11;
pub const ENOMEM: i32 = 12;
pub const EACCES: i32 = 13;
pub const EFAULT: i32 = 14;
pub const ENOTBLK: i32 = 15;
pub const EBUSY: i32 = 16;
pub const EEXIST: i32 = 17;
pub const EXDEV: i32 = 18;
pub const ENODEV: i32 = 19;
pub const ENOTDIR: i32 = 20;
pub const EISDIR: i32 = 21;
pub const EINVAL: i32 = 22;
pub const ENFILE: i32 = 23;
pub const EMFILE: i32 = 24;
pub const ENOTTY: i32 = 25;
pub const ETXTBSY: i32 = 26;
pub const EFBIG: i32 = 27;
pub const ENOSPC: i32 = 28;
pub const ESPIPE: i32 = 29;
pub const EROFS: i32 = 30;
pub const EMLINK: i32 = 31;
pub const EPIPE: i32 = 32;
pub const EDOM: i32 = 33;
pub const ERANGE: i32 = 34;
pub const EDEADLK: i32 = 35;
pub const ENAMETOOLONG: i32 = 36;
pub const ENOLCK: i32 = 37;
pub const ENOSYS: i32 = 38;
pub const ENOTEMPTY: i32 = 39;
pub const ELOOP: i32 = 40;
pub const ENOMSG: i32 = 42;
pub const EIDRM: i32 = 43;
pub const ECHRNG: i32 = 44;
pub const EL2NSYNC: i32 = 45;
pub const EL3HLT: i32 = 46;
pub const EL3RST: i32 = 47;
pub const ELNRNG: i32 = 48;
pub const EUNATCH: i32 = 49;
pub const ENOCSI: i32 = 50;
pub const EL2HLT: i32 = 51;
pub const EBADE: i32 = 52;
pub const EBADR: i32 = 53;
pub const EXFULL: i32 = 54;
pub const ENOANO: i32 = 55;
pub const EBADRQC: i32 = 56;
pub const EBADSLT: i32 = 57;
pub const EBFONT: i32 = 59;
pub const ENOSTR: i32 = 60;
pub const ENODATA: i32 = 61;
pub const ETIME: i32 = 62;
pub const ENOSR: i32 = 63;
pub const ENONET: i32 = 64;
pub const ENOPKG: i32 = 65;
pub const EREMOTE: i32 = 66;
pub const ENOLINK: i32 = 67;
pub const EADV: i32 = 68;
pub const ESRMNT: i32 = 69;
pub const ECOMM: i32 = 70;
pub const EPROTO: i32 = 71;
pub const EMULTIHOP: i32 = 72;
pub const EDOTDOT: i32 = 73;
pub const EBADMSG: i32 = 74;
pub const EOVERFLOW: i32 = 75;
pub const ENOTUNIQ: i32 = 76;
pub const EBADFD: i32 = 77;
pub const EREMCHG: i32 = 78;
pub const ELIBACC: i32 = 79;
pub const ELIBBAD: i32 = 80;
pub const ELIBSCN: i32 = 81;
pub const ELIBMAX: i32 = 82;
pub const ELIBEXEC: i32 = 83;
pub const EILSEQ: i32 = 84;
pub const ERESTART: i32 = 85;
pub const ESTRPIPE: i32 = 86;
pub const EUSERS: i32 = 87;
pub const ENOTSOCK: i32 = 88;
pub const EDESTADDRREQ: i32 = 89;
pub const EMSGSIZE: i32 = 90;
pub const EPROTOTYPE: i32 = 91;
pub const ENOPROTOOPT: i32 = 92;
pub const EPROTONOSUPPORT: i32 = 93;
pub const ESOCKTNOSUPPORT: i32 = 94;
pub const EOPNOTSUPP: i32 = 95;
pub const EPFNOSUPPORT: i32 = 96;
pub const EAFNOSUPPORT: i32 = 97;
pub const EADDRINUSE: i32 = 98;
pub const EADDRNOTAVAIL: i32 = 99;
pub const ENETDOWN: i32 = 100;
pub const ENETUNREACH: i32 = 101;
pub const ENETRESET: i32 = 102;
pub const ECONNABORTED: i32 = 103;
pub const ECONNRESET: i32 = 104;
pub const ENOBUFS: i32 = 105;
pub const EISCONN: i32 = 106;
pub const ENOTCONN: i32 = 107;
pub const ESHUTDOWN: i32 = 108;
pub const ETOOMANYREFS: i32 = 109;
pub const ETIMEDOUT: i32 = 110;
pub const ECONNREFUSED: i32 = 111;
pub const EHOSTDOWN: i32 = 112;
pub const EHOSTUNREACH: i32 = 113;
pub const EALREADY: i32 = 114;
pub const EINPROGRESS: i32 = 115;
pub const ESTALE: i32 = 116;
pub const EUCLEAN: i32 = 117;
pub const ENOTNAM: i32 = 118;
pub const ENAVAIL: i32 = 119;
pub const EISNAM: i32 = 120;
pub const EREMOTEIO: i32 = 121;
pub const EDQUOT: i32 = 122;
pub const ENOMEDIUM: i32 = 123;
pub const EMEDIUMTYPE: i32 = 124;
pub const ECANCELED: i32 = 125;
pub const ENOKEY: i32 = 126;
pub const EKEYEXPIRED: i32 = 127;
pub const EKEYREVOKED: i32 = 128;
pub const EKEYREJECTED: i32 = 129;
pub const EOWNERDEAD: i32 = 130;
pub const ENOTRECOVERABLE: i32 = 131;
pub const ERFKILL: i32 = 132;
pub const EHWPOISON: i32 = 133;
/// Another name for [`EAGAIN`].
pub const EWOULDBLOCK: i32 = EAGAIN;
/// Another name for [`EDEADLK`].
pub const EDEADLOCK: i32 = EDEADLK;
/// Another name for [`EOPNOTSUPP`].
pub const ENOTSUP: i32 = EOPNOTSUPP;

/// The largest number with a message of its own.
pub const ERRNO_MAX: i32 = EHWPOISON;

/// Each known number's symbolic name and message, NUL-terminated so that
/// `strerror` can hand them out as C strings; `None` for 41 and 58.
static TABLE: [Option<(&[u8], &[u8])>; ERRNO_MAX as usize + 1] = [
    Some((b"0\0", b"Success\0")),
    Some((b"EPERM\0", b"Operation not permitted\0")),
    Some((b"ENOENT\0", b"No such file or directory\0")),
    Some((b"ESRCH\0", b"No such process\0")),
    Some((b"EINTR\0", b"Interrupted system call\0")),
    Some((b"EIO\0", b"Input/output error\0")),
    Some((b"ENXIO\0", b"No such device or address\0")),
    Some((b"E2BIG\0", b"Argument list too long\0")),
    Some((b"ENOEXEC\0", b"Exec format error\0")),
    Some((b"EBADF\0", b"Bad file descriptor\0")),
    Some((b"ECHILD\0", b"No child processes\0")),
    Some((b"EAGAIN\0", b"Resource temporarily unavailable\0")),
    Some((b"ENOMEM\0", b"Cannot allocate memory\0")),
    Some((b"EACCES\0", b"Permission denied\0")),
    Some((b"EFAULT\0", b"Bad address\0")),
    Some((b"ENOTBLK\0", b"Block device required\0")),
    Some((b"EBUSY\0", b"Device or resource busy\0")),
    Some((b"EEXIST\0", b"File exists\0")),
    Some((b"EXDEV\0", b"Invalid cross-device link\0")),
    Some((b"ENODEV\0", b"No such device\0")),
    Some((b"ENOTDIR\0", b"Not a directory\0")),
    Some((b"EISDIR\0", b"Is a directory\0")),
    Some((b"EINVAL\0", b"Invalid argument\0")),
    Some((b"ENFILE\0", b"Too many open files in system\0")),
    Some((b"EMFILE\0", b"Too many open files\0")),
    Some((b"ENOTTY\0", b"Inappropriate ioctl for device\0")),
    Some((b"ETXTBSY\0", b"Text file busy\0")),
    Some((b"EFBIG\0", b"File too large\0")),
    Some((b"ENOSPC\0", b"No space left on device\0")),
    Some((b"ESPIPE\0", b"Illegal seek\0")),
    Some((b"EROFS\0", b"Read-only file system\0")),
    Some((b"EMLINK\0", b"Too many links\0")),
    Some((b"EPIPE\0", b"Broken pipe\0")),
    Some((b"EDOM\0", b"Numerical argument out of domain\0")),
    Some((b"ERANGE\0", b"Numerical result out of range\0")),
    Some((b"EDEADLK\0", b"Resource deadlock avoided\0")),
    Some((b"ENAMETOOLONG\0", b"File name too long\0")),
    Some((b"ENOLCK\0", b"No locks available\0")),
    Some((b"ENOSYS\0", b"Function not implemented\0")),
    Some((b"ENOTEMPTY\0", b"Directory not empty\0")),
    Some((b"ELOOP\0", b"Too many levels of symbolic links\0")),
    None,
    Some((b"ENOMSG\0", b"No message of desired type\0")),
    Some((b"EIDRM\0", b"Identifier removed\0")),
    Some((b"ECHRNG\0", b"Channel number out of range\0")),
    Some((b"EL2NSYNC\0", b"Level 2 not synchronized\0")),
    Some((b"EL3HLT\0", b"Level 3 halted\0")),
    Some((b"EL3RST\0", b"Level 3 reset\0")),
    Some((b"ELNRNG\0", b"Link number out of range\0")),
    Some((b"EUNATCH\0", b"Protocol driver not attached\0")),
    Some((b"ENOCSI\0", b"No CSI structure available\0")),
    Some((b"EL2HLT\0", b"Level 2 halted\0")),
    Some((b"EBADE\0", b"Invalid exchange\0")),
    Some((b"EBADR\0", b"Invalid request descriptor\0")),
    Some((b"EXFULL\0", b"Exchange full\0")),
    Some((b"ENOANO\0", b"No anode\0")),
    Some((b"EBADRQC\0", b"Invalid request code\0")),
    Some((b"EBADSLT\0", b"Invalid slot\0")),
    None,
    Some((b"EBFONT\0", b"Bad font file format\0")),
    Some((b"ENOSTR\0", b"Device not a stream\0")),
    Some((b"ENODATA\0", b"No data available\0")),
    Some((b"ETIME\0", b"Timer expired\0")),
    Some((b"ENOSR\0", b"Out of streams resources\0")),
    Some((b"ENONET\0", b"Machine is not on the network\0")),
    Some((b"ENOPKG\0", b"Package not installed\0")),
    Some((b"EREMOTE\0", b"Object is remote\0")),
    Some((b"ENOLINK\0", b"Link has been severed\0")),
    Some((b"EADV\0", b"Advertise error\0")),
    Some((b"ESRMNT\0", b"Srmount error\0")),
    Some((b"ECOMM\0", b"Communication error on send\0")),
    Some((b"EPROTO\0", b"Protocol error\0")),
    Some((b"EMULTIHOP\0", b"Multihop attempted\0")),
    Some((b"EDOTDOT\0", b"RFS specific error\0")),
    Some((b"EBADMSG\0", b"Bad message\0")),
    Some((b"EOVERFLOW\0", b"Value too large for defined data type\0")),
    Some((b"ENOTUNIQ\0", b"Name not unique on network\0")),
    Some((b"EBADFD\0", b"File descriptor in bad state\0")),
    Some((b"EREMCHG\0", b"Remote address changed\0")),
    Some((b"ELIBACC\0", b"Can not access a needed shared library\0")),
    Some((b"ELIBBAD\0", b"Accessing a corrupted shared library\0")),
    Some((b"ELIBSCN\0", b".lib section in a.out corrupted\0")),
    Some((
        b"ELIBMAX\0",
        b"Attempting to link in too many shared libraries\0",
    )),
    Some((b"ELIBEXEC\0", b"Cannot exec a shared library directly\0")),
    Some((
        b"EILSEQ\0",
        b"Invalid or incomplete multibyte or wide character\0",
    )),
    Some((
        b"ERESTART\0",
        b"Interrupted system call should be restarted\0",
    )),
    Some((b"ESTRPIPE\0", b"Streams pipe error\0")),
    Some((b"EUSERS\0", b"Too many users\0")),
    Some((b"ENOTSOCK\0", b"Socket operation on non-socket\0")),
    Some((b"EDESTADDRREQ\0", b"Destination address required\0")),
    Some((b"EMSGSIZE\0", b"Message too long\0")),
    Some((b"EPROTOTYPE\0", b"Protocol wrong type for socket\0")),
    Some((b"ENOPROTOOPT\0", b"Protocol not available\0")),
    Some((b"EPROTONOSUPPORT\0", b"Protocol not supported\0")),
    Some((b"ESOCKTNOSUPPORT\0", b"Socket type not supported\0")),
    Some((b"EOPNOTSUPP\0", b"Operation not supported\0")),
    Some((b"EPFNOSUPPORT\0", b"Protocol family not supported\0")),
    Some((
        b"EAFNOSUPPORT\0",
        b"Address family not supported by protocol\0",
    )),
    Some((b"EADDRINUSE\0", b"Address already in use\0")),
    Some((b"EADDRNOTAVAIL\0", b"Cannot assign requested address\0")),
    Some((b"ENETDOWN\0", b"Network is down\0")),
    Some((b"ENETUNREACH\0", b"Network is unreachable\0")),
    Some((b"ENETRESET\0", b"Network dropped connection on reset\0")),
    Some((b"ECONNABORTED\0", b"Software caused connection abort\0")),
    Some((b"ECONNRESET\0", b"Connection reset by peer\0")),
    Some((b"ENOBUFS\0", b"No buffer space available\0")),
    Some((b"EISCONN\0", b"Transport endpoint is already connected\0")),
    Some((b"ENOTCONN\0", b"Transport endpoint is not connected\0")),
    Some((
        b"ESHUTDOWN\0",
        b"Cannot send after transport endpoint shutdown\0",
    )),
    Some((b"ETOOMANYREFS\0", b"Too many references: cannot splice\0")),
    Some((b"ETIMEDOUT\0", b"Connection timed out\0")),
    Some((b"ECONNREFUSED\0", b"Connection refused\0")),
    Some((b"EHOSTDOWN\0", b"Host is down\0")),
    Some((b"EHOSTUNREACH\0", b"No route to host\0")),
    Some((b"EALREADY\0", b"Operation already in progress\0")),
    Some((b"EINPROGRESS\0", b"Operation now in progress\0")),
    Some((b"ESTALE\0", b"Stale file handle\0")),
    Some((b"EUCLEAN\0", b"Structure needs cleaning\0")),
    Some((b"ENOTNAM\0", b"Not a XENIX named type file\0")),
    Some((b"ENAVAIL\0", b"No XENIX semaphores available\0")),
    Some((b"EISNAM\0", b"Is a named type file\0")),
    Some((b"EREMOTEIO\0", b"Remote I/O error\0")),
    Some((b"EDQUOT\0", b"Disk quota exceeded\0")),
    Some((b"ENOMEDIUM\0", b"No medium found\0")),
    Some((b"EMEDIUMTYPE\0", b"Wrong medium type\0")),
    Some((b"ECANCELED\0", b"Operation canceled\0")),
    Some((b"ENOKEY\0", b"Required key not available\0")),
    Some((b"EKEYEXPIRED\0", b"Key has expired\0")),
    Some((b"EKEYREVOKED\0", b"Key has been revoked\0")),
    Some((b"EKEYREJECTED\0", b"Key was rejected by service\0")),
    Some((b"EOWNERDEAD\0", b"Owner died\0")),
    Some((b"ENOTRECOVERABLE\0", b"State not recoverable\0")),
    Some((b"ERFKILL\0", b"Operation not possible due to RF-kill\0")),
    Some((b"EHWPOISON\0", b"Memory page has hardware error\0")),
];

fn entry(errnum: i32) -> Option<(&'static [u8], &'static [u8])> {
    let i = usize::try_from(errnum).ok()?;
    *TABLE.get(i)?
}

/// The message `strerror(errnum)` gives in glibc's C locale, without its
/// NUL, or `None` when glibc says "Unknown error N" (see [`strerror_into`]).
pub fn strerror_message(errnum: i32) -> Option<&'static [u8]> {
    entry(errnum).map(|(_, msg)| &msg[..msg.len() - 1])
}

/// [`strerror_message`] as a NUL-terminated C string, ready to be returned
/// by `strerror`.
pub fn strerror_cstr(errnum: i32) -> Option<&'static core::ffi::CStr> {
    let (_, msg) = entry(errnum)?;
    core::ffi::CStr::from_bytes_with_nul(msg).ok()
}

/// The symbolic name glibc's `strerrorname_np` gives (`"EPERM"`, ...; `"0"`
/// for 0), without its NUL, or `None` for numbers without one.
pub fn strerror_name(errnum: i32) -> Option<&'static [u8]> {
    entry(errnum).map(|(name, _)| &name[..name.len() - 1])
}

/// Writes glibc's message for `errnum` (its C locale text, or
/// "Unknown error N") into `buf` like `snprintf`: as much as fits with a
/// terminating NUL (nothing at all when `buf` is empty). Returns the full
/// length of the message without the NUL; it was cut short when that is
/// `>= buf.len()`. 32 bytes always suffice for the unknown ones.
pub fn strerror_into(errnum: i32, buf: &mut [u8]) -> usize {
    let mut unknown = [0u8; 32];
    let msg: &[u8] = match strerror_message(errnum) {
        Some(msg) => msg,
        None => {
            const PREFIX: &[u8] = b"Unknown error ";
            unknown[..PREFIX.len()].copy_from_slice(PREFIX);
            let mut len = PREFIX.len();
            if errnum < 0 {
                unknown[len] = b'-';
                len += 1;
            }
            let mut digits = [0u8; 10];
            let mut n = errnum.unsigned_abs();
            let mut count = 0;
            loop {
                digits[count] = b'0' + (n % 10) as u8;
                count += 1;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            for &d in digits[..count].iter().rev() {
                unknown[len] = d;
                len += 1;
            }
            &unknown[..len]
        }
    };
    if let Some(room) = buf.len().checked_sub(1) {
        let n = msg.len().min(room);
        buf[..n].copy_from_slice(&msg[..n]);
        buf[n] = 0;
    }
    msg.len()
}
