//! stdio: `stdout` (line-buffered) and `stderr` (unbuffered) on the
//! console, `stdin` from it, streams on files (fopen and friends, with
//! glibc's buffering from crate::stream), the printf family, and the get
//! and put functions.
use super::file::{open, tmp_fd};
use super::malloc::{calloc, free};
use super::set_errno;
use crate::errno::{EBADF, EINVAL, ENOMEM};
use crate::file::{fdopen_allowed, parse_mode, Mode, Stat, BUFSIZ, IOFBF, IOLBF, IONBF, SEEK_SET};
use crate::format::{format, ArgSource, BufSink, Sink};
use crate::stream::{Buffering, Io, Stream};
use core::ffi::{c_char, VaList};
use core::sync::atomic::Ordering::Relaxed;

const BUF: usize = 1024;

/// A descriptor for a stream: read, write and lseek through the C
/// functions (which set errno).
pub struct Fd(i32);

fn errno_now() -> i32 {
    super::errno.load(Relaxed)
}

impl Io for Fd {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, i32> {
        // SAFETY: `buf` is a live, writable slice; read writes at most its
        // `len` bytes.
        let r = unsafe { super::net::read(self.0, buf.as_mut_ptr(), buf.len()) };
        if r < 0 {
            Err(errno_now())
        } else {
            Ok(r as usize)
        }
    }
    fn write(&mut self, buf: &[u8]) -> Result<usize, i32> {
        // SAFETY: `buf` is a live slice; write reads only its `len` bytes.
        let r = unsafe { super::net::write(self.0, buf.as_ptr(), buf.len()) };
        if r < 0 {
            Err(errno_now())
        } else {
            Ok(r as usize)
        }
    }
    fn seek(&mut self, off: i64, whence: i32) -> Result<i64, i32> {
        let r = super::file::lseek(self.0, off, whence);
        if r < 0 {
            Err(errno_now())
        } else {
            Ok(r)
        }
    }
}

/// A stream. Apps only ever hold pointers to it. stdin, stdout and stderr
/// start on the console (the fields up to `buf`); a stream on a
/// descriptor (fopen, fdopen, tmpfile, or freopen of a standard one) uses
/// `file`.
///
/// Every field is valid when all its bytes are zero (integers, bools,
/// pointers, byte arrays, and `Stream`'s fields, whose `Buffering` is
/// `repr(u8)` with `Full = 0`): fopen takes its FILE from calloc.
#[allow(clippy::upper_case_acronyms)] // C's name
#[repr(C)]
pub struct FILE {
    is_file: bool,
    line_buffered: bool,
    unbuffered: bool,
    len: usize,
    buf: [u8; BUF],
    file: Stream<Fd>,
    /// The next stream from fopen (the list fflush(NULL) walks).
    next: *mut FILE,
    prev: *mut FILE,
}

const fn console_file(line_buffered: bool, unbuffered: bool) -> FILE {
    FILE {
        is_file: false,
        line_buffered,
        unbuffered,
        len: 0,
        buf: [0; BUF],
        file: Stream::closed(Fd(-1)),
        next: core::ptr::null_mut(),
        prev: core::ptr::null_mut(),
    }
}

static mut STDOUT_FILE: FILE = console_file(true, false);
static mut STDERR_FILE: FILE = console_file(false, true);

/// stdin: reads come from the console, a line at a time as typed.
static mut STDIN_FILE: FILE = console_file(true, false);
/// Read position in stdin's buffer (bytes before it were consumed).
static mut STDIN_POS: usize = 0;

/// The streams fopen made, newest first.
static mut OPEN_FILES: *mut FILE = core::ptr::null_mut();

#[no_mangle]
pub static mut stdin: *mut FILE = core::ptr::addr_of_mut!(STDIN_FILE);
#[no_mangle]
pub static mut stdout: *mut FILE = core::ptr::addr_of_mut!(STDOUT_FILE);
#[no_mangle]
pub static mut stderr: *mut FILE = core::ptr::addr_of_mut!(STDERR_FILE);

fn console(bytes: &[u8]) {
    if !bytes.is_empty() {
        // SAFETY: `bytes` is a live slice, so its `len` bytes are readable
        // for the whole call, and ukrt_console_write reads only those.
        unsafe { super::ukrt_console_write(bytes.as_ptr(), bytes.len()) };
    }
}

impl FILE {
    fn flush(&mut self) -> i32 {
        if self.is_file {
            return match self.file.flush() {
                Ok(()) => 0,
                Err(e) => {
                    set_errno(e);
                    -1
                }
            };
        }
        console(&self.buf[..self.len]);
        self.len = 0;
        0
    }

    /// Writes `bytes`; false after an error (errno set).
    fn write(&mut self, bytes: &[u8]) -> bool {
        if self.is_file {
            return match self.file.write(bytes) {
                Ok(_) => true,
                Err(e) => {
                    set_errno(e);
                    false
                }
            };
        }
        if self.unbuffered {
            console(bytes);
            return true;
        }
        for chunk in bytes.chunks(BUF) {
            if self.len + chunk.len() > BUF {
                self.flush();
            }
            self.buf[self.len..self.len + chunk.len()].copy_from_slice(chunk);
            self.len += chunk.len();
        }
        if self.line_buffered && bytes.contains(&b'\n') {
            self.flush();
        }
        true
    }

    /// Whether this is console input (stdin as it starts).
    fn is_console_input(&self) -> bool {
        !self.is_file && core::ptr::eq(self, core::ptr::addr_of!(STDIN_FILE))
    }

    /// The next byte, `None` at the end of the file or on an error.
    fn getc(&mut self) -> Option<u8> {
        if self.is_file {
            return self.file.getc();
        }
        if self.is_console_input() {
            return Some(stdin_byte());
        }
        set_errno(EBADF);
        None
    }
}

impl Sink for FILE {
    fn put(&mut self, bytes: &[u8]) {
        self.write(bytes);
    }
}

/// Arguments from a C `va_list`. Only the printf functions below build one,
/// over the `va_list` of their C caller, and hand it to `format`, which asks
/// for each argument as its conversion says.
struct VaArgs<'a, 'f>(&'a mut VaList<'f>);

impl ArgSource for VaArgs<'_, '_> {
    fn next_int(&mut self) -> i32 {
        // SAFETY: `format` asks for an int only for a conversion that takes
        // one (`%d`, `%c`, a `*` width, ...), and C's contract for the printf
        // family is that the caller passed an int (or a promoted narrower
        // type) there, so the next va_list argument is an i32.
        unsafe { self.0.next_arg::<i32>() }
    }
    fn next_long(&mut self) -> i64 {
        // SAFETY: `format` asks for a long only for a conversion with a
        // 64-bit length modifier (`%ld`, `%zu`, `%lld`, ...), and C's
        // contract for the printf family is that the caller passed such a
        // 64-bit integer there, so the next va_list argument is an i64.
        unsafe { self.0.next_arg::<i64>() }
    }
    fn next_double(&mut self) -> f64 {
        // SAFETY: `format` asks for a double only for a floating-point
        // conversion (`%f`, `%e`, `%g`, `%a`), and C's contract for the
        // printf family is that the caller passed a double (float is
        // promoted) there, so the next va_list argument is an f64.
        unsafe { self.0.next_arg::<f64>() }
    }
    fn next_ptr(&mut self) -> usize {
        // SAFETY: `format` asks for a pointer only for `%s`, `%p` or `%n`,
        // and C's contract for the printf family is that the caller passed
        // a pointer there, so the next va_list argument is a pointer.
        unsafe { self.0.next_arg::<*const core::ffi::c_void>() as usize }
    }
}

/// The stream `f` points at, `None` for NULL.
///
/// # Safety
/// `f` must be NULL or a stream from this library, and no other reference
/// to that stream may be used while the returned one is.
unsafe fn file<'a>(f: *mut FILE) -> Option<&'a mut FILE> {
    // SAFETY: the caller passes NULL or a pointer to one of this library's
    // FILEs (the statics, live for the whole app, or one from fopen, live
    // until fclose), aligned and initialised, and promises no other
    // reference to it is in use, so a unique reference to it is valid.
    unsafe { f.as_mut() }
}

/// The bytes of a C string, without its NUL.
///
/// # Safety
/// `s` must be NUL-terminated, and its bytes must stay readable and
/// unchanged while the slice is used.
unsafe fn cstr<'a>(s: *const c_char) -> &'a [u8] {
    // SAFETY: the caller passes a NUL-terminated string, so c_strlen reads
    // only bytes up to its NUL, and the slice covers the bytes before it,
    // which the caller keeps readable and unchanged while it is used.
    unsafe { core::slice::from_raw_parts(s.cast(), super::c_strlen(s.cast())) }
}

/// perror: `s: message\n` on stderr for the current errno (just the
/// message when `s` is NULL or empty), as glibc writes it.
///
/// # Safety
/// `s` must be NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn perror(s: *const c_char) {
    let e = super::errno.load(Relaxed);
    let mut buf = [0u8; 64];
    let n = crate::errno::strerror_into(e, &mut buf);
    // SAFETY: the caller passes NULL or a NUL-terminated string, unchanged
    // during the call; stderr is one of this library's streams, and no
    // reference to it is live.
    unsafe {
        let f = &mut *stderr;
        if !s.is_null() && *s != 0 {
            f.write(cstr(s));
            f.write(b": ");
        }
        f.write(&buf[..n.min(buf.len())]);
        f.write(b"\n");
    }
}

/// Writes bytes to stderr, unbuffered (for assert and abort messages).
pub fn stderr_bytes(bytes: &[u8]) {
    console(bytes);
}

/// Writes a C string to stderr (for assert and abort messages).
///
/// # Safety
/// `s` must be NUL-terminated.
pub unsafe fn stderr_write(s: *const u8) {
    // SAFETY: the caller passes a NUL-terminated string, and the slice made
    // from it is used only by `console` within this call, while the
    // caller's string is live and unchanged.
    unsafe { console(cstr(s.cast())) };
}

/// `fflush(NULL)`: flushes every stream (at exit too).
pub fn flush_all() {
    // SAFETY: NULL is a valid argument to fflush: it selects every stream
    // rather than naming one.
    unsafe { fflush(core::ptr::null_mut()) };
}

fn clamp(n: usize) -> i32 {
    n.min(i32::MAX as usize) as i32
}

/// # Safety
/// C's contract for vfprintf: `f` is NULL or a stream from this library,
/// `fmt` is NUL-terminated, and `ap` holds an argument of the right type
/// for each of its conversions; each `%s` argument is NULL or a
/// NUL-terminated string (with a precision, at least that many readable
/// bytes).
#[no_mangle]
pub unsafe extern "C" fn vfprintf(f: *mut FILE, fmt: *const c_char, mut ap: VaList) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live while a C call runs (one
    // thread of control).
    let f = unsafe { file(f) };
    // SAFETY: the caller passes a NUL-terminated format string, which does
    // not change while it is formatted.
    let fmt = unsafe { cstr(fmt) };
    let Some(f) = f else {
        return -1;
    };
    // SAFETY: the caller passes, for each `%s` and `%ls`, NULL or a string
    // readable up to its NUL or the precision (C's contract for vfprintf),
    // and `ap` yields exactly those arguments, in order.
    clamp(unsafe { format(fmt, &mut VaArgs(&mut ap), f) })
}

/// # Safety
/// C's contract for vprintf: `fmt` is NUL-terminated and `ap` holds an
/// argument of the right type for each of its conversions; each `%s`
/// argument is NULL or a NUL-terminated string (with a precision, at least
/// that many readable bytes).
#[no_mangle]
pub unsafe extern "C" fn vprintf(fmt: *const c_char, ap: VaList) -> i32 {
    // SAFETY: `stdout` is read once, with no write racing it (one thread of
    // control), and holds one of this library's streams; the caller passes
    // a NUL-terminated `fmt` and matching arguments in `ap`, which with that
    // stream is all vfprintf requires.
    unsafe { vfprintf(stdout, fmt, ap) }
}

/// # Safety
/// C's contract for fprintf: `f` is NULL or a stream from this library,
/// `fmt` is NUL-terminated, and the variadic arguments match its
/// conversions in number and type; each `%s` argument is NULL or a
/// NUL-terminated string (with a precision, at least that many readable
/// bytes).
#[no_mangle]
pub unsafe extern "C" fn fprintf(f: *mut FILE, fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams, a
    // NUL-terminated `fmt`, and variadic arguments that match it; `args` is
    // their va_list, so vfprintf's requirements hold.
    unsafe { vfprintf(f, fmt, args) }
}

/// # Safety
/// C's contract for printf: `fmt` is NUL-terminated and the variadic
/// arguments match its conversions in number and type; each `%s` argument
/// is NULL or a NUL-terminated string (with a precision, at least that many
/// readable bytes).
#[no_mangle]
pub unsafe extern "C" fn printf(fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: `stdout` is read once, with no write racing it (one thread of
    // control), and holds one of this library's streams; the caller passes
    // a NUL-terminated `fmt` and matching variadic arguments, whose va_list
    // is `args`, so vfprintf's requirements hold.
    unsafe { vfprintf(stdout, fmt, args) }
}

/// # Safety
/// C's contract for vsnprintf: `buf` holds `n` writable bytes (it may be
/// NULL when `n` is 0), `fmt` is NUL-terminated and apart from `buf`, and
/// `ap` holds an argument of the right type for each of its conversions;
/// each `%s` argument is NULL or a NUL-terminated string (with a precision,
/// at least that many readable bytes).
#[no_mangle]
pub unsafe extern "C" fn vsnprintf(
    buf: *mut u8,
    n: usize,
    fmt: *const c_char,
    mut ap: VaList,
) -> i32 {
    let out = if n == 0 {
        &mut [][..]
    } else {
        // SAFETY: n > 0, and the caller passes `n` writable bytes at `buf`
        // that nothing else (the format string included) uses during the
        // call, so a unique slice over them is valid.
        unsafe { core::slice::from_raw_parts_mut(buf, n) }
    };
    let mut sink = BufSink::new(out);
    // SAFETY: the caller passes a NUL-terminated format string apart from
    // `buf`, so it stays unchanged while the output is written.
    let fmt = unsafe { cstr(fmt) };
    // SAFETY: the caller passes, for each `%s` and `%ls`, NULL or a string
    // readable up to its NUL or the precision (C's contract for vsnprintf),
    // and `ap` yields exactly those arguments, in order.
    let total = unsafe { format(fmt, &mut VaArgs(&mut ap), &mut sink) };
    if n > 0 {
        let end = sink.written().min(n - 1);
        // SAFETY: end <= n - 1, so the NUL goes inside the caller's `n`
        // writable bytes; the slice over them is no longer used.
        unsafe { buf.add(end).write(0) };
    }
    clamp(total)
}

/// # Safety
/// C's contract for snprintf: `buf` holds `n` writable bytes (it may be
/// NULL when `n` is 0), `fmt` is NUL-terminated and apart from `buf`, and
/// the variadic arguments match its conversions in number and type; each
/// `%s` argument is NULL or a NUL-terminated string (with a precision, at
/// least that many readable bytes).
#[no_mangle]
pub unsafe extern "C" fn snprintf(buf: *mut u8, n: usize, fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: the caller passes `n` writable bytes at `buf`, a
    // NUL-terminated `fmt` apart from them, and variadic arguments that
    // match it, whose va_list is `args`: vsnprintf's requirements.
    unsafe { vsnprintf(buf, n, fmt, args) }
}

/// sprintf's output: C trusts the buffer to be large enough, so this
/// writes through the raw pointer without a length. Only `vsprintf` makes
/// one, over its caller's buffer.
struct Unbounded {
    at: *mut u8,
}

impl Sink for Unbounded {
    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            // SAFETY: `at` starts at the buffer of vsprintf's C caller, which
            // C's contract for sprintf makes large enough for the whole
            // output and its NUL; it moves one byte per byte written, so
            // each write and the step after it stay inside that buffer.
            unsafe {
                self.at.write(b);
                self.at = self.at.add(1);
            }
        }
    }
}

/// # Safety
/// C's contract for vsprintf: `buf` has room for the whole output and its
/// NUL, `fmt` is NUL-terminated and apart from `buf`, and `ap` holds an
/// argument of the right type for each of its conversions; each `%s`
/// argument is NULL or a NUL-terminated string (with a precision, at least
/// that many readable bytes).
#[no_mangle]
pub unsafe extern "C" fn vsprintf(buf: *mut u8, fmt: *const c_char, mut ap: VaList) -> i32 {
    let mut sink = Unbounded { at: buf };
    // SAFETY: the caller passes a NUL-terminated format string apart from
    // `buf`, so it stays unchanged while the output is written.
    let fmt = unsafe { cstr(fmt) };
    // SAFETY: the caller passes, for each `%s` and `%ls`, NULL or a string
    // readable up to its NUL or the precision (C's contract for vsprintf),
    // and `ap` yields exactly those arguments, in order.
    let total = unsafe { format(fmt, &mut VaArgs(&mut ap), &mut sink) };
    // SAFETY: `sink.at` is just past the last byte written, and the caller's
    // buffer has room for the output and its NUL.
    unsafe { sink.at.write(0) };
    clamp(total)
}

/// # Safety
/// C's contract for sprintf: `buf` has room for the whole output and its
/// NUL, `fmt` is NUL-terminated and apart from `buf`, and the variadic
/// arguments match its conversions in number and type; each `%s` argument
/// is NULL or a NUL-terminated string (with a precision, at least that many
/// readable bytes).
#[no_mangle]
pub unsafe extern "C" fn sprintf(buf: *mut u8, fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: the caller passes a buffer with room for the output, a
    // NUL-terminated `fmt` apart from it, and variadic arguments that match
    // it, whose va_list is `args`: vsprintf's requirements.
    unsafe { vsprintf(buf, fmt, args) }
}

/// # Safety
/// C's contract for fwrite: `size * n` readable bytes at `p`; `f` is NULL
/// or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fwrite(p: *const u8, size: usize, n: usize, f: *mut FILE) -> usize {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    let Some(f) = (unsafe { file(f) }) else {
        return 0;
    };
    let total = size.saturating_mul(n);
    if total == 0 {
        return 0;
    }
    // SAFETY: the caller passes `size * n` readable bytes at `p`, apart from
    // the stream's buffer, so `total` is that product and the slice covers
    // exactly them.
    if f.write(unsafe { core::slice::from_raw_parts(p, total) }) {
        n
    } else {
        0
    }
}

/// # Safety
/// C's contract for fputs: `s` is NUL-terminated; `f` is NULL or a stream
/// from this library.
#[no_mangle]
pub unsafe extern "C" fn fputs(s: *const c_char, f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    let Some(f) = (unsafe { file(f) }) else {
        return -1;
    };
    // SAFETY: the caller passes a NUL-terminated string, apart from the
    // stream's buffer, so it stays unchanged while it is written.
    if f.write(unsafe { cstr(s) }) {
        1
    } else {
        -1
    }
}

/// # Safety
/// C's contract for puts: `s` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn puts(s: *const c_char) -> i32 {
    // SAFETY: `stdout` is read with no write racing it (one thread of
    // control) and holds one of this library's streams, live for the whole
    // app; nothing else references that stream during this call.
    let out = unsafe { &mut *stdout };
    // SAFETY: the caller passes a NUL-terminated string, apart from the
    // stream's buffer, so it stays unchanged while it is written.
    if out.write(unsafe { cstr(s) }) && out.write(b"\n") {
        1
    } else {
        -1
    }
}

/// # Safety
/// C's contract for fputc: `f` is NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fputc(c: i32, f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    let Some(f) = (unsafe { file(f) }) else {
        return -1;
    };
    if f.write(&[c as u8]) {
        c as u8 as i32
    } else {
        -1
    }
}

/// # Safety
/// C's contract for putc: `f` is NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn putc(c: i32, f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams,
    // which is all fputc requires.
    unsafe { fputc(c, f) }
}

#[no_mangle]
pub extern "C" fn putchar(c: i32) -> i32 {
    // SAFETY: `stdout` is read with no write racing it (one thread of
    // control) and holds one of this library's streams, which is all fputc
    // requires.
    unsafe { fputc(c, stdout) }
}

/// `fflush(NULL)` flushes every stream.
///
/// # Safety
/// C's contract for fflush: `f` is NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fflush(f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    match unsafe { file(f) } {
        Some(f) => f.flush(),
        None => {
            let mut r = 0;
            // SAFETY: `stdin`, `stdout` and `stderr` are read with no write
            // racing them (one thread of control) and hold this library's
            // streams, live for the whole app; OPEN_FILES links the live
            // streams of fopen, each a valid FILE until fclose unlinks it.
            // Each stream is borrowed only for its own flush.
            unsafe {
                for s in [stdout, stderr, stdin] {
                    if (*s).is_file || !core::ptr::eq(s, core::ptr::addr_of!(STDIN_FILE)) {
                        r |= (*s).flush();
                    }
                }
                let mut p = OPEN_FILES;
                while !p.is_null() {
                    r |= (*p).flush();
                    p = (*p).next;
                }
            }
            r
        }
    }
}

/// The next byte of console input, waiting for it if need be.
fn stdin_byte() -> u8 {
    // SAFETY: STDIN_FILE and STDIN_POS are private to this module and only
    // borrowed here (`read` only reads them between calls), and an app
    // instance has one thread of control, so these are the only references
    // to them while they live.
    let (f, pos) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(STDIN_FILE),
            &mut *core::ptr::addr_of_mut!(STDIN_POS),
        )
    };
    if *pos == f.len {
        // Show what was printed (a prompt) before waiting for input; this
        // flushes the other streams, not the stdin state borrowed here.
        // SAFETY: `stdout` and `stderr` are read with no write racing them
        // and hold this library's streams; neither is STDIN_FILE unless an
        // app assigned it (then its console buffer is flushed, which does
        // not touch `buf`'s read state: `len` is reset after the read).
        unsafe {
            (*stdout).flush();
            (*stderr).flush();
        }
        // SAFETY: `f.buf` is BUF writable bytes of our own, and the runtime
        // writes at most the `len` (BUF) bytes it is given.
        let n = unsafe { super::ukrt_console_read(f.buf.as_mut_ptr(), BUF) };
        f.len = n.max(0) as usize;
        *pos = 0;
    }
    let b = f.buf[*pos];
    *pos += 1;
    b
}

/// How many bytes of console input stdin holds already (read from the
/// console, not yet consumed).
pub fn stdin_buffered() -> usize {
    // SAFETY: plain reads of STDIN_POS and STDIN_FILE.len while no
    // reference to them is live (only stdin_byte borrows them, within
    // its calls) and nothing else runs (one thread of control).
    unsafe { (*core::ptr::addr_of!(STDIN_FILE)).len - STDIN_POS }
}

/// Moves up to `out.len()` bytes of buffered console input into `out`;
/// returns how many.
pub fn stdin_take(out: &mut [u8]) -> usize {
    let n = out.len().min(stdin_buffered());
    for b in &mut out[..n] {
        // There is buffered input, so stdin_byte does not wait.
        *b = stdin_byte();
    }
    n
}

/// Console input into `buf` (what `read(0, ...)` does on a runtime
/// without `ukrt_read`): waits for at least one byte.
///
/// # Safety
/// `buf` must hold `n` writable bytes.
pub unsafe fn console_read(buf: *mut u8, n: usize) -> isize {
    if n == 0 {
        return 0;
    }
    // SAFETY: the caller passes `n` writable bytes at `buf`, and n > 0
    // here, so the first byte is one of them.
    unsafe { buf.write(stdin_byte()) };
    let mut got = 1;
    while got < n && stdin_buffered() > 0 {
        // SAFETY: got < n, so this byte is one of the caller's `n` writable
        // bytes at `buf`.
        unsafe { buf.add(got).write(stdin_byte()) };
        got += 1;
    }
    got as isize
}

#[no_mangle]
pub extern "C" fn getchar() -> i32 {
    // SAFETY: `stdin` is read with no write racing it and holds one of
    // this library's streams.
    unsafe { fgetc(stdin) }
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fgetc(f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    match unsafe { file(f) } {
        Some(f) => f.getc().map_or(-1, i32::from),
        None => -1,
    }
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn getc(f: *mut FILE) -> i32 {
    // SAFETY: the caller meets fgetc's contract, which is getc's.
    unsafe { fgetc(f) }
}

/// `ungetc(c, f)`: up to 8 bytes on a file stream, one on the console.
///
/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn ungetc(c: i32, f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    let Some(f) = (unsafe { file(f) }) else {
        return -1;
    };
    if c == -1 {
        return -1;
    }
    if f.is_file {
        return if f.file.ungetc(c as u8) {
            c as u8 as i32
        } else {
            -1
        };
    }
    if f.is_console_input() {
        // SAFETY: STDIN_POS is private to this module and not borrowed
        // now; `f` is STDIN_FILE, whose buffer holds the byte at pos - 1.
        unsafe {
            let pos = &mut *core::ptr::addr_of_mut!(STDIN_POS);
            if *pos > 0 {
                *pos -= 1;
                f.buf[*pos] = c as u8;
                return c as u8 as i32;
            }
        }
    }
    -1
}

/// Reads a line (up to `n - 1` bytes, keeping the newline).
///
/// # Safety
/// `s` must hold `n` writable bytes; `f` must be NULL or a stream from
/// this library.
#[no_mangle]
pub unsafe extern "C" fn fgets(s: *mut u8, n: i32, f: *mut FILE) -> *mut u8 {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    let Some(f) = (unsafe { file(f) }) else {
        return core::ptr::null_mut();
    };
    if n <= 0 {
        return core::ptr::null_mut();
    }
    if f.is_file {
        // SAFETY: n > 0, and the caller passes `n` writable bytes at `s`
        // apart from the stream.
        let out = unsafe { core::slice::from_raw_parts_mut(s, n as usize) };
        return match f.file.gets(out) {
            Some(_) => s,
            None => core::ptr::null_mut(),
        };
    }
    if !f.is_console_input() {
        set_errno(EBADF);
        return core::ptr::null_mut();
    }
    let mut i = 0;
    while i + 1 < n as usize {
        let b = stdin_byte();
        // SAFETY: i + 1 < n, so this byte is one of the caller's `n`
        // writable bytes at `s`.
        unsafe { s.add(i).write(b) };
        i += 1;
        if b == b'\n' {
            break;
        }
    }
    // SAFETY: the loop leaves i <= n - 1 (n > 0 here), so the NUL goes into
    // one of the caller's `n` writable bytes at `s`.
    unsafe { s.add(i).write(0) };
    s
}

/// # Safety
/// C's contract for fread: `size * n` writable bytes at `p`; `f` is NULL
/// or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fread(p: *mut u8, size: usize, n: usize, f: *mut FILE) -> usize {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    let Some(f) = (unsafe { file(f) }) else {
        return 0;
    };
    let total = size.saturating_mul(n);
    if total == 0 {
        return 0;
    }
    // SAFETY: the caller passes `size * n` writable bytes at `p`, apart from
    // the stream.
    let out = unsafe { core::slice::from_raw_parts_mut(p, total) };
    if f.is_file {
        return f.file.read(out) / size;
    }
    if !f.is_console_input() {
        set_errno(EBADF);
        return 0;
    }
    for b in out.iter_mut() {
        *b = stdin_byte();
    }
    n
}

fn seek_file(f: &mut FILE, off: i64, whence: i32) -> i32 {
    if !f.is_file {
        set_errno(crate::errno::ESPIPE);
        return -1;
    }
    match f.file.seek(off, whence) {
        Ok(_) => 0,
        Err(e) => {
            set_errno(e);
            -1
        }
    }
}

fn tell_file(f: &mut FILE) -> i64 {
    if !f.is_file {
        set_errno(crate::errno::ESPIPE);
        return -1;
    }
    match f.file.tell() {
        Ok(p) => p,
        Err(e) => {
            set_errno(e);
            -1
        }
    }
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fseek(f: *mut FILE, off: i64, whence: i32) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    match unsafe { file(f) } {
        Some(f) => seek_file(f, off, whence),
        None => -1,
    }
}

/// off_t is a long, so fseeko is fseek.
///
/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fseeko(f: *mut FILE, off: i64, whence: i32) -> i32 {
    // SAFETY: fseek has the same contract (NULL or one of this library's
    // streams), which the caller of fseeko keeps.
    unsafe { fseek(f, off, whence) }
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn ftell(f: *mut FILE) -> i64 {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    match unsafe { file(f) } {
        Some(f) => tell_file(f),
        None => -1,
    }
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn ftello(f: *mut FILE) -> i64 {
    // SAFETY: ftell has the same contract (NULL or one of this library's
    // streams), which the caller of ftello keeps.
    unsafe { ftell(f) }
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn rewind(f: *mut FILE) {
    // SAFETY: the caller passes NULL or one of this library's streams, and
    // no other reference to a stream is live during the call.
    if let Some(f) = unsafe { file(f) } {
        seek_file(f, 0, SEEK_SET);
        f.file.clearerr();
    }
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn feof(f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams.
    unsafe { file(f) }.is_some_and(|f| f.is_file && f.file.eof()) as i32
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn ferror(f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams.
    unsafe { file(f) }.is_some_and(|f| f.is_file && f.file.error()) as i32
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn clearerr(f: *mut FILE) {
    // SAFETY: the caller passes NULL or one of this library's streams.
    if let Some(f) = unsafe { file(f) } {
        f.file.clearerr();
    }
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fileno(f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams.
    let Some(f) = (unsafe { file(f) }) else {
        set_errno(EBADF);
        return -1;
    };
    if f.is_file {
        return f.file.io.0;
    }
    // SAFETY: plain reads of the three pointers (one thread of control),
    // compared with `f`'s address only.
    unsafe {
        let p = f as *mut FILE;
        if p == stdin {
            0
        } else if p == stdout {
            1
        } else if p == stderr {
            2
        } else {
            set_errno(EBADF);
            -1
        }
    }
}

/// `setvbuf(f, buf, mode, size)`: the mode, and with a buffer the size
/// (at most BUFSIZ: the stream keeps its own memory, not `buf`).
///
/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn setvbuf(f: *mut FILE, buf: *mut u8, mode: i32, size: usize) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's streams.
    let Some(f) = (unsafe { file(f) }) else {
        return -1;
    };
    let b = match mode {
        IOFBF => Buffering::Full,
        IOLBF => Buffering::Line,
        IONBF => Buffering::None,
        _ => {
            set_errno(EINVAL);
            return -1;
        }
    };
    if !f.is_file {
        f.flush();
        f.line_buffered = b == Buffering::Line;
        f.unbuffered = b == Buffering::None;
        return 0;
    }
    let size = (!buf.is_null() && b != Buffering::None).then_some(size);
    match f.file.set_buffering(b, size) {
        Ok(()) => 0,
        Err(e) => {
            set_errno(e);
            -1
        }
    }
}

/// # Safety
/// `f` must be NULL or a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn setbuf(f: *mut FILE, buf: *mut u8) {
    let mode = if buf.is_null() { IONBF } else { IOFBF };
    // SAFETY: the caller passes NULL or one of this library's streams.
    unsafe { setvbuf(f, buf, mode, BUFSIZ) };
}

/// The block size a stream on `fd` buffers in: the file's st_blksize
/// (BUFSIZ when it has none).
fn block_of(fd: i32) -> usize {
    let mut st = Stat::default();
    // SAFETY: `st` is a live, writable struct stat of our own.
    if unsafe { super::file::fstat(fd, &mut st) } < 0 {
        return BUFSIZ;
    }
    st.st_blksize.clamp(0, BUFSIZ as i64) as usize
}

/// Puts `f` (a console or file FILE) on descriptor `fd` with `mode`.
fn attach(f: &mut FILE, fd: i32, mode: &Mode) {
    f.file.reopen(Fd(fd), mode, block_of(fd));
    f.is_file = true;
}

/// A new stream on `fd`, linked into OPEN_FILES; NULL with ENOMEM.
fn new_file(fd: i32, mode: &Mode) -> *mut FILE {
    let p = calloc(1, core::mem::size_of::<FILE>()).cast::<FILE>();
    if p.is_null() {
        set_errno(ENOMEM);
        return p;
    }
    // SAFETY: `p` is a fresh, zeroed block of size_of::<FILE>() bytes,
    // aligned to 16 (at least FILE's alignment); a FILE whose bytes are all
    // zero is valid (see FILE), so it may be borrowed. OPEN_FILES is only
    // touched by this module, with one thread of control, and links valid
    // FILEs only.
    unsafe {
        attach(&mut *p, fd, mode);
        (*p).next = OPEN_FILES;
        if !OPEN_FILES.is_null() {
            (*OPEN_FILES).prev = p;
        }
        OPEN_FILES = p;
    }
    p
}

/// # Safety
/// `path` and `mode` are NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn fopen(path: *const c_char, mode: *const c_char) -> *mut FILE {
    // SAFETY: the caller passes a NUL-terminated mode.
    let m = match parse_mode(unsafe { cstr(mode) }) {
        Ok(m) => m,
        Err(e) => {
            set_errno(e);
            return core::ptr::null_mut();
        }
    };
    // SAFETY: the caller passes a NUL-terminated path, and the mode
    // argument follows (used with O_CREAT).
    let fd = unsafe { open(path, m.flags, 0o666u32) };
    if fd < 0 {
        return core::ptr::null_mut();
    }
    let f = new_file(fd, &m);
    if f.is_null() {
        super::net::close(fd);
        set_errno(ENOMEM);
    }
    f
}

/// `fdopen(fd, mode)`: EINVAL when the mode asks for an access the
/// descriptor lacks; O_APPEND is the descriptor's business (as in glibc,
/// an "a" mode sets it with F_SETFL).
///
/// # Safety
/// `mode` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn fdopen(fd: i32, mode: *const c_char) -> *mut FILE {
    // SAFETY: the caller passes a NUL-terminated mode.
    let m = match parse_mode(unsafe { cstr(mode) }) {
        Ok(m) => m,
        Err(e) => {
            set_errno(e);
            return core::ptr::null_mut();
        }
    };
    // SAFETY: F_GETFL takes no argument.
    let fl = unsafe { super::net::fcntl(fd, 3) };
    if fl < 0 {
        return core::ptr::null_mut();
    }
    if !fdopen_allowed(&m, fl) {
        set_errno(EINVAL);
        return core::ptr::null_mut();
    }
    if m.append && fl & crate::file::O_APPEND == 0 {
        // SAFETY: F_SETFL takes an int, which is passed.
        unsafe { super::net::fcntl(fd, 4, fl | crate::file::O_APPEND) };
    }
    new_file(fd, &m)
}

/// Unlinks `p` from OPEN_FILES (a no-op for the standard streams).
///
/// # Safety
/// `p` is a live FILE; OPEN_FILES is not borrowed.
unsafe fn unlink_file(p: *mut FILE) {
    // SAFETY: the caller passes a live FILE; the list holds live FILEs
    // only, so its neighbours are valid too.
    unsafe {
        let (prev, next) = ((*p).prev, (*p).next);
        if !prev.is_null() {
            (*prev).next = next;
        } else if OPEN_FILES == p {
            OPEN_FILES = next;
        }
        if !next.is_null() {
            (*next).prev = prev;
        }
        (*p).next = core::ptr::null_mut();
        (*p).prev = core::ptr::null_mut();
    }
}

fn is_standard(p: *mut FILE) -> bool {
    [
        core::ptr::addr_of_mut!(STDIN_FILE),
        core::ptr::addr_of_mut!(STDOUT_FILE),
        core::ptr::addr_of_mut!(STDERR_FILE),
    ]
    .contains(&p)
}

/// `fclose(f)`: writes out, closes the descriptor, frees the stream. A
/// standard stream on the console is only flushed (and stays usable).
///
/// # Safety
/// `f` is NULL or a live stream from this library; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn fclose(f: *mut FILE) -> i32 {
    // SAFETY: the caller passes NULL or one of this library's live streams.
    let Some(s) = (unsafe { file(f) }) else {
        set_errno(EBADF);
        return -1;
    };
    let mut r = s.flush();
    if s.is_file {
        if super::net::close(s.file.io.0) < 0 {
            r = -1;
        }
        s.is_file = false;
        s.len = 0;
    }
    if !is_standard(f) {
        // SAFETY: `f` is a live FILE from new_file (not a standard one),
        // linked in OPEN_FILES and from calloc; the borrow `s` is not used
        // again.
        unsafe {
            unlink_file(f);
            free(f.cast());
        }
    }
    if r < 0 {
        -1
    } else {
        0
    }
}

/// `freopen(path, mode, f)`: closes what `f` was on and opens `path` in
/// its place (stdin, stdout and stderr too). A NULL `path` (changing the
/// mode of the same file) is not supported: EBADF, and `f` is closed.
///
/// # Safety
/// `path` is NULL or NUL-terminated, `mode` NUL-terminated, `f` a live
/// stream from this library.
#[no_mangle]
pub unsafe extern "C" fn freopen(
    path: *const c_char,
    mode: *const c_char,
    f: *mut FILE,
) -> *mut FILE {
    // SAFETY: the caller passes a live stream of this library.
    let Some(s) = (unsafe { file(f) }) else {
        set_errno(EBADF);
        return core::ptr::null_mut();
    };
    s.flush();
    if s.is_file {
        super::net::close(s.file.io.0);
        s.is_file = false;
    }
    let fail_close = |f: *mut FILE| {
        if !is_standard(f) {
            // SAFETY: `f` is a live non-standard FILE, linked and from
            // calloc; nothing uses it after (freopen returns NULL).
            unsafe {
                unlink_file(f);
                free(f.cast());
            }
        }
        core::ptr::null_mut()
    };
    if path.is_null() {
        set_errno(EBADF);
        return fail_close(f);
    }
    // SAFETY: the caller passes a NUL-terminated mode.
    let m = match parse_mode(unsafe { cstr(mode) }) {
        Ok(m) => m,
        Err(e) => {
            set_errno(e);
            return fail_close(f);
        }
    };
    // SAFETY: the caller passes a NUL-terminated path; the mode argument
    // follows.
    let fd = unsafe { open(path, m.flags, 0o666u32) };
    if fd < 0 {
        return fail_close(f);
    }
    attach(s, fd, &m);
    f
}

/// `tmpnam(s)`: a name under /tmp that no file has now, "/tmp/file" and
/// six letters or digits as glibc's, written to `s` (L_tmpnam bytes) or,
/// for NULL, a static buffer. As everywhere, another app could take the
/// name before this one creates it (use tmpfile where that matters).
///
/// # Safety
/// `s` must be NULL or hold L_tmpnam (20) writable bytes.
#[no_mangle]
pub unsafe extern "C" fn tmpnam(s: *mut c_char) -> *mut c_char {
    static mut BUF: [u8; 20] = [0; 20];
    for _ in 0..1000 {
        let name = super::file::tmp_name(*b"/tmp/fileXXXXXX\0");
        // SAFETY: `name` is NUL-terminated.
        if unsafe { super::file::access(name.as_ptr().cast(), 0) } == 0 {
            continue;
        }
        // SAFETY: `s` is NULL, then BUF (this function's, one thread of
        // control, so no other reference to it) takes the name, or holds
        // L_tmpnam writable bytes (the caller's contract); the name with
        // its NUL is 16 bytes.
        unsafe {
            let out = if s.is_null() {
                core::ptr::addr_of_mut!(BUF).cast::<u8>()
            } else {
                s.cast::<u8>()
            };
            core::ptr::copy_nonoverlapping(name.as_ptr(), out, name.len());
            return out.cast();
        }
    }
    core::ptr::null_mut()
}

/// `tmpfile()`: a "w+" stream on a fresh file under /tmp, unlinked at
/// once (its data lives until the stream is closed).
#[no_mangle]
pub extern "C" fn tmpfile() -> *mut FILE {
    let fd = tmp_fd();
    if fd < 0 {
        return core::ptr::null_mut();
    }
    let m = parse_mode(b"w+").unwrap_or(Mode {
        flags: crate::file::O_RDWR,
        read: true,
        write: true,
        append: false,
    });
    let f = new_file(fd, &m);
    if f.is_null() {
        super::net::close(fd);
        set_errno(ENOMEM);
    }
    f
}
