//! Building a bootable image: the runtime kernel with a bundle embedded.
//!
//! The kernel's linker script ends with a read-only `PT_LOAD` segment for
//! the `.bundle` section, holding a page of zeros. Embedding appends the
//! bundle to the file (page-aligned) and points that segment at it, so
//! Xen's domain builder loads the bundle right after the image, where the
//! runtime looks for it. Nothing else in the kernel changes.
//!
//! The headers are read from the raw bytes and every offset, count and size
//! in them is checked against the file before it is used: a header that
//! lies would otherwise make `embed` write over other parts of the kernel.
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
const SHDR_SIZE: usize = 64;
const EM_X86_64: u16 = 62;
const ET_EXEC: u16 = 2;
const PT_LOAD: u32 = 1;
const PAGE: u64 = 4096;
/// The largest bundle embedded (the runtime maps at most this much).
const MAX_BUNDLE: u64 = 1 << 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// Shorter than an ELF header, or no ELF magic.
    NotElf,
    NotElf64,
    NotLittleEndian,
    WrongMachine(u16),
    /// `e_type` is not `ET_EXEC`.
    NotExecutable(u16),
    /// `e_phentsize` is not 56.
    BadProgramHeaderSize(u16),
    /// `e_shentsize` is not 64.
    BadSectionHeaderSize(u16),
    ProgramHeadersOutsideFile {
        offset: u64,
        count: u16,
        file_len: u64,
    },
    SectionHeadersOutsideFile {
        offset: u64,
        count: u16,
        file_len: u64,
    },
    /// `e_shstrndx` names no section, or that section's data is not in the
    /// file.
    BadSectionNames {
        index: u16,
    },
    NoBundleSection,
    NoBundleSegment,
    BundleSegmentNotLast,
    BundleTooLarge,
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotElf => write!(f, "not an ELF file (too short, or no ELF magic)"),
            Self::NotElf64 => write!(f, "not a 64-bit ELF file"),
            Self::NotLittleEndian => write!(f, "not a little-endian ELF file"),
            Self::WrongMachine(m) => write!(f, "built for machine {m}, not x86_64 ({EM_X86_64})"),
            Self::NotExecutable(t) => {
                write!(f, "ELF type {t} is not an executable (ET_EXEC, {ET_EXEC})")
            }
            Self::BadProgramHeaderSize(n) => write!(
                f,
                "program header entries are {n} bytes (e_phentsize), not {PHDR_SIZE}"
            ),
            Self::BadSectionHeaderSize(n) => write!(
                f,
                "section header entries are {n} bytes (e_shentsize), not {SHDR_SIZE}"
            ),
            Self::ProgramHeadersOutsideFile {
                offset,
                count,
                file_len,
            } => write!(
                f,
                "the program header table ({count} entries at offset {offset:#x}) runs past the end of the file ({file_len} bytes)"
            ),
            Self::SectionHeadersOutsideFile {
                offset,
                count,
                file_len,
            } => write!(
                f,
                "the section header table ({count} entries at offset {offset:#x}) runs past the end of the file ({file_len} bytes)"
            ),
            Self::BadSectionNames { index } => write!(
                f,
                "the section name table (section {index}, e_shstrndx) is missing or lies outside the file"
            ),
            Self::NoBundleSection => write!(f, "no .bundle section: not a ukrt kernel"),
            Self::NoBundleSegment => write!(f, "no load segment for the .bundle section"),
            Self::BundleSegmentNotLast => {
                write!(f, "the .bundle segment is not the last one in memory")
            }
            Self::BundleTooLarge => write!(f, "the bundle is too large"),
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn put(bytes: &mut [u8], at: usize, v: u64) {
    bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// `[start, start + len)` as indices into a file of `file_len` bytes, if it
/// lies inside it.
fn file_range(start: u64, len: u64, file_len: usize) -> Option<Range<usize>> {
    let end = start.checked_add(len)?;
    if end > file_len as u64 {
        return None;
    }
    // Both are at most file_len, so they fit in usize.
    Some(start as usize..end as usize)
}

/// Where embedding writes: the file offsets of the `.bundle` segment's
/// program header and section header, and the segment's current extent.
struct BundleHeaders {
    phdr: usize,
    shdr: usize,
    vaddr: u64,
    offset: u64,
    filesz: u64,
}

/// The file offset of the header of the section called `name`, if any;
/// `shdrs` is the section header table (in the file), `names` the index of
/// the section-name table.
fn section_named(
    k: &[u8],
    shdrs: &Range<usize>,
    names: u16,
    name: &[u8],
) -> Result<Option<usize>, ImageError> {
    let headers = shdrs.clone().step_by(SHDR_SIZE);
    if headers.len() == 0 {
        return Ok(None);
    }
    let bad = ImageError::BadSectionNames { index: names };
    let s = headers.clone().nth(names as usize).ok_or(bad.clone())?;
    let table = &k[file_range(u64_at(k, s + 24), u64_at(k, s + 32), k.len()).ok_or(bad)?];
    Ok(headers.into_iter().find(|&s| {
        let at = u32_at(k, s) as usize; // sh_name
        table.get(at..).and_then(|t| t.split(|&c| c == 0).next()) == Some(name)
    }))
}

/// Checks the kernel's headers and finds the `.bundle` section and segment.
fn locate(k: &[u8]) -> Result<BundleHeaders, ImageError> {
    let h = k.get(..EHDR_SIZE).ok_or(ImageError::NotElf)?;
    if h[..4] != *b"\x7fELF" {
        return Err(ImageError::NotElf);
    }
    if h[4] != 2 {
        return Err(ImageError::NotElf64);
    }
    if h[5] != 1 {
        return Err(ImageError::NotLittleEndian);
    }
    if u16_at(h, 18) != EM_X86_64 {
        return Err(ImageError::WrongMachine(u16_at(h, 18)));
    }
    if u16_at(h, 54) as usize != PHDR_SIZE {
        return Err(ImageError::BadProgramHeaderSize(u16_at(h, 54)));
    }
    if u16_at(h, 58) as usize != SHDR_SIZE {
        return Err(ImageError::BadSectionHeaderSize(u16_at(h, 58)));
    }
    let (phoff, phnum) = (u64_at(h, 32), u16_at(h, 56));
    let phdrs = file_range(phoff, phnum as u64 * PHDR_SIZE as u64, k.len()).ok_or(
        ImageError::ProgramHeadersOutsideFile {
            offset: phoff,
            count: phnum,
            file_len: k.len() as u64,
        },
    )?;
    let (shoff, shnum) = (u64_at(h, 40), u16_at(h, 60));
    let shdrs = file_range(shoff, shnum as u64 * SHDR_SIZE as u64, k.len()).ok_or(
        ImageError::SectionHeadersOutsideFile {
            offset: shoff,
            count: shnum,
            file_len: k.len() as u64,
        },
    )?;
    let bundle = section_named(k, &shdrs, u16_at(h, 62), b".bundle")?;
    let shdr = bundle.ok_or(ImageError::NoBundleSection)?;
    // The type last: any other ELF file (a tool, a library) is best told
    // that it has no .bundle section.
    if u16_at(h, 16) != ET_EXEC {
        return Err(ImageError::NotExecutable(u16_at(h, 16)));
    }
    let vaddr = u64_at(k, shdr + 16); // sh_addr
    let loads: Vec<usize> = (0..phnum as usize)
        .map(|i| phdrs.start + i * PHDR_SIZE)
        .filter(|&p| u32_at(k, p) == PT_LOAD)
        .collect();
    let phdr = *loads
        .iter()
        .find(|&&p| u64_at(k, p + 16) == vaddr)
        .ok_or(ImageError::NoBundleSegment)?;
    if loads.iter().any(|&p| u64_at(k, p + 16) > vaddr) {
        return Err(ImageError::BundleSegmentNotLast);
    }
    Ok(BundleHeaders {
        phdr,
        shdr,
        vaddr,
        offset: u64_at(k, phdr + 8),
        filesz: u64_at(k, phdr + 32),
    })
}

/// Whether `kernel` is a ukrt kernel image: sound headers, a `.bundle`
/// section and its load segment.
pub fn is_ukrt_kernel(kernel: &[u8]) -> bool {
    locate(kernel).is_ok()
}

/// Returns `kernel` with `bundle` embedded.
pub fn embed(kernel: &[u8], bundle: &[u8]) -> Result<Vec<u8>, ImageError> {
    let at = locate(kernel)?;
    let size = (bundle.len() as u64)
        .checked_next_multiple_of(PAGE)
        .filter(|&s| s <= MAX_BUNDLE && at.vaddr.checked_add(s).is_some())
        .ok_or(ImageError::BundleTooLarge)?;
    let offset = (kernel.len() as u64)
        .checked_next_multiple_of(PAGE)
        .ok_or(ImageError::BundleTooLarge)?;
    let mut out = kernel.to_vec();
    out.resize(offset as usize, 0);
    out.extend_from_slice(bundle);
    out.resize((offset + size) as usize, 0);

    // locate checked both headers lie in the file, so these writes stay in
    // the .bundle entries. ELF64 fields: p_offset at 8, p_filesz at 32,
    // p_memsz at 40; sh_offset at 24, sh_size at 32.
    put(&mut out, at.phdr + 8, offset);
    put(&mut out, at.phdr + 32, size);
    put(&mut out, at.phdr + 40, size);
    put(&mut out, at.shdr + 24, offset);
    put(&mut out, at.shdr + 32, size);
    Ok(out)
}

/// The bundle embedded in a ukrt image, if any (the `.bundle` segment's
/// bytes; a kernel as built carries a page of zeros there). `None` also for
/// an image whose headers do not check out.
pub fn bundle_bytes(image: &[u8]) -> Option<&[u8]> {
    let at = locate(image).ok()?;
    let bytes = &image[file_range(at.offset, at.filesz, image.len())?];
    crate::bundle::peek_total_size(bytes).map(|_| bytes)
}
