//! Host tests of embedding a bundle in a kernel image (`ukrt_loader::image`)
//! on a small kernel-like executable built here by gcc, and on corrupted
//! copies of it.
use std::path::{Path, PathBuf};
use std::process::Command;
use ukrt_loader::bundle::BundleBuilder;
use ukrt_loader::image::{bundle_bytes, embed, is_ukrt_kernel, ImageError};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The kernel-like executable: text, data, then the `.bundle` segment.
fn kernel() -> Vec<u8> {
    let test = std::thread::current()
        .name()
        .unwrap_or("main")
        .replace("::", "-");
    let out = std::env::temp_dir().join(format!(
        "ukrt-loader-image-{}-{test}.elf",
        std::process::id()
    ));
    let st = Command::new("gcc")
        .args(["-O2", "-static", "-nostdlib", "-no-pie", "-fno-pic"])
        .args(["-mcmodel=kernel", "-Wl,--build-id=none", "-Wl,-T"])
        .arg(fixture("kernel.ld"))
        .arg("-o")
        .arg(&out)
        .arg(fixture("kernel.c"))
        .status()
        .expect("gcc runs");
    assert!(st.success(), "gcc failed for the kernel fixture");
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    bytes
}

fn bundle() -> Vec<u8> {
    let mut b = BundleBuilder::new();
    b.add_file("a.so", vec![7; 5000]).unwrap();
    b.set_manifest("app a a.so\n");
    b.build()
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}
fn set_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn set_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// The header tables: (program headers, section headers) as byte ranges.
fn tables(k: &[u8]) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let (phoff, phnum) = (u64_at(k, 32) as usize, u16_at(k, 56) as usize);
    let (shoff, shnum) = (u64_at(k, 40) as usize, u16_at(k, 60) as usize);
    (phoff..phoff + phnum * 56, shoff..shoff + shnum * 64)
}

#[test]
fn embeds_and_reads_back_the_bundle() {
    let k = kernel();
    let b = bundle();
    assert!(is_ukrt_kernel(&k));
    // The kernel as built carries a page of zeros: no bundle.
    assert_eq!(bundle_bytes(&k), None);
    let image = embed(&k, &b).unwrap();
    let at = k.len().div_ceil(4096) * 4096;
    assert_eq!(image.len(), at + b.len());
    assert_eq!(&image[at..], &b[..]);
    assert_eq!(bundle_bytes(&image), Some(&b[..]));
    // Only the .bundle segment's and section's offset and sizes changed.
    let ph = tables(&k).0.start + 2 * 56; // the third program header
    let changed: Vec<usize> = (0..k.len()).filter(|&i| image[i] != k[i]).collect();
    assert!(!changed.is_empty());
    let (_, sh) = tables(&k);
    for i in changed {
        let in_ph = (ph + 8..ph + 16).contains(&i) || (ph + 32..ph + 48).contains(&i);
        let in_sh = sh.contains(&i) && matches!((i - sh.start) % 64, 24..40);
        assert!(in_ph || in_sh, "embed changed kernel byte {i:#x}");
    }
    assert_eq!(u64_at(&image, ph + 8), at as u64);
    assert_eq!(u64_at(&image, ph + 32), b.len() as u64);
    assert_eq!(u64_at(&image, ph + 40), b.len() as u64);
}

/// `embed`'s error for `kernel` edited by `edit`.
fn error(k: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> ImageError {
    let mut k = k.to_vec();
    edit(&mut k);
    // The other entry points must not panic on it either.
    let _ = is_ukrt_kernel(&k);
    let _ = bundle_bytes(&k);
    embed(&k, &bundle()).unwrap_err()
}

#[test]
fn header_entry_sizes_must_be_elf64s() {
    let k = kernel();
    for n in [0, 1, 55, 57, 64] {
        assert_eq!(
            error(&k, |k| set_u16(k, 54, n)),
            ImageError::BadProgramHeaderSize(n)
        );
    }
    for n in [0, 1, 56, 65] {
        assert_eq!(
            error(&k, |k| set_u16(k, 58, n)),
            ImageError::BadSectionHeaderSize(n)
        );
    }
    assert_eq!(
        ImageError::BadProgramHeaderSize(57).to_string(),
        "program header entries are 57 bytes (e_phentsize), not 56"
    );
    assert_eq!(
        ImageError::BadSectionHeaderSize(0).to_string(),
        "section header entries are 0 bytes (e_shentsize), not 64"
    );
}

#[test]
fn header_tables_must_lie_in_the_file() {
    let k = kernel();
    let len = k.len() as u64;
    let (ph, sh) = tables(&k);
    let phnum = u16_at(&k, 56);
    let shnum = u16_at(&k, 60);
    // Program headers: starting past the end, ending past it, wrapping.
    for phoff in [len, len - 56, u64::MAX - 8] {
        assert_eq!(
            error(&k, |k| set_u64(k, 32, phoff)),
            ImageError::ProgramHeadersOutsideFile {
                offset: phoff,
                count: phnum,
                file_len: len
            }
        );
    }
    assert_eq!(
        error(&k, |k| set_u16(k, 56, u16::MAX)),
        ImageError::ProgramHeadersOutsideFile {
            offset: ph.start as u64,
            count: u16::MAX,
            file_len: len
        }
    );
    for shoff in [len, len - 64, u64::MAX - 8] {
        assert_eq!(
            error(&k, |k| set_u64(k, 40, shoff)),
            ImageError::SectionHeadersOutsideFile {
                offset: shoff,
                count: shnum,
                file_len: len
            }
        );
    }
    // The section table ends the file: a truncated file cuts it.
    let e = error(&k, |k| k.truncate(sh.end - 1));
    assert_eq!(
        e,
        ImageError::SectionHeadersOutsideFile {
            offset: sh.start as u64,
            count: shnum,
            file_len: sh.end as u64 - 1
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "the section header table ({shnum} entries at offset {:#x}) runs past the end of the file ({} bytes)",
            sh.start,
            sh.end - 1
        )
    );
    // The section-name table: a bad index, or its data past the end.
    assert_eq!(
        error(&k, |k| set_u16(k, 62, shnum)),
        ImageError::BadSectionNames { index: shnum }
    );
    let shstrndx = u16_at(&k, 62);
    let names = sh.start + shstrndx as usize * 64;
    assert_eq!(
        error(&k, |k| set_u64(k, names + 24, len)),
        ImageError::BadSectionNames { index: shstrndx }
    );
    assert_eq!(
        error(&k, |k| set_u64(k, names + 32, u64::MAX)),
        ImageError::BadSectionNames { index: shstrndx }
    );
}

#[test]
fn only_x86_64_elf64_executables_with_a_bundle_segment() {
    let k = kernel();
    assert_eq!(error(&k, |k| k.truncate(63)), ImageError::NotElf);
    assert_eq!(error(&k, |k| k[0] = b'M'), ImageError::NotElf);
    assert_eq!(error(&k, |k| k[4] = 1), ImageError::NotElf64);
    assert_eq!(error(&k, |k| k[5] = 2), ImageError::NotLittleEndian);
    assert_eq!(
        error(&k, |k| set_u16(k, 18, 3)),
        ImageError::WrongMachine(3)
    );
    assert_eq!(
        error(&k, |k| set_u16(k, 16, 3)),
        ImageError::NotExecutable(3)
    );
    // No section named .bundle: rename it in the section-name table.
    let at = k.windows(8).position(|w| w == b".bundle\0").unwrap();
    assert_eq!(error(&k, |k| k[at + 1] = b'B'), ImageError::NoBundleSection);
    // No load segment at the section's address.
    let ph = tables(&k).0.start + 2 * 56;
    assert_eq!(
        error(&k, |k| set_u64(k, ph + 16, 0x1000)),
        ImageError::NoBundleSegment
    );
    // A load segment above the bundle's.
    let data = tables(&k).0.start + 56;
    assert_eq!(
        error(&k, |k| set_u64(k, data + 16, !0xfff)),
        ImageError::BundleSegmentNotLast
    );
}

#[test]
fn bundle_bytes_of_a_hostile_image_is_none() {
    let k = kernel();
    let image = embed(&k, &bundle()).unwrap();
    let ph = tables(&image).0.start + 2 * 56;
    for (field, v) in [
        (8, u64::MAX),           // p_offset
        (8, image.len() as u64), // p_offset at the end
        (32, u64::MAX),          // p_filesz
        (32, u64::MAX - 0xfff),  // p_filesz: offset + size wraps
    ] {
        let mut b = image.clone();
        set_u64(&mut b, ph + field, v);
        assert_eq!(bundle_bytes(&b), None, "field {field} = {v:#x}");
    }
    let mut b = image.clone();
    set_u16(&mut b, 54, 57);
    assert_eq!(bundle_bytes(&b), None);
}

#[test]
fn random_header_edits_never_panic_or_touch_other_bytes() {
    let k = kernel();
    let b = bundle();
    let (ph, sh) = tables(&k);
    // The ELF header, both tables and the section names.
    let names_at = sh.start + u16_at(&k, 62) as usize * 64;
    let names = u64_at(&k, names_at + 24) as usize;
    let names = names..names + u64_at(&k, names_at + 32) as usize;
    let regions = [0..64, ph, sh, names];
    let region_len: usize = regions.iter().map(|r| r.len()).sum();
    let mut seed = 0x5eed_1234u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut embedded = 0;
    for _ in 0..4000 {
        let mut at = next() as usize % region_len;
        let r = regions.iter().find(|r| {
            let inside = at < r.len();
            if !inside {
                at -= r.len();
            }
            inside
        });
        let at = r.unwrap().start + at;
        let mut edited = k.clone();
        edited[at] = next() as u8;
        let _ = is_ukrt_kernel(&edited);
        let _ = bundle_bytes(&edited);
        let Ok(image) = embed(&edited, &b) else {
            continue;
        };
        embedded += 1;
        // What embed wrote, bundle_bytes finds; the kernel's bytes outside
        // its header tables are untouched.
        assert_eq!(bundle_bytes(&image), Some(&b[..]), "byte {at:#x}");
        let (ph, sh) = tables(&edited);
        for i in (0..edited.len()).filter(|&i| image[i] != edited[i]) {
            assert!(
                ph.contains(&i) || sh.contains(&i),
                "editing byte {at:#x} let embed change byte {i:#x}"
            );
        }
    }
    assert!(embedded > 100, "only {embedded} edits embedded");
}
