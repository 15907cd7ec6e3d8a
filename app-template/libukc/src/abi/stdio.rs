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
        // SAFETY: the runtime reads `len` bytes of a live buffer.
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

/// Arguments from a C `va_list`.
struct VaArgs<'a, 'f>(&'a mut VaList<'f>);

impl ArgSource for VaArgs<'_, '_> {
    fn next_int(&mut self) -> i32 {
        // SAFETY: the format string says an int comes next (C's contract).
        unsafe { self.0.next_arg::<i32>() }
    }
    fn next_long(&mut self) -> i64 {
        // SAFETY: as above, a 64-bit integer.
        unsafe { self.0.next_arg::<i64>() }
    }
    fn next_double(&mut self) -> f64 {
        // SAFETY: as above, a double.
        unsafe { self.0.next_arg::<f64>() }
    }
    fn next_ptr(&mut self) -> usize {
        // SAFETY: as above, a pointer.
        unsafe { self.0.next_arg::<*const core::ffi::c_void>() as usize }
    }
}

/// # Safety
/// `f` must be a stream from this library (or NULL for none).
unsafe fn file<'a>(f: *mut FILE) -> Option<&'a mut FILE> {
    // SAFETY: streams are this library's statics.
    unsafe { f.as_mut() }
}

/// # Safety
/// `s` must be NUL-terminated.
unsafe fn cstr<'a>(s: *const c_char) -> &'a [u8] {
    // SAFETY: the caller guarantees the NUL.
    unsafe { core::slice::from_raw_parts(s.cast(), super::c_strlen(s.cast())) }
}

/// Writes a C string to stderr (for assert and abort messages).
///
/// # Safety
/// `s` must be NUL-terminated.
pub unsafe fn stderr_write(s: *const u8) {
    // SAFETY: as documented.
    unsafe { console(cstr(s.cast())) };
}

fn clamp(n: usize) -> i32 {
    n.min(i32::MAX as usize) as i32
}

#[no_mangle]
pub unsafe extern "C" fn vfprintf(f: *mut FILE, fmt: *const c_char, mut ap: VaList) -> i32 {
    // SAFETY: C's contract for the arguments.
    let (Some(f), fmt) = (unsafe { file(f) }, unsafe { cstr(fmt) }) else {
        return -1;
    };
    clamp(format(fmt, &mut VaArgs(&mut ap), f))
}

#[no_mangle]
pub unsafe extern "C" fn vprintf(fmt: *const c_char, ap: VaList) -> i32 {
    // SAFETY: as vfprintf.
    unsafe { vfprintf(stdout, fmt, ap) }
}

#[no_mangle]
pub unsafe extern "C" fn fprintf(f: *mut FILE, fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: as vfprintf.
    unsafe { vfprintf(f, fmt, args) }
}

#[no_mangle]
pub unsafe extern "C" fn printf(fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: as vfprintf.
    unsafe { vfprintf(stdout, fmt, args) }
}

#[no_mangle]
pub unsafe extern "C" fn vsnprintf(
    buf: *mut u8,
    n: usize,
    fmt: *const c_char,
    mut ap: VaList,
) -> i32 {
    // SAFETY: the caller gives `n` writable bytes (none when n == 0).
    let out = if n == 0 {
        &mut [][..]
    } else {
        unsafe { core::slice::from_raw_parts_mut(buf, n) }
    };
    let mut sink = BufSink::new(out);
    // SAFETY: as vfprintf.
    let total = format(unsafe { cstr(fmt) }, &mut VaArgs(&mut ap), &mut sink);
    if n > 0 {
        let end = sink.written().min(n - 1);
        // SAFETY: end < n.
        unsafe { buf.add(end).write(0) };
    }
    clamp(total)
}

#[no_mangle]
pub unsafe extern "C" fn snprintf(buf: *mut u8, n: usize, fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: as vsnprintf.
    unsafe { vsnprintf(buf, n, fmt, args) }
}

/// sprintf's output: C trusts the buffer to be large enough, so this
/// writes through the raw pointer without a length.
struct Unbounded {
    at: *mut u8,
}

impl Sink for Unbounded {
    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            // SAFETY: sprintf's contract: the caller's buffer has room.
            unsafe {
                self.at.write(b);
                self.at = self.at.add(1);
            }
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn vsprintf(buf: *mut u8, fmt: *const c_char, mut ap: VaList) -> i32 {
    let mut sink = Unbounded { at: buf };
    // SAFETY: as vfprintf; the NUL goes after the last byte written.
    unsafe {
        let total = format(cstr(fmt), &mut VaArgs(&mut ap), &mut sink);
        sink.at.write(0);
        clamp(total)
    }
}

#[no_mangle]
pub unsafe extern "C" fn sprintf(buf: *mut u8, fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: as vsprintf.
    unsafe { vsprintf(buf, fmt, args) }
}

#[no_mangle]
pub unsafe extern "C" fn fwrite(p: *const u8, size: usize, n: usize, f: *mut FILE) -> usize {
    // SAFETY: the caller gives size * n readable bytes and a stream.
    let Some(f) = (unsafe { file(f) }) else {
        return 0;
    };
    let total = size.saturating_mul(n);
    // SAFETY: as above.
    f.write(unsafe { core::slice::from_raw_parts(p, total) });
    n
}

#[no_mangle]
pub unsafe extern "C" fn fputs(s: *const c_char, f: *mut FILE) -> i32 {
    // SAFETY: a C string and a stream.
    let Some(f) = (unsafe { file(f) }) else {
        return -1;
    };
    f.write(unsafe { cstr(s) });
    1
}

#[no_mangle]
pub unsafe extern "C" fn puts(s: *const c_char) -> i32 {
    // SAFETY: a C string; stdout is ours.
    unsafe {
        let out = &mut *stdout;
        out.write(cstr(s));
        out.write(b"\n");
    }
    1
}

#[no_mangle]
pub unsafe extern "C" fn fputc(c: i32, f: *mut FILE) -> i32 {
    // SAFETY: a stream.
    let Some(f) = (unsafe { file(f) }) else {
        return -1;
    };
    f.write(&[c as u8]);
    c as u8 as i32
}

#[no_mangle]
pub unsafe extern "C" fn putc(c: i32, f: *mut FILE) -> i32 {
    // SAFETY: as fputc.
    unsafe { fputc(c, f) }
}

#[no_mangle]
pub unsafe extern "C" fn putchar(c: i32) -> i32 {
    // SAFETY: stdout is ours.
    unsafe { fputc(c, stdout) }
}

/// `fflush(NULL)` flushes every stream.
#[no_mangle]
pub unsafe extern "C" fn fflush(f: *mut FILE) -> i32 {
    // SAFETY: streams are ours.
    unsafe {
        match file(f) {
            Some(f) => f.flush(),
            None => {
                (*stdout).flush();
                (*stderr).flush();
            }
        }
    }
    0
}

/// The next byte of console input, waiting for it if need be.
fn stdin_byte() -> u8 {
    // SAFETY: one thread of control per app instance; stdin's buffer is
    // ours and the runtime fills at most BUF bytes.
    unsafe {
        let f = &mut *core::ptr::addr_of_mut!(STDIN_FILE);
        let pos = &mut *core::ptr::addr_of_mut!(STDIN_POS);
        if *pos == f.len {
            // Show what was printed (a prompt) before waiting for input.
            fflush(core::ptr::null_mut());
            let n = super::ukrt_console_read(f.buf.as_mut_ptr(), BUF);
            f.len = n.max(0) as usize;
            *pos = 0;
        }
        let b = f.buf[*pos];
        *pos += 1;
        b
    }
}

/// `read(fd, buf, n)`: fd 0 is console input (waits for at least one
/// byte); other descriptors do not exist here.
///
/// # Safety
/// `buf` must hold `n` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn read(fd: i32, buf: *mut u8, n: usize) -> isize {
    if fd != 0 {
        super::set_errno(crate::errno::EBADF);
        return -1;
    }
    if n == 0 {
        return 0;
    }
    // SAFETY: as documented.
    unsafe { buf.write(stdin_byte()) };
    let mut got = 1;
    // SAFETY: stdin's state is ours (see stdin_byte).
    while got < n && unsafe { STDIN_POS < (*core::ptr::addr_of!(STDIN_FILE)).len } {
        // SAFETY: got < n.
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
    // SAFETY: comparing stream pointers only.
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
    // SAFETY: comparing stream pointers only.
    if n <= 0 || f != unsafe { stdin } {
        return core::ptr::null_mut();
    }
    let mut i = 0;
    while i + 1 < n as usize {
        let b = stdin_byte();
        // SAFETY: i + 1 < n.
        unsafe { s.add(i).write(b) };
        i += 1;
        if b == b'\n' {
            break;
        }
    }
    // SAFETY: i < n.
    unsafe { s.add(i).write(0) };
    s
}
