//! `assert` failures, reported the way glibc words them.
use super::stdio::{fflush, stderr_bytes, stderr_write, stdout};
use core::ffi::c_char;

/// Called by the `assert` macro of assert.h.
///
/// # Safety
/// `assertion` and `file` must be NUL-terminated, and `function` NULL or
/// NUL-terminated (the macro passes literals and `__func__`).
#[no_mangle]
pub unsafe extern "C" fn __assert_fail(
    assertion: *const c_char,
    file: *const c_char,
    line: u32,
    function: *const c_char,
) -> ! {
    // SAFETY: `stdout` is read with no write racing it (one thread of
    // control) and holds one of this library's streams, which is all
    // fflush requires.
    unsafe { fflush(stdout) };
    let name = super::ukrt_app_name();
    if !name.is_null() {
        // SAFETY: a non-NULL name from the runtime is the app's argv[0], a
        // NUL-terminated string that lives as long as the app.
        unsafe { stderr_write(name.cast()) };
        stderr_bytes(b": ");
    }
    // SAFETY: the caller passes a NUL-terminated `file` (the macro passes
    // the `__FILE__` literal).
    unsafe { stderr_write(file.cast()) };
    // The line number's digits (a u32 has at most 10).
    let mut num = [0u8; 10];
    let mut at = num.len();
    let mut n = line;
    loop {
        at -= 1;
        num[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    stderr_bytes(b":");
    stderr_bytes(&num[at..]);
    stderr_bytes(b": ");
    if !function.is_null() {
        // SAFETY: `function` is not NULL here, so the caller makes it
        // NUL-terminated (the macro passes `__func__`).
        unsafe { stderr_write(function.cast()) };
        stderr_bytes(b": ");
    }
    stderr_bytes(b"Assertion `");
    // SAFETY: the caller passes a NUL-terminated `assertion` (the macro
    // passes the expression's text as a literal).
    unsafe { stderr_write(assertion.cast()) };
    stderr_bytes(b"' failed.\n");
    super::signal::abort()
}
