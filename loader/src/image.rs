//! Building a bootable image: the runtime kernel with a bundle embedded.
//!
//! The kernel's linker script ends with a read-only `PT_LOAD` segment for
//! the `.bundle` section, holding a page of zeros. Embedding appends the
//! bundle to the file (page-aligned) and points that segment at it, so
//! Xen's domain builder loads the bundle right after the image, where the
//! runtime looks for it. Nothing else in the kernel changes.
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use goblin::elf::{program_header as ph, Elf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    NotElf(String),
    NoBundleSection,
    NoBundleSegment,
    BundleSegmentNotLast,
    BundleTooLarge,
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotElf(e) => write!(f, "not an ELF kernel: {e}"),
            Self::NoBundleSection => write!(f, "no .bundle section: not a ukrt kernel"),
            Self::NoBundleSegment => write!(f, "no load segment for the .bundle section"),
            Self::BundleSegmentNotLast => {
                write!(f, "the .bundle segment is not the last one in memory")
            }
            Self::BundleTooLarge => write!(f, "the bundle is too large"),
        }
    }
}

fn put(bytes: &mut [u8], at: usize, v: u64) {
    bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Whether `kernel` is a ukrt kernel image (has the `.bundle` section).
pub fn is_ukrt_kernel(kernel: &[u8]) -> bool {
    Elf::parse(kernel).is_ok_and(|e| {
        e.section_headers
            .iter()
            .any(|s| e.shdr_strtab.get_at(s.sh_name) == Some(".bundle"))
    })
}

/// Returns `kernel` with `bundle` embedded.
pub fn embed(kernel: &[u8], bundle: &[u8]) -> Result<Vec<u8>, ImageError> {
    let elf = Elf::parse(kernel).map_err(|e| ImageError::NotElf(alloc::format!("{e}")))?;
    let (shdr_index, shdr) = elf
        .section_headers
        .iter()
        .enumerate()
        .find(|(_, s)| elf.shdr_strtab.get_at(s.sh_name) == Some(".bundle"))
        .ok_or(ImageError::NoBundleSection)?;
    let (ph_index, seg) = elf
        .program_headers
        .iter()
        .enumerate()
        .find(|(_, p)| p.p_type == ph::PT_LOAD && p.p_vaddr == shdr.sh_addr)
        .ok_or(ImageError::NoBundleSegment)?;
    if elf
        .program_headers
        .iter()
        .any(|p| p.p_type == ph::PT_LOAD && p.p_vaddr > seg.p_vaddr)
    {
        return Err(ImageError::BundleSegmentNotLast);
    }
    let size = (bundle.len() as u64).div_ceil(4096) * 4096;
    if size > 1 << 30 {
        return Err(ImageError::BundleTooLarge);
    }
    let mut out = kernel.to_vec();
    let offset = (out.len() as u64).div_ceil(4096) * 4096;
    out.resize(offset as usize, 0);
    out.extend_from_slice(bundle);
    out.resize((offset + size) as usize, 0);

    // Program header fields (ELF64): p_offset at 8, p_filesz at 32, p_memsz at 40.
    let ph_at = elf.header.e_phoff as usize + ph_index * elf.header.e_phentsize as usize;
    put(&mut out, ph_at + 8, offset);
    put(&mut out, ph_at + 32, size);
    put(&mut out, ph_at + 40, size);
    // Section header fields: sh_offset at 24, sh_size at 32.
    let sh_at = elf.header.e_shoff as usize + shdr_index * elf.header.e_shentsize as usize;
    put(&mut out, sh_at + 24, offset);
    put(&mut out, sh_at + 32, size);
    Ok(out)
}

/// The bundle embedded in a ukrt image, if any (the `.bundle` segment's
/// bytes; a kernel as built carries a page of zeros there).
pub fn bundle_bytes(image: &[u8]) -> Option<&[u8]> {
    let elf = Elf::parse(image).ok()?;
    let shdr = elf
        .section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".bundle"))?;
    let seg = elf
        .program_headers
        .iter()
        .find(|p| p.p_type == ph::PT_LOAD && p.p_vaddr == shdr.sh_addr)?;
    let bytes = image.get(seg.p_offset as usize..(seg.p_offset + seg.p_filesz) as usize)?;
    crate::bundle::peek_total_size(bytes).map(|_| bytes)
}
