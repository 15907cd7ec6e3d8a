//! Mapping the grant table's frames: Xen sets the table up
//! (`GNTTABOP_setup_table`) and names its machine frames; a PV guest maps
//! them itself, here over pages reserved in the image (as the shared info
//! page is), and reaches them as [`SharedPage`]s.
use super::abi::PAGE_SIZE;
use super::hypercall::{self, XenError};
use super::shared_page::SharedPage;
use crate::mm::pte::{ACCESSED, DIRTY, NO_EXECUTE, PRESENT, WRITABLE};
use alloc::vec::Vec;

/// Pages of grant table the runtime uses: 4 × 512 = 2,048 references, for
/// the rings and buffers of a few devices (a netfront with 256 receive and
/// 256 send buffers takes 514).
pub const FRAMES: usize = 4;

#[repr(C, align(4096))]
struct Pages([[u8; PAGE_SIZE]; FRAMES]);

/// The virtual pages the grant frames are mapped at; their original
/// backing frames stay allocated to the domain but unused.
static mut GRANT_PAGES: Pages = Pages([[0; PAGE_SIZE]; FRAMES]);

static MAPPED: spin::Once<()> = spin::Once::new();

/// Sets up and maps the grant table; returns its pages. Call once.
pub fn map() -> Result<Vec<SharedPage>, XenError> {
    assert!(MAPPED.get().is_none(), "the grant table is mapped once");
    let mut mfns = [0u64; FRAMES];
    hypercall::grant_setup_table(&mut mfns)?;
    let base = core::ptr::addr_of!(GRANT_PAGES) as u64;
    let mut pages = Vec::with_capacity(FRAMES);
    for (i, mfn) in mfns.iter().enumerate() {
        let va = base + (i * PAGE_SIZE) as u64;
        let flags = PRESENT | WRITABLE | ACCESSED | DIRTY | NO_EXECUTE;
        hypercall::update_va_mapping(va, (mfn * PAGE_SIZE as u64) | flags)?;
        let page = core::ptr::NonNull::new(va as *mut u8).expect("a static is not null");
        // SAFETY: the page now maps a grant-table frame Xen shares with us,
        // writable, for the life of the domain; the static is never used as
        // Rust data (only its address is taken), and this runs once.
        pages.push(unsafe { SharedPage::new(page) });
    }
    MAPPED.call_once(|| ());
    Ok(pages)
}
