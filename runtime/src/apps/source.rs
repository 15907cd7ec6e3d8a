//! Where the app bundle is: embedded in the kernel image (by `ukrt-pack
//! image`), or handed over by Xen as the PV ramdisk module. Either way its
//! pages are frames of this domain, mapped where Xen put them, so a code
//! page of an app is the bundle's own frame.
use crate::mm::image::{self, Embedded};
use crate::xen::start_info::BootInfo;
use ukrt_loader::bundle::{Bundle, BundleError};

/// A bundle in memory and the pfn of its first page.
pub struct BundleImage {
    pub bundle: Bundle<'static>,
    pub first_pfn: u64,
    pub origin: &'static str,
}

/// Finds and checks the bundle. `Ok(None)`: the image carries none.
pub fn find(info: &BootInfo) -> Result<Option<BundleImage>, BundleError> {
    if let Embedded::PastImage { claimed, room } = image::embedded() {
        return Err(BundleError::PastImage {
            size: claimed,
            room,
        });
    }
    let (bytes, origin) = if let Some(b) = image::embedded_bytes() {
        (b, "embedded")
    } else if let Some(b) = image::module_bytes(info) {
        (b, "ramdisk module")
    } else {
        return Ok(None);
    };
    let bundle = Bundle::parse(bytes)?;
    Ok(Some(BundleImage {
        bundle,
        first_pfn: image::pfn_of(bytes.as_ptr() as u64),
        origin,
    }))
}
