//! string.h and strings.h under their C names (the logic is crate::string),
//! plus strerror, strerror_r, strsignal, strings.h's BSD functions and the
//! functions that need malloc.
use crate::string as s;

/// Exports `crate::string::$name` as the C function `$name`, with the
/// `# Safety` section given for it.
macro_rules! export {
    ($( $(#[doc = $doc:literal])+ fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {$(
        $(#[doc = $doc])+
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            // SAFETY: the arguments go through unchanged, and the C caller
            // meets this function's `# Safety` contract (C's rules for
            // `$name`), which is what `crate::string::$name` requires of
            // these same arguments.
            unsafe { s::$name($($arg),*) }
        }
    )*};
}

export! {
    /// # Safety
    /// The bytes at `p` up to the first `(unsigned char)c`, or `n` bytes
    /// when there is none, must be readable.
    fn memchr(p: *const u8, c: i32, n: usize) -> *mut u8;
    /// # Safety
    /// `n` bytes at `p` must be readable.
    fn memrchr(p: *const u8, c: i32, n: usize) -> *mut u8;
    /// # Safety
    /// The bytes copied (up to and including the first `(unsigned char)c`,
    /// at most `n`) must be readable at `p` and writable at `d`; the ranges
    /// must not overlap.
    fn memccpy(d: *mut u8, p: *const u8, c: i32, n: usize) -> *mut u8;
    /// # Safety
    /// `p` must be NUL-terminated.
    fn strlen(p: *const u8) -> usize;
    /// # Safety
    /// `p` must be readable up to its NUL or `n` bytes, whichever is first.
    fn strnlen(p: *const u8, n: usize) -> usize;
    /// # Safety
    /// `p` must be NUL-terminated, `d` must have room for it and its NUL,
    /// and the two must not overlap.
    fn stpcpy(d: *mut u8, p: *const u8) -> *mut u8;
    /// # Safety
    /// `p` must be NUL-terminated, `d` must have room for it and its NUL,
    /// and the two must not overlap.
    fn strcpy(d: *mut u8, p: *const u8) -> *mut u8;
    /// # Safety
    /// `n` bytes at `d` must be writable, `p` readable up to its NUL or `n`
    /// bytes; they must not overlap.
    fn stpncpy(d: *mut u8, p: *const u8, n: usize) -> *mut u8;
    /// # Safety
    /// `n` bytes at `d` must be writable, `p` readable up to its NUL or `n`
    /// bytes; they must not overlap.
    fn strncpy(d: *mut u8, p: *const u8, n: usize) -> *mut u8;
    /// # Safety
    /// Both must be NUL-terminated, `d` must have room for the joined
    /// string and its NUL, and they must not overlap.
    fn strcat(d: *mut u8, p: *const u8) -> *mut u8;
    /// # Safety
    /// `d` must be NUL-terminated with room for up to `n + 1` more bytes,
    /// `p` readable up to its NUL or `n` bytes; they must not overlap.
    fn strncat(d: *mut u8, p: *const u8, n: usize) -> *mut u8;
    /// # Safety
    /// Both must be NUL-terminated.
    fn strcmp(a: *const u8, b: *const u8) -> i32;
    /// # Safety
    /// Both must be readable up to their NUL or `n` bytes.
    fn strncmp(a: *const u8, b: *const u8, n: usize) -> i32;
    /// # Safety
    /// Both must be NUL-terminated.
    fn strcoll(a: *const u8, b: *const u8) -> i32;
    /// # Safety
    /// `p` must be NUL-terminated and `n` bytes at `d` writable (`d` may be
    /// NULL when `n` is 0); they must not overlap.
    fn strxfrm(d: *mut u8, p: *const u8, n: usize) -> usize;
    /// # Safety
    /// `p` must be NUL-terminated.
    fn strchrnul(p: *const u8, c: i32) -> *mut u8;
    /// # Safety
    /// `p` must be NUL-terminated.
    fn strchr(p: *const u8, c: i32) -> *mut u8;
    /// # Safety
    /// `p` must be NUL-terminated.
    fn strrchr(p: *const u8, c: i32) -> *mut u8;
    /// # Safety
    /// Both must be NUL-terminated.
    fn strspn(p: *const u8, accept: *const u8) -> usize;
    /// # Safety
    /// Both must be NUL-terminated.
    fn strcspn(p: *const u8, reject: *const u8) -> usize;
    /// # Safety
    /// Both must be NUL-terminated.
    fn strpbrk(p: *const u8, accept: *const u8) -> *mut u8;
    /// # Safety
    /// Both must be NUL-terminated.
    fn strstr(h: *const u8, n: *const u8) -> *mut u8;
    /// # Safety
    /// `hl` bytes at `h` and `nl` bytes at `n` must be readable.
    fn memmem(h: *const u8, hl: usize, n: *const u8, nl: usize) -> *mut u8;
    /// # Safety
    /// `save` must be valid for reads and writes; `p` (or, when it is NULL,
    /// `*save`) a writable NUL-terminated string or NULL; `delim`
    /// NUL-terminated.
    fn strtok_r(p: *mut u8, delim: *const u8, save: *mut *mut u8) -> *mut u8;
    /// # Safety
    /// `p` a writable NUL-terminated string, or NULL to go on with the
    /// string of the previous call, which must still be live; `delim`
    /// NUL-terminated.
    fn strtok(p: *mut u8, delim: *const u8) -> *mut u8;
    /// # Safety
    /// `sp` must be valid for reads and writes; `*sp` a writable
    /// NUL-terminated string or NULL; `delim` NUL-terminated.
    fn strsep(sp: *mut *mut u8, delim: *const u8) -> *mut u8;
    /// # Safety
    /// Both must be NUL-terminated.
    fn strcasestr(h: *const u8, n: *const u8) -> *mut u8;
    /// # Safety
    /// Both must be NUL-terminated.
    fn strcasecmp(a: *const u8, b: *const u8) -> i32;
    /// # Safety
    /// Both must be readable up to their NUL or `n` bytes.
    fn strncasecmp(a: *const u8, b: *const u8, n: usize) -> i32;
}

/// # Safety
/// `p` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn strdup(p: *const u8) -> *mut u8 {
    // SAFETY: the caller passes a NUL-terminated `p` (C's contract for
    // strdup), and malloc(n) returns NULL or a fresh block of n writable
    // bytes that cannot overlap `p`: what strdup_with requires.
    unsafe { s::strdup_with(p, |n| super::malloc::malloc(n)) }
}

/// # Safety
/// `p` must be readable up to its NUL or `n` bytes, whichever is first.
#[no_mangle]
pub unsafe extern "C" fn strndup(p: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller makes `p` readable up to its NUL or `n` bytes (C's
    // contract for strndup), and malloc(len) returns NULL or a fresh block
    // of len writable bytes apart from `p`: what strndup_with requires.
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
    // SAFETY: UNKNOWN is private to this function and an app instance has
    // one thread of control, so this is the only reference to it while it
    // lives; the previous message handed out is overwritten, as C allows
    // for strerror's static buffer.
    let buf = unsafe { &mut *core::ptr::addr_of_mut!(UNKNOWN) };
    let n = crate::errno::strerror_into(errnum, &mut buf[..31]);
    buf[n.min(31)] = 0;
    buf.as_mut_ptr()
}

/// GNU `strerror_r` (what glibc's header gives with _GNU_SOURCE): the
/// static message for a known number; for an unknown one "Unknown error N"
/// written into `buf` (cut to fit) and `buf` returned.
///
/// # Safety
/// `n` bytes at `buf` must be writable (`buf` may be NULL when `n` is 0).
#[no_mangle]
pub unsafe extern "C" fn strerror_r(errnum: i32, buf: *mut u8, n: usize) -> *mut u8 {
    if let Some(msg) = crate::errno::strerror_cstr(errnum) {
        return msg.as_ptr() as *mut u8;
    }
    if n > 0 {
        // SAFETY: n > 0 writable bytes at `buf` (the caller's contract).
        let out = unsafe { core::slice::from_raw_parts_mut(buf, n) };
        crate::errno::strerror_into(errnum, out);
    }
    buf
}

/// XSI `strerror_r` (what glibc's header gives without _GNU_SOURCE, under
/// this name): 0, ERANGE when the message was cut to fit `n` bytes,
/// EINVAL for an unknown number.
///
/// # Safety
/// `n` bytes at `buf` must be writable (`buf` may be NULL when `n` is 0).
#[no_mangle]
pub unsafe extern "C" fn __xpg_strerror_r(errnum: i32, buf: *mut u8, n: usize) -> i32 {
    let out: &mut [u8] = if n == 0 {
        &mut []
    } else {
        // SAFETY: n > 0 writable bytes at `buf` (the caller's contract).
        unsafe { core::slice::from_raw_parts_mut(buf, n) }
    };
    s::xpg_strerror_r(errnum, out)
}

/// glibc's text for signal `sig` ("Segmentation fault"); "Real-time signal
/// N" and "Unknown signal N" are made in a static buffer, as glibc does.
#[no_mangle]
pub extern "C" fn strsignal(sig: i32) -> *mut u8 {
    static mut BUF: [u8; 32] = [0; 32];
    if let Some(msg) = crate::signame::message(sig) {
        return msg.as_ptr() as *mut u8;
    }
    // SAFETY: BUF is private to this function and an app instance has one
    // thread of control, so this is the only reference to it while it
    // lives (the previous text handed out is overwritten, as C allows).
    let buf = unsafe { &mut *core::ptr::addr_of_mut!(BUF) };
    crate::signame::message_into(sig, buf);
    buf.as_mut_ptr()
}

/// `mempcpy` (GNU): memcpy returning the end of the copy.
///
/// # Safety
/// As memcpy: `n` bytes readable at `src`, writable at `dst`, apart.
#[no_mangle]
pub unsafe extern "C" fn mempcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller meets memcpy's contract; the end is inside or one
    // past `dst`'s `n` bytes.
    unsafe { super::mem::memcpy(dst, src, n).add(n) }
}

/// # Safety
/// `n` bytes at `p` must be writable.
#[no_mangle]
pub unsafe extern "C" fn bzero(p: *mut u8, n: usize) {
    // SAFETY: the caller makes `n` bytes at `p` writable.
    unsafe { super::mem::memset(p, 0, n) };
}

/// explicit_bzero: bzero that the compiler may not drop (it is a call into
/// this library, which the app's compiler cannot see through).
///
/// # Safety
/// `n` bytes at `p` must be writable.
#[no_mangle]
pub unsafe extern "C" fn explicit_bzero(p: *mut u8, n: usize) {
    // SAFETY: the caller makes `n` bytes at `p` writable.
    unsafe { super::mem::memset(p, 0, n) };
}

/// `bcopy(src, dst, n)`: memmove with the arguments swapped.
///
/// # Safety
/// `n` bytes readable at `src` and writable at `dst` (they may overlap).
#[no_mangle]
pub unsafe extern "C" fn bcopy(src: *const u8, dst: *mut u8, n: usize) {
    // SAFETY: the caller meets memmove's contract.
    unsafe { super::mem::memmove(dst, src, n) };
}

/// # Safety
/// `p` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn index(p: *const u8, c: i32) -> *mut u8 {
    // SAFETY: the caller meets strchr's contract.
    unsafe { s::strchr(p, c) }
}

/// # Safety
/// `p` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn rindex(p: *const u8, c: i32) -> *mut u8 {
    // SAFETY: the caller meets strrchr's contract.
    unsafe { s::strrchr(p, c) }
}

/// The position (1-based) of the lowest set bit, 0 for none.
#[no_mangle]
pub extern "C" fn ffs(v: i32) -> i32 {
    ffsll(v.into())
}

#[no_mangle]
pub extern "C" fn ffsl(v: i64) -> i32 {
    ffsll(v)
}

#[no_mangle]
pub extern "C" fn ffsll(v: i64) -> i32 {
    if v == 0 {
        0
    } else {
        v.trailing_zeros() as i32 + 1
    }
}
