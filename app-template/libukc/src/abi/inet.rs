//! arpa/inet.h, the byte order functions of netinet/in.h and netdb.h's
//! getaddrinfo, under their C names (the logic is crate::inet and
//! crate::addrinfo).
use super::malloc::{free, malloc};
use super::set_errno;
use crate::addrinfo::{self as ai, Addr, Hints};
use crate::errno::{EAFNOSUPPORT, ENOSPC};
use crate::inet;
use crate::net::{self, Addrinfo, InAddr, Sockaddr, SockaddrIn, SockaddrIn6, AF_INET, AF_INET6};
use core::ffi::c_char;
use core::ptr::null_mut;

/// The bytes of a C string, without its NUL.
///
/// # Safety
/// `s` must be NUL-terminated and stay unchanged while the slice is used.
unsafe fn cstr<'a>(s: *const c_char) -> &'a [u8] {
    // SAFETY: the caller passes a NUL-terminated string, so c_strlen reads
    // only up to its NUL, and the slice covers the bytes before it, which
    // the caller keeps unchanged while it is used.
    unsafe { core::slice::from_raw_parts(s.cast(), super::c_strlen(s.cast())) }
}

/// `struct in6_addr` (a union with 32-bit members, so 4-aligned).
#[repr(C, align(4))]
pub struct In6Addr([u8; 16]);

#[no_mangle]
pub static in6addr_any: In6Addr = In6Addr([0; 16]);
#[no_mangle]
pub static in6addr_loopback: In6Addr = In6Addr([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

#[no_mangle]
pub extern "C" fn htons(x: u16) -> u16 {
    net::htons(x)
}
#[no_mangle]
pub extern "C" fn ntohs(x: u16) -> u16 {
    net::ntohs(x)
}
#[no_mangle]
pub extern "C" fn htonl(x: u32) -> u32 {
    net::htonl(x)
}
#[no_mangle]
pub extern "C" fn ntohl(x: u32) -> u32 {
    net::ntohl(x)
}

/// # Safety
/// C's contract for inet_pton: `src` is NUL-terminated, and `dst` has room
/// for the family's address (4 bytes for AF_INET, 16 for AF_INET6).
#[no_mangle]
pub unsafe extern "C" fn inet_pton(af: i32, src: *const c_char, dst: *mut u8) -> i32 {
    // SAFETY: the caller passes a NUL-terminated `src`, apart from `dst`.
    let s = unsafe { cstr(src) };
    let (bytes, len) = match af {
        AF_INET => match inet::pton4(s) {
            Some(a) => (
                [a[0], a[1], a[2], a[3], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                4,
            ),
            None => return 0,
        },
        AF_INET6 => match inet::pton6(s) {
            Some(a) => (a, 16),
            None => return 0,
        },
        _ => {
            set_errno(EAFNOSUPPORT);
            return -1;
        }
    };
    // SAFETY: the caller gives `dst` room for the family's `len` bytes;
    // `bytes` is our own array, apart from it.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, len) };
    1
}

/// Copies `text` and a NUL into the caller's `size` bytes at `dst`, or
/// fails with ENOSPC when they do not fit.
///
/// # Safety
/// `dst` must have `size` writable bytes.
unsafe fn put_text(text: &[u8], dst: *mut c_char, size: u32) -> *const c_char {
    if text.len() >= size as usize {
        set_errno(ENOSPC);
        return core::ptr::null();
    }
    // SAFETY: text.len() + 1 <= size, and the caller passes `size`
    // writable bytes at `dst`, apart from our `text`.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), dst.cast::<u8>(), text.len());
        dst.add(text.len()).write(0);
    }
    dst
}

/// # Safety
/// C's contract for inet_ntop: `src` holds the family's address (4 or 16
/// readable bytes) and `dst` has `size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn inet_ntop(
    af: i32,
    src: *const u8,
    dst: *mut c_char,
    size: u32,
) -> *const c_char {
    match af {
        AF_INET => {
            // SAFETY: for AF_INET the caller passes 4 readable bytes at
            // `src`; [u8; 4] needs no alignment.
            let a = unsafe { src.cast::<[u8; 4]>().read() };
            // SAFETY: the caller passes `size` writable bytes at `dst`.
            unsafe { put_text(inet::ntop4(a).as_bytes(), dst, size) }
        }
        AF_INET6 => {
            // SAFETY: for AF_INET6 the caller passes 16 readable bytes at
            // `src`; [u8; 16] needs no alignment.
            let a = unsafe { src.cast::<[u8; 16]>().read() };
            // SAFETY: the caller passes `size` writable bytes at `dst`.
            unsafe { put_text(inet::ntop6(a).as_bytes(), dst, size) }
        }
        _ => {
            set_errno(EAFNOSUPPORT);
            core::ptr::null()
        }
    }
}

/// # Safety
/// C's contract for inet_aton: `cp` is NUL-terminated and `inp` is NULL or
/// a writable `struct in_addr`.
#[no_mangle]
pub unsafe extern "C" fn inet_aton(cp: *const c_char, inp: *mut InAddr) -> i32 {
    // SAFETY: the caller passes a NUL-terminated `cp`.
    let Some((a, _)) = inet::aton(unsafe { cstr(cp) }) else {
        return 0;
    };
    if !inp.is_null() {
        // SAFETY: `inp` is not NULL, so the caller passes a writable,
        // aligned in_addr there.
        unsafe {
            inp.write(InAddr {
                s_addr: u32::from_ne_bytes(a),
            })
        };
    }
    1
}

/// # Safety
/// C's contract for inet_addr: `cp` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn inet_addr(cp: *const c_char) -> u32 {
    // SAFETY: the caller passes a NUL-terminated `cp`.
    match inet::aton(unsafe { cstr(cp) }) {
        Some((a, _)) => u32::from_ne_bytes(a),
        None => net::INADDR_NONE,
    }
}

/// inet_ntoa's static buffer (one per app instance, like all of the
/// library's data).
static mut NTOA: [u8; 16] = [0; 16];

#[no_mangle]
pub extern "C" fn inet_ntoa(a: InAddr) -> *mut c_char {
    let text = inet::ntop4(a.s_addr.to_ne_bytes());
    let p = core::ptr::addr_of_mut!(NTOA).cast::<c_char>();
    // SAFETY: NTOA is 16 bytes, the longest text (15) and its NUL fit; the
    // app only reads it through the pointer inet_ntoa returned, between
    // calls (one thread of control), so nothing else uses it now.
    unsafe { put_text(text.as_bytes(), p, 16) };
    p
}

/// # Safety
/// `p` must be NULL or a list from getaddrinfo that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn freeaddrinfo(mut p: *mut Addrinfo) {
    while !p.is_null() {
        // SAFETY: `p` is an entry of a live list from getaddrinfo: a block
        // from malloc with its socket address in the same block and its
        // canonical name NULL or a separate block from malloc; each is
        // freed once, after its next pointer was read.
        unsafe {
            let next = (*p).ai_next;
            free((*p).ai_canonname);
            free(p.cast());
            p = next;
        }
    }
}

/// One `struct addrinfo` and its socket address, in one block from
/// malloc; NULL when memory runs out.
fn entry(a: &ai::Answer) -> *mut Addrinfo {
    let socklen = match a.addr {
        Addr::V4(_) => size_of::<SockaddrIn>(),
        Addr::V6(_) => size_of::<SockaddrIn6>(),
    };
    let p = malloc(size_of::<Addrinfo>() + socklen).cast::<Addrinfo>();
    if p.is_null() {
        return p;
    }
    // SAFETY: the block holds an Addrinfo (malloc aligns to 16) followed by
    // `socklen` bytes, where the socket address goes; size_of::<Addrinfo>()
    // is a multiple of 8, so that address is aligned for either sockaddr.
    unsafe {
        let sa = p.add(1).cast::<Sockaddr>();
        match a.addr {
            Addr::V4(v4) => sa
                .cast::<SockaddrIn>()
                .write(SockaddrIn::new(u32::from_be_bytes(v4), a.port)),
            Addr::V6(v6) => sa.cast::<SockaddrIn6>().write(SockaddrIn6 {
                sin6_family: AF_INET6 as u16,
                sin6_port: net::htons(a.port),
                sin6_flowinfo: 0,
                sin6_addr: v6,
                sin6_scope_id: 0,
            }),
        }
        p.write(Addrinfo {
            ai_flags: a.flags,
            ai_family: a.family(),
            ai_socktype: a.socktype,
            ai_protocol: a.protocol,
            ai_addrlen: socklen as u32,
            ai_addr: sa,
            ai_canonname: null_mut(),
            ai_next: null_mut(),
        });
    }
    p
}

/// `getaddrinfo` for numeric hosts and services; the answer is as glibc's
/// on a machine with IPv4 only (docs/writing-apps.md).
///
/// # Safety
/// C's contract for getaddrinfo: `node` and `service` are NULL or
/// NUL-terminated, `hints` NULL or a readable `struct addrinfo`, and `res`
/// a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn getaddrinfo(
    node: *const c_char,
    service: *const c_char,
    hints: *const Addrinfo,
    res: *mut *mut Addrinfo,
) -> i32 {
    // SAFETY: the caller passes NULL or a NUL-terminated `node`, unchanged
    // during the call.
    let name = (!node.is_null()).then(|| unsafe { cstr(node) });
    // SAFETY: the caller passes NULL or a NUL-terminated `service`,
    // unchanged during the call.
    let serv = (!service.is_null()).then(|| unsafe { cstr(service) });
    // SAFETY: the caller passes NULL or a readable, aligned addrinfo.
    let hints = unsafe { hints.as_ref() }.map(|h| Hints {
        flags: h.ai_flags,
        family: h.ai_family,
        socktype: h.ai_socktype,
        protocol: h.ai_protocol,
    });
    let answers = match ai::resolve(name, serv, hints, ai::UKRT_ADDRCONFIG) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let mut head: *mut Addrinfo = null_mut();
    let mut tail: *mut Addrinfo = null_mut();
    for a in answers.iter() {
        let e = entry(a);
        if e.is_null() {
            // SAFETY: `head` is NULL or the list built so far, from entry.
            unsafe { freeaddrinfo(head) };
            return ai::EAI_MEMORY;
        }
        if tail.is_null() {
            head = e;
        } else {
            // SAFETY: `tail` is the last entry built, a live block of ours.
            unsafe { (*tail).ai_next = e };
        }
        tail = e;
    }
    if answers.canonname && !head.is_null() {
        // SAFETY: name is Some whenever canonname is set (it is the host
        // text); strdup copies its bytes and NUL into a block from malloc.
        let copy = unsafe { super::string::strdup(node.cast()) };
        if copy.is_null() {
            // SAFETY: `head` is the list just built, from entry.
            unsafe { freeaddrinfo(head) };
            return ai::EAI_MEMORY;
        }
        // SAFETY: `head` is the first entry, a live block of ours.
        unsafe { (*head).ai_canonname = copy };
    }
    // SAFETY: the caller passes a writable, aligned `res`.
    unsafe { res.write(head) };
    0
}

#[no_mangle]
pub extern "C" fn gai_strerror(code: i32) -> *const c_char {
    ai::gai_strerror(code).as_ptr().cast()
}
