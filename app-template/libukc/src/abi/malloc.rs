//! malloc and friends over the app's heap ([`crate::malloc::Heap`]:
//! dlmalloc with a check word per block), which grows through
//! `ukrt_heap_grow`. The runtime maps those pages at once, so when memory
//! runs out malloc returns NULL with errno = ENOMEM instead of the app
//! crashing on a later touch. Freed memory is reused, not returned.
//!
//! A free, realloc or malloc_usable_size of a pointer that is not a live
//! block (a double free, a pointer malloc never returned) or whose block's
//! end was overwritten prints what happened, naming the app and the call,
//! and ends the app as abort does (status 134).
use super::stdio::{fflush, stderr_bytes, stderr_write, stdout};
use crate::errno::{EINVAL, ENOMEM};
use crate::malloc::{memalign_alignment, Grow, Heap, Misuse, ALIGN};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// The most heap an app can have: the runtime's largest heap region
/// (loader::layout::HEAP_MAX; the manifest's `heap=SIZE` or the domain's
/// memory may give less, and then the grow function refuses). Knowing it
/// lets a hopeless request fail without asking.
const HEAP_LIMIT: usize = 63 << 30;

/// The runtime's side of the heap.
struct Runtime;

impl Grow for Runtime {
    fn grow(&self, bytes: usize) -> *mut u8 {
        // SAFETY: this is the allocator's grow, the one caller
        // ukrt_heap_grow allows; it takes only a size and returns NULL or
        // the start of `bytes` newly mapped bytes right after the previous
        // run, which is the Grow contract.
        unsafe { super::ukrt_heap_grow(bytes) }
    }
}

struct AppHeap(UnsafeCell<Heap<Runtime>>);

// SAFETY: sharing AppHeap across threads never happens: one thread of
// control runs in an app instance, and each instance has its own copy of
// this library's data, so the cell is never reached from two threads.
unsafe impl Sync for AppHeap {}

static HEAP: AppHeap = AppHeap(UnsafeCell::new(Heap::new(Runtime, HEAP_LIMIT)));

fn heap() -> &'static mut Heap<Runtime> {
    // SAFETY: the cell is only reached from this instance's one thread of
    // control, and every caller uses the reference within one call of this
    // module and never two of them at once, so it is unique while used.
    unsafe { &mut *HEAP.0.get() }
}

/// NULL results are exhaustion: errno = ENOMEM.
fn or_enomem(p: *mut u8) -> *mut u8 {
    if p.is_null() {
        super::set_errno(ENOMEM);
    }
    p
}

/// "libukc: app 'NAME': CALL(0xPTR): WHAT", then the app ends as abort()
/// ends it.
fn misuse(call: &[u8], p: *mut u8, what: Misuse) -> ! {
    // SAFETY: `stdout` is read with no write racing it (one thread of
    // control) and holds one of this library's streams, which is all
    // fflush requires.
    unsafe { fflush(stdout) };
    stderr_bytes(b"libukc: app '");
    let name = super::ukrt_app_name();
    if !name.is_null() {
        // SAFETY: a non-NULL name from the runtime is the app's argv[0], a
        // NUL-terminated string that lives as long as the app.
        unsafe { stderr_write(name.cast()) };
    }
    stderr_bytes(b"': ");
    stderr_bytes(call);
    stderr_bytes(b"(0x");
    let mut hex = [0u8; 16];
    let mut at = hex.len();
    let mut v = p as usize;
    loop {
        at -= 1;
        hex[at] = b"0123456789abcdef"[v & 15];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    stderr_bytes(&hex[at..]);
    stderr_bytes(b"): ");
    stderr_bytes(what.message().as_bytes());
    stderr_bytes(b"\n");
    super::signal::abort()
}

#[no_mangle]
pub extern "C" fn malloc(size: usize) -> *mut u8 {
    or_enomem(heap().malloc(size))
}

/// # Safety
/// `p` is NULL or a live block from this allocator; anything else ends the
/// app with a message (as far as the checks see it).
#[no_mangle]
pub unsafe extern "C" fn free(p: *mut u8) {
    // SAFETY: C's contract for free: the heap outside live blocks is as
    // the allocator left it; `p` itself is checked.
    if let Err(e) = unsafe { heap().free(p) } {
        misuse(b"free", p, e)
    }
}

#[no_mangle]
pub extern "C" fn calloc(n: usize, size: usize) -> *mut u8 {
    or_enomem(heap().calloc(n, size))
}

/// # Safety
/// As for free.
#[no_mangle]
pub unsafe extern "C" fn realloc(p: *mut u8, size: usize) -> *mut u8 {
    // SAFETY: C's contract for realloc, as for free.
    match unsafe { heap().realloc(p, size) } {
        Ok(q) if q.is_null() && size != 0 => or_enomem(q),
        Ok(q) => q,
        Err(e) => misuse(b"realloc", p, e),
    }
}

/// # Safety
/// As for free.
#[no_mangle]
pub unsafe extern "C" fn malloc_usable_size(p: *mut u8) -> usize {
    // SAFETY: C's contract, as for free.
    match unsafe { heap().usable_size(p) } {
        Ok(n) => n,
        Err(e) => misuse(b"malloc_usable_size", p, e),
    }
}

/// C11's aligned_alloc as glibc (2.38 on) has it: the alignment must be a
/// power of two (EINVAL otherwise).
#[no_mangle]
pub extern "C" fn aligned_alloc(align: usize, size: usize) -> *mut u8 {
    if !align.is_power_of_two() {
        super::set_errno(EINVAL);
        return null_mut();
    }
    or_enomem(heap().memalign(align.max(ALIGN), size))
}

/// glibc's memalign: an alignment that is not a power of two rounds up to
/// one.
#[no_mangle]
pub extern "C" fn memalign(align: usize, size: usize) -> *mut u8 {
    let Some(align) = memalign_alignment(align) else {
        super::set_errno(EINVAL);
        return null_mut();
    };
    or_enomem(heap().memalign(align, size))
}

/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn posix_memalign(out: *mut *mut u8, align: usize, size: usize) -> i32 {
    if !align.is_power_of_two() || align < size_of::<usize>() {
        return EINVAL;
    }
    let p = heap().memalign(align.max(ALIGN), size);
    if p.is_null() {
        return ENOMEM;
    }
    // SAFETY: the caller passes a writable, aligned `out` (C's contract for
    // posix_memalign).
    unsafe { out.write(p) };
    0
}
