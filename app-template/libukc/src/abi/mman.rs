//! sys/mman.h: anonymous private mappings come from the heap (page
//! aligned, zero-filled) and go back with munmap of the whole mapping;
//! files cannot be mapped (ENODEV). The mappings are kept in a small
//! table so munmap and mremap know what they were given.
use crate::errno::{EINVAL, ENODEV, ENOMEM};
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

const PAGE: usize = 4096;
const MAP_SHARED: i32 = 0x01;
const MAP_FIXED: i32 = 0x10;
const MAP_ANONYMOUS: i32 = 0x20;
const MREMAP_MAYMOVE: i32 = 1;
const MAP_FAILED: usize = usize::MAX;
/// Anonymous mappings one app may hold at once.
const MAX_MAPPINGS: usize = 1024;

static STARTS: [AtomicUsize; MAX_MAPPINGS] = [const { AtomicUsize::new(0) }; MAX_MAPPINGS];
static LENS: [AtomicUsize; MAX_MAPPINGS] = [const { AtomicUsize::new(0) }; MAX_MAPPINGS];

fn fail<T>(e: i32, v: T) -> T {
    super::set_errno(e);
    v
}

fn slot_of(addr: usize) -> Option<usize> {
    (0..MAX_MAPPINGS).find(|&i| STARTS[i].load(Relaxed) == addr)
}

fn pages(len: usize) -> Option<usize> {
    len.checked_next_multiple_of(PAGE).filter(|&n| n > 0)
}

#[no_mangle]
pub extern "C" fn mmap(
    _addr: usize,
    len: usize,
    _prot: i32,
    flags: i32,
    _fd: i32,
    off: i64,
) -> usize {
    if flags & MAP_ANONYMOUS == 0 {
        return fail(ENODEV, MAP_FAILED);
    }
    let Some(len) = pages(len) else {
        return fail(EINVAL, MAP_FAILED);
    };
    if flags & (MAP_FIXED | MAP_SHARED) != 0 || off != 0 {
        return fail(EINVAL, MAP_FAILED);
    }
    let Some(slot) = slot_of(0) else {
        return fail(ENOMEM, MAP_FAILED);
    };
    let p = super::malloc::aligned_alloc(PAGE, len);
    if p.is_null() {
        return fail(ENOMEM, MAP_FAILED);
    }
    // SAFETY: aligned_alloc returned `len` writable bytes at `p`.
    unsafe { core::ptr::write_bytes(p, 0, len) };
    STARTS[slot].store(p as usize, Relaxed);
    LENS[slot].store(len, Relaxed);
    p as usize
}

/// Unmaps a whole mapping mmap made; part of one cannot be unmapped.
#[no_mangle]
pub extern "C" fn munmap(addr: usize, len: usize) -> i32 {
    let Some(slot) = (addr != 0).then(|| slot_of(addr)).flatten() else {
        return fail(EINVAL, -1);
    };
    if pages(len) != Some(LENS[slot].load(Relaxed)) {
        return fail(EINVAL, -1);
    }
    STARTS[slot].store(0, Relaxed);
    // SAFETY: `addr` came from aligned_alloc in mmap and is freed once (its
    // slot was just cleared).
    unsafe { super::malloc::free(addr as *mut u8) };
    0
}

#[no_mangle]
pub unsafe extern "C" fn mremap(
    old: usize,
    old_len: usize,
    new_len: usize,
    flags: i32,
    _args: ...
) -> usize {
    let Some(slot) = (old != 0).then(|| slot_of(old)).flatten() else {
        return fail(EINVAL, MAP_FAILED);
    };
    let (Some(old_len), Some(new_len)) = (pages(old_len), pages(new_len)) else {
        return fail(EINVAL, MAP_FAILED);
    };
    if old_len != LENS[slot].load(Relaxed) {
        return fail(EINVAL, MAP_FAILED);
    }
    if new_len <= old_len {
        LENS[slot].store(new_len, Relaxed);
        return old;
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return fail(ENOMEM, MAP_FAILED);
    }
    let p = super::malloc::aligned_alloc(PAGE, new_len);
    if p.is_null() {
        return fail(ENOMEM, MAP_FAILED);
    }
    // SAFETY: both blocks are live and distinct; `old` has old_len bytes,
    // `p` new_len > old_len, and the tail is zeroed as a fresh mapping is.
    unsafe {
        core::ptr::copy_nonoverlapping(old as *const u8, p, old_len);
        core::ptr::write_bytes(p.add(old_len), 0, new_len - old_len);
        super::malloc::free(old as *mut u8);
    }
    STARTS[slot].store(p as usize, Relaxed);
    LENS[slot].store(new_len, Relaxed);
    p as usize
}

/// mprotect, msync and madvise: nothing to do (pages keep the access the
/// heap gives them).
#[no_mangle]
pub extern "C" fn mprotect(_addr: usize, _len: usize, _prot: i32) -> i32 {
    0
}

#[no_mangle]
pub extern "C" fn msync(_addr: usize, _len: usize, _flags: i32) -> i32 {
    0
}

#[no_mangle]
pub extern "C" fn madvise(_addr: usize, _len: usize, _advice: i32) -> i32 {
    0
}
