//! The read-only parts of what Xen loaded, as byte slices: the app bundle
//! embedded after the kernel by `ukrt-pack image`, and the PV ramdisk
//! module. Memory setup maps both read-only (`setup.rs`), so handing out
//! `&'static [u8]` over them is sound: nothing can write them.
use crate::xen::p2m::VIRT_BASE;
use crate::xen::start_info::BootInfo;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use ukrt_loader::bundle::{peek_total_size, PAGE};

extern "C" {
    static __bundle_start: u8;
}

/// The most an embedded bundle may claim: Xen puts the p2m list right
/// after the image, so a size that reaches past it is a corrupt header.
static IMAGE_LIMIT: AtomicU64 = AtomicU64::new(0);

/// Records where the image ends (start_info's p2m list follows it).
pub fn set_image_limit(info: &BootInfo) {
    IMAGE_LIMIT.store(info.mfn_list, Relaxed);
}

fn bundle_va() -> u64 {
    core::ptr::addr_of!(__bundle_start) as u64
}

/// The first page of the `.bundle` segment: a bundle header, or zeros.
fn bundle_head() -> &'static [u8] {
    // SAFETY: the linker script gives the .bundle segment at least one
    // page, loaded with the image and mapped read-only after setup.
    unsafe { core::slice::from_raw_parts(bundle_va() as *const u8, PAGE as usize) }
}

/// What the embedded bundle's header claims.
pub enum Embedded {
    /// The kernel as built: no bundle.
    None,
    /// A bundle of this many bytes, inside the image.
    Fits { va: u64, len: u64 },
    /// A header claiming more bytes than follow the kernel.
    PastImage { claimed: u64, room: u64 },
}

/// The embedded bundle's extent, as its header claims it.
pub fn embedded() -> Embedded {
    let va = bundle_va();
    let Some(len) = peek_total_size(bundle_head()) else {
        return Embedded::None;
    };
    let room = IMAGE_LIMIT.load(Relaxed).saturating_sub(va);
    if len <= room {
        Embedded::Fits { va, len }
    } else {
        Embedded::PastImage { claimed: len, room }
    }
}

/// The embedded bundle's extent, when there is one that fits.
pub fn embedded_extent() -> Option<(u64, u64)> {
    match embedded() {
        Embedded::Fits { va, len } => Some((va, len)),
        _ => None,
    }
}

/// The embedded bundle's bytes.
pub fn embedded_bytes() -> Option<&'static [u8]> {
    let (va, len) = embedded_extent()?;
    // SAFETY: the extent lies inside the loaded image (checked against the
    // image's end), which memory setup mapped read-only for good.
    Some(unsafe { core::slice::from_raw_parts(va as *const u8, len as usize) })
}

/// The ramdisk module's extent, when Xen gave one by virtual address.
pub fn module_extent(info: &BootInfo) -> Option<(u64, u64)> {
    (info.mod_start != 0 && info.mod_len != 0 && !info.module_is_pfn())
        .then_some((info.mod_start, info.mod_len))
}

/// The ramdisk module's bytes.
pub fn module_bytes(info: &BootInfo) -> Option<&'static [u8]> {
    let (va, len) = module_extent(info)?;
    // SAFETY: Xen maps the module inside the initial mapping; memory setup
    // maps its pages read-only for good and keeps its frames out of the
    // frame allocator.
    Some(unsafe { core::slice::from_raw_parts(va as *const u8, len as usize) })
}

/// The pfn of an address in the image or the initial mapping.
pub fn pfn_of(va: u64) -> u64 {
    (va - VIRT_BASE) / PAGE
}
