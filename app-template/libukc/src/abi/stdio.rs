//! stdio: `stdout` (line-buffered) and `stderr` (unbuffered) on the
//! console, the printf family, and the put functions.
use crate::format::{format, ArgSource, BufSink, Sink};
use core::ffi::{c_char, VaList};

const BUF: usize = 1024;

/// A stream. Apps only ever hold pointers to it.
#[allow(clippy::upper_case_acronyms)] // C's name
#[repr(C)]
pub struct FILE {
    line_buffered: bool,
    unbuffered: bool,
    len: usize,
    buf: [u8; BUF],
}

static mut STDOUT_FILE: FILE = FILE {
    line_buffered: true,
    unbuffered: false,
    len: 0,
    buf: [0; BUF],
};
static mut STDERR_FILE: FILE = FILE {
    line_buffered: false,
    unbuffered: true,
    len: 0,
    buf: [0; BUF],
};

/// stdin: reads come from the console, a line at a time as typed.
static mut STDIN_FILE: FILE = FILE {
    line_buffered: true,
    unbuffered: false,
    len: 0,
    buf: [0; BUF],
};
/// Read position in stdin's buffer (bytes before it were consumed).
static mut STDIN_POS: usize = 0;

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
    fn flush(&mut self) {
        console(&self.buf[..self.len]);
        self.len = 0;
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.unbuffered {
            console(bytes);
            return;
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
    // FILE statics, which are aligned, initialised and live for the whole
    // app, and promises no other reference to it is in use, so a unique
    // reference to it is valid.
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

/// `fflush(NULL)`: flushes every stream.
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
    // SAFETY: the caller passes `size * n` readable bytes at `p`, apart from
    // the stream's buffer, so `total` is that product and the slice covers
    // exactly them.
    f.write(unsafe { core::slice::from_raw_parts(p, total) });
    n
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
    f.write(unsafe { cstr(s) });
    1
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
    out.write(unsafe { cstr(s) });
    out.write(b"\n");
    1
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
    f.write(&[c as u8]);
    c as u8 as i32
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
            // SAFETY: `stdout` and `stderr` are read with no write racing
            // them (one thread of control) and hold this library's streams,
            // live for the whole app; each is borrowed only for its own
            // flush.
            unsafe {
                (*stdout).flush();
                (*stderr).flush();
            }
        }
    }
    0
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
        // flushes stdout and stderr, not the stdin state borrowed here.
        flush_all();
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
    stdin_byte() as i32
}

/// # Safety
/// `f` must be a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fgetc(f: *mut FILE) -> i32 {
    // SAFETY: a plain read of the `stdin` pointer, with no write racing it
    // (one thread of control); only the pointer values are compared.
    if f != unsafe { stdin } {
        return -1;
    }
    stdin_byte() as i32
}

/// Reads a line (up to `n - 1` bytes, keeping the newline) from stdin.
///
/// # Safety
/// `s` must hold `n` writable bytes; `f` must be a stream from this library.
#[no_mangle]
pub unsafe extern "C" fn fgets(s: *mut u8, n: i32, f: *mut FILE) -> *mut u8 {
    // SAFETY: a plain read of the `stdin` pointer, with no write racing it
    // (one thread of control); only the pointer values are compared.
    if n <= 0 || f != unsafe { stdin } {
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
