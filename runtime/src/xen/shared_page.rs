//! A page shared with another party (Xen, or a backend in another domain)
//! that may change it at any moment.
//!
//! Rust references to such memory would promise the compiler that nobody
//! else writes it, so the page is never borrowed as bytes: indexes are
//! reached as atomics, everything else is copied in and out with volatile
//! accesses. Typed copies go through zerocopy's `FromBytes`/`IntoBytes`, so
//! any bit pattern the other side leaves is a valid value.
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, AtomicU8};
use zerocopy::{FromBytes, Immutable, IntoBytes};

/// Bytes in a shared page.
pub const SIZE: usize = crate::xen::abi::PAGE_SIZE;

/// One mapped, writable, page-aligned 4 KiB page.
pub struct SharedPage {
    base: NonNull<u8>,
    /// What keeps the page mapped and ours (a frame of the runtime's own,
    /// given back when this is dropped); none for pages that live forever.
    _owner: Option<alloc::boxed::Box<dyn Send + Sync>>,
}

// SAFETY: the page is only accessed through atomics and volatile copies,
// which any number of parties may do at once; the handle itself is just
// an address.
unsafe impl Send for SharedPage {}
// SAFETY: sharing the handle between threads shares only the address; no
// access through `&SharedPage` creates a Rust reference to the page's bytes,
// only atomics and volatile copies, which may run concurrently.
unsafe impl Sync for SharedPage {}

impl SharedPage {
    /// # Safety
    /// `base` must point at a page-aligned 4 KiB page that is mapped
    /// writable for as long as the value (and every value made from the same
    /// page) lives, and that no Rust reference (`&`/`&mut` to its bytes)
    /// covers while it does.
    pub unsafe fn new(base: NonNull<u8>) -> Self {
        assert!(
            (base.as_ptr() as usize).is_multiple_of(SIZE),
            "shared page not page-aligned"
        );
        Self { base, _owner: None }
    }

    /// A page that `owner` keeps mapped: dropping the page drops the owner.
    ///
    /// # Safety
    /// As for [`SharedPage::new`], for as long as `owner` lives; and this is
    /// the only handle on the page.
    pub unsafe fn owned(base: NonNull<u8>, owner: impl Send + Sync + 'static) -> Self {
        // SAFETY: the caller's promise covers `new`'s.
        let mut page = unsafe { Self::new(base) };
        page._owner = Some(alloc::boxed::Box::new(owner));
        page
    }

    fn at(&self, offset: usize, len: usize, align: usize) -> *mut u8 {
        assert!(
            offset.checked_add(len).is_some_and(|end| end <= SIZE),
            "access at {offset}+{len} outside the shared page"
        );
        assert!(
            offset.is_multiple_of(align),
            "misaligned shared access at {offset}"
        );
        // SAFETY: offset + len <= SIZE: the result stays inside the page.
        unsafe { self.base.as_ptr().add(offset) }
    }

    /// The aligned 32-bit word at `offset`.
    pub fn atomic_u32(&self, offset: usize) -> &AtomicU32 {
        let p = self.at(offset, 4, 4);
        // SAFETY: aligned, inside the mapped page for the life of `self`;
        // an atomic may be changed by others at any time.
        unsafe { AtomicU32::from_ptr(p.cast()) }
    }

    pub fn atomic_u16(&self, offset: usize) -> &AtomicU16 {
        let p = self.at(offset, 2, 2);
        // SAFETY: an aligned 16-bit word inside the mapped page (checked by
        // `at`) for the life of `self`; an atomic may be changed by others.
        unsafe { AtomicU16::from_ptr(p.cast()) }
    }

    pub fn atomic_u8(&self, offset: usize) -> &AtomicU8 {
        let p = self.at(offset, 1, 1);
        // SAFETY: a byte inside the mapped page (checked by `at`) for the
        // life of `self`; an atomic may be changed by others at any time.
        unsafe { AtomicU8::from_ptr(p) }
    }

    pub fn atomic_u64(&self, offset: usize) -> &AtomicU64 {
        let p = self.at(offset, 8, 8);
        // SAFETY: an aligned word inside the mapped page (checked by `at`)
        // for the life of `self`; an atomic may be changed by others.
        unsafe { AtomicU64::from_ptr(p.cast()) }
    }

    /// `len` consecutive aligned 64-bit words starting at `offset`.
    pub fn atomic_u64s(&self, offset: usize, len: usize) -> &[AtomicU64] {
        let p = self.at(offset, len * 8, 8);
        // SAFETY: `len` aligned words inside the mapped page, each an atomic
        // that others may change.
        unsafe { core::slice::from_raw_parts(p.cast::<AtomicU64>(), len) }
    }

    /// Copies `buf.len()` bytes out of the page, starting at `offset`.
    pub fn read_bytes(&self, offset: usize, buf: &mut [u8]) {
        let p = self.at(offset, buf.len(), 1);
        for (i, b) in buf.iter_mut().enumerate() {
            // SAFETY: inside the page (checked by `at`); volatile because
            // the other side may be writing.
            *b = unsafe { p.add(i).read_volatile() };
        }
    }

    /// Copies `data` into the page at `offset`.
    pub fn write_bytes(&self, offset: usize, data: &[u8]) {
        let p = self.at(offset, data.len(), 1);
        for (i, &b) in data.iter().enumerate() {
            // SAFETY: inside the page (checked by `at`).
            unsafe { p.add(i).write_volatile(b) };
        }
    }

    /// Fills `len` bytes at `offset` with `value`.
    pub fn fill(&self, offset: usize, len: usize, value: u8) {
        let p = self.at(offset, len, 1);
        for i in 0..len {
            // SAFETY: inside the page (checked by `at`).
            unsafe { p.add(i).write_volatile(value) };
        }
    }

    /// A copy of the `T` at `offset`.
    pub fn read<T: FromBytes + IntoBytes>(&self, offset: usize) -> T {
        let mut v = T::new_zeroed();
        self.read_bytes(offset, v.as_mut_bytes());
        v
    }

    /// Stores `v` at `offset`.
    pub fn write<T: IntoBytes + Immutable>(&self, offset: usize, v: &T) {
        self.write_bytes(offset, v.as_bytes());
    }
}

/// Pages for host tests: each test page is leaked, so handles to it stay
/// valid however the test uses them.
#[cfg(test)]
pub mod test_pages {
    use super::*;

    #[repr(C, align(4096))]
    struct Page([u8; SIZE]);

    /// `N` handles on one fresh zeroed page.
    pub fn handles<const N: usize>() -> [SharedPage; N] {
        let page: &'static mut Page = Box::leak(Box::new(Page([0; SIZE])));
        let base = NonNull::new(page.0.as_mut_ptr()).unwrap();
        // SAFETY: the page is leaked (lives forever) and only these handles
        // reach it; none makes a reference to its bytes.
        core::array::from_fn(|_| unsafe { SharedPage::new(base) })
    }

    /// Another handle on the same test page.
    pub fn another(p: &SharedPage) -> SharedPage {
        // SAFETY: test pages are leaked (live forever) and reached only
        // through SharedPage handles.
        unsafe { SharedPage::new(p.base) }
    }

    /// Two handles on one fresh zeroed page: the runtime's side and the
    /// test's model of the other end.
    pub fn pair() -> (SharedPage, SharedPage) {
        let [a, b] = handles();
        (a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::Ordering::Relaxed;

    #[test]
    fn both_handles_see_the_same_bytes() {
        let (a, b) = test_pages::pair();
        a.write_bytes(100, b"hello");
        let mut buf = [0; 5];
        b.read_bytes(100, &mut buf);
        assert_eq!(&buf, b"hello");
        a.atomic_u32(4092).store(0xdead_beef, Relaxed);
        assert_eq!(b.read::<u32>(4092), 0xdead_beef);
        b.write(8, &0x0102_0304_0506_0708u64);
        assert_eq!(a.atomic_u64(8).load(Relaxed), 0x0102_0304_0506_0708);
        a.fill(0, 4, 0xff);
        assert_eq!(b.atomic_u32(0).load(Relaxed), u32::MAX);
    }

    #[test]
    #[should_panic(expected = "outside the shared page")]
    fn accesses_past_the_page_panic() {
        let (a, _) = test_pages::pair();
        a.read_bytes(4090, &mut [0; 8]);
    }

    #[test]
    #[should_panic(expected = "misaligned")]
    fn misaligned_atomics_panic() {
        let (a, _) = test_pages::pair();
        a.atomic_u32(2);
    }
}
