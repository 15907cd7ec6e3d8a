//! Machine/pseudo-physical translation, and the pages Xen's domain builder
//! shares with us inside the initial mapping.
//!
//! Xen maps the machine-to-physical table read-only at a fixed address in
//! every PV guest; the guest's virtual address for a frame of the initial
//! mapping is the image base plus its pfn.
use super::abi::{MACH2PHYS_VIRT_START, PAGE_SIZE};
use super::shared_page::SharedPage;
use core::ptr::NonNull;

/// The image's virtual base (`XEN_ELFNOTE_VIRT_BASE`).
pub const VIRT_BASE: u64 = 0xffff_ffff_8000_0000;

/// The pfn of machine frame `mfn`.
pub fn mfn_to_pfn(mfn: u64) -> u64 {
    let table = MACH2PHYS_VIRT_START as *const u64;
    // SAFETY: Xen keeps the m2p table mapped read-only for every PV guest; an
    // entry exists for every machine frame the domain can be given. It is
    // read-only to us and Xen updates it, hence a volatile read.
    unsafe { table.add(mfn as usize).read_volatile() }
}

/// The virtual address of a frame that lies inside the initial mapping.
fn initial_va(mfn: u64) -> NonNull<u8> {
    let va = VIRT_BASE + mfn_to_pfn(mfn) * PAGE_SIZE as u64;
    NonNull::new(va as *mut u8).expect("the image base is not null")
}

/// A page the domain builder shares with a backend (the console or the
/// xenstore page, named by machine frame in `start_info`).
///
/// # Panics
/// If called twice for one page: each has exactly one owner.
pub fn builder_shared_page(mfn: u64) -> SharedPage {
    static TAKEN: spin::Mutex<heapless::Vec<u64, 4>> = spin::Mutex::new(heapless::Vec::new());
    let mut taken = TAKEN.lock();
    assert!(!taken.contains(&mfn), "shared page {mfn:#x} taken twice");
    taken
        .push(mfn)
        .expect("at most the console and store pages");
    // SAFETY: the builder maps the console and store pages writable inside
    // the initial mapping, which stays mapped for the life of the domain;
    // no Rust reference covers them (the runtime never uses these frames
    // otherwise: memory setup keeps them out of the frame allocator).
    unsafe { SharedPage::new(initial_va(mfn)) }
}
