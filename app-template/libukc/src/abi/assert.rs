//! `assert` failures, reported the way glibc words them.
use super::stdio::{fflush, stderr_write, stdout};
use core::ffi::c_char;

/// Called by the `assert` macro of assert.h.
///
/// # Safety
/// The strings must be NUL-terminated (the macro passes literals).
#[no_mangle]
pub unsafe extern "C" fn __assert_fail(
    assertion: *const c_char,
    file: *const c_char,
    line: u32,
    function: *const c_char,
) -> ! {
    // SAFETY: the app's name comes from the runtime; the rest from the macro.
    unsafe {
        fflush(stdout);
        let name = super::ukrt_app_name();
        if !name.is_null() {
            stderr_write(name.cast());
            stderr_write(c": ".as_ptr().cast());
        }
        stderr_write(file.cast());
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
        stderr_write(c":".as_ptr().cast());
        stderr_write(num[at..].as_ptr());
        stderr_write(c": ".as_ptr().cast());
        if !function.is_null() {
            stderr_write(function.cast());
            stderr_write(c": ".as_ptr().cast());
        }
        stderr_write(c"Assertion `".as_ptr().cast());
        stderr_write(assertion.cast());
        stderr_write(c"' failed.\n".as_ptr().cast());
        super::stdlib::abort()
    }
}
