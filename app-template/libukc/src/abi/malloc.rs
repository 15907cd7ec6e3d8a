//! malloc and friends: a first-fit free list (the `linked_list_allocator`
//! crate) over the app's heap, which grows a page run at a time through
//! `ukrt_heap_grow`. The runtime maps those pages at once, so when memory
//! runs out malloc returns NULL with errno = ENOMEM instead of the app
//! crashing on a later touch. Freed memory is reused, not returned.
use crate::errno::ENOMEM;
use core::alloc::Layout;
use core::cell::UnsafeCell;
use core::ptr::{null_mut, NonNull};
use linked_list_allocator::Heap;

/// Each block starts with a header one alignment unit before the pointer
/// handed out: the size and alignment it was allocated with.
const HEADER: usize = 16;
/// The heap grows by at least this much at a time.
const GROW_MIN: usize = 256 * 1024;

struct AppHeap(UnsafeCell<Option<Heap>>);

// SAFETY: sharing AppHeap across threads never happens: one thread of
// control runs in an app instance, and each instance has its own copy of
// this library's data, so the cell is never reached from two threads.
unsafe impl Sync for AppHeap {}

static HEAP: AppHeap = AppHeap(UnsafeCell::new(None));

fn heap() -> &'static mut Option<Heap> {
    // SAFETY: the cell is only reached from this instance's one thread of
    // control, and every caller uses the reference within one call of this
    // module and never two of them at once, so it is unique while used.
    unsafe { &mut *HEAP.0.get() }
}

/// Adds at least `need` bytes to the heap; false when the runtime has none.
fn grow(need: usize) -> bool {
    let by = need.max(GROW_MIN).next_multiple_of(4096);
    // SAFETY: this is the allocator's grow, the one caller ukrt_heap_grow
    // allows; it takes only a size and returns NULL or the start of `by`
    // newly mapped bytes right after the previous run.
    let start = unsafe { super::ukrt_heap_grow(by) };
    if start.is_null() {
        return false;
    }
    match heap() {
        // SAFETY: the runtime just mapped `by` bytes, which nothing uses yet,
        // right after the heap's previous run, so they adjoin its top.
        Some(h) => unsafe { h.extend(by) },
        None => {
            let mut h = Heap::empty();
            // SAFETY: `start` is the first of `by` bytes the runtime just
            // mapped for the heap, which nothing else uses and which stay
            // mapped for the app's life; this is the heap's first run.
            unsafe { h.init(start, by) };
            *heap() = Some(h);
        }
    }
    true
}

fn layout_for(size: usize, align: usize) -> Option<(Layout, usize)> {
    let align = align.max(HEADER);
    let offset = align; // the header sits in the last 16 bytes before it
    let total = size.checked_add(offset)?;
    Some((Layout::from_size_align(total, align).ok()?, offset))
}

fn allocate(size: usize, align: usize) -> *mut u8 {
    let Some((layout, offset)) = layout_for(size, align) else {
        super::set_errno(ENOMEM);
        return null_mut();
    };
    loop {
        if let Some(h) = heap() {
            if let Ok(block) = h.allocate_first_fit(layout) {
                let user = block.as_ptr().wrapping_add(offset);
                // SAFETY: `block` is a fresh allocation of `layout.size()` =
                // size + offset bytes aligned to `offset` >= HEADER (16), so
                // the 16 header bytes before `user` lie inside it and are
                // aligned for usize.
                unsafe {
                    let header = user.sub(HEADER).cast::<usize>();
                    header.write(layout.size());
                    header.add(1).write(layout.align());
                }
                return user;
            }
        }
        if !grow(layout.size() + layout.align()) {
            super::set_errno(ENOMEM);
            return null_mut();
        }
    }
}

/// The layout a block was allocated with.
///
/// # Safety
/// `p` must come from `allocate`.
unsafe fn block_of(p: *mut u8) -> (NonNull<u8>, Layout) {
    // SAFETY: the caller passes a pointer `allocate` returned, so the 16
    // bytes before it are the header it wrote (size and alignment of the
    // block, a valid Layout), and the block starts `align` bytes before `p`.
    unsafe {
        let header = p.sub(HEADER).cast::<usize>();
        let (size, align) = (header.read(), header.add(1).read());
        let block = NonNull::new_unchecked(p.sub(align));
        (block, Layout::from_size_align_unchecked(size, align))
    }
}

/// The bytes the caller may use in a block.
///
/// # Safety
/// `p` must be a live block from `allocate`.
unsafe fn usable_size(p: *mut u8) -> usize {
    // SAFETY: the caller passes a live block from `allocate`, which is what
    // block_of requires.
    let (_, layout) = unsafe { block_of(p) };
    layout.size() - layout.align()
}

#[no_mangle]
pub extern "C" fn malloc(size: usize) -> *mut u8 {
    allocate(size, HEADER)
}

/// # Safety
/// `p` is NULL or a live block from this allocator.
#[no_mangle]
pub unsafe extern "C" fn free(p: *mut u8) {
    if p.is_null() {
        return;
    }
    // SAFETY: the caller passes a live block from this allocator (C's
    // contract for free), and `p` is not NULL here, so it came from
    // `allocate`.
    let (block, layout) = unsafe { block_of(p) };
    if let Some(h) = heap() {
        // SAFETY: the block was allocated from this heap with this layout
        // (its header says so) and is live, so it is freed once.
        unsafe { h.deallocate(block, layout) };
    }
}

#[no_mangle]
pub extern "C" fn calloc(n: usize, size: usize) -> *mut u8 {
    let Some(total) = n.checked_mul(size) else {
        super::set_errno(ENOMEM);
        return null_mut();
    };
    let p = malloc(total);
    if !p.is_null() {
        // SAFETY: malloc returned a fresh, non-NULL block of at least
        // `total` writable bytes.
        unsafe { super::mem::memset(p, 0, total) };
    }
    p
}

/// # Safety
/// `p` is NULL or a live block from this allocator.
#[no_mangle]
pub unsafe extern "C" fn realloc(p: *mut u8, size: usize) -> *mut u8 {
    if p.is_null() {
        return malloc(size);
    }
    if size == 0 {
        // SAFETY: the caller passes a live block from this allocator (C's
        // contract for realloc), which free accepts.
        unsafe { free(p) };
        return null_mut();
    }
    // SAFETY: the caller passes a live block from this allocator (C's
    // contract for realloc), and `p` is not NULL here, so it came from
    // `allocate`.
    let old = unsafe { usable_size(p) };
    if size <= old {
        return p;
    }
    let q = malloc(size);
    if !q.is_null() {
        // SAFETY: `p` is the caller's live block (C's contract for realloc)
        // with `old` usable bytes, `q` a fresh distinct one with `size` >
        // `old`, so copying `old` bytes stays inside both and they do not
        // overlap; `p` is freed once, after the copy.
        unsafe {
            super::mem::memcpy(q, p, old);
            free(p);
        }
    }
    q
}

#[no_mangle]
pub extern "C" fn aligned_alloc(align: usize, size: usize) -> *mut u8 {
    if !align.is_power_of_two() {
        super::set_errno(crate::errno::EINVAL);
        return null_mut();
    }
    allocate(size, align)
}

#[no_mangle]
pub extern "C" fn memalign(align: usize, size: usize) -> *mut u8 {
    aligned_alloc(align, size)
}

/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn posix_memalign(out: *mut *mut u8, align: usize, size: usize) -> i32 {
    if !align.is_power_of_two() || align < 8 {
        return crate::errno::EINVAL;
    }
    let p = allocate(size, align);
    if p.is_null() {
        return ENOMEM;
    }
    // SAFETY: the caller passes a writable, aligned `out` (C's contract for
    // posix_memalign).
    unsafe { out.write(p) };
    0
}
