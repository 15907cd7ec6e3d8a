//! locale.h: setlocale and localeconv of the C locale (crate::locale).
use crate::errno::EINVAL;
use core::ffi::c_char;

/// # Safety
/// `name` must be NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn setlocale(category: i32, name: *const c_char) -> *mut c_char {
    // SAFETY: the caller passes NULL or a NUL-terminated name (C's
    // contract), unchanged during the call.
    let name = (!name.is_null()).then(|| unsafe {
        core::slice::from_raw_parts(name.cast::<u8>(), super::c_strlen(name.cast()))
    });
    match crate::locale::setlocale(category, name) {
        Ok(Some(n)) => n.as_ptr() as *mut c_char,
        Ok(None) => core::ptr::null_mut(),
        Err(crate::locale::BadCategory) => {
            super::set_errno(EINVAL);
            core::ptr::null_mut()
        }
    }
}

/// C's `struct lconv` as glibc lays it out.
#[repr(C)]
pub struct Lconv {
    decimal_point: *const c_char,
    thousands_sep: *const c_char,
    grouping: *const c_char,
    int_curr_symbol: *const c_char,
    currency_symbol: *const c_char,
    mon_decimal_point: *const c_char,
    mon_thousands_sep: *const c_char,
    mon_grouping: *const c_char,
    positive_sign: *const c_char,
    negative_sign: *const c_char,
    chars: [c_char; 14],
}

// SAFETY: Lconv holds pointers to static, never-written strings only, so
// sharing it between threads (there are none per app) cannot race.
unsafe impl Sync for Lconv {}

const E: *const c_char = c"".as_ptr();
/// CHAR_MAX: "not available in this locale".
const NA: c_char = 127;

static C_LCONV: Lconv = Lconv {
    decimal_point: c".".as_ptr(),
    thousands_sep: E,
    grouping: E,
    int_curr_symbol: E,
    currency_symbol: E,
    mon_decimal_point: E,
    mon_thousands_sep: E,
    mon_grouping: E,
    positive_sign: E,
    negative_sign: E,
    chars: [NA; 14],
};

/// The C locale's conventions: "." as the decimal point, everything else
/// empty or CHAR_MAX. Apps must not write through the result (C's rule).
#[no_mangle]
pub extern "C" fn localeconv() -> *mut Lconv {
    core::ptr::addr_of!(C_LCONV) as *mut Lconv
}
