//! Machine/pseudo-physical translation.
//!
//! Xen maps the machine-to-physical table read-only at a fixed address in
//! every PV guest; the guest's virtual address for a frame of the initial
//! mapping is the image base plus its pfn.
use core::ptr::NonNull;

/// Where Xen maps the m2p table (`MACH2PHYS_VIRT_START` for x86_64).
const M2P_BASE: *const u64 = 0xffff_8000_0000_0000 as *const u64;
/// The image's virtual base (`XEN_ELFNOTE_VIRT_BASE`).
pub const VIRT_BASE: u64 = 0xffff_ffff_8000_0000;

/// The pfn of machine frame `mfn`.
pub fn mfn_to_pfn(mfn: u64) -> u64 {
    // SAFETY: Xen keeps the m2p table mapped read-only for every PV guest; an
    // entry exists for every machine frame the domain can be given.
    unsafe { M2P_BASE.add(mfn as usize).read_volatile() }
}

/// The virtual address of a frame that lies inside the initial mapping.
pub fn mfn_to_initial_va(mfn: u64) -> NonNull<u8> {
    let va = VIRT_BASE + (mfn_to_pfn(mfn) << 12);
    NonNull::new(va as *mut u8).expect("the image base is not null")
}
