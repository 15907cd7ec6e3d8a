//! Where the app bundle is: embedded in the kernel image (by `ukrt-pack
//! image`), or handed over by Xen as the PV ramdisk module. Either way its
//! pages are frames of this domain, mapped where Xen put them, so a code
//! page of an app is the bundle's own frame.
use crate::xen::p2m::VIRT_BASE;
use crate::xen::start_info::BootInfo;
use ukrt_loader::bundle::{peek_total_size, Bundle, BundleError, PAGE};

extern "C" {
    static __bundle_start: u8;
}

/// A bundle in memory and the pfn of its first page.
pub struct BundleImage {
    pub bundle: Bundle<'static>,
    pub first_pfn: u64,
    pub origin: &'static str,
}

/// The most an embedded bundle may claim: Xen puts the p2m list right
/// after the image, so a size that reaches past it is a corrupt header.
static IMAGE_LIMIT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Records where the image ends (start_info's p2m list follows it).
pub fn set_image_limit(info: &BootInfo) {
    IMAGE_LIMIT.store(info.mfn_list, core::sync::atomic::Ordering::Relaxed);
}

/// The extent of the embedded bundle, if the image has one and it fits in
/// the image: the kernel's placeholder page starts with zeros (no bundle).
pub fn embedded_extent() -> Option<(u64, u64)> {
    let va = core::ptr::addr_of!(__bundle_start) as u64;
    // SAFETY: the placeholder page (at least) is mapped as part of the image.
    let head = unsafe { core::slice::from_raw_parts(va as *const u8, PAGE as usize) };
    let len = peek_total_size(head)?;
    let limit = IMAGE_LIMIT.load(core::sync::atomic::Ordering::Relaxed);
    (va.checked_add(len).is_some_and(|end| end <= limit)).then_some((va, len))
}

/// Whether the image carries a bundle header whose size is impossible.
fn embedded_corrupt_size() -> Option<u64> {
    let va = core::ptr::addr_of!(__bundle_start) as u64;
    // SAFETY: as in `embedded_extent`.
    let head = unsafe { core::slice::from_raw_parts(va as *const u8, PAGE as usize) };
    peek_total_size(head).filter(|_| embedded_extent().is_none())
}

/// Finds and checks the bundle. `Ok(None)`: the image carries none.
pub fn find(info: &BootInfo) -> Result<Option<BundleImage>, BundleError> {
    if let Some(size) = embedded_corrupt_size() {
        return Err(BundleError::BadTotalSize(size));
    }
    let (va, len, origin) = if let Some((va, len)) = embedded_extent() {
        (va, len, "embedded")
    } else if info.mod_start != 0 && info.mod_len != 0 && !info.module_is_pfn() {
        (info.mod_start, info.mod_len, "ramdisk module")
    } else {
        return Ok(None);
    };
    // SAFETY: Xen mapped the whole image (with its bundle segment) and the
    // module, read-only from here on, for the life of the domain.
    let bytes = unsafe { core::slice::from_raw_parts(va as *const u8, len as usize) };
    let bundle = Bundle::parse(bytes)?;
    Ok(Some(BundleImage {
        bundle,
        first_pfn: (va - VIRT_BASE) / PAGE,
        origin,
    }))
}
