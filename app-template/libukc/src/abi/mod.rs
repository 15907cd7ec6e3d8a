//! The C ABI of libukc: every function apps call, under its C name, built
//! only for the app target. Each file covers one header.
mod assert;
mod ctype;
mod file;
mod fsmeta;
mod getopt;
mod inet;
mod locale;
mod malloc;
mod math;
mod mem;
mod mman;
mod net;
mod process;
mod scan;
mod setjmp;
mod signal;
mod stdio;
mod stdlib;
mod string;
mod time;

use core::ffi::c_char;
use core::sync::atomic::{AtomicI32, Ordering::Relaxed};

// SAFETY: these declarations match the runtime's exports
// (runtime/src/apps/exports.rs) in name, argument and result types. The ones
// marked `safe` take no pointer and are sound to call from app code with
// any argument: ukrt_exit ends the app, ukrt_environ and ukrt_app_name only
// return pointers (reading through them is the caller's unsafe business).
unsafe extern "C" {
    /// # Safety
    /// `len` bytes at `buf` must be readable.
    pub fn ukrt_console_write(buf: *const u8, len: usize) -> isize;
    pub safe fn ukrt_exit(status: i32) -> !;
    /// # Safety
    /// Only the allocator (`malloc::grow`) may call it: it relies on each
    /// run of heap the runtime maps adjoining the previous one.
    pub fn ukrt_heap_grow(increment: usize) -> *mut u8;
    pub safe fn ukrt_environ() -> *const *const c_char;
    pub safe fn ukrt_app_name() -> *const c_char;
    /// # Safety
    /// `len` bytes at `buf` must be writable.
    pub fn ukrt_console_read(buf: *mut u8, len: usize) -> isize;
}

/// `errno`: one per app instance (each instance has its own copy of the
/// library's data). An AtomicI32 has the size and alignment of an `int`,
/// so C code uses it as `extern int errno`; with one thread of control per
/// instance, C's plain accesses never race the library's atomic ones.
#[no_mangle]
pub static errno: AtomicI32 = AtomicI32::new(0);

/// glibc's way to reach errno; some code calls it directly.
#[no_mangle]
pub extern "C" fn __errno_location() -> *mut i32 {
    errno.as_ptr()
}

pub fn set_errno(e: i32) {
    errno.store(e, Relaxed);
}

/// A Rust panic inside the library is a bug in it: say so and end the app.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    use core::fmt::Write;
    struct Console;
    impl Write for Console {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            // SAFETY: `s` is a live &str, so its `s.len()` bytes at
            // `s.as_ptr()` are readable for the whole call, which is all
            // ukrt_console_write reads.
            unsafe { ukrt_console_write(s.as_ptr(), s.len()) };
            Ok(())
        }
    }
    let _ = writeln!(Console, "libukc: internal error: {info}");
    ukrt_exit(134)
}

/// The length of a C string.
///
/// # Safety
/// `s` must point at a NUL-terminated string.
pub unsafe fn c_strlen(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: the caller passes a NUL-terminated string, and the loop stops
    // at its NUL, so every byte read (at offsets 0..=strlen) is inside it.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    n
}
