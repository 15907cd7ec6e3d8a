//! The image bundle: a versioned, checksummed container of ELF shared objects
//! (apps and the libraries they use) plus a manifest (see [`crate::manifest`]).
//!
//! The guest maps a bundle's pages directly and uses a file's pages as its
//! code pages, so every file starts on a page boundary: page `i` of a file is
//! bundle page `offset / PAGE + i`.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic, `b"UKBUNDL\0"` |
//! | 8 | 4 | version, 1 |
//! | 12 | 4 | entry count, at most [`MAX_ENTRIES`] |
//! | 16 | 8 | total size of the bundle, a multiple of [`PAGE`] |
//! | 24 | 8 | manifest offset (page-aligned, after the last file) |
//! | 32 | 8 | manifest length in bytes (UTF-8 text) |
//! | 40 | 4 | CRC-32 of bytes `[0, total size)`, these 4 bytes taken as zero |
//! | 44 | 20 | reserved, zero |
//!
//! The entry table follows the 64-byte header, in page 0; each 80-byte entry
//! is `name: [u8; 56]` (UTF-8, NUL-padded, at least one NUL), `kind: u32`
//! ([`KIND_SHARED_OBJECT`]), `reserved: u32` (zero), `offset: u64`,
//! `size: u64`. File data follows from page 1 on, in entry order, each file
//! page-aligned and zero-padded to the next page; then the manifest, also
//! page-aligned, and zero padding up to the total size. Every byte that is
//! not header, entry, file data or manifest is zero.
//!
//! Everything here is `no_std` + `alloc`: the guest parses bundles with it and
//! the host tool (`ukrt-pack`) builds them with [`BundleBuilder`].

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::tree::{FileTree, TreeBuilder};

/// The bundle's page size; file data and the manifest start on multiples.
pub const PAGE: u64 = 4096;
/// The first eight bytes of every bundle.
pub const MAGIC: [u8; 8] = *b"UKBUNDL\0";
/// The one format version this code reads and writes.
pub const VERSION: u32 = 1;
/// Size of the header at offset 0.
pub const HEADER_SIZE: usize = 64;
/// Size of one entry of the table that follows the header.
pub const ENTRY_SIZE: usize = 80;
/// Size of an entry's name field; names hold at most `NAME_LEN - 1` bytes.
pub const NAME_LEN: usize = 56;
/// Header and entry table must fit in page 0.
pub const MAX_ENTRIES: usize = (PAGE as usize - HEADER_SIZE) / ENTRY_SIZE;
/// Entry kind: an ELF shared object (an app or a library).
pub const KIND_SHARED_OBJECT: u32 = 1;
/// Entry kind: the file tree the guest sees at `/` ([`crate::tree`]). At
/// most one per bundle; [`BundleBuilder`] stores it after the shared
/// objects, under the name [`TREE_ENTRY_NAME`].
pub const KIND_FILE_TREE: u32 = 2;
/// The name [`BundleBuilder`] gives the file tree entry; no shared object
/// may have it (the builder and the parser refuse one).
pub const TREE_ENTRY_NAME: &str = ".files";

// Header field offsets.
const H_VERSION: usize = 8;
const H_COUNT: usize = 12;
const H_TOTAL: usize = 16;
const H_MANIFEST_OFFSET: usize = 24;
const H_MANIFEST_LEN: usize = 32;
const H_CHECKSUM: usize = 40;
const H_RESERVED: usize = 44;

// Entry field offsets.
const E_KIND: usize = 56;
const E_RESERVED: usize = 60;
const E_OFFSET: usize = 64;
const E_SIZE: usize = 72;

/// Why a file name cannot be a bundle entry name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    Empty,
    /// Longer than `NAME_LEN - 1` bytes (the field needs a terminating NUL).
    TooLong {
        len: usize,
    },
    /// The 56-byte field has no NUL.
    NoNul,
    /// Non-zero bytes after the terminating NUL.
    NotNulPadded,
    NotUtf8,
    ContainsNul,
    ContainsSlash,
    ContainsWhitespace,
    ContainsControl,
    /// [`TREE_ENTRY_NAME`], which the builder keeps for the file tree.
    Reserved,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("it is empty"),
            NameError::TooLong { len } => {
                write!(f, "it is {len} bytes long (at most {} fit)", NAME_LEN - 1)
            }
            NameError::NoNul => {
                write!(f, "the {NAME_LEN}-byte name field has no terminating NUL")
            }
            NameError::NotNulPadded => {
                f.write_str("the name field has non-zero bytes after its terminating NUL")
            }
            NameError::NotUtf8 => f.write_str("it is not valid UTF-8"),
            NameError::ContainsNul => f.write_str("it contains a NUL byte"),
            NameError::ContainsSlash => f.write_str("it contains '/'"),
            NameError::ContainsWhitespace => f.write_str("it contains whitespace"),
            NameError::ContainsControl => f.write_str("it contains a control character"),
            NameError::Reserved => write!(f, "{TREE_ENTRY_NAME:?} is the file tree's entry"),
        }
    }
}

/// Checks that `name` can be a bundle entry name: non-empty, at most
/// `NAME_LEN - 1` bytes, no NUL, no '/', no whitespace, no control characters.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > NAME_LEN - 1 {
        return Err(NameError::TooLong { len: name.len() });
    }
    for c in name.chars() {
        if c == '\0' {
            return Err(NameError::ContainsNul);
        }
        if c == '/' {
            return Err(NameError::ContainsSlash);
        }
        if c.is_whitespace() {
            return Err(NameError::ContainsWhitespace);
        }
        if c.is_control() {
            return Err(NameError::ContainsControl);
        }
    }
    Ok(())
}

/// Why a byte string is not a valid bundle (or a file cannot be added to one).
///
/// `Display` gives a message fit to print as is, naming the entry (by name
/// once that is known, otherwise by index) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleError {
    /// Fewer bytes than the header, or than the header's total size.
    TooShort {
        needed: u64,
        available: u64,
    },
    BadMagic,
    UnsupportedVersion(u32),
    /// Total size zero or not a multiple of [`PAGE`].
    BadTotalSize(u64),
    /// An embedded bundle whose header claims `size` bytes where only
    /// `room` bytes of the image follow the kernel (for the runtime, which
    /// knows where the image ends; [`Bundle::parse`] never returns it).
    PastImage {
        size: u64,
        room: u64,
    },
    ChecksumMismatch {
        expected: u32,
        actual: u32,
    },
    /// Reserved bytes in the header (`entry: None`) or an entry are not zero.
    ReservedNotZero {
        entry: Option<String>,
    },
    /// More entries than fit in page 0 ([`MAX_ENTRIES`]).
    TooManyEntries(u64),
    /// `name` is the name as far as it could be decoded (lossy).
    BadName {
        index: usize,
        name: String,
        reason: NameError,
    },
    /// Entry `index` has the same name as entry `first`.
    DuplicateName {
        name: String,
        index: usize,
        first: usize,
    },
    UnsupportedKind {
        name: String,
        kind: u32,
    },
    /// A second file tree entry (`first` is the first one's name).
    DuplicateTree {
        name: String,
        first: String,
    },
    /// The file tree entry `entry` is malformed.
    Tree {
        entry: String,
        error: crate::tree::TreeError,
    },
    Misaligned {
        name: String,
        offset: u64,
    },
    /// File data starting in page 0 (header and entry table).
    InHeaderPage {
        name: String,
        offset: u64,
    },
    EntryOutOfBounds {
        name: String,
        offset: u64,
        size: u64,
        total_size: u64,
    },
    Overlap {
        name: String,
        other: String,
    },
    /// Data starting before the end of the previous entry's data (entries
    /// must be stored in table order).
    OutOfOrder {
        name: String,
        offset: u64,
        previous: String,
    },
    ManifestMisaligned {
        offset: u64,
    },
    ManifestOutOfBounds {
        offset: u64,
        len: u64,
        total_size: u64,
    },
    /// Manifest starting in the header page (`entry: None`) or inside the
    /// data of an entry.
    ManifestOverlap {
        offset: u64,
        entry: Option<String>,
    },
    ManifestNotUtf8 {
        valid_up_to: usize,
    },
    /// A byte outside header, entries, file data and manifest is not zero.
    NonZeroPadding {
        offset: u64,
    },
    /// Whole unused pages after the manifest.
    TrailingPages {
        total_size: u64,
        expected: u64,
    },
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use BundleError::*;
        match self {
            TooShort { needed, available } => write!(
                f,
                "bundle is truncated: it needs {needed} bytes but only {available} are present"
            ),
            BadMagic => f.write_str("not a ukrt bundle (bad magic number)"),
            UnsupportedVersion(v) => write!(
                f,
                "unsupported bundle format version {v} (this loader reads version {VERSION})"
            ),
            BadTotalSize(t) => write!(
                f,
                "bad total size {t:#x} in the header: it must be a nonzero multiple of {PAGE:#x}"
            ),
            PastImage { size, room } => write!(
                f,
                "the embedded bundle claims {size} bytes but only {room} bytes follow the kernel \
                 in the image"
            ),
            ChecksumMismatch { expected, actual } => write!(
                f,
                "checksum mismatch: the header says {expected:#010x} but the contents give \
                 {actual:#010x} (the bundle is corrupt)"
            ),
            ReservedNotZero { entry: None } => f.write_str("reserved header bytes are not zero"),
            ReservedNotZero { entry: Some(name) } => {
                write!(f, "entry {name:?}: reserved field is not zero")
            }
            TooManyEntries(n) => write!(
                f,
                "too many entries: {n} (at most {MAX_ENTRIES} fit in the header page)"
            ),
            BadName {
                index,
                name,
                reason,
            } => {
                write!(f, "entry #{index} has a bad name {name:?}: {reason}")
            }
            DuplicateName { name, index, first } => write!(
                f,
                "entry #{index}: duplicate name {name:?} (also the name of entry #{first})"
            ),
            UnsupportedKind { name, kind } => write!(
                f,
                "entry {name:?}: unsupported kind {kind} (known: {KIND_SHARED_OBJECT}, ELF shared \
                 object; {KIND_FILE_TREE}, file tree)"
            ),
            DuplicateTree { name, first } => write!(
                f,
                "entry {name:?}: a second file tree (entry {first:?} is one; at most one fits)"
            ),
            Tree { entry, error } => write!(f, "entry {entry:?} (file tree): {error}"),
            Misaligned { name, offset } => {
                write!(
                    f,
                    "entry {name:?}: data at offset {offset:#x} is not page-aligned"
                )
            }
            InHeaderPage { name, offset } => write!(
                f,
                "entry {name:?}: data at offset {offset:#x} lies in the header page"
            ),
            EntryOutOfBounds {
                name,
                offset,
                size,
                total_size,
            } => write!(
                f,
                "entry {name:?}: data at offset {offset:#x} of size {size:#x} runs past the end \
                 of the bundle ({total_size:#x} bytes)"
            ),
            Overlap { name, other } => {
                write!(f, "entry {name:?}: data overlaps that of entry {other:?}")
            }
            OutOfOrder {
                name,
                offset,
                previous,
            } => write!(
                f,
                "entry {name:?}: data at offset {offset:#x} starts before the end of the \
                 previous entry {previous:?} (data must be in table order)"
            ),
            ManifestMisaligned { offset } => {
                write!(f, "manifest at offset {offset:#x} is not page-aligned")
            }
            ManifestOutOfBounds {
                offset,
                len,
                total_size,
            } => write!(
                f,
                "manifest at offset {offset:#x} of length {len:#x} runs past the end of the \
                 bundle ({total_size:#x} bytes)"
            ),
            ManifestOverlap {
                offset,
                entry: None,
            } => {
                write!(f, "manifest at offset {offset:#x} lies in the header page")
            }
            ManifestOverlap {
                offset,
                entry: Some(name),
            } => write!(
                f,
                "manifest at offset {offset:#x} overlaps the data of entry {name:?}"
            ),
            ManifestNotUtf8 { valid_up_to } => write!(
                f,
                "manifest is not valid UTF-8 (bad byte at manifest offset {valid_up_to})"
            ),
            NonZeroPadding { offset } => {
                write!(f, "padding byte at offset {offset:#x} is not zero")
            }
            TrailingPages {
                total_size,
                expected,
            } => write!(
                f,
                "total size {total_size:#x} leaves unused pages after the manifest (expected \
                 {expected:#x})"
            ),
        }
    }
}

impl core::error::Error for BundleError {}

/// One file of a bundle.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BundleFile<'a> {
    pub name: &'a str,
    /// Byte offset of the data in the bundle; a multiple of [`PAGE`].
    pub offset: u64,
    pub data: &'a [u8],
}

impl BundleFile<'_> {
    /// The bundle page that holds the file's first byte.
    pub fn first_page(&self) -> u64 {
        self.offset / PAGE
    }

    /// Pages the file occupies (its last one zero-padded).
    pub fn page_count(&self) -> u64 {
        (self.data.len() as u64).div_ceil(PAGE)
    }

    fn end(&self) -> u64 {
        self.offset + self.data.len() as u64
    }
}

/// A parsed, fully validated bundle borrowing its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Bundle<'a> {
    bytes: &'a [u8],
    /// The shared objects (every entry but the file tree).
    files: Vec<BundleFile<'a>>,
    /// The file tree entry and its parsed index.
    tree: Option<(BundleFile<'a>, FileTree<'a>)>,
    manifest: &'a str,
    checksum: u32,
}

// Debug shows sizes, not contents: bundles are megabytes.
impl fmt::Debug for BundleFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleFile")
            .field("name", &self.name)
            .field("offset", &format_args!("{:#x}", self.offset))
            .field("size", &self.data.len())
            .finish()
    }
}

impl fmt::Debug for Bundle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bundle")
            .field("total_size", &self.bytes.len())
            .field("checksum", &format_args!("{:#010x}", self.checksum))
            .field("files", &self.files)
            .field("tree", &self.tree.map(|(_, t)| t))
            .field("manifest", &self.manifest)
            .finish()
    }
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn align_up(x: u64) -> u64 {
    x.div_ceil(PAGE) * PAGE
}

/// The CRC-32 a bundle's header must hold: over all of `bundle` (which
/// should be exactly `[0, total_size)`), its checksum field taken as zero.
pub fn compute_checksum(bundle: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    match (bundle.get(..H_CHECKSUM), bundle.get(H_CHECKSUM + 4..)) {
        (Some(head), Some(tail)) => {
            h.update(head);
            h.update(&[0; 4]);
            h.update(tail);
        }
        _ => h.update(bundle),
    }
    h.finalize()
}

/// The total size a bundle's header claims, reading nothing but the magic
/// and that field: how many bytes to map before calling [`Bundle::parse`].
/// `None` if `bytes` is too short to hold them or the magic is wrong. The
/// value is not validated; callers must bound it before mapping.
pub fn peek_total_size(bytes: &[u8]) -> Option<u64> {
    if bytes.get(..MAGIC.len())? != MAGIC {
        return None;
    }
    bytes.get(H_TOTAL..H_TOTAL + 8)?;
    Some(le_u64(bytes, H_TOTAL))
}

/// Decodes a NUL-padded name field.
fn decode_name(field: &[u8]) -> Result<&str, NameError> {
    let nul = field.iter().position(|&b| b == 0).ok_or(NameError::NoNul)?;
    if field[nul..].iter().any(|&b| b != 0) {
        return Err(NameError::NotNulPadded);
    }
    let name = core::str::from_utf8(&field[..nul]).map_err(|_| NameError::NotUtf8)?;
    validate_name(name)?;
    Ok(name)
}

/// The name field as far as it can be shown, for error messages.
fn lossy_name(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

impl<'a> Bundle<'a> {
    /// Parses and validates a bundle: header, every entry, layout, manifest
    /// and checksum. `bytes` may be longer than the bundle (e.g. a whole
    /// mapped region); only `[0, total_size)` is used. Never panics.
    pub fn parse(bytes: &'a [u8]) -> Result<Bundle<'a>, BundleError> {
        use BundleError::*;
        let available = bytes.len() as u64;
        let header = bytes.get(..HEADER_SIZE).ok_or(TooShort {
            needed: HEADER_SIZE as u64,
            available,
        })?;
        if header[..MAGIC.len()] != MAGIC {
            return Err(BadMagic);
        }
        let version = le_u32(header, H_VERSION);
        if version != VERSION {
            return Err(UnsupportedVersion(version));
        }
        let total_size = le_u64(header, H_TOTAL);
        if total_size == 0 || !total_size.is_multiple_of(PAGE) {
            return Err(BadTotalSize(total_size));
        }
        if total_size > available {
            return Err(TooShort {
                needed: total_size,
                available,
            });
        }
        // total_size <= bytes.len(), so it and every offset below it fit in usize.
        let bytes = &bytes[..total_size as usize];

        let expected = le_u32(header, H_CHECKSUM);
        let actual = compute_checksum(bytes);
        if expected != actual {
            return Err(ChecksumMismatch { expected, actual });
        }
        if header[H_RESERVED..].iter().any(|&b| b != 0) {
            return Err(ReservedNotZero { entry: None });
        }
        let count = le_u32(header, H_COUNT) as usize;
        if count > MAX_ENTRIES {
            return Err(TooManyEntries(count as u64));
        }

        // Page 0 is at least PAGE bytes (total_size >= PAGE) and the table fits in it.
        // Every entry, the file tree too, for the layout checks.
        let mut files: Vec<BundleFile<'a>> = Vec::with_capacity(count);
        let mut tree_index: Option<usize> = None;
        for index in 0..count {
            let at = HEADER_SIZE + index * ENTRY_SIZE;
            let raw = &bytes[at..at + ENTRY_SIZE];
            let field = &raw[..NAME_LEN];
            let name = decode_name(field).map_err(|reason| BadName {
                index,
                name: lossy_name(field),
                reason,
            })?;
            if let Some(first) = files.iter().position(|f| f.name == name) {
                return Err(DuplicateName {
                    name: name.to_owned(),
                    index,
                    first,
                });
            }
            let owned = || name.to_owned();
            let kind = le_u32(raw, E_KIND);
            if kind != KIND_SHARED_OBJECT && kind != KIND_FILE_TREE {
                return Err(UnsupportedKind {
                    name: owned(),
                    kind,
                });
            }
            if kind == KIND_SHARED_OBJECT && name == TREE_ENTRY_NAME {
                return Err(BadName {
                    index,
                    name: owned(),
                    reason: NameError::Reserved,
                });
            }
            if kind == KIND_FILE_TREE {
                if let Some(first) = tree_index {
                    return Err(DuplicateTree {
                        name: owned(),
                        first: files[first].name.to_owned(),
                    });
                }
                tree_index = Some(index);
            }
            if le_u32(raw, E_RESERVED) != 0 {
                return Err(ReservedNotZero {
                    entry: Some(owned()),
                });
            }
            let offset = le_u64(raw, E_OFFSET);
            let size = le_u64(raw, E_SIZE);
            if !offset.is_multiple_of(PAGE) {
                return Err(Misaligned {
                    name: owned(),
                    offset,
                });
            }
            if offset < PAGE {
                return Err(InHeaderPage {
                    name: owned(),
                    offset,
                });
            }
            let end = match offset.checked_add(size) {
                Some(end) if end <= total_size => end,
                _ => {
                    return Err(EntryOutOfBounds {
                        name: owned(),
                        offset,
                        size,
                        total_size,
                    })
                }
            };
            if let Some(other) = files.iter().find(|f| offset < f.end() && f.offset < end) {
                return Err(Overlap {
                    name: owned(),
                    other: other.name.to_owned(),
                });
            }
            if let Some(prev) = files.last() {
                if offset < prev.end() {
                    return Err(OutOfOrder {
                        name: owned(),
                        offset,
                        previous: prev.name.to_owned(),
                    });
                }
            }
            files.push(BundleFile {
                name,
                offset,
                data: &bytes[offset as usize..end as usize],
            });
        }

        let moff = le_u64(header, H_MANIFEST_OFFSET);
        let mlen = le_u64(header, H_MANIFEST_LEN);
        if !moff.is_multiple_of(PAGE) {
            return Err(ManifestMisaligned { offset: moff });
        }
        if moff < PAGE {
            return Err(ManifestOverlap {
                offset: moff,
                entry: None,
            });
        }
        let mend = match moff.checked_add(mlen) {
            Some(end) if end <= total_size => end,
            _ => {
                return Err(ManifestOutOfBounds {
                    offset: moff,
                    len: mlen,
                    total_size,
                })
            }
        };
        // Entry ends are non-decreasing (checked above), so this finds the
        // first entry still running at the manifest's start.
        if let Some(f) = files.iter().find(|f| f.end() > moff) {
            return Err(ManifestOverlap {
                offset: moff,
                entry: Some(f.name.to_owned()),
            });
        }
        let expected_total = align_up(mend);
        if total_size != expected_total {
            return Err(TrailingPages {
                total_size,
                expected: expected_total,
            });
        }
        let manifest = core::str::from_utf8(&bytes[moff as usize..mend as usize]).map_err(|e| {
            ManifestNotUtf8 {
                valid_up_to: e.valid_up_to(),
            }
        })?;

        // Everything between the used regions is zero.
        let table_end = (HEADER_SIZE + count * ENTRY_SIZE) as u64;
        let mut cursor = table_end;
        let used = files
            .iter()
            .map(|f| (f.offset, f.end()))
            .chain([(moff, mend), (total_size, total_size)]);
        for (start, end) in used {
            let gap = &bytes[cursor as usize..start as usize];
            if let Some(i) = gap.iter().position(|&b| b != 0) {
                return Err(NonZeroPadding {
                    offset: cursor + i as u64,
                });
            }
            cursor = end;
        }

        let tree = match tree_index {
            None => None,
            Some(i) => {
                let entry = files.remove(i);
                let tree = FileTree::parse(entry.data, entry.offset).map_err(|error| Tree {
                    entry: entry.name.to_owned(),
                    error,
                })?;
                Some((entry, tree))
            }
        };
        Ok(Bundle {
            bytes,
            files,
            tree,
            manifest,
            checksum: actual,
        })
    }

    /// The file tree the guest sees at `/`, if the bundle has one.
    pub fn tree(&self) -> Option<FileTree<'a>> {
        self.tree.map(|(_, t)| t)
    }

    /// The file tree's entry (its name, offset and bytes), if any.
    pub fn tree_entry(&self) -> Option<BundleFile<'a>> {
        self.tree.map(|(e, _)| e)
    }

    /// The shared objects, in table (and offset) order (not the file tree).
    pub fn files(&self) -> impl ExactSizeIterator<Item = BundleFile<'a>> + '_ {
        self.files.iter().copied()
    }

    /// The file called `name`, if any.
    pub fn file(&self, name: &str) -> Option<BundleFile<'a>> {
        self.files.iter().find(|f| f.name == name).copied()
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// The manifest text (parse it with [`crate::manifest::parse`]).
    pub fn manifest_text(&self) -> &'a str {
        self.manifest
    }

    pub fn total_size(&self) -> u64 {
        self.bytes.len() as u64
    }

    pub fn checksum(&self) -> u32 {
        self.checksum
    }

    pub fn version(&self) -> u32 {
        VERSION
    }

    /// The bundle's bytes, `[0, total_size)`.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// Builds a bundle in memory. `no_std` + `alloc`.
#[derive(Debug, Clone, Default)]
pub struct BundleBuilder {
    files: Vec<(String, Vec<u8>)>,
    tree: Option<TreeBuilder>,
    manifest: String,
}

impl BundleBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; files are stored in the order added. Fails on a bad or
    /// duplicate name or when the table is full ([`MAX_ENTRIES`]).
    pub fn add_file(&mut self, name: &str, data: Vec<u8>) -> Result<(), BundleError> {
        let index = self.files.len();
        validate_name(name).map_err(|reason| BundleError::BadName {
            index,
            name: name.to_owned(),
            reason,
        })?;
        if name == TREE_ENTRY_NAME {
            return Err(BundleError::BadName {
                index,
                name: name.to_owned(),
                reason: NameError::Reserved,
            });
        }
        if let Some(first) = self.files.iter().position(|(n, _)| n == name) {
            return Err(BundleError::DuplicateName {
                name: name.to_owned(),
                index,
                first,
            });
        }
        let tree = self.tree.is_some() as usize;
        if index + tree >= MAX_ENTRIES {
            return Err(BundleError::TooManyEntries((index + tree) as u64 + 1));
        }
        self.files.push((name.to_owned(), data));
        Ok(())
    }

    /// Sets the file tree (none by default): one more entry, after the
    /// shared objects. Fails if the table is full.
    pub fn set_tree(&mut self, tree: TreeBuilder) -> Result<(), BundleError> {
        if self.tree.is_none() && self.files.len() >= MAX_ENTRIES {
            return Err(BundleError::TooManyEntries(self.files.len() as u64 + 1));
        }
        self.tree = Some(tree);
        Ok(())
    }

    /// Sets the manifest text (empty by default).
    pub fn set_manifest(&mut self, text: &str) {
        self.manifest = text.to_owned();
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// The bundle's bytes.
    pub fn build(&self) -> Vec<u8> {
        let mut offsets = Vec::with_capacity(self.files.len());
        let mut at = PAGE;
        for (_, data) in &self.files {
            offsets.push(at);
            at = align_up(at + data.len() as u64);
        }
        let tree = self.tree.as_ref().map(|t| {
            let bytes = t.encode(at);
            let off = at;
            at = align_up(at + bytes.len() as u64);
            (off, bytes)
        });
        let moff = at;
        let mend = moff + self.manifest.len() as u64;
        let total = align_up(mend);

        let mut out = vec![0u8; total as usize];
        out[..MAGIC.len()].copy_from_slice(&MAGIC);
        put_u32(&mut out, H_VERSION, VERSION);
        put_u32(
            &mut out,
            H_COUNT,
            (self.files.len() + tree.is_some() as usize) as u32,
        );
        put_u64(&mut out, H_TOTAL, total);
        put_u64(&mut out, H_MANIFEST_OFFSET, moff);
        put_u64(&mut out, H_MANIFEST_LEN, self.manifest.len() as u64);
        for (i, ((name, data), &off)) in self.files.iter().zip(&offsets).enumerate() {
            let e = HEADER_SIZE + i * ENTRY_SIZE;
            out[e..e + name.len()].copy_from_slice(name.as_bytes());
            put_u32(&mut out, e + E_KIND, KIND_SHARED_OBJECT);
            put_u64(&mut out, e + E_OFFSET, off);
            put_u64(&mut out, e + E_SIZE, data.len() as u64);
            out[off as usize..off as usize + data.len()].copy_from_slice(data);
        }
        if let Some((off, bytes)) = &tree {
            let e = HEADER_SIZE + self.files.len() * ENTRY_SIZE;
            out[e..e + TREE_ENTRY_NAME.len()].copy_from_slice(TREE_ENTRY_NAME.as_bytes());
            put_u32(&mut out, e + E_KIND, KIND_FILE_TREE);
            put_u64(&mut out, e + E_OFFSET, *off);
            put_u64(&mut out, e + E_SIZE, bytes.len() as u64);
            out[*off as usize..*off as usize + bytes.len()].copy_from_slice(bytes);
        }
        out[moff as usize..mend as usize].copy_from_slice(self.manifest.as_bytes());
        let sum = compute_checksum(&out);
        put_u32(&mut out, H_CHECKSUM, sum);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    const MANIFEST: &str = "app hello a.so\napp other b.so \"x y\"\n";

    fn data(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) | 1)
            .collect()
    }

    /// a.so: 5000 bytes (pages 1-2), b.so: 100 (page 3), c.so: exactly one
    /// page (page 4), manifest on page 5; 6 pages in all.
    fn sample() -> Vec<u8> {
        let mut b = BundleBuilder::new();
        b.add_file("a.so", data(5000, 1)).unwrap();
        b.add_file("b.so", data(100, 2)).unwrap();
        b.add_file("c.so", data(4096, 3)).unwrap();
        b.set_manifest(MANIFEST);
        b.build()
    }

    fn entry(i: usize) -> usize {
        HEADER_SIZE + i * ENTRY_SIZE
    }

    fn fix(b: &mut [u8]) {
        let total = le_u64(b, H_TOTAL) as usize;
        let sum = compute_checksum(&b[..total.min(b.len())]);
        put_u32(b, H_CHECKSUM, sum);
    }

    /// `edit` applied to the sample, checksum recomputed, then parsed.
    fn corrupt(edit: impl FnOnce(&mut Vec<u8>)) -> BundleError {
        let mut b = sample();
        edit(&mut b);
        fix(&mut b);
        Bundle::parse(&b).expect_err("corrupt bundle parsed")
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        assert_eq!(bytes.len(), 6 * PAGE as usize);
        let b = Bundle::parse(&bytes).unwrap();
        assert_eq!(b.total_size(), 6 * PAGE);
        assert_eq!(b.version(), 1);
        assert_eq!(b.checksum(), le_u32(&bytes, H_CHECKSUM));
        assert_eq!(b.manifest_text(), MANIFEST);
        let files: Vec<_> = b.files().collect();
        let names: Vec<_> = files.iter().map(|f| f.name).collect();
        assert_eq!(names, ["a.so", "b.so", "c.so"]);
        assert_eq!(
            files.iter().map(|f| f.offset).collect::<Vec<_>>(),
            [0x1000, 0x3000, 0x4000]
        );
        assert_eq!(files[0].data, &data(5000, 1)[..]);
        assert_eq!(files[1].data, &data(100, 2)[..]);
        assert_eq!(files[2].data, &data(4096, 3)[..]);
        assert_eq!((files[0].first_page(), files[0].page_count()), (1, 2));
        assert_eq!((files[2].first_page(), files[2].page_count()), (4, 1));
        // Page i of a file is bundle page first_page + i.
        let p = files[0].first_page() as usize + 1;
        assert_eq!(&bytes[p * 4096..p * 4096 + 904], &files[0].data[4096..]);
        assert_eq!(b.file("b.so"), Some(files[1]));
        assert_eq!(b.file("nope.so"), None);
        assert_eq!(peek_total_size(&bytes), Some(6 * PAGE));
        assert_eq!(peek_total_size(&bytes[..24]), Some(6 * PAGE));
        assert_eq!(peek_total_size(&bytes[..23]), None);
        assert_eq!(peek_total_size(b"UKBUNDL!and more bytes here....."), None);
        // Extra bytes after the bundle are ignored.
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0xaa; 100]);
        assert_eq!(Bundle::parse(&longer).unwrap().total_size(), 6 * PAGE);
    }

    #[test]
    fn bundles_without_a_tree_are_unchanged() {
        // The same inputs packed by ukrt-pack before file trees existed
        // (commit 0bf080f) gave 20480 bytes with this checksum.
        let mut b = BundleBuilder::new();
        b.add_file("a.so", (0..5000).map(|i| (i * 7 + 1) as u8).collect())
            .unwrap();
        b.add_file("b.so", (0..100).map(|i| (i * 3 + 2) as u8).collect())
            .unwrap();
        b.set_manifest("app a a.so \"x y\"");
        let bytes = b.build();
        assert_eq!(bytes.len(), 20480);
        assert_eq!(le_u32(&bytes, H_CHECKSUM), 0x7dbcfe3b);
        assert_eq!(Bundle::parse(&bytes).unwrap().tree(), None);
    }

    #[test]
    fn empty_bundle() {
        let bytes = BundleBuilder::new().build();
        assert_eq!(bytes.len(), 4096);
        let b = Bundle::parse(&bytes).unwrap();
        assert_eq!(b.files().len(), 0);
        assert_eq!(b.manifest_text(), "");
        assert_eq!(b.total_size(), 4096);
    }

    #[test]
    fn empty_file_and_full_table() {
        let mut b = BundleBuilder::new();
        for i in 0..MAX_ENTRIES {
            let len = if i % 7 == 3 { 0 } else { i * 300 };
            b.add_file(&format!("lib{i}.so"), data(len, i as u8))
                .unwrap();
        }
        b.set_manifest("app x lib0.so");
        let bytes = b.build();
        let parsed = Bundle::parse(&bytes).unwrap();
        assert_eq!(parsed.files().len(), MAX_ENTRIES);
        for (i, f) in parsed.files().enumerate() {
            assert_eq!(f.name, format!("lib{i}.so"));
            assert_eq!(f.offset % PAGE, 0);
            assert_eq!(f.data.len(), if i % 7 == 3 { 0 } else { i * 300 });
        }
        assert_eq!(
            b.add_file("one-too-many.so", vec![1]),
            Err(BundleError::TooManyEntries(MAX_ENTRIES as u64 + 1))
        );
    }

    #[test]
    fn truncated_at_every_length() {
        let bytes = sample();
        for len in 0..bytes.len() {
            let err = Bundle::parse(&bytes[..len]).unwrap_err();
            let needed = if len < HEADER_SIZE {
                HEADER_SIZE as u64
            } else {
                bytes.len() as u64
            };
            assert_eq!(
                err,
                BundleError::TooShort {
                    needed,
                    available: len as u64
                },
                "len {len}"
            );
        }
        assert!(Bundle::parse(&bytes).is_ok());
    }

    #[test]
    fn flipped_bytes_fail_the_checksum() {
        let bytes = sample();
        let stored = le_u32(&bytes, H_CHECKSUM);
        let mut positions = vec![
            H_COUNT,
            H_MANIFEST_OFFSET,
            H_MANIFEST_LEN + 3,
            H_CHECKSUM,
            H_CHECKSUM + 3,
            H_RESERVED,
            63,
            4095,            // padding after the table
            0x1000,          // a.so data
            0x1000 + 4999,   // a.so last byte
            0x1000 + 5000,   // padding after a.so
            0x3000 + 50,     // b.so
            0x4000 + 4095,   // c.so
            0x5000,          // manifest
            0x5000 + 20,     // manifest
            bytes.len() - 1, // final padding
        ];
        positions.extend(entry(0)..entry(3)); // every table byte
        for &pos in &positions {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[pos] ^= flip;
                let err = Bundle::parse(&b).unwrap_err();
                let BundleError::ChecksumMismatch { expected, actual } = err else {
                    panic!("byte {pos:#x} ^ {flip:#x}: {err}");
                };
                let expected_field = le_u32(&b, H_CHECKSUM);
                assert_eq!(expected, expected_field);
                assert_eq!(actual, compute_checksum(&b));
                if !(H_CHECKSUM..H_CHECKSUM + 4).contains(&pos) {
                    assert_eq!(expected, stored);
                }
            }
        }
    }

    #[test]
    fn bad_magic() {
        let mut b = sample();
        b[0] = b'X';
        assert_eq!(Bundle::parse(&b), Err(BundleError::BadMagic));
        assert_eq!(peek_total_size(&b), None);
        assert_eq!(Bundle::parse(&[0u8; 8192]), Err(BundleError::BadMagic));
    }

    #[test]
    fn version_2() {
        let err = corrupt(|b| put_u32(b, H_VERSION, 2));
        assert_eq!(err, BundleError::UnsupportedVersion(2));
        assert_eq!(
            err.to_string(),
            "unsupported bundle format version 2 (this loader reads version 1)"
        );
    }

    #[test]
    fn bad_total_size() {
        for total in [0, 1, 4095, 6 * 4096 - 1, 5 * 4096 + 2048] {
            let err = corrupt(|b| put_u64(b, H_TOTAL, total));
            assert_eq!(err, BundleError::BadTotalSize(total));
        }
        // Larger than the bytes given.
        let err = corrupt(|b| put_u64(b, H_TOTAL, 7 * 4096));
        assert_eq!(
            err,
            BundleError::TooShort {
                needed: 7 * 4096,
                available: 6 * 4096
            }
        );
        let err = corrupt(|b| put_u64(b, H_TOTAL, u64::MAX - 4095));
        assert!(matches!(err, BundleError::TooShort { .. }));
        // Smaller than the layout: the manifest no longer fits.
        let err = corrupt(|b| put_u64(b, H_TOTAL, 5 * 4096));
        assert!(
            matches!(err, BundleError::ManifestOutOfBounds { .. }),
            "{err}"
        );
        // Larger than the layout: an extra zero page.
        let err = corrupt(|b| {
            b.extend_from_slice(&[0; 4096]);
            put_u64(b, H_TOTAL, 7 * 4096);
        });
        assert_eq!(
            err,
            BundleError::TrailingPages {
                total_size: 7 * 4096,
                expected: 6 * 4096
            }
        );
    }

    #[test]
    fn reserved_bytes() {
        let err = corrupt(|b| b[H_RESERVED + 5] = 1);
        assert_eq!(err, BundleError::ReservedNotZero { entry: None });
        let err = corrupt(|b| put_u32(b, entry(1) + E_RESERVED, 7));
        assert_eq!(
            err,
            BundleError::ReservedNotZero {
                entry: Some("b.so".into())
            }
        );
    }

    #[test]
    fn too_many_entries() {
        let err = corrupt(|b| put_u32(b, H_COUNT, 51));
        assert_eq!(err, BundleError::TooManyEntries(51));
        let err = corrupt(|b| put_u32(b, H_COUNT, u32::MAX));
        assert_eq!(err, BundleError::TooManyEntries(u32::MAX as u64));
        // Fewer entries than stored: c.so's data becomes non-zero padding.
        let err = corrupt(|b| put_u32(b, H_COUNT, 2));
        assert_eq!(
            err,
            BundleError::NonZeroPadding {
                offset: entry(2) as u64
            }
        );
    }

    #[test]
    fn misaligned_offset() {
        let err = corrupt(|b| put_u64(b, entry(1) + E_OFFSET, 0x3010));
        assert_eq!(
            err,
            BundleError::Misaligned {
                name: "b.so".into(),
                offset: 0x3010
            }
        );
        assert_eq!(
            err.to_string(),
            "entry \"b.so\": data at offset 0x3010 is not page-aligned"
        );
    }

    #[test]
    fn data_in_header_page() {
        let err = corrupt(|b| put_u64(b, entry(0) + E_OFFSET, 0));
        assert_eq!(
            err,
            BundleError::InHeaderPage {
                name: "a.so".into(),
                offset: 0
            }
        );
    }

    #[test]
    fn entry_out_of_bounds() {
        let err = corrupt(|b| put_u64(b, entry(2) + E_SIZE, 0x2001));
        assert_eq!(
            err,
            BundleError::EntryOutOfBounds {
                name: "c.so".into(),
                offset: 0x4000,
                size: 0x2001,
                total_size: 0x6000
            }
        );
        let err = corrupt(|b| put_u64(b, entry(2) + E_SIZE, u64::MAX));
        assert!(matches!(err, BundleError::EntryOutOfBounds { .. }));
        let err = corrupt(|b| put_u64(b, entry(2) + E_OFFSET, !4095));
        assert!(matches!(err, BundleError::EntryOutOfBounds { .. }));
    }

    #[test]
    fn overlapping_entries() {
        let err = corrupt(|b| put_u64(b, entry(1) + E_OFFSET, 0x2000));
        assert_eq!(
            err,
            BundleError::Overlap {
                name: "b.so".into(),
                other: "a.so".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "entry \"b.so\": data overlaps that of entry \"a.so\""
        );
        let err = corrupt(|b| put_u64(b, entry(2) + E_OFFSET, 0x1000));
        assert_eq!(
            err,
            BundleError::Overlap {
                name: "c.so".into(),
                other: "a.so".into()
            }
        );
    }

    #[test]
    fn entries_out_of_order() {
        // Swap a.so and b.so's places: no overlap, but b.so comes first.
        let mut b = BundleBuilder::new();
        b.add_file("a.so", data(100, 1)).unwrap();
        b.add_file("b.so", data(100, 2)).unwrap();
        let mut bytes = b.build();
        put_u64(&mut bytes, entry(0) + E_OFFSET, 0x2000);
        put_u64(&mut bytes, entry(1) + E_OFFSET, 0x1000);
        fix(&mut bytes);
        assert_eq!(
            Bundle::parse(&bytes),
            Err(BundleError::OutOfOrder {
                name: "b.so".into(),
                offset: 0x1000,
                previous: "a.so".into()
            })
        );
    }

    #[test]
    fn duplicate_names() {
        let err = corrupt(|b| {
            let (a, c) = (entry(0), entry(2));
            b.copy_within(a..a + NAME_LEN, c);
        });
        assert_eq!(
            err,
            BundleError::DuplicateName {
                name: "a.so".into(),
                index: 2,
                first: 0
            }
        );
        assert_eq!(
            err.to_string(),
            "entry #2: duplicate name \"a.so\" (also the name of entry #0)"
        );
    }

    #[test]
    fn bad_names() {
        fn set(name: &[u8]) -> impl FnOnce(&mut Vec<u8>) + '_ {
            move |b: &mut Vec<u8>| {
                let e = entry(1);
                b[e..e + NAME_LEN].fill(0);
                b[e..e + name.len()].copy_from_slice(name);
            }
        }
        let bad = |name: &str, reason| BundleError::BadName {
            index: 1,
            name: name.into(),
            reason,
        };
        assert_eq!(
            corrupt(set(&[b'x'; NAME_LEN])),
            bad(&"x".repeat(NAME_LEN), NameError::NoNul)
        );
        assert_eq!(corrupt(set(b"")), bad("", NameError::Empty));
        assert_eq!(
            corrupt(set(b"a/b.so")),
            bad("a/b.so", NameError::ContainsSlash)
        );
        assert_eq!(
            corrupt(set(b"a b.so")),
            bad("a b.so", NameError::ContainsWhitespace)
        );
        assert_eq!(
            corrupt(set(b"a\tb.so")),
            bad("a\tb.so", NameError::ContainsWhitespace)
        );
        assert_eq!(
            corrupt(set(b"a\x01b")),
            bad("a\x01b", NameError::ContainsControl)
        );
        assert_eq!(
            corrupt(set(b"b.so\0junk")),
            bad("b.so", NameError::NotNulPadded)
        );
        assert_eq!(
            corrupt(set(b"\xffb.so")),
            bad("\u{fffd}b.so", NameError::NotUtf8)
        );
        let err = corrupt(set(b"a/b.so"));
        assert_eq!(
            err.to_string(),
            "entry #1 has a bad name \"a/b.so\": it contains '/'"
        );
        // 55 bytes is the longest name that fits.
        let long = "n".repeat(NAME_LEN - 1);
        let mut b = BundleBuilder::new();
        b.add_file(&long, vec![1]).unwrap();
        assert_eq!(
            Bundle::parse(&b.build())
                .unwrap()
                .files()
                .next()
                .unwrap()
                .name,
            long
        );
    }

    #[test]
    fn unsupported_kind() {
        let err = corrupt(|b| put_u32(b, entry(0) + E_KIND, 3));
        assert_eq!(
            err,
            BundleError::UnsupportedKind {
                name: "a.so".into(),
                kind: 3
            }
        );
        assert_eq!(
            err.to_string(),
            "entry \"a.so\": unsupported kind 3 (known: 1, ELF shared object; 2, file tree)"
        );
    }

    #[test]
    fn manifest_placement() {
        let err = corrupt(|b| put_u64(b, H_MANIFEST_OFFSET, 0x5001));
        assert_eq!(err, BundleError::ManifestMisaligned { offset: 0x5001 });
        let err = corrupt(|b| put_u64(b, H_MANIFEST_OFFSET, 0));
        assert_eq!(
            err,
            BundleError::ManifestOverlap {
                offset: 0,
                entry: None
            }
        );
        let err = corrupt(|b| put_u64(b, H_MANIFEST_OFFSET, 0x2000));
        assert_eq!(
            err,
            BundleError::ManifestOverlap {
                offset: 0x2000,
                entry: Some("a.so".into())
            }
        );
        let err = corrupt(|b| put_u64(b, H_MANIFEST_LEN, 0x1001));
        assert_eq!(
            err,
            BundleError::ManifestOutOfBounds {
                offset: 0x5000,
                len: 0x1001,
                total_size: 0x6000
            }
        );
        let err = corrupt(|b| put_u64(b, H_MANIFEST_LEN, u64::MAX));
        assert!(matches!(err, BundleError::ManifestOutOfBounds { .. }));
    }

    #[test]
    fn manifest_not_utf8() {
        let err = corrupt(|b| b[0x5000 + 4] = 0xff);
        assert_eq!(err, BundleError::ManifestNotUtf8 { valid_up_to: 4 });
    }

    #[test]
    fn nonzero_padding() {
        for pos in [
            entry(3),
            4095,
            0x1000 + 5000,
            0x2fff,
            0x3000 + 100,
            0x5000 + MANIFEST.len(),
            0x5fff,
        ] {
            let err = corrupt(|b| b[pos] = 0x90);
            assert_eq!(
                err,
                BundleError::NonZeroPadding { offset: pos as u64 },
                "{pos:#x}"
            );
        }
    }

    #[test]
    fn builder_rejects_bad_names() {
        let mut b = BundleBuilder::new();
        b.add_file("a.so", vec![]).unwrap();
        assert_eq!(
            b.add_file("a.so", vec![]),
            Err(BundleError::DuplicateName {
                name: "a.so".into(),
                index: 1,
                first: 0
            })
        );
        for (name, reason) in [
            ("", NameError::Empty),
            ("x/y", NameError::ContainsSlash),
            ("x y", NameError::ContainsWhitespace),
            ("x\0y", NameError::ContainsNul),
            ("x\u{7f}", NameError::ContainsControl),
        ] {
            assert_eq!(
                b.add_file(name, vec![]),
                Err(BundleError::BadName {
                    index: 1,
                    name: name.into(),
                    reason
                })
            );
        }
        let long = "n".repeat(NAME_LEN);
        assert_eq!(
            b.add_file(&long, vec![]),
            Err(BundleError::BadName {
                index: 1,
                name: long,
                reason: NameError::TooLong { len: 56 }
            })
        );
        assert_eq!(b.file_count(), 1);
    }

    #[test]
    fn messages_read_well() {
        let e = BundleError::ChecksumMismatch {
            expected: 0x1234,
            actual: 0xabcdef01,
        };
        assert_eq!(
            e.to_string(),
            "checksum mismatch: the header says 0x00001234 but the contents give 0xabcdef01 (the \
             bundle is corrupt)"
        );
        let e = BundleError::TooShort {
            needed: 8192,
            available: 100,
        };
        assert_eq!(
            e.to_string(),
            "bundle is truncated: it needs 8192 bytes but only 100 are present"
        );
    }

    #[test]
    fn an_embedded_size_past_the_image_has_its_own_message() {
        let e = BundleError::PastImage {
            size: 0x7000,
            room: 0x3000,
        };
        assert_eq!(
            e.to_string(),
            "the embedded bundle claims 28672 bytes but only 12288 bytes follow the kernel in \
             the image"
        );
        assert_ne!(e, BundleError::BadTotalSize(0x7000));
    }

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn fuzz_never_panics() {
        let base = sample();
        let mut rng = Lcg(0x5eed);
        let mut accepted = 0;
        for iter in 0..20_000 {
            let mut b = base.clone();
            for _ in 0..1 + rng.below(4) {
                match rng.below(4) {
                    // A random byte anywhere.
                    0 => {
                        let i = rng.below(b.len());
                        b[i] = rng.next() as u8;
                    }
                    // A random byte in the header or table.
                    1 => {
                        let i = rng.below(entry(4));
                        b[i] = rng.next() as u8;
                    }
                    // A header or entry field set to an interesting value.
                    _ => {
                        let fields = [H_COUNT, H_TOTAL, H_MANIFEST_OFFSET, H_MANIFEST_LEN];
                        let at = if rng.below(2) == 0 {
                            fields[rng.below(fields.len())]
                        } else {
                            entry(rng.below(4)) + [E_KIND, E_OFFSET, E_SIZE][rng.below(3)]
                        };
                        let v = [
                            0,
                            1,
                            0x1000,
                            0x2000,
                            0x5000,
                            0x6000,
                            u64::MAX,
                            rng.next() << 12,
                        ][rng.below(8)];
                        if at == H_COUNT || at % 8 != 0 {
                            put_u32(&mut b, at, v as u32);
                        } else {
                            put_u64(&mut b, at, v);
                        }
                    }
                }
            }
            if rng.below(4) == 0 {
                b.truncate(rng.below(b.len() + 1));
            }
            // Usually make the checksum right so the structural checks run.
            if b.len() >= HEADER_SIZE && rng.below(4) != 0 {
                fix(&mut b);
            }
            if let Ok(p) = Bundle::parse(&b) {
                accepted += 1;
                assert!(p.total_size() as usize <= b.len(), "iteration {iter}");
                for f in p.files() {
                    assert_eq!(f.offset % PAGE, 0);
                    assert!(f.offset >= PAGE);
                    assert!(validate_name(f.name).is_ok());
                }
            } else {
                // Errors format without panicking too.
                let _ = Bundle::parse(&b).unwrap_err().to_string();
            }
        }
        assert!(
            accepted > 0,
            "no edit left a valid bundle; the fuzz loop is too blunt"
        );
    }
}
