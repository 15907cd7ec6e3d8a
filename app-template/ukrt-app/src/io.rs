//! I/O errors and traits shaped like `std::io`: [`Error`] carries the
//! errno with a [`kind`](Error::kind) like `std::io::ErrorKind`; [`Read`],
//! [`Write`] and [`Seek`] are what [`fs::File`](crate::fs::File)
//! implements.
//!
//! Uses only `core` and `alloc`, so the host tests build this same file
//! against glibc.
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

mod sys {
    use core::ffi::c_char;
    // SAFETY: these declarations match libukc's C functions
    // (app-template/libukc/src/abi/mod.rs and string.rs) and glibc's, in
    // name, argument and result types; both take no pointer.
    unsafe extern "C" {
        pub safe fn __errno_location() -> *mut i32;
        pub safe fn strerror(errnum: i32) -> *const c_char;
    }
}

/// What an [`Error`] is about, like `std::io::ErrorKind` for the errors
/// sockets give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    NotFound,
    PermissionDenied,
    ConnectionRefused,
    ConnectionReset,
    HostUnreachable,
    NetworkUnreachable,
    ConnectionAborted,
    NotConnected,
    AddrInUse,
    AddrNotAvailable,
    NetworkDown,
    BrokenPipe,
    AlreadyExists,
    WouldBlock,
    InProgress,
    InvalidInput,
    InvalidData,
    TimedOut,
    WriteZero,
    Interrupted,
    Unsupported,
    UnexpectedEof,
    OutOfMemory,
    NotADirectory,
    IsADirectory,
    DirectoryNotEmpty,
    ReadOnlyFilesystem,
    StorageFull,
    NotSeekable,
    FileTooLarge,
    ResourceBusy,
    CrossesDevices,
    TooManyLinks,
    InvalidFilename,
    QuotaExceeded,
    Deadlock,
    ArgumentListTooLong,
    ExecutableFileBusy,
    StaleNetworkFileHandle,
    FilesystemLoop,
    Other,
}

impl ErrorKind {
    /// The kind of an errno value (Linux's numbers), as std maps them
    /// (plus EOPNOTSUPP, EAFNOSUPPORT and EPROTONOSUPPORT as Unsupported;
    /// what std calls Uncategorized is Other).
    pub fn from_errno(e: i32) -> ErrorKind {
        use ErrorKind::*;
        match e {
            1 | 13 => PermissionDenied,       // EPERM, EACCES
            2 => NotFound,                    // ENOENT
            7 => ArgumentListTooLong,         // E2BIG
            16 => ResourceBusy,               // EBUSY
            18 => CrossesDevices,             // EXDEV
            20 => NotADirectory,              // ENOTDIR
            21 => IsADirectory,               // EISDIR
            26 => ExecutableFileBusy,         // ETXTBSY
            27 => FileTooLarge,               // EFBIG
            28 => StorageFull,                // ENOSPC
            29 => NotSeekable,                // ESPIPE
            30 => ReadOnlyFilesystem,         // EROFS
            31 => TooManyLinks,               // EMLINK
            35 => Deadlock,                   // EDEADLK
            36 => InvalidFilename,            // ENAMETOOLONG
            39 => DirectoryNotEmpty,          // ENOTEMPTY
            40 => FilesystemLoop,             // ELOOP
            116 => StaleNetworkFileHandle,    // ESTALE
            122 => QuotaExceeded,             // EDQUOT
            4 => Interrupted,                 // EINTR
            11 => WouldBlock,                 // EAGAIN, EWOULDBLOCK
            12 => OutOfMemory,                // ENOMEM
            17 => AlreadyExists,              // EEXIST
            22 => InvalidInput,               // EINVAL
            32 => BrokenPipe,                 // EPIPE
            38 | 93 | 95 | 97 => Unsupported, // ENOSYS, EPROTONOSUPPORT, EOPNOTSUPP, EAFNOSUPPORT
            98 => AddrInUse,                  // EADDRINUSE
            99 => AddrNotAvailable,           // EADDRNOTAVAIL
            100 => NetworkDown,               // ENETDOWN
            101 => NetworkUnreachable,        // ENETUNREACH
            103 => ConnectionAborted,         // ECONNABORTED
            104 => ConnectionReset,           // ECONNRESET
            107 => NotConnected,              // ENOTCONN
            110 => TimedOut,                  // ETIMEDOUT
            111 => ConnectionRefused,         // ECONNREFUSED
            113 => HostUnreachable,           // EHOSTUNREACH
            115 => InProgress,                // EINPROGRESS
            _ => Other,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Repr {
    Os(i32),
    Simple(ErrorKind, &'static str),
}

/// An error of a socket call: the errno it failed with, or a kind and a
/// message for errors found before any call.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Error(Repr);

impl Error {
    /// The error of errno value `code`.
    pub fn from_raw_os_error(code: i32) -> Error {
        Error(Repr::Os(code))
    }
    /// The error the last failed call left in errno.
    pub fn last_os_error() -> Error {
        // SAFETY: __errno_location returns the calling app's (thread's)
        // errno, an aligned int that lives as long as the app.
        Error(Repr::Os(unsafe { *sys::__errno_location() }))
    }
    /// An error that did not come from the system.
    pub const fn new(kind: ErrorKind, message: &'static str) -> Error {
        Error(Repr::Simple(kind, message))
    }
    /// The errno value, for errors from a call.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self.0 {
            Repr::Os(e) => Some(e),
            Repr::Simple(..) => None,
        }
    }
    pub fn kind(&self) -> ErrorKind {
        match self.0 {
            Repr::Os(e) => ErrorKind::from_errno(e),
            Repr::Simple(kind, _) => kind,
        }
    }
}

impl fmt::Display for Error {
    /// As std: the system's message and the number, `Connection refused
    /// (os error 111)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Os(e) => {
                // SAFETY: strerror returns a NUL-terminated message for any
                // number; libukc's are static, glibc's stay valid until the
                // next strerror call of this thread, and it is only read
                // here, before any other call.
                let msg = unsafe { core::ffi::CStr::from_ptr(sys::strerror(e)) };
                write!(f, "{} (os error {e})", msg.to_str().unwrap_or("?"))
            }
            Repr::Simple(_, msg) => f.write_str(msg),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Os(e) => write!(
                f,
                "Os {{ code: {e}, kind: {:?}, message: \"{self}\" }}",
                self.kind()
            ),
            Repr::Simple(kind, msg) => write!(f, "{kind:?}: {msg}"),
        }
    }
}

impl core::error::Error for Error {}

pub type Result<T> = core::result::Result<T, Error>;

/// Where [`Seek::seek`] counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekFrom {
    Start(u64),
    End(i64),
    Current(i64),
}

/// Reading bytes, like `std::io::Read`.
pub trait Read {
    /// Reads some bytes into `buf`; 0 at the end.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize>;

    /// Fills `buf` (`UnexpectedEof` if the data ends first).
    fn read_exact(&mut self, mut buf: &mut [u8]) -> Result<()> {
        while !buf.is_empty() {
            match self.read(buf) {
                Ok(0) => {
                    return Err(Error::new(
                        ErrorKind::UnexpectedEof,
                        "failed to fill whole buffer",
                    ))
                }
                Ok(n) => buf = &mut buf[n..],
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads to the end, appending to `buf`; how many bytes it read.
    fn read_to_end(&mut self, buf: &mut Vec<u8>) -> Result<usize> {
        let start = buf.len();
        let mut chunk = [0u8; 4096];
        loop {
            match self.read(&mut chunk) {
                Ok(0) => return Ok(buf.len() - start),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads to the end as UTF-8 (`InvalidData` if it is not), appending
    /// to `buf`.
    fn read_to_string(&mut self, buf: &mut String) -> Result<usize> {
        let mut bytes = Vec::new();
        let n = self.read_to_end(&mut bytes)?;
        let s = core::str::from_utf8(&bytes).map_err(|_| {
            Error::new(ErrorKind::InvalidData, "stream did not contain valid UTF-8")
        })?;
        buf.push_str(s);
        Ok(n)
    }
}

/// Writing bytes, like `std::io::Write`.
pub trait Write {
    /// Writes some of `buf`; how much.
    fn write(&mut self, buf: &[u8]) -> Result<usize>;

    /// Writes out what is buffered.
    fn flush(&mut self) -> Result<()>;

    /// Writes all of `buf`.
    fn write_all(&mut self, mut buf: &[u8]) -> Result<()> {
        while !buf.is_empty() {
            match self.write(buf) {
                Ok(0) => {
                    return Err(Error::new(
                        ErrorKind::WriteZero,
                        "failed to write whole buffer",
                    ))
                }
                Ok(n) => buf = &buf[n..],
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Formatted output, so that `write!(w, ...)` works.
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<()> {
        struct Adapter<'a, W: ?Sized> {
            inner: &'a mut W,
            error: Option<Error>,
        }
        impl<W: Write + ?Sized> fmt::Write for Adapter<'_, W> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.inner.write_all(s.as_bytes()).map_err(|e| {
                    self.error = Some(e);
                    fmt::Error
                })
            }
        }
        let mut a = Adapter {
            inner: self,
            error: None,
        };
        match fmt::write(&mut a, args) {
            Ok(()) => Ok(()),
            Err(_) => Err(a
                .error
                .unwrap_or(Error::new(ErrorKind::Other, "formatter error"))),
        }
    }
}

/// Moving a position, like `std::io::Seek`.
pub trait Seek {
    /// Moves to `pos`; the new position from the start.
    fn seek(&mut self, pos: SeekFrom) -> Result<u64>;

    fn rewind(&mut self) -> Result<()> {
        self.seek(SeekFrom::Start(0)).map(drop)
    }

    fn stream_position(&mut self) -> Result<u64> {
        self.seek(SeekFrom::Current(0))
    }
}

/// Standard input: the console's input (`make run` passes the terminal's
/// lines, `--input` a script's), through libukc's buffered `stdin`, so a
/// Rust app and C code in the same app read one stream.
pub struct Stdin(());

/// The app's standard input.
pub fn stdin() -> Stdin {
    Stdin(())
}

mod stdin_sys {
    // SAFETY: these declarations match libukc's getchar (stdio.rs) and
    // glibc's in name, argument and result types; it takes no pointer.
    unsafe extern "C" {
        pub safe fn getchar() -> i32;
    }
}

impl Stdin {
    /// Reads a line, with its `\n` if it has one, appending it to `buf`;
    /// how many bytes were read (0 at the end of input).
    pub fn read_line(&mut self, buf: &mut String) -> Result<usize> {
        let mut line = Vec::new();
        loop {
            let c = stdin_sys::getchar();
            if c < 0 {
                break;
            }
            line.push(c as u8);
            if c == b'\n' as i32 {
                break;
            }
        }
        let text = core::str::from_utf8(&line).map_err(|_| {
            Error::new(ErrorKind::InvalidData, "stream did not contain valid UTF-8")
        })?;
        buf.push_str(text);
        Ok(line.len())
    }

    /// The lines of the input, without their line ends.
    pub fn lines(self) -> impl Iterator<Item = Result<String>> {
        let mut stdin = self;
        core::iter::from_fn(move || {
            let mut line = String::new();
            match stdin.read_line(&mut line) {
                Ok(0) => None,
                Ok(_) => {
                    if line.ends_with('\n') {
                        line.pop();
                        if line.ends_with('\r') {
                            line.pop();
                        }
                    }
                    Some(Ok(line))
                }
                Err(e) => Some(Err(e)),
            }
        })
    }
}

impl Read for Stdin {
    /// Reads what is there, up to the end of a line or of `buf`.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            let c = stdin_sys::getchar();
            if c < 0 {
                break;
            }
            buf[n] = c as u8;
            n += 1;
            if c == b'\n' as i32 {
                break;
            }
        }
        Ok(n)
    }
}
