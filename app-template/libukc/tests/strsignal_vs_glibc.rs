//! ukc's strsignal texts, XSI strerror_r and strcasestr against the host
//! glibc.
use std::ffi::{c_char, c_int, CStr, CString};
use ukc::{signame, string};

extern "C" {
    fn strsignal(sig: c_int) -> *mut c_char;
    fn __xpg_strerror_r(e: c_int, buf: *mut c_char, n: usize) -> c_int;
    fn strcasestr(h: *const c_char, n: *const c_char) -> *mut c_char;
}

#[test]
fn strsignal_texts_are_glibcs() {
    for sig in -70..200 {
        // SAFETY: strsignal returns a NUL-terminated string, valid until
        // the next call (this test is the only caller in its thread; glibc
        // keeps the buffer per thread).
        let g = unsafe { CStr::from_ptr(strsignal(sig)) }
            .to_bytes()
            .to_vec();
        let mut buf = [0u8; 40];
        let n = signame::message_into(sig, &mut buf);
        assert_eq!(&buf[..n], &g[..], "signal {sig}");
        assert_eq!(buf[n], 0);
        if let Some(m) = signame::message(sig) {
            assert_eq!(&m[..m.len() - 1], &g[..], "signal {sig}");
        }
    }
}

#[test]
fn xsi_strerror_r_results_and_truncation() {
    for e in -3..140 {
        for n in [0usize, 1, 2, 5, 10, 20, 64] {
            let mut g = vec![0x55u8; 64];
            let mut u = vec![0x55u8; 64];
            // SAFETY: g has 64 >= n writable bytes.
            let gr = unsafe { __xpg_strerror_r(e, g.as_mut_ptr().cast(), n) };
            let ur = string::xpg_strerror_r(e, &mut u[..n]);
            assert_eq!(ur, gr, "errno {e} size {n}");
            assert_eq!(u, g, "errno {e} size {n}");
        }
    }
}

#[test]
fn strcasestr_finds_what_glibc_finds() {
    let words = [
        "", "a", "A", "ab", "Ab", "bA", "abc", "ABCabc", "xyzXYZ", "zz", "aAaA", "b",
    ];
    for h in words {
        for n in words {
            let (ch, cn) = (CString::new(h).unwrap(), CString::new(n).unwrap());
            // SAFETY: both are NUL-terminated.
            let g = unsafe { strcasestr(ch.as_ptr(), cn.as_ptr()) };
            // SAFETY: both are NUL-terminated.
            let u = unsafe { string::strcasestr(ch.as_ptr().cast(), cn.as_ptr().cast()) };
            let off = |p: *const u8| (!p.is_null()).then(|| p as usize - ch.as_ptr() as usize);
            assert_eq!(off(u), off(g.cast()), "{h:?} {n:?}");
        }
    }
}
