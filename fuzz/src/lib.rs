//! Helpers shared by the fuzz targets in `fuzz_targets/`.
use std::sync::LazyLock;
use ukrt_loader::bundle::{compute_checksum, BundleBuilder};

/// The loader tests' kernel-like executable, built by `build.rs`: text,
/// data, then the read-only `.bundle` segment with a page of zeros.
pub static KERNEL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kernel.elf"));

/// The files of [`small_bundle`]: the examples' app files and libukc.
pub const BUNDLE_FILES: &[&str] = &[
    "hello-c.so",
    "hello-rust.so",
    "greet-a.so",
    "greet-b.so",
    "broken.so",
    "libgreet.so",
    "libukc.so",
    "a.so",
];

/// A valid bundle of [`BUNDLE_FILES`] with a one-app manifest. The files
/// are empty: only their names matter to the manifest checks, and an empty
/// file takes no page, so the bundle is two pages (the checksum and padding
/// checks, instrumented per byte, stay cheap).
pub static SMALL_BUNDLE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut b = BundleBuilder::new();
    for name in BUNDLE_FILES {
        b.add_file(name, Vec::new()).unwrap();
    }
    b.set_manifest("app hello-c hello-c.so\n");
    b.build()
});

/// [`KERNEL`] with [`SMALL_BUNDLE`] embedded: a ukrt image.
pub static IMAGE: LazyLock<Vec<u8>> =
    LazyLock::new(|| ukrt_loader::image::embed(KERNEL, &SMALL_BUNDLE).unwrap());

/// Writes the CRC-32 a bundle's header must hold into `b`, over
/// `[0, total size)` as the header says (or all of `b` if that is shorter),
/// so that parsing gets past the checksum. No-op for inputs too short to
/// have the field.
pub fn fix_checksum(b: &mut [u8]) {
    let Some(total) = b.get(16..24) else {
        return;
    };
    let total = u64::from_le_bytes(total.try_into().unwrap());
    let end = usize::try_from(total).map_or(b.len(), |t| t.min(b.len()));
    if end < 44 {
        return;
    }
    let sum = compute_checksum(&b[..end]);
    b[40..44].copy_from_slice(&sum.to_le_bytes());
}

/// Splits `data` into (first, rest): a 2-byte little-endian length, then
/// that many bytes (fewer if `data` ends first), then the rest.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<2>() else {
        return (&[], &[]);
    };
    rest.split_at((u16::from_le_bytes(*len) as usize).min(rest.len()))
}

/// The longest valid UTF-8 prefix of `data`.
pub fn utf8_prefix(data: &[u8]) -> &str {
    match std::str::from_utf8(data) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&data[..e.valid_up_to()]).unwrap(),
    }
}
