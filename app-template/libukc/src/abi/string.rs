//! string.h and strings.h under their C names (the logic is crate::string),
//! plus strerror and the functions that need malloc.
use crate::string as s;

/// Exports `crate::string::$name` as the C function `$name`.
macro_rules! export {
    ($( fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {$(
        /// # Safety
        /// The C function's contract.
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            // SAFETY: the caller upholds the C contract, which is the Rust
            // function's.
            unsafe { s::$name($($arg),*) }
        }
    )*};
}

export! {
    fn memchr(p: *const u8, c: i32, n: usize) -> *mut u8;
    fn memrchr(p: *const u8, c: i32, n: usize) -> *mut u8;
    fn memccpy(d: *mut u8, p: *const u8, c: i32, n: usize) -> *mut u8;
    fn strlen(p: *const u8) -> usize;
    fn strnlen(p: *const u8, n: usize) -> usize;
    fn stpcpy(d: *mut u8, p: *const u8) -> *mut u8;
    fn strcpy(d: *mut u8, p: *const u8) -> *mut u8;
    fn stpncpy(d: *mut u8, p: *const u8, n: usize) -> *mut u8;
    fn strncpy(d: *mut u8, p: *const u8, n: usize) -> *mut u8;
    fn strcat(d: *mut u8, p: *const u8) -> *mut u8;
    fn strncat(d: *mut u8, p: *const u8, n: usize) -> *mut u8;
    fn strcmp(a: *const u8, b: *const u8) -> i32;
    fn strncmp(a: *const u8, b: *const u8, n: usize) -> i32;
    fn strcoll(a: *const u8, b: *const u8) -> i32;
    fn strxfrm(d: *mut u8, p: *const u8, n: usize) -> usize;
    fn strchrnul(p: *const u8, c: i32) -> *mut u8;
    fn strchr(p: *const u8, c: i32) -> *mut u8;
    fn strrchr(p: *const u8, c: i32) -> *mut u8;
    fn strspn(p: *const u8, accept: *const u8) -> usize;
    fn strcspn(p: *const u8, reject: *const u8) -> usize;
    fn strpbrk(p: *const u8, accept: *const u8) -> *mut u8;
    fn strstr(h: *const u8, n: *const u8) -> *mut u8;
    fn memmem(h: *const u8, hl: usize, n: *const u8, nl: usize) -> *mut u8;
    fn strtok_r(p: *mut u8, delim: *const u8, save: *mut *mut u8) -> *mut u8;
    fn strtok(p: *mut u8, delim: *const u8) -> *mut u8;
    fn strsep(sp: *mut *mut u8, delim: *const u8) -> *mut u8;
    fn strcasecmp(a: *const u8, b: *const u8) -> i32;
    fn strncasecmp(a: *const u8, b: *const u8, n: usize) -> i32;
}

/// # Safety
/// `p` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn strdup(p: *const u8) -> *mut u8 {
    // SAFETY: a C string; malloc gives a fresh block or NULL.
    unsafe { s::strdup_with(p, |n| super::malloc::malloc(n)) }
}

/// # Safety
/// `p` must be NUL-terminated or hold `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn strndup(p: *const u8, n: usize) -> *mut u8 {
    // SAFETY: as strdup.
    unsafe { s::strndup_with(p, n, |len| super::malloc::malloc(len)) }
}

/// glibc's message for `errnum` ("Unknown error N" for unknown ones), in a
/// static buffer for the unknown case, as glibc does.
#[no_mangle]
pub extern "C" fn strerror(errnum: i32) -> *mut u8 {
    static mut UNKNOWN: [u8; 32] = [0; 32];
    if let Some(msg) = crate::errno::strerror_cstr(errnum) {
        return msg.as_ptr() as *mut u8;
    }
    // SAFETY: one thread of control per app instance; the buffer is ours.
    unsafe {
        let buf = &mut *core::ptr::addr_of_mut!(UNKNOWN);
        let n = crate::errno::strerror_into(errnum, &mut buf[..31]);
        buf[n.min(31)] = 0;
        buf.as_mut_ptr()
    }
}
