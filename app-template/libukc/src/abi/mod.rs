//! The C ABI of libukc: every function apps call, under its C name, built
//! only for the app target. Each file covers one header.
mod assert;
mod ctype;
mod malloc;
mod math;
mod mem;
mod setjmp;
mod stdio;
mod stdlib;
mod string;
mod time;

use core::ffi::c_char;

// The runtime's interface (runtime/src/apps/exports.rs).
extern "C" {
    pub fn ukrt_console_write(buf: *const u8, len: usize) -> isize;
    pub fn ukrt_exit(status: i32) -> !;
    pub fn ukrt_heap_grow(increment: usize) -> *mut u8;
    pub fn ukrt_environ() -> *const *const c_char;
    pub fn ukrt_app_name() -> *const c_char;
    pub fn ukrt_console_read(buf: *mut u8, len: usize) -> isize;
}

/// `errno`: one per app instance (each instance has its own copy of the
/// library's data).
#[no_mangle]
pub static mut errno: i32 = 0;

/// glibc's way to reach errno; some code calls it directly.
#[no_mangle]
pub extern "C" fn __errno_location() -> *mut i32 {
    core::ptr::addr_of_mut!(errno)
}

pub fn set_errno(e: i32) {
    // SAFETY: an app instance has one thread of control and its own copy of
    // `errno`, so nothing else reads or writes it during this store; the
    // place is a valid, aligned i32 static.
    unsafe { *core::ptr::addr_of_mut!(errno) = e };
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
    // SAFETY: ukrt_exit takes no pointers and is sound for any status; it
    // ends this app instance and never returns, as its `!` type says.
    unsafe { ukrt_exit(134) }
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
