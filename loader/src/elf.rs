//! Validating and reading position-independent ELF shared objects.
//!
//! goblin does the parsing; this module checks what the runtime relies on
//! before any of it is used: ELF64, x86_64, `ET_DYN`, load segments
//! page-congruent and inside the file, no page shared by two segments, no
//! text relocations, only the relocation types the linker supports, and
//! sane sizes and counts. Every refusal names the file and the reason.
//!
//! Every address and size read from the file is combined with checked
//! arithmetic: a range that runs past 2^64 is an error ([`ElfErrorKind::Wraps`]),
//! never a wrapped value. After `parse`, every segment, relocation and array
//! lies below [`MAX_IMAGE`], so sums of these values cannot overflow.
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use goblin::elf::{dynamic, header, program_header as ph, reloc, section_header as sh, sym, Elf};
use hashbrown::HashMap;

pub const PAGE: u64 = 4096;
/// The largest image (span of load segments) accepted.
pub const MAX_IMAGE: u64 = 1 << 30;
const MAX_SEGMENTS: usize = 16;
const MAX_RELOCATIONS: usize = 1 << 20;
const MAX_SYMBOLS: usize = 1 << 20;

/// A load segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub filesz: u64,
    pub writable: bool,
    pub executable: bool,
}

impl Segment {
    /// First page-aligned address of the segment.
    pub fn page_start(&self) -> u64 {
        self.vaddr & !(PAGE - 1)
    }
    /// End of the segment in memory, `None` if it would pass 2^64.
    pub fn end(&self) -> Option<u64> {
        self.vaddr.checked_add(self.memsz)
    }
    /// End of the segment rounded up to a page, `None` if that passes 2^64.
    pub fn checked_page_end(&self) -> Option<u64> {
        self.end()?.checked_next_multiple_of(PAGE)
    }
    /// End of the segment rounded up to a page. A segment from
    /// [`SharedObject::parse`] ends below [`MAX_IMAGE`], so this is exact;
    /// for a segment that would pass 2^64 it gives the last page boundary.
    pub fn page_end(&self) -> u64 {
        self.checked_page_end().unwrap_or(!(PAGE - 1))
    }
    /// Whether `[vaddr, vaddr + len)` lies in the segment's memory.
    pub fn contains(&self, vaddr: u64, len: u64) -> bool {
        within(vaddr, len, self.vaddr, self.memsz)
    }
    /// Whether `[vaddr, vaddr + len)` lies in the part of the segment the
    /// file holds (`filesz` bytes from `vaddr`), not in its zero fill.
    pub fn in_file(&self, vaddr: u64, len: u64) -> bool {
        within(vaddr, len, self.vaddr, self.filesz)
    }
}

/// Whether `[start, start + len)` lies in `[lo, lo + size)`; a range that
/// would pass 2^64 lies nowhere.
fn within(start: u64, len: u64, lo: u64, size: u64) -> bool {
    match (start.checked_add(len), lo.checked_add(size)) {
        (Some(end), Some(hi)) => lo <= start && end <= hi,
        _ => false,
    }
}

/// Checks that `[start, start + len)` does not pass 2^64.
fn no_wrap(what: impl Into<String>, start: u64, len: u64) -> Result<(), ElfErrorKind> {
    match start.checked_add(len) {
        Some(_) => Ok(()),
        None => Err(ElfErrorKind::Wraps {
            what: what.into(),
            start,
            len,
        }),
    }
}

/// The relocation types the loader supports (x86_64 psABI numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelocKind {
    /// `R_X86_64_64`: S + A.
    Abs64,
    /// `R_X86_64_GLOB_DAT`: S.
    GlobDat,
    /// `R_X86_64_JUMP_SLOT`: S.
    JumpSlot,
    /// `R_X86_64_RELATIVE`: B + A.
    Relative,
}

/// One relocation: write at image offset `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reloc {
    pub offset: u64,
    pub kind: RelocKind,
    /// Index into `SharedObject::symbols` (0 for none).
    pub symbol: usize,
    pub addend: i64,
}

/// A dynamic symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    /// Defined in this object (else an import).
    pub defined: bool,
    pub weak: bool,
    /// Local or hidden/protected: binds to this object's own definition.
    pub binds_locally: bool,
    pub value: u64,
}

/// A checked shared object.
#[derive(Debug, Clone)]
pub struct SharedObject {
    pub file: String,
    pub segments: Vec<Segment>,
    /// `DT_NEEDED` names, in order.
    pub needed: Vec<String>,
    pub relocs: Vec<Reloc>,
    /// Dynamic symbols by index (index 0 is the null symbol).
    pub symbols: Vec<Symbol>,
    /// Defined, exported symbols: name -> index into `symbols`.
    exports: HashMap<String, usize>,
    /// `DT_INIT`: the image offset of a function, in the file data of an
    /// executable segment. Runs before the `DT_INIT_ARRAY` entries.
    pub init: Option<u64>,
    /// `DT_INIT_ARRAY`: (image offset, entries), in the file data of one
    /// segment (see [`SharedObject::file_offset`]).
    pub init_array: Option<(u64, u64)>,
    /// `DT_FINI`, like `init`.
    pub fini: Option<u64>,
    /// `DT_FINI_ARRAY`, like `init_array`.
    pub fini_array: Option<(u64, u64)>,
    /// Bytes from image offset 0 to the end of the last segment (page-rounded).
    pub image_size: u64,
}

/// Why a shared object was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfError {
    pub file: String,
    pub reason: ElfErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfErrorKind {
    Malformed(String),
    NotElf64,
    NotLittleEndian,
    WrongMachine(u16),
    NotSharedObject(u16),
    NoLoadSegments,
    TooManySegments(usize),
    SegmentOutsideFile {
        index: usize,
    },
    SegmentMisaligned {
        index: usize,
        vaddr: u64,
        offset: u64,
    },
    SegmentFileBiggerThanMemory {
        index: usize,
    },
    SegmentsOverlap {
        first: usize,
        second: usize,
    },
    ImageTooLarge(u64),
    /// `what` at `start` with `len` bytes would run past 2^64.
    Wraps {
        what: String,
        start: u64,
        len: u64,
    },
    /// A defined symbol whose value lies past the end of the image.
    SymbolOutsideImage {
        name: String,
        value: u64,
        image_size: u64,
    },
    /// `DT_INIT_ARRAYSZ` or `DT_FINI_ARRAYSZ` is not a multiple of 8.
    BadArraySize {
        which: &'static str,
        size: u64,
    },
    NoDynamicSection,
    TextRelocations,
    RelocationOutsideWritableSegment {
        offset: u64,
    },
    RelInsteadOfRela,
    UnsupportedRelocation {
        kind: u32,
        offset: u64,
    },
    TooManyRelocations(usize),
    TooManySymbols(usize),
    BadSymbolIndex {
        offset: u64,
        index: usize,
        count: usize,
    },
    /// An init or fini array not inside one segment's file data.
    ArrayOutsideFileData {
        which: &'static str,
        start: u64,
        len: u64,
    },
    /// `DT_INIT` or `DT_FINI` not inside an executable segment's file data.
    FunctionOutsideCode {
        which: &'static str,
        addr: u64,
    },
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ElfErrorKind::*;
        write!(f, "{}: ", self.file)?;
        match &self.reason {
            Malformed(m) => write!(f, "malformed ELF: {m}"),
            NotElf64 => write!(f, "not a 64-bit ELF file"),
            NotLittleEndian => write!(f, "not little-endian"),
            WrongMachine(m) => write!(f, "built for machine {m}, not x86_64 (62)"),
            NotSharedObject(t) => {
                write!(f, "ELF type {t} is not a shared object (ET_DYN); build with -shared -fPIC")
            }
            NoLoadSegments => write!(f, "no PT_LOAD segments"),
            TooManySegments(n) => write!(f, "{n} load segments (at most {MAX_SEGMENTS})"),
            SegmentOutsideFile { index } => write!(f, "load segment {index} lies outside the file"),
            SegmentMisaligned { index, vaddr, offset } => write!(
                f,
                "load segment {index} is not page-aligned: address {vaddr:#x} and file offset {offset:#x} differ within a page"
            ),
            SegmentFileBiggerThanMemory { index } => {
                write!(f, "load segment {index} has more file bytes than memory bytes")
            }
            SegmentsOverlap { first, second } => {
                write!(f, "load segments {first} and {second} overlap or share a page")
            }
            ImageTooLarge(n) => write!(f, "image spans {n:#x} bytes (at most {MAX_IMAGE:#x})"),
            Wraps { what, start, len } => write!(
                f,
                "{what} at {start:#x} ({len:#x} bytes) wraps past the end of the address space"
            ),
            SymbolOutsideImage {
                name,
                value,
                image_size,
            } => write!(
                f,
                "symbol {name:?} has value {value:#x}, past the end of the image ({image_size:#x} bytes)"
            ),
            BadArraySize { which, size } => write!(
                f,
                "{which} is {size} bytes, not a whole number of 8-byte pointers"
            ),
            NoDynamicSection => write!(f, "no dynamic section"),
            TextRelocations => {
                write!(f, "has text relocations (DT_TEXTREL); build every object with -fPIC")
            }
            RelocationOutsideWritableSegment { offset } => write!(
                f,
                "relocation at {offset:#x} would write outside the writable segments (a text relocation); build with -fPIC"
            ),
            RelInsteadOfRela => write!(f, "uses REL relocations; x86_64 objects use RELA"),
            UnsupportedRelocation { kind, offset } => write!(
                f,
                "unsupported relocation type {kind} ({}) at {offset:#x}",
                reloc_name(*kind)
            ),
            TooManyRelocations(n) => write!(f, "{n} relocations (at most {MAX_RELOCATIONS})"),
            TooManySymbols(n) => write!(f, "{n} dynamic symbols (at most {MAX_SYMBOLS})"),
            BadSymbolIndex {
                offset,
                index,
                count,
            } => write!(
                f,
                "relocation at {offset:#x} names symbol {index}, but there are only {count} dynamic symbols"
            ),
            ArrayOutsideFileData { which, start, len } => write!(
                f,
                "{which} at {start:#x} ({len:#x} bytes) is not in the file-backed part of a load segment"
            ),
            FunctionOutsideCode { which, addr } => write!(
                f,
                "{which} at {addr:#x} is not in the file-backed part of an executable load segment"
            ),
        }
    }
}

/// The psABI name of relocation type `kind`.
pub fn reloc_name(kind: u32) -> &'static str {
    match kind {
        reloc::R_X86_64_NONE => "R_X86_64_NONE",
        reloc::R_X86_64_64 => "R_X86_64_64",
        reloc::R_X86_64_PC32 => "R_X86_64_PC32",
        reloc::R_X86_64_COPY => "R_X86_64_COPY",
        reloc::R_X86_64_GLOB_DAT => "R_X86_64_GLOB_DAT",
        reloc::R_X86_64_JUMP_SLOT => "R_X86_64_JUMP_SLOT",
        reloc::R_X86_64_RELATIVE => "R_X86_64_RELATIVE",
        reloc::R_X86_64_DTPMOD64 => "R_X86_64_DTPMOD64",
        reloc::R_X86_64_DTPOFF64 => "R_X86_64_DTPOFF64",
        reloc::R_X86_64_TPOFF64 => "R_X86_64_TPOFF64",
        reloc::R_X86_64_IRELATIVE => "R_X86_64_IRELATIVE",
        reloc::R_X86_64_32 => "R_X86_64_32",
        _ => "unknown",
    }
}

impl SharedObject {
    /// Parses and checks `data` (the contents of `file`).
    pub fn parse(file: &str, data: &[u8]) -> Result<Self, ElfError> {
        let err = |reason| ElfError {
            file: file.to_string(),
            reason,
        };
        // Check the identity first: goblin would parse other kinds too.
        if data.len() < 64 || &data[..4] != b"\x7fELF" {
            return Err(err(ElfErrorKind::Malformed("no ELF magic".into())));
        }
        if data[4] != header::ELFCLASS64 {
            return Err(err(ElfErrorKind::NotElf64));
        }
        if data[5] != header::ELFDATA2LSB {
            return Err(err(ElfErrorKind::NotLittleEndian));
        }
        // The header and segments are checked from the raw bytes, before
        // goblin uses them to find anything else.
        let h = Elf::parse_header(data).map_err(|e| err(ElfErrorKind::Malformed(e.to_string())))?;
        if h.e_machine != header::EM_X86_64 {
            return Err(err(ElfErrorKind::WrongMachine(h.e_machine)));
        }
        if h.e_type != header::ET_DYN {
            return Err(err(ElfErrorKind::NotSharedObject(h.e_type)));
        }
        let phdrs = ph::ProgramHeader::parse(
            data,
            h.e_phoff as usize,
            h.e_phnum as usize,
            goblin::container::Ctx::default(),
        )
        .map_err(|e| err(ElfErrorKind::Malformed(e.to_string())))?;
        let segments = check_segments(&phdrs, data.len() as u64).map_err(err)?;
        let elf = Elf::parse(data).map_err(|e| err(ElfErrorKind::Malformed(e.to_string())))?;
        // check_segments bounded every segment by MAX_IMAGE: no page end wraps.
        let image_size = segments
            .iter()
            .filter_map(Segment::checked_page_end)
            .max()
            .unwrap_or(0);
        if image_size > MAX_IMAGE {
            return Err(err(ElfErrorKind::ImageTooLarge(image_size)));
        }
        let dynamic = elf
            .dynamic
            .as_ref()
            .ok_or_else(|| err(ElfErrorKind::NoDynamicSection))?;
        // Read the tags we need from the raw entries: goblin turns some
        // addresses into file offsets, and we want image offsets.
        let tag = |t: u64| dynamic.dyns.iter().find(|d| d.d_tag == t).map(|d| d.d_val);
        let flags = tag(dynamic::DT_FLAGS).unwrap_or(0);
        if tag(dynamic::DT_TEXTREL).is_some() || flags & dynamic::DF_TEXTREL != 0 {
            return Err(err(ElfErrorKind::TextRelocations));
        }
        if tag(dynamic::DT_REL).is_some() || tag(dynamic::DT_RELSZ).is_some_and(|n| n != 0) {
            return Err(err(ElfErrorKind::RelInsteadOfRela));
        }

        let n_syms = symbol_count(&elf);
        if n_syms > MAX_SYMBOLS {
            return Err(err(ElfErrorKind::TooManySymbols(n_syms)));
        }
        let mut symbols = Vec::with_capacity(n_syms);
        let mut exports = HashMap::new();
        for (i, s) in elf.dynsyms.iter().take(n_syms).enumerate() {
            let name = elf.dynstrtab.get_at(s.st_name).unwrap_or("").to_string();
            let defined = s.st_shndx != 0 && i != 0;
            let bind = s.st_bind();
            let vis = s.st_visibility();
            let binds_locally =
                bind == sym::STB_LOCAL || vis == sym::STV_HIDDEN || vis == sym::STV_PROTECTED;
            // Bounded by the image, so the linker's base + value cannot
            // overflow (an object's base leaves room for its image).
            if defined && s.st_value > image_size {
                return Err(err(ElfErrorKind::SymbolOutsideImage {
                    name,
                    value: s.st_value,
                    image_size,
                }));
            }
            if defined && !name.is_empty() && bind != sym::STB_LOCAL && vis != sym::STV_HIDDEN {
                exports.insert(name.clone(), i);
            }
            symbols.push(Symbol {
                name,
                defined,
                weak: bind == sym::STB_WEAK,
                binds_locally,
                value: s.st_value,
            });
        }

        let n_relocs = elf.dynrelas.len() + elf.pltrelocs.len();
        if n_relocs > MAX_RELOCATIONS {
            return Err(err(ElfErrorKind::TooManyRelocations(n_relocs)));
        }
        let mut relocs = Vec::with_capacity(n_relocs);
        for r in elf.dynrelas.iter().chain(elf.pltrelocs.iter()) {
            let kind = match r.r_type {
                reloc::R_X86_64_NONE => continue,
                reloc::R_X86_64_64 => RelocKind::Abs64,
                reloc::R_X86_64_GLOB_DAT => RelocKind::GlobDat,
                reloc::R_X86_64_JUMP_SLOT => RelocKind::JumpSlot,
                reloc::R_X86_64_RELATIVE => RelocKind::Relative,
                kind => {
                    return Err(err(ElfErrorKind::UnsupportedRelocation {
                        kind,
                        offset: r.r_offset,
                    }))
                }
            };
            // Index 0 names no symbol (the linker uses 0 for its value),
            // even in an object with no symbol table.
            if r.r_sym >= symbols.len() && r.r_sym != 0 {
                return Err(err(ElfErrorKind::BadSymbolIndex {
                    offset: r.r_offset,
                    index: r.r_sym,
                    count: symbols.len(),
                }));
            }
            no_wrap("relocation", r.r_offset, 8).map_err(err)?;
            if !segments
                .iter()
                .any(|s| s.writable && s.contains(r.r_offset, 8))
            {
                return Err(err(ElfErrorKind::RelocationOutsideWritableSegment {
                    offset: r.r_offset,
                }));
            }
            relocs.push(Reloc {
                offset: r.r_offset,
                kind,
                symbol: r.r_sym,
                addend: r.r_addend.unwrap_or(0),
            });
        }

        // (address tag, size tag) -> (image offset, entries).
        let array = |(which, size_tag): (&'static str, &'static str),
                     addr: Option<u64>,
                     size: u64|
         -> Result<Option<(u64, u64)>, ElfError> {
            match addr {
                Some(a) if a != 0 && size != 0 => {
                    if !size.is_multiple_of(8) {
                        return Err(err(ElfErrorKind::BadArraySize {
                            which: size_tag,
                            size,
                        }));
                    }
                    no_wrap(which, a, size).map_err(err)?;
                    // In file data, so the runtime can read the array from
                    // the file instead of faulting in a zero-filled range.
                    if !segments.iter().any(|s| s.in_file(a, size)) {
                        return Err(err(ElfErrorKind::ArrayOutsideFileData {
                            which,
                            start: a,
                            len: size,
                        }));
                    }
                    Ok(Some((a, size / 8)))
                }
                _ => Ok(None),
            }
        };
        let init_array = array(
            ("DT_INIT_ARRAY", "DT_INIT_ARRAYSZ"),
            tag(dynamic::DT_INIT_ARRAY),
            tag(dynamic::DT_INIT_ARRAYSZ).unwrap_or(0),
        )?;
        let fini_array = array(
            ("DT_FINI_ARRAY", "DT_FINI_ARRAYSZ"),
            tag(dynamic::DT_FINI_ARRAY),
            tag(dynamic::DT_FINI_ARRAYSZ).unwrap_or(0),
        )?;
        let code = |a: u64, which| -> Result<Option<u64>, ElfError> {
            if a == 0 {
                return Ok(None);
            }
            if !segments.iter().any(|s| s.executable && s.in_file(a, 1)) {
                return Err(err(ElfErrorKind::FunctionOutsideCode { which, addr: a }));
            }
            Ok(Some(a))
        };
        let init = code(tag(dynamic::DT_INIT).unwrap_or(0), "DT_INIT")?;
        let fini = code(tag(dynamic::DT_FINI).unwrap_or(0), "DT_FINI")?;

        Ok(SharedObject {
            file: file.to_string(),
            segments,
            needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
            relocs,
            symbols,
            exports,
            init,
            init_array,
            fini,
            fini_array,
            image_size,
        })
    }

    /// The file offset of image range `[vaddr, vaddr + len)`, if it lies in
    /// one segment's file data (as the init and fini arrays do).
    pub fn file_offset(&self, vaddr: u64, len: u64) -> Option<u64> {
        let s = self.segments.iter().find(|s| s.in_file(vaddr, len))?;
        // in_file: s.vaddr <= vaddr, and the range lies within filesz bytes
        // of the segment's file offset, which check_segments kept in the file.
        Some(s.offset + (vaddr - s.vaddr))
    }

    /// The image offset of exported symbol `name`, if this object defines it.
    pub fn export(&self, name: &str) -> Option<u64> {
        self.exports.get(name).map(|&i| self.symbols[i].value)
    }

    /// An object with nothing in it, for tests of code that only looks at
    /// some fields.
    #[doc(hidden)]
    pub fn empty_for_tests() -> Self {
        SharedObject {
            file: String::from("test.so"),
            segments: Vec::new(),
            needed: Vec::new(),
            relocs: Vec::new(),
            symbols: Vec::new(),
            exports: HashMap::new(),
            init: None,
            init_array: None,
            fini: None,
            fini_array: None,
            image_size: 0,
        }
    }

    /// The read-only segments (what can be shared between instances).
    pub fn code_segments(&self) -> impl Iterator<Item = &Segment> {
        self.segments.iter().filter(|s| !s.writable)
    }
}

/// How many dynamic symbols the object has. goblin reads as many as the
/// hash table counts, and more when a relocation names a later index (it
/// then reads whatever follows the table), so the `.dynsym` section header,
/// if there is one, caps the count.
fn symbol_count(elf: &Elf) -> usize {
    let table = elf
        .section_headers
        .iter()
        .find(|s| s.sh_type == sh::SHT_DYNSYM && s.sh_entsize == 24);
    match table {
        Some(t) => elf
            .dynsyms
            .len()
            .min(usize::try_from(t.sh_size / 24).unwrap_or(usize::MAX)),
        None => elf.dynsyms.len(),
    }
}

fn check_segments(
    phdrs: &[ph::ProgramHeader],
    file_len: u64,
) -> Result<Vec<Segment>, ElfErrorKind> {
    let mut segs = Vec::new();
    for p in phdrs.iter().filter(|p| p.p_type == ph::PT_LOAD) {
        let index = segs.len();
        if index == MAX_SEGMENTS {
            let n = phdrs.iter().filter(|p| p.p_type == ph::PT_LOAD).count();
            return Err(ElfErrorKind::TooManySegments(n));
        }
        let end = p.p_offset.checked_add(p.p_filesz);
        if end.is_none_or(|e| e > file_len) {
            return Err(ElfErrorKind::SegmentOutsideFile { index });
        }
        no_wrap(alloc::format!("load segment {index}"), p.p_vaddr, p.p_memsz)?;
        let end = p.p_vaddr + p.p_memsz; // no_wrap checked it
        if end > MAX_IMAGE {
            return Err(ElfErrorKind::ImageTooLarge(end));
        }
        if p.p_offset % PAGE != p.p_vaddr % PAGE {
            return Err(ElfErrorKind::SegmentMisaligned {
                index,
                vaddr: p.p_vaddr,
                offset: p.p_offset,
            });
        }
        if p.p_filesz > p.p_memsz {
            return Err(ElfErrorKind::SegmentFileBiggerThanMemory { index });
        }
        segs.push(Segment {
            vaddr: p.p_vaddr,
            memsz: p.p_memsz,
            offset: p.p_offset,
            filesz: p.p_filesz,
            writable: p.p_flags & ph::PF_W != 0,
            executable: p.p_flags & ph::PF_X != 0,
        });
    }
    if segs.is_empty() {
        return Err(ElfErrorKind::NoLoadSegments);
    }
    // Each page must have one backing: no page may belong to two segments.
    let mut order: Vec<usize> = (0..segs.len()).collect();
    order.sort_by_key(|&i| segs[i].vaddr);
    for w in order.windows(2) {
        if segs[w[0]].page_end() > segs[w[1]].page_start() {
            return Err(ElfErrorKind::SegmentsOverlap {
                first: w[0],
                second: w[1],
            });
        }
    }
    Ok(segs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(vaddr: u64, memsz: u64) -> Segment {
        Segment {
            vaddr,
            memsz,
            offset: vaddr % PAGE,
            filesz: 0,
            writable: true,
            executable: false,
        }
    }

    #[test]
    fn segment_ranges_near_2_pow_64_do_not_wrap() {
        let s = seg(0x1000, 0x1800);
        assert_eq!(
            (s.end(), s.checked_page_end()),
            (Some(0x2800), Some(0x3000))
        );
        assert_eq!(s.page_end(), 0x3000);
        assert!(s.contains(0x2000, 0x800));
        assert!(!s.contains(0x2000, 0x801));
        // [2^64 - 8, 2^64) is not inside a segment that starts at 0x1000.
        assert!(!s.contains(u64::MAX - 7, 8));
        assert!(!s.contains(0x1000, u64::MAX));
        // A segment whose end rounds up past 2^64, or is past it.
        let s = seg(u64::MAX - 0xfff, 0x800);
        assert_eq!(s.end(), Some(u64::MAX - 0x7ff));
        assert_eq!(s.checked_page_end(), None);
        assert_eq!(s.page_end(), !(PAGE - 1));
        let s = seg(u64::MAX - 7, 16);
        assert_eq!((s.end(), s.checked_page_end()), (None, None));
        assert!(!s.contains(u64::MAX - 7, 8));
    }
}
