//! `image::embed` and `image::bundle_bytes`: the input is a bundle and a
//! kernel (see `ukrt_fuzz::split`; seeds hold the kernel-like fixture and
//! real bundles). What `embed` accepts, `bundle_bytes` must find again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ukrt_fuzz::split;
use ukrt_loader::bundle::{peek_total_size, Bundle};
use ukrt_loader::image::{bundle_bytes, embed, is_ukrt_kernel};

const PAGE: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let (bundle, kernel) = split(data);
    // The kernel part as an image that may carry a bundle already.
    let _ = is_ukrt_kernel(kernel);
    if let Some(b) = bundle_bytes(kernel) {
        let _ = Bundle::parse(b);
    }
    let Ok(out) = embed(kernel, bundle) else {
        return;
    };
    // The kernel padded to a page, then the bundle padded to a page.
    let at = kernel.len().next_multiple_of(PAGE);
    let size = bundle.len().next_multiple_of(PAGE);
    assert_eq!(out.len(), at + size);
    assert_eq!(&out[at..at + bundle.len()], bundle);
    assert!(is_ukrt_kernel(&out));
    // bundle_bytes only reports a segment that starts like a bundle.
    if peek_total_size(bundle).is_some() {
        assert_eq!(bundle_bytes(&out), Some(&out[at..]));
    }
});
