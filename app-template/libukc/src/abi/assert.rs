//! `assert` failures, reported the way glibc words them.
use super::stdio::{fflush, stderr_write, stdout};
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
    // SAFETY: ukrt_app_name takes no arguments and only returns a pointer.
    let name = unsafe { super::ukrt_app_name() };
    if !name.is_null() {
        // SAFETY: a non-NULL name from the runtime is the app's argv[0], a
        // NUL-terminated string that lives as long as the app; ": " is a C
        // string literal.
        unsafe {
            stderr_write(name.cast());
            stderr_write(c": ".as_ptr().cast());
        }
    }
    // SAFETY: the caller passes a NUL-terminated `file` (the macro passes
    // the `__FILE__` literal).
    unsafe { stderr_write(file.cast()) };
    let mut num = [0u8; 12];
    let mut at = num.len() - 1;
    let mut n = line;
    loop {
        at -= 1;
        num[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // SAFETY: the loop writes digits only below index 11 (a u32 has at most
    // 10), so `num[at..]` ends with the buffer's last byte, a NUL; the
    // other two are C string literals.
    unsafe {
        stderr_write(c":".as_ptr().cast());
        stderr_write(num[at..].as_ptr());
        stderr_write(c": ".as_ptr().cast());
    }
    if !function.is_null() {
        // SAFETY: the caller passes NULL (excluded here) or a
        // NUL-terminated `function` (the macro passes `__func__`); ": " is a
        // C string literal.
        unsafe {
            stderr_write(function.cast());
            stderr_write(c": ".as_ptr().cast());
        }
    }
    // SAFETY: the caller passes a NUL-terminated `assertion` (the macro
    // passes the expression's text as a literal); the other two are C
    // string literals.
    unsafe {
        stderr_write(c"Assertion `".as_ptr().cast());
        stderr_write(assertion.cast());
        stderr_write(c"' failed.\n".as_ptr().cast());
    }
    super::stdlib::abort()
}
