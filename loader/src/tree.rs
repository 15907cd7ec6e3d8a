//! A read-only file tree inside a bundle: the files an app finds at `/` in
//! the guest (`files DIR` in the manifest, `ukrt-pack pack --files DIR`).
//!
//! The tree is one bundle entry of kind [`crate::bundle::KIND_FILE_TREE`].
//! Its data is an index followed by the files' contents, each file starting
//! on a bundle page, so the runtime serves reads straight from the bundle's
//! frames. Offsets are bundle offsets; all integers are little-endian.
//!
//! Index header (at the entry's offset):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic, `b"UKFTREE\0"` |
//! | 8 | 4 | node count `n`, 1 to [`MAX_NODES`] (node 0 is the root) |
//! | 12 | 4 | length of the name table in bytes |
//! | 16 | 16 | reserved, zero |
//!
//! Then `n` nodes of [`NODE_SIZE`] bytes, then the name table (the nodes'
//! names, UTF-8, one after the other in node order, no separators):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | parent node (the root's is 0) |
//! | 4 | 4 | offset of the name in the name table |
//! | 8 | 2 | name length (the root's is 0) |
//! | 10 | 2 | kind: [`KIND_DIR`] or [`KIND_FILE`] |
//! | 12 | 4 | reserved, zero |
//! | 16 | 8 | file: size in bytes; directory: number of children |
//! | 24 | 8 | file: bundle offset of its data (0 for an empty file); directory: index of its first child |
//!
//! Nodes are in breadth-first order, and each directory's children are
//! consecutive nodes sorted by name (bytewise), so a lookup is a binary
//! search per component and a node's index is a stable inode number. A
//! directory's first child is the node after the children of every earlier
//! directory (for an empty directory too). File data follows the index from
//! the next page on, in node order, each non-empty file on the page after
//! the previous one's last byte; the entry ends with the last byte of the
//! last file (or of the index). Every other byte of the entry is zero.
//!
//! [`FileTree::parse`] checks all of it and never panics; [`TreeBuilder`]
//! writes it.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::bundle::PAGE;

/// The first eight bytes of a tree entry's data.
pub const TREE_MAGIC: [u8; 8] = *b"UKFTREE\0";
/// Size of the index header.
pub const TREE_HEADER_SIZE: usize = 32;
/// Size of one node record.
pub const NODE_SIZE: usize = 32;
/// Most nodes (directories and files, the root included) in one tree.
pub const MAX_NODES: usize = 1 << 20;
/// Longest name of one path component, in bytes (Linux's `NAME_MAX`).
pub const MAX_NAME: usize = 255;
/// A node's path as the guest sees it under a mount at `/` (`/a/b`), with
/// a terminating NUL, fits in this many bytes (Linux's `PATH_MAX`): so the
/// path itself is at most `MAX_PATH - 1` bytes.
pub const MAX_PATH: usize = 4096;
/// Node kind: a directory.
pub const KIND_DIR: u16 = 1;
/// Node kind: a regular file.
pub const KIND_FILE: u16 = 2;

// Header fields.
const T_COUNT: usize = 8;
const T_NAMES_LEN: usize = 12;
const T_RESERVED: usize = 16;
// Node fields.
const N_PARENT: usize = 0;
const N_NAME_OFF: usize = 4;
const N_NAME_LEN: usize = 8;
const N_KIND: usize = 10;
const N_RESERVED: usize = 12;
const N_SIZE: usize = 16;
const N_OFFSET: usize = 24;

/// Why a path component cannot be a name in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentError {
    Empty,
    TooLong { len: usize },
    Dot,
    DotDot,
    ContainsSlash,
    ContainsNul,
    NotUtf8,
}

impl fmt::Display for ComponentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ComponentError::*;
        match self {
            Empty => f.write_str("the name is empty"),
            TooLong { len } => write!(f, "the name is {len} bytes long (at most {MAX_NAME})"),
            Dot => f.write_str("the name is \".\""),
            DotDot => f.write_str("the name is \"..\""),
            ContainsSlash => f.write_str("the name contains '/'"),
            ContainsNul => f.write_str("the name contains a NUL byte"),
            NotUtf8 => f.write_str("the name is not valid UTF-8"),
        }
    }
}

/// Checks one path component: non-empty, at most [`MAX_NAME`] bytes, not
/// `.` or `..`, no `/`, no NUL.
pub fn validate_component(name: &str) -> Result<(), ComponentError> {
    use ComponentError::*;
    if name.is_empty() {
        return Err(Empty);
    }
    if name.len() > MAX_NAME {
        return Err(TooLong { len: name.len() });
    }
    if name == "." {
        return Err(Dot);
    }
    if name == ".." {
        return Err(DotDot);
    }
    if name.contains('/') {
        return Err(ContainsSlash);
    }
    if name.contains('\0') {
        return Err(ContainsNul);
    }
    Ok(())
}

/// What is wrong with a tree (or with a path given to [`TreeBuilder`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeErrorKind {
    /// The entry is shorter than its index (`needed` bytes).
    IndexTruncated {
        needed: u64,
        size: u64,
    },
    BadMagic,
    /// Reserved bytes of the index header (no node) or of a node.
    ReservedNotZero,
    /// Node count 0: not even the root.
    NoRoot,
    TooManyNodes(u64),
    /// Node 0 is not a nameless directory that is its own parent.
    BadRoot(&'static str),
    UnknownKind(u16),
    BadName(ComponentError),
    /// The name does not lie where the previous names end.
    NameOutOfPlace {
        offset: u64,
        expected: u64,
    },
    NameOutOfBounds {
        offset: u64,
        len: u64,
        names_len: u64,
    },
    /// The name table is longer than the names it holds.
    NamesLength {
        len: u64,
        used: u64,
    },
    /// `len` bytes as `/a/b`; at most `MAX_PATH - 1`.
    PathTooLong {
        len: usize,
    },
    /// No earlier directory lists this node among its children.
    Orphan,
    /// The parent field names a node that is not the directory listing it.
    BadParent {
        parent: u64,
    },
    /// A directory's first child is not where breadth-first order puts it.
    ChildrenOutOfPlace {
        first: u64,
        expected: u64,
    },
    ChildrenPastEnd {
        first: u64,
        count: u64,
        nodes: u64,
    },
    /// Same name as the previous child of its directory.
    Duplicate,
    /// Name sorts before the previous child's (`previous`).
    NotSorted {
        previous: String,
    },
    DataMisaligned {
        offset: u64,
    },
    /// Non-empty file data not on the page after the previous data.
    DataOutOfPlace {
        offset: u64,
        expected: u64,
    },
    DataOutOfBounds {
        offset: u64,
        size: u64,
        end: u64,
    },
    /// An empty file with a data offset other than 0.
    EmptyFileOffset {
        offset: u64,
    },
    /// A non-zero byte between the index and the data, or between files.
    NonZeroPadding {
        offset: u64,
    },
    /// The entry's size is not where the index and data end.
    SizeMismatch {
        size: u64,
        expected: u64,
    },
    /// From [`TreeBuilder`]: a path given twice.
    AlreadyExists,
    /// From [`TreeBuilder`]: a path through a file.
    NotADirectory,
}

impl fmt::Display for TreeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TreeErrorKind::*;
        match self {
            IndexTruncated { needed, size } => write!(
                f,
                "the index needs {needed} bytes but the entry has only {size}"
            ),
            BadMagic => f.write_str("bad magic number (not a file tree index)"),
            ReservedNotZero => f.write_str("reserved field is not zero"),
            NoRoot => f.write_str("the index has no nodes (not even the root directory)"),
            TooManyNodes(n) => write!(f, "{n} nodes (at most {MAX_NODES})"),
            BadRoot(why) => write!(f, "bad root node: {why}"),
            UnknownKind(k) => write!(
                f,
                "unknown kind {k} (known: {KIND_DIR}, directory; {KIND_FILE}, file)"
            ),
            BadName(e) => write!(f, "bad name: {e}"),
            NameOutOfPlace { offset, expected } => write!(
                f,
                "name at name-table offset {offset} where {expected} was expected (names are \
                 stored in node order)"
            ),
            NameOutOfBounds {
                offset,
                len,
                names_len,
            } => write!(
                f,
                "name at name-table offset {offset} of length {len} runs past the name table \
                 ({names_len} bytes)"
            ),
            NamesLength { len, used } => {
                write!(f, "the name table is {len} bytes but the names take {used}")
            }
            PathTooLong { len } => {
                write!(f, "the path is {len} bytes long (at most {})", MAX_PATH - 1)
            }
            Orphan => f.write_str("no directory lists it as a child"),
            BadParent { parent } => write!(
                f,
                "its parent field says node #{parent}, which is not the directory listing it"
            ),
            ChildrenOutOfPlace { first, expected } => write!(
                f,
                "its children start at node #{first} where #{expected} was expected \
                 (breadth-first order)"
            ),
            ChildrenPastEnd {
                first,
                count,
                nodes,
            } => write!(
                f,
                "its {count} children from node #{first} run past the last node ({nodes} nodes)"
            ),
            Duplicate => f.write_str("the same name as the previous entry of its directory"),
            NotSorted { previous } => write!(
                f,
                "its name sorts before that of the previous entry {previous:?} (children must \
                 be sorted by name)"
            ),
            DataMisaligned { offset } => {
                write!(f, "data at offset {offset:#x} is not page-aligned")
            }
            DataOutOfPlace { offset, expected } => write!(
                f,
                "data at offset {offset:#x} where {expected:#x} was expected (file data is \
                 stored in node order, each file from the next page)"
            ),
            DataOutOfBounds { offset, size, end } => write!(
                f,
                "data at offset {offset:#x} of size {size:#x} runs past the end of the tree \
                 entry ({end:#x})"
            ),
            EmptyFileOffset { offset } => write!(
                f,
                "an empty file with data offset {offset:#x} (it must be 0)"
            ),
            NonZeroPadding { offset } => {
                write!(f, "padding byte at offset {offset:#x} is not zero")
            }
            SizeMismatch { size, expected } => write!(
                f,
                "the entry is {size:#x} bytes but its index and data end at {expected:#x}"
            ),
            AlreadyExists => f.write_str("it is already in the tree"),
            NotADirectory => f.write_str("a component of its path is a file, not a directory"),
        }
    }
}

/// A tree error and the node it is about: by index (in a parsed tree) and
/// by path (`/a/b`, as far as it could be decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeError {
    pub node: Option<u64>,
    pub path: Option<String>,
    pub kind: TreeErrorKind,
}

impl TreeError {
    fn header(kind: TreeErrorKind) -> Self {
        TreeError {
            node: None,
            path: None,
            kind,
        }
    }
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.node, &self.path) {
            (Some(i), Some(p)) => write!(f, "node #{i} {p:?}: {}", self.kind),
            (Some(i), None) => write!(f, "node #{i}: {}", self.kind),
            (None, Some(p)) => write!(f, "{p:?}: {}", self.kind),
            (None, None) => write!(f, "{}", self.kind),
        }
    }
}

impl core::error::Error for TreeError {}

/// A node's number: its index in the tree, 0 for the root. Stable for a
/// given bundle and small, so it can serve as an inode number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl NodeId {
    pub const ROOT: NodeId = NodeId(0);

    pub fn index(self) -> u32 {
        self.0
    }
}

/// A directory or a file of the tree.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Node<'a> {
    Dir(NodeId),
    File {
        id: NodeId,
        /// The file's contents: bundle bytes, never copied.
        data: &'a [u8],
        /// Where `data` starts in the bundle: a multiple of [`PAGE`], so
        /// page `i` of the file is bundle page `offset_in_bundle / PAGE + i`
        /// (0 for an empty file).
        offset_in_bundle: u64,
    },
}

impl Node<'_> {
    pub fn id(&self) -> NodeId {
        match *self {
            Node::Dir(id) | Node::File { id, .. } => id,
        }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self, Node::Dir(_))
    }

    /// A file's size in bytes; 0 for a directory.
    pub fn size(&self) -> u64 {
        match self {
            Node::Dir(_) => 0,
            Node::File { data, .. } => data.len() as u64,
        }
    }
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Dir(id) => write!(f, "Dir({})", id.0),
            Node::File {
                id,
                data,
                offset_in_bundle,
            } => write!(
                f,
                "File({}, {} bytes at {offset_in_bundle:#x})",
                id.0,
                data.len()
            ),
        }
    }
}

fn le_u16(b: &[u8], at: usize) -> u16 {
    let mut a = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        a.copy_from_slice(s);
    }
    u16::from_le_bytes(a)
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

fn align_up(x: u64) -> u64 {
    x.div_ceil(PAGE).saturating_mul(PAGE)
}

/// One node record, as stored.
#[derive(Clone, Copy)]
struct Raw {
    parent: u64,
    name_off: u64,
    name_len: u64,
    kind: u16,
    reserved: u32,
    size: u64,
    offset: u64,
}

/// A parsed, validated file tree borrowing the bundle's bytes. Reading it
/// allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FileTree<'a> {
    /// The whole tree entry: `[base, base + region.len())` of the bundle.
    region: &'a [u8],
    base: u64,
    count: u32,
    nodes: &'a [u8],
    names: &'a str,
}

impl fmt::Debug for FileTree<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTree")
            .field("offset", &format_args!("{:#x}", self.base))
            .field("size", &self.region.len())
            .field("nodes", &self.count)
            .finish()
    }
}

impl<'a> FileTree<'a> {
    /// Parses and checks a tree entry's data `region`, which starts at
    /// bundle offset `base` (a multiple of [`PAGE`]). Never panics.
    pub fn parse(region: &'a [u8], base: u64) -> Result<FileTree<'a>, TreeError> {
        use TreeErrorKind::*;
        let size = region.len() as u64;
        let header = region
            .get(..TREE_HEADER_SIZE)
            .ok_or(TreeError::header(IndexTruncated {
                needed: TREE_HEADER_SIZE as u64,
                size,
            }))?;
        if header[..8] != TREE_MAGIC {
            return Err(TreeError::header(BadMagic));
        }
        if header[T_RESERVED..].iter().any(|&b| b != 0) {
            return Err(TreeError::header(ReservedNotZero));
        }
        let count = le_u32(header, T_COUNT) as u64;
        if count == 0 {
            return Err(TreeError::header(NoRoot));
        }
        if count > MAX_NODES as u64 {
            return Err(TreeError::header(TooManyNodes(count)));
        }
        let names_len = le_u32(header, T_NAMES_LEN) as u64;
        let nodes_end = TREE_HEADER_SIZE as u64 + count * NODE_SIZE as u64;
        let index_end = nodes_end + names_len;
        if index_end > size {
            return Err(TreeError::header(IndexTruncated {
                needed: index_end,
                size,
            }));
        }
        // index_end <= region.len(), so these fit in usize.
        let nodes = &region[TREE_HEADER_SIZE..nodes_end as usize];
        let names = &region[nodes_end as usize..index_end as usize];

        let raw = |i: u64| {
            let r = nodes.get(i as usize * NODE_SIZE..).unwrap_or(&[]);
            Raw {
                parent: le_u32(r, N_PARENT) as u64,
                name_off: le_u32(r, N_NAME_OFF) as u64,
                name_len: le_u16(r, N_NAME_LEN) as u64,
                kind: le_u16(r, N_KIND),
                reserved: le_u32(r, N_RESERVED),
                size: le_u64(r, N_SIZE),
                offset: le_u64(r, N_OFFSET),
            }
        };
        // Names of nodes already checked, by index (valid UTF-8, in bounds).
        let name_of = |r: &Raw| -> &[u8] {
            names
                .get(r.name_off as usize..(r.name_off + r.name_len) as usize)
                .unwrap_or(&[])
        };
        // The path of a checked node, for messages: walks checked parents.
        let path_of = |mut i: u64| -> String {
            let mut parts: Vec<&[u8]> = Vec::new();
            while i != 0 && parts.len() < MAX_PATH {
                let r = raw(i);
                parts.push(name_of(&r));
                i = r.parent;
            }
            let mut s = String::new();
            for p in parts.iter().rev() {
                s.push('/');
                s.push_str(&String::from_utf8_lossy(p));
            }
            if s.is_empty() {
                s.push('/');
            }
            s
        };

        // Path lengths as `/a/b` (the root's is 0), by node.
        let mut path_len: Vec<u16> = vec![0; count as usize];
        let mut next_child = 1u64; // first node no directory has claimed yet
        let mut names_used = 0u64;
        let mut data_cursor = align_up(base.saturating_add(index_end));
        let end = base.saturating_add(size);
        let mut prev_end = base.saturating_add(index_end); // end of used bytes so far
        for i in 0..count {
            let r = raw(i);
            let node_err = |path: Option<String>, kind| TreeError {
                node: Some(i),
                path,
                kind,
            };
            if i == 0 {
                let why = if r.kind != KIND_DIR {
                    Some("it is not a directory")
                } else if r.name_len != 0 || r.name_off != 0 {
                    Some("it has a name")
                } else if r.parent != 0 {
                    Some("its parent is not itself")
                } else {
                    None
                };
                if let Some(why) = why {
                    return Err(node_err(Some("/".into()), BadRoot(why)));
                }
            } else {
                // Claimed by an earlier directory, and that is its parent.
                if i >= next_child {
                    return Err(node_err(None, Orphan));
                }
                let p = r.parent;
                let covers = p < i && {
                    let pr = raw(p);
                    pr.kind == KIND_DIR && pr.offset <= i && i - pr.offset < pr.size
                };
                if !covers {
                    return Err(node_err(None, BadParent { parent: p }));
                }
            }
            // From here on the parent is checked: messages can give a path.
            let lossy = || {
                let start = (r.name_off as usize).min(names.len());
                let stop = (r.name_off.saturating_add(r.name_len) as usize).min(names.len());
                let parent = if i == 0 {
                    String::new()
                } else {
                    path_of(r.parent)
                };
                let parent = parent.trim_end_matches('/');
                format!(
                    "{parent}/{}",
                    String::from_utf8_lossy(&names[start.min(stop)..stop])
                )
            };
            if r.reserved != 0 {
                return Err(node_err(Some(lossy()), ReservedNotZero));
            }
            if r.kind != KIND_DIR && r.kind != KIND_FILE {
                return Err(node_err(Some(lossy()), UnknownKind(r.kind)));
            }
            if r.name_off != names_used {
                return Err(node_err(
                    Some(lossy()),
                    NameOutOfPlace {
                        offset: r.name_off,
                        expected: names_used,
                    },
                ));
            }
            if r.name_off + r.name_len > names_len {
                return Err(node_err(
                    Some(lossy()),
                    NameOutOfBounds {
                        offset: r.name_off,
                        len: r.name_len,
                        names_len,
                    },
                ));
            }
            names_used += r.name_len;
            let name_bytes = name_of(&r);
            if i > 0 {
                let name = core::str::from_utf8(name_bytes)
                    .map_err(|_| node_err(Some(lossy()), BadName(ComponentError::NotUtf8)))?;
                validate_component(name).map_err(|e| node_err(Some(lossy()), BadName(e)))?;
                let plen = path_len[r.parent as usize] as usize + 1 + name.len();
                if plen > MAX_PATH - 1 {
                    return Err(node_err(Some(lossy()), PathTooLong { len: plen }));
                }
                path_len[i as usize] = plen as u16;
                // Sorted, distinct siblings (the previous node is a sibling
                // unless this is its directory's first child).
                let first_sibling = raw(r.parent).offset;
                if i > first_sibling {
                    let prev = name_of(&raw(i - 1));
                    if prev == name_bytes {
                        return Err(node_err(Some(lossy()), Duplicate));
                    }
                    if prev > name_bytes {
                        return Err(node_err(
                            Some(lossy()),
                            NotSorted {
                                previous: String::from_utf8_lossy(prev).into_owned(),
                            },
                        ));
                    }
                }
            }
            if r.kind == KIND_DIR {
                if r.offset != next_child {
                    return Err(node_err(
                        Some(lossy()),
                        ChildrenOutOfPlace {
                            first: r.offset,
                            expected: next_child,
                        },
                    ));
                }
                if r.size > count - next_child {
                    return Err(node_err(
                        Some(lossy()),
                        ChildrenPastEnd {
                            first: r.offset,
                            count: r.size,
                            nodes: count,
                        },
                    ));
                }
                next_child += r.size;
            } else if r.size == 0 {
                if r.offset != 0 {
                    return Err(node_err(
                        Some(lossy()),
                        EmptyFileOffset { offset: r.offset },
                    ));
                }
            } else {
                if !r.offset.is_multiple_of(PAGE) {
                    return Err(node_err(Some(lossy()), DataMisaligned { offset: r.offset }));
                }
                if r.offset != data_cursor {
                    return Err(node_err(
                        Some(lossy()),
                        DataOutOfPlace {
                            offset: r.offset,
                            expected: data_cursor,
                        },
                    ));
                }
                let file_end = match r.offset.checked_add(r.size) {
                    Some(e) if e <= end => e,
                    _ => {
                        return Err(node_err(
                            Some(lossy()),
                            DataOutOfBounds {
                                offset: r.offset,
                                size: r.size,
                                end,
                            },
                        ))
                    }
                };
                // prev_end <= r.offset <= file_end <= end: all inside region.
                let gap = &region[(prev_end - base) as usize..(r.offset - base) as usize];
                if let Some(k) = gap.iter().position(|&b| b != 0) {
                    return Err(TreeError::header(NonZeroPadding {
                        offset: prev_end + k as u64,
                    }));
                }
                prev_end = file_end;
                data_cursor = align_up(file_end);
            }
        }
        if names_used != names_len {
            return Err(TreeError::header(NamesLength {
                len: names_len,
                used: names_used,
            }));
        }
        if prev_end != end {
            return Err(TreeError::header(SizeMismatch {
                size,
                expected: prev_end - base,
            }));
        }
        // Every name was checked as UTF-8, so the table is too.
        let names = core::str::from_utf8(names)
            .map_err(|_| TreeError::header(BadName(ComponentError::NotUtf8)))?;
        Ok(FileTree {
            region,
            base,
            count: count as u32,
            nodes,
            names,
        })
    }

    fn raw(&self, id: NodeId) -> Option<Raw> {
        if id.0 >= self.count {
            return None;
        }
        let r = self.nodes.get(id.0 as usize * NODE_SIZE..)?;
        Some(Raw {
            parent: le_u32(r, N_PARENT) as u64,
            name_off: le_u32(r, N_NAME_OFF) as u64,
            name_len: le_u16(r, N_NAME_LEN) as u64,
            kind: le_u16(r, N_KIND),
            reserved: 0,
            size: le_u64(r, N_SIZE),
            offset: le_u64(r, N_OFFSET),
        })
    }

    fn node_of(&self, id: NodeId, r: &Raw) -> Node<'a> {
        if r.kind == KIND_DIR {
            return Node::Dir(id);
        }
        let data = if r.size == 0 {
            &[][..]
        } else {
            let at = (r.offset - self.base) as usize;
            self.region.get(at..at + r.size as usize).unwrap_or(&[])
        };
        Node::File {
            id,
            data,
            offset_in_bundle: r.offset,
        }
    }

    /// The root directory.
    pub fn root(&self) -> NodeId {
        NodeId::ROOT
    }

    /// Directories and files, the root included.
    pub fn node_count(&self) -> usize {
        self.count as usize
    }

    /// The node numbered `id`.
    pub fn node(&self, id: NodeId) -> Option<Node<'a>> {
        self.raw(id).map(|r| self.node_of(id, &r))
    }

    /// A node's name (`""` for the root).
    pub fn name(&self, id: NodeId) -> Option<&'a str> {
        let r = self.raw(id)?;
        self.names
            .get(r.name_off as usize..(r.name_off + r.name_len) as usize)
    }

    /// A node's directory; the root's is the root (as for `..`).
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.raw(id).map(|r| NodeId(r.parent as u32))
    }

    /// The entry `name` of directory `dir`: a binary search of its sorted
    /// children. `None` if `dir` is not a directory or has no such entry.
    pub fn child(&self, dir: NodeId, name: &str) -> Option<Node<'a>> {
        let r = self.raw(dir)?;
        if r.kind != KIND_DIR {
            return None;
        }
        let (mut lo, mut hi) = (r.offset, r.offset + r.size);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let id = NodeId(mid as u32);
            match self.name(id)?.as_bytes().cmp(name.as_bytes()) {
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
                core::cmp::Ordering::Equal => return self.node(id),
            }
        }
        None
    }

    /// The node at `components` from the root (`[]` is the root). Every
    /// component is a name: the caller resolves `.`, `..` and empty
    /// components (or uses [`FileTree::resolve`]).
    pub fn lookup(&self, components: &[&str]) -> Option<Node<'a>> {
        self.lookup_from(NodeId::ROOT, components)
    }

    /// [`FileTree::lookup`] from directory `dir`.
    pub fn lookup_from(&self, dir: NodeId, components: &[&str]) -> Option<Node<'a>> {
        let mut node = self.node(dir)?;
        for c in components {
            node = self.child(node.id(), c)?;
        }
        Some(node)
    }

    /// A `/`-separated path from the root: empty components and `.` are
    /// skipped, `..` goes to the parent (the root's is the root). `None`
    /// if a component is missing or one before the last is a file.
    pub fn resolve(&self, path: &str) -> Option<Node<'a>> {
        let mut node = Node::Dir(NodeId::ROOT);
        for c in path.split('/') {
            if !node.is_dir() {
                return None;
            }
            node = match c {
                "" | "." => node,
                ".." => self.node(self.parent(node.id())?)?,
                name => self.child(node.id(), name)?,
            };
        }
        Some(node)
    }

    /// The entries of directory `dir`, sorted by name; empty for a file.
    pub fn children(&self, dir: NodeId) -> Children<'a> {
        let (next, end) = match self.raw(dir) {
            Some(r) if r.kind == KIND_DIR => (r.offset as u32, (r.offset + r.size) as u32),
            _ => (0, 0),
        };
        Children {
            tree: *self,
            next,
            end,
        }
    }

    /// `/a/b` for a node (`/` for the root).
    pub fn path(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut i = id;
        while i != NodeId::ROOT && parts.len() < MAX_PATH {
            match (self.name(i), self.parent(i)) {
                (Some(n), Some(p)) => {
                    parts.push(n);
                    i = p;
                }
                _ => break,
            }
        }
        if parts.is_empty() {
            return "/".into();
        }
        let mut s = String::new();
        for p in parts.iter().rev() {
            s.push('/');
            s.push_str(p);
        }
        s
    }

    /// Every node with its path, depth first, each directory's entries by
    /// name: the order `ukrt-pack list` shows.
    pub fn walk(&self) -> Vec<(String, Node<'a>)> {
        let mut out = Vec::with_capacity(self.node_count());
        let mut stack = vec![(String::from("/"), Node::Dir(NodeId::ROOT))];
        while let Some((path, node)) = stack.pop() {
            let base = if path == "/" { "" } else { path.as_str() };
            let kids: Vec<_> = self
                .children(node.id())
                .map(|(n, c)| (format!("{base}/{n}"), c))
                .collect();
            out.push((path, node));
            stack.extend(kids.into_iter().rev());
        }
        out
    }

    /// Bundle offset of the tree entry.
    pub fn offset(&self) -> u64 {
        self.base
    }

    /// Size of the tree entry (index and data) in bytes.
    pub fn size(&self) -> u64 {
        self.region.len() as u64
    }

    /// Number of files and their total size in bytes.
    pub fn file_stats(&self) -> (usize, u64) {
        (0..self.count)
            .filter_map(|i| self.node(NodeId(i)))
            .filter(|n| !n.is_dir())
            .fold((0, 0), |(n, b), f| (n + 1, b + f.size()))
    }
}

/// The entries of one directory, by name: `(name, node)`.
#[derive(Clone)]
pub struct Children<'a> {
    tree: FileTree<'a>,
    next: u32,
    end: u32,
}

impl<'a> Iterator for Children<'a> {
    type Item = (&'a str, Node<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let id = NodeId(self.next);
        self.next += 1;
        Some((self.tree.name(id)?, self.tree.node(id)?))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.end - self.next) as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Children<'_> {}

#[derive(Debug, Clone)]
enum BNode {
    Dir(BTreeMap<String, BNode>),
    File(Vec<u8>),
}

/// Builds a tree for [`crate::bundle::BundleBuilder::set_tree`]. Paths are
/// lists of components; missing parent directories are added.
#[derive(Debug, Clone)]
pub struct TreeBuilder {
    root: BTreeMap<String, BNode>,
    nodes: usize,
}

impl Default for TreeBuilder {
    fn default() -> Self {
        TreeBuilder {
            root: BTreeMap::new(),
            nodes: 1,
        }
    }
}

fn join(components: &[&str]) -> String {
    let mut s = String::new();
    for c in components {
        s.push('/');
        s.push_str(c);
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

impl TreeBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Nodes so far, the root included.
    pub fn node_count(&self) -> usize {
        self.nodes
    }

    /// Adds directory `path` (and its missing parents); a directory that is
    /// already there is fine (like `mkdir -p`).
    pub fn add_dir(&mut self, path: &[&str]) -> Result<(), TreeError> {
        self.insert(path, None)
    }

    /// Adds file `path` with its contents (and its missing parents).
    pub fn add_file(&mut self, path: &[&str], data: Vec<u8>) -> Result<(), TreeError> {
        if path.is_empty() {
            return Err(TreeError {
                node: None,
                path: Some("/".into()),
                kind: TreeErrorKind::AlreadyExists,
            });
        }
        self.insert(path, Some(data))
    }

    fn insert(&mut self, path: &[&str], file: Option<Vec<u8>>) -> Result<(), TreeError> {
        let err = |kind| TreeError {
            node: None,
            path: Some(join(path)),
            kind,
        };
        for c in path {
            validate_component(c).map_err(|e| err(TreeErrorKind::BadName(e)))?;
        }
        let len = path.iter().map(|c| c.len() + 1).sum::<usize>();
        if len > MAX_PATH - 1 {
            return Err(err(TreeErrorKind::PathTooLong { len }));
        }
        // Nodes this adds: the missing directories, and the node itself.
        let mut missing = 0;
        let mut dir = &self.root;
        let mut exists_as_dir = false;
        for (k, c) in path.iter().enumerate() {
            match dir.get(*c) {
                Some(BNode::Dir(d)) => {
                    dir = d;
                    exists_as_dir = k + 1 == path.len();
                }
                Some(BNode::File(_)) if k + 1 == path.len() => {
                    return Err(err(TreeErrorKind::AlreadyExists))
                }
                Some(BNode::File(_)) => return Err(err(TreeErrorKind::NotADirectory)),
                None => {
                    missing = path.len() - k;
                    break;
                }
            }
        }
        if exists_as_dir || path.is_empty() {
            return match file {
                None => Ok(()),
                Some(_) => Err(err(TreeErrorKind::AlreadyExists)),
            };
        }
        if self.nodes + missing > MAX_NODES {
            return Err(err(TreeErrorKind::TooManyNodes(
                (self.nodes + missing) as u64,
            )));
        }
        self.nodes += missing;
        let (last, parents) = path.split_last().expect("path is not empty");
        let mut dir = &mut self.root;
        for c in parents {
            let entry = dir
                .entry(String::from(*c))
                .or_insert_with(|| BNode::Dir(BTreeMap::new()));
            dir = match entry {
                BNode::Dir(d) => d,
                BNode::File(_) => unreachable!("checked above"),
            };
        }
        dir.insert(
            String::from(*last),
            match file {
                Some(data) => BNode::File(data),
                None => BNode::Dir(BTreeMap::new()),
            },
        );
        Ok(())
    }

    /// The tree entry's bytes for an entry at bundle offset `base` (a
    /// multiple of [`PAGE`]): index, then the files' data.
    pub fn encode(&self, base: u64) -> Vec<u8> {
        // Breadth-first: (parent, name, node); the root is (0, "", None).
        let mut order: Vec<(u32, &str, Option<&BNode>)> = vec![(0, "", None)];
        let mut i = 0;
        while i < order.len() {
            let children = match order[i].2 {
                None => Some(&self.root),
                Some(BNode::Dir(d)) => Some(d),
                Some(BNode::File(_)) => None,
            };
            if let Some(children) = children {
                for (name, child) in children {
                    order.push((i as u32, name.as_str(), Some(child)));
                }
            }
            i += 1;
        }
        let count = order.len();
        let names_len: usize = order.iter().map(|(_, n, _)| n.len()).sum();
        let index_end = TREE_HEADER_SIZE + count * NODE_SIZE + names_len;

        let mut out = vec![0u8; index_end];
        out[..8].copy_from_slice(&TREE_MAGIC);
        out[T_COUNT..T_COUNT + 4].copy_from_slice(&(count as u32).to_le_bytes());
        out[T_NAMES_LEN..T_NAMES_LEN + 4].copy_from_slice(&(names_len as u32).to_le_bytes());
        let mut next_child = 1u64;
        let mut name_off = 0usize;
        let mut cursor = align_up(base + index_end as u64);
        let names_at = TREE_HEADER_SIZE + count * NODE_SIZE;
        let mut data: Vec<(u64, &[u8])> = Vec::new();
        for (k, (parent, name, node)) in order.iter().enumerate() {
            let (kind, size, offset) = match node {
                None => {
                    let n = self.root.len() as u64;
                    next_child += n;
                    (KIND_DIR, n, 1)
                }
                Some(BNode::Dir(d)) => {
                    let first = next_child;
                    next_child += d.len() as u64;
                    (KIND_DIR, d.len() as u64, first)
                }
                Some(BNode::File(f)) if f.is_empty() => (KIND_FILE, 0, 0),
                Some(BNode::File(f)) => {
                    let at = cursor;
                    cursor = align_up(at + f.len() as u64);
                    data.push((at, f));
                    (KIND_FILE, f.len() as u64, at)
                }
            };
            let r = TREE_HEADER_SIZE + k * NODE_SIZE;
            out[r + N_PARENT..r + N_PARENT + 4].copy_from_slice(&parent.to_le_bytes());
            out[r + N_NAME_OFF..r + N_NAME_OFF + 4]
                .copy_from_slice(&(name_off as u32).to_le_bytes());
            out[r + N_NAME_LEN..r + N_NAME_LEN + 2]
                .copy_from_slice(&(name.len() as u16).to_le_bytes());
            out[r + N_KIND..r + N_KIND + 2].copy_from_slice(&kind.to_le_bytes());
            out[r + N_SIZE..r + N_SIZE + 8].copy_from_slice(&size.to_le_bytes());
            out[r + N_OFFSET..r + N_OFFSET + 8].copy_from_slice(&offset.to_le_bytes());
            out[names_at + name_off..names_at + name_off + name.len()]
                .copy_from_slice(name.as_bytes());
            name_off += name.len();
        }
        if let Some(&(at, last)) = data.last() {
            out.resize((at - base) as usize + last.len(), 0);
        }
        for (at, f) in data {
            let at = (at - base) as usize;
            out[at..at + f.len()].copy_from_slice(f);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{compute_checksum, Bundle, BundleBuilder, BundleError, NameError};
    use alloc::string::ToString;

    fn data(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed) | 1)
            .collect()
    }

    fn long_name() -> String {
        "n".repeat(MAX_NAME)
    }

    /// app.so, then a tree, breadth-first:
    /// 0 /, 1 /a, 2 /bin, 3 /empty-dir, 4 /etc, 5 /nnn..(255), 6 /a/b,
    /// 7 /etc/big (3 pages), 8 /etc/empty, 9 /etc/motd, 10 /a/b/c,
    /// 11 /a/b/c/deep.txt.
    fn sample_tree() -> TreeBuilder {
        let mut t = TreeBuilder::new();
        t.add_dir(&["bin"]).unwrap();
        t.add_file(&["etc", "motd"], data(100, 1)).unwrap();
        t.add_file(&["etc", "empty"], Vec::new()).unwrap();
        t.add_file(&["etc", "big"], data(3 * 4096 - 10, 2)).unwrap();
        t.add_file(&["a", "b", "c", "deep.txt"], b"deep\n".to_vec())
            .unwrap();
        t.add_file(&[&long_name()], vec![7]).unwrap();
        t.add_dir(&["empty-dir"]).unwrap();
        t.add_dir(&["etc"]).unwrap(); // already there: fine
        t
    }

    fn sample() -> Vec<u8> {
        let mut b = BundleBuilder::new();
        b.add_file("app.so", data(5000, 3)).unwrap();
        b.set_tree(sample_tree()).unwrap();
        b.set_manifest("files root\napp a app.so\n");
        b.build()
    }

    /// Bundle offset of the tree entry of `sample()`.
    fn base() -> usize {
        let bytes = sample();
        Bundle::parse(&bytes).unwrap().tree().unwrap().offset() as usize
    }

    fn node_at(i: usize) -> usize {
        base() + TREE_HEADER_SIZE + i * NODE_SIZE
    }

    fn put(b: &mut [u8], at: usize, v: &[u8]) {
        b[at..at + v.len()].copy_from_slice(v);
    }

    fn fix(b: &mut [u8]) {
        let sum = compute_checksum(b);
        put(b, 40, &sum.to_le_bytes());
    }

    /// The sample with `edit` applied and its checksum fixed: the tree error.
    fn corrupt(edit: impl FnOnce(&mut Vec<u8>)) -> TreeError {
        let mut b = sample();
        edit(&mut b);
        fix(&mut b);
        match Bundle::parse(&b) {
            Err(BundleError::Tree { entry, error }) => {
                assert_eq!(entry, ".files");
                error
            }
            other => panic!("expected a tree error, got {other:?}"),
        }
    }

    fn at_node(i: u64, path: &str, kind: TreeErrorKind) -> TreeError {
        TreeError {
            node: Some(i),
            path: Some(path.into()),
            kind,
        }
    }

    fn header(kind: TreeErrorKind) -> TreeError {
        TreeError {
            node: None,
            path: None,
            kind,
        }
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        let b = Bundle::parse(&bytes).unwrap();
        assert_eq!(b.file_count(), 1, "the tree is not a shared object");
        assert_eq!(b.file(".files"), None);
        let entry = b.tree_entry().unwrap();
        assert_eq!(entry.name, ".files");
        let t = b.tree().unwrap();
        // app.so takes pages 1-2; the tree starts on page 3.
        assert_eq!(t.offset(), 3 * PAGE);
        assert_eq!(entry.offset, t.offset());
        assert_eq!(t.node_count(), 12);
        assert_eq!(t.file_stats(), (5, 100 + 3 * 4096 - 10 + 5 + 1));

        let names: Vec<_> = t.children(t.root()).map(|(n, _)| n).collect();
        assert_eq!(
            names,
            ["a", "bin", "empty-dir", "etc", long_name().as_str()]
        );
        assert_eq!(t.children(t.root()).len(), 5);
        let ids: Vec<_> = t.children(t.root()).map(|(_, n)| n.id().0).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
        assert_eq!(t.lookup(&["bin"]), Some(Node::Dir(NodeId(2))));
        assert_eq!(t.children(NodeId(2)).len(), 0);
        assert_eq!(t.lookup(&["empty-dir"]), Some(Node::Dir(NodeId(3))));
        assert_eq!(t.lookup(&[]), Some(Node::Dir(NodeId::ROOT)));

        // Each non-empty file on its own pages, in node order, straight
        // from the bundle's bytes.
        let mut last_page = 0;
        for (path, len, seed_data) in [
            (&[long_name().as_str()][..], 1, vec![7]),
            (&["etc", "big"][..], 3 * 4096 - 10, data(3 * 4096 - 10, 2)),
            (&["etc", "motd"][..], 100, data(100, 1)),
            (&["a", "b", "c", "deep.txt"][..], 5, b"deep\n".to_vec()),
        ] {
            let Some(Node::File {
                data,
                offset_in_bundle,
                ..
            }) = t.lookup(path)
            else {
                panic!("{path:?} is not a file");
            };
            assert_eq!(data.len(), len);
            assert_eq!(data, &seed_data[..]);
            assert_eq!(offset_in_bundle % PAGE, 0);
            let at = offset_in_bundle as usize;
            assert!(core::ptr::eq(data, &bytes[at..at + len]), "not borrowed");
            assert!(offset_in_bundle / PAGE > last_page);
            last_page = offset_in_bundle / PAGE + (len as u64).div_ceil(PAGE) - 1;
        }
        let big = t.lookup(&["etc", "big"]).unwrap();
        let motd = t.lookup(&["etc", "motd"]).unwrap();
        let (
            Node::File {
                offset_in_bundle: big_at,
                ..
            },
            Node::File {
                offset_in_bundle: motd_at,
                ..
            },
        ) = (big, motd)
        else {
            panic!()
        };
        assert_eq!(motd_at - big_at, 3 * PAGE, "the 3-page file takes 3 pages");
        assert_eq!(big.size(), 3 * 4096 - 10);
        assert_eq!(
            t.lookup(&["etc", "empty"]),
            Some(Node::File {
                id: NodeId(8),
                data: &[],
                offset_in_bundle: 0
            })
        );

        // Names, parents, paths, misses.
        assert_eq!(t.name(NodeId(11)), Some("deep.txt"));
        assert_eq!(t.name(NodeId::ROOT), Some(""));
        assert_eq!(t.parent(NodeId(11)), Some(NodeId(10)));
        assert_eq!(t.parent(NodeId::ROOT), Some(NodeId::ROOT));
        assert_eq!(t.path(NodeId(11)), "/a/b/c/deep.txt");
        assert_eq!(t.path(NodeId::ROOT), "/");
        assert_eq!(t.node(NodeId(12)), None);
        assert_eq!(t.name(NodeId(99)), None);
        assert_eq!(t.lookup(&["etc", "nope"]), None);
        assert_eq!(t.lookup(&["etc", "motd", "x"]), None);
        assert_eq!(t.lookup(&["."]), None);
        assert_eq!(t.child(NodeId(9), "x"), None, "a file has no children");
        assert_eq!(t.children(NodeId(9)).len(), 0);
        assert_eq!(
            t.lookup_from(NodeId(6), &["c"]),
            Some(Node::Dir(NodeId(10)))
        );

        // resolve: "", "." and ".." like a path walk.
        assert_eq!(t.resolve("/etc/motd"), Some(motd));
        assert_eq!(t.resolve("etc//./motd"), Some(motd));
        assert_eq!(t.resolve("/a/b/../../etc/motd"), Some(motd));
        assert_eq!(t.resolve("/../../etc/motd"), Some(motd));
        assert_eq!(t.resolve("/"), Some(Node::Dir(NodeId::ROOT)));
        assert_eq!(t.resolve("/etc/motd/"), None);
        assert_eq!(t.resolve("/etc/motd/.."), None);
        assert_eq!(t.resolve("/nope"), None);

        // walk: depth first, by name.
        let walk: Vec<_> = t.walk().into_iter().map(|(p, n)| (p, n.id().0)).collect();
        let want = [
            ("/", 0),
            ("/a", 1),
            ("/a/b", 6),
            ("/a/b/c", 10),
            ("/a/b/c/deep.txt", 11),
            ("/bin", 2),
            ("/empty-dir", 3),
            ("/etc", 4),
            ("/etc/big", 7),
            ("/etc/empty", 8),
            ("/etc/motd", 9),
        ];
        for (k, (p, id)) in want.iter().enumerate() {
            assert_eq!(walk[k], (p.to_string(), *id));
        }
        assert_eq!(walk[11], (alloc::format!("/{}", long_name()), 5));
        assert_eq!(walk.len(), 12);

        // Same inputs, same bytes, whatever the order of adding.
        let mut t2 = TreeBuilder::new();
        t2.add_dir(&["empty-dir"]).unwrap();
        t2.add_file(&[&long_name()], vec![7]).unwrap();
        t2.add_file(&["a", "b", "c", "deep.txt"], b"deep\n".to_vec())
            .unwrap();
        t2.add_file(&["etc", "big"], data(3 * 4096 - 10, 2))
            .unwrap();
        t2.add_file(&["etc", "empty"], Vec::new()).unwrap();
        t2.add_file(&["etc", "motd"], data(100, 1)).unwrap();
        t2.add_dir(&["bin"]).unwrap();
        let mut b = BundleBuilder::new();
        b.add_file("app.so", data(5000, 3)).unwrap();
        b.set_tree(t2).unwrap();
        b.set_manifest("files root\napp a app.so\n");
        assert!(b.build() == bytes);
    }

    #[test]
    fn empty_tree_and_big_tree() {
        let mut b = BundleBuilder::new();
        b.set_tree(TreeBuilder::new()).unwrap();
        let bytes = b.build();
        let p = Bundle::parse(&bytes).unwrap();
        let t = p.tree().unwrap();
        assert_eq!(t.node_count(), 1);
        assert_eq!(t.children(t.root()).len(), 0);
        assert_eq!(t.size(), (TREE_HEADER_SIZE + NODE_SIZE) as u64);
        // 3000 files in 30 folders: lookups find every one.
        let mut tb = TreeBuilder::new();
        for i in 0..3000 {
            let d = alloc::format!("d{}", i % 30);
            let f = alloc::format!("f{i}");
            tb.add_file(&[&d, &f], Vec::new()).unwrap();
        }
        let mut b = BundleBuilder::new();
        b.set_tree(tb).unwrap();
        let bytes = b.build();
        let p = Bundle::parse(&bytes).unwrap();
        let t = p.tree().unwrap();
        assert_eq!(t.node_count(), 3031);
        for i in 0..3000 {
            let d = alloc::format!("d{}", i % 30);
            let f = alloc::format!("f{i}");
            let n = t.lookup(&[&d, &f]).unwrap();
            assert_eq!(t.path(n.id()), alloc::format!("/{d}/{f}"));
        }
    }

    #[test]
    fn longest_path_fits() {
        // 15 components of 255 bytes and one of 254: "/..." is 4095 bytes.
        let c255 = long_name();
        let mut path: Vec<&str> = vec![&c255; 15];
        let last = "x".repeat(254);
        path.push(&last);
        let mut t = TreeBuilder::new();
        t.add_file(&path, vec![1]).unwrap();
        let sibling = "y".repeat(254);
        let mut p2 = path.clone();
        *p2.last_mut().unwrap() = &sibling;
        t.add_file(&p2, vec![2]).unwrap();
        let mut b = BundleBuilder::new();
        b.set_tree(t.clone()).unwrap();
        let mut bytes = b.build();
        let p = Bundle::parse(&bytes).unwrap();
        let tree = p.tree().unwrap();
        let n = tree.lookup(&path).unwrap();
        assert_eq!(tree.path(n.id()).len(), MAX_PATH - 1);
        // One byte more is refused, by the builder and by the parser.
        let longer = "x".repeat(255);
        let mut p3 = path.clone();
        *p3.last_mut().unwrap() = &longer;
        let e = t.add_file(&p3, vec![]).unwrap_err();
        assert_eq!(e.kind, TreeErrorKind::PathTooLong { len: 4096 });
        // x...'s name length 254 -> 255 takes the first byte of y...'s name.
        let base = tree.offset() as usize;
        let x = n.id().0 as usize;
        let at = base + TREE_HEADER_SIZE + x * NODE_SIZE + N_NAME_LEN;
        bytes[at..at + 2].copy_from_slice(&255u16.to_le_bytes());
        fix(&mut bytes);
        let Err(BundleError::Tree { error, .. }) = Bundle::parse(&bytes) else {
            panic!("accepted");
        };
        assert_eq!(error.node, Some(x as u64));
        assert_eq!(error.kind, TreeErrorKind::PathTooLong { len: 4096 });
        assert_eq!(
            error.to_string().rsplit(": ").next().unwrap(),
            "the path is 4096 bytes long (at most 4095)"
        );
    }

    #[test]
    fn header_errors() {
        let b = base();
        assert_eq!(corrupt(|v| v[b] = b'X'), header(TreeErrorKind::BadMagic));
        assert_eq!(
            corrupt(|v| v[b + 20] = 1),
            header(TreeErrorKind::ReservedNotZero)
        );
        assert_eq!(
            corrupt(|v| put(v, b + 8, &0u32.to_le_bytes())),
            header(TreeErrorKind::NoRoot)
        );
        let too_many = MAX_NODES as u32 + 1;
        assert_eq!(
            corrupt(|v| put(v, b + 8, &too_many.to_le_bytes())),
            header(TreeErrorKind::TooManyNodes(too_many as u64))
        );
        let e = corrupt(|v| put(v, b + 8, &1000u32.to_le_bytes()));
        let TreeErrorKind::IndexTruncated { needed, size } = e.kind else {
            panic!("{e}");
        };
        assert!(needed > size && needed >= 32 + 32 * 1000, "{e}");
        // The name table one byte longer than the names.
        let e = corrupt(|v| {
            let n = u32::from_le_bytes(v[b + 12..b + 16].try_into().unwrap());
            put(v, b + 12, &(n + 1).to_le_bytes());
        });
        let TreeErrorKind::NamesLength { len, used } = e.kind else {
            panic!("{e}");
        };
        assert_eq!(len, used + 1);
        // Too short for the header, straight from FileTree::parse.
        assert_eq!(
            FileTree::parse(&TREE_MAGIC, 0x1000),
            Err(header(TreeErrorKind::IndexTruncated {
                needed: 32,
                size: 8
            }))
        );
        assert_eq!(
            FileTree::parse(&[], 0x1000).unwrap_err().to_string(),
            "the index needs 32 bytes but the entry has only 0"
        );
    }

    #[test]
    fn root_errors() {
        let r = node_at(0);
        let bad = |why| at_node(0, "/", TreeErrorKind::BadRoot(why));
        assert_eq!(
            corrupt(|v| put(v, r + N_KIND, &KIND_FILE.to_le_bytes())),
            bad("it is not a directory")
        );
        assert_eq!(
            corrupt(|v| put(v, r + N_NAME_LEN, &1u16.to_le_bytes())),
            bad("it has a name")
        );
        let e = corrupt(|v| put(v, r + N_PARENT, &1u32.to_le_bytes()));
        assert_eq!(e, bad("its parent is not itself"));
        assert_eq!(
            e.to_string(),
            "node #0 \"/\": bad root node: its parent is not itself"
        );
    }

    #[test]
    fn node_field_errors() {
        let n = node_at;
        let e = corrupt(|v| v[n(2) + N_RESERVED] = 1);
        assert_eq!(e, at_node(2, "/bin", TreeErrorKind::ReservedNotZero));
        assert_eq!(
            e.to_string(),
            "node #2 \"/bin\": reserved field is not zero"
        );
        let e = corrupt(|v| put(v, n(9) + N_KIND, &3u16.to_le_bytes()));
        assert_eq!(e, at_node(9, "/etc/motd", TreeErrorKind::UnknownKind(3)));
        assert_eq!(
            e.to_string(),
            "node #9 \"/etc/motd\": unknown kind 3 (known: 1, directory; 2, file)"
        );
        // A name placed one byte later than the previous one ends.
        let e = corrupt(|v| {
            let off = u32::from_le_bytes(v[n(2) + 4..n(2) + 8].try_into().unwrap());
            put(v, n(2) + N_NAME_OFF, &(off + 1).to_le_bytes());
        });
        assert_eq!(
            e.kind,
            TreeErrorKind::NameOutOfPlace {
                offset: 2,
                expected: 1
            }
        );
        assert_eq!(e.node, Some(2));
        // The last name running past the name table.
        let e = corrupt(|v| put(v, n(11) + N_NAME_LEN, &200u16.to_le_bytes()));
        let TreeErrorKind::NameOutOfBounds { len: 200, .. } = e.kind else {
            panic!("{e}");
        };
        assert_eq!(e.node, Some(11));
        assert!(e.path.unwrap().starts_with("/a/b/c/deep.txt"));
        // A 256-byte name (the 255-byte one takes the next name's first byte).
        let e = corrupt(|v| put(v, n(5) + N_NAME_LEN, &256u16.to_le_bytes()));
        assert_eq!(
            e.kind,
            TreeErrorKind::BadName(ComponentError::TooLong { len: 256 })
        );
        assert_eq!(
            e.to_string(),
            alloc::format!(
                "node #5 \"/{}b\": bad name: the name is 256 bytes long (at most 255)",
                long_name()
            )
        );
    }

    #[test]
    fn bad_names() {
        // The sample's names, in node order: "a" first (node 1), then "bin".
        let names = |v: &[u8]| -> usize {
            let b = base();
            let count = u32::from_le_bytes(v[b + 8..b + 12].try_into().unwrap()) as usize;
            b + TREE_HEADER_SIZE + count * NODE_SIZE
        };
        let rename = |at: usize, new: &'static [u8]| {
            move |v: &mut Vec<u8>| {
                let t = names(v);
                put(v, t + at, new);
            }
        };
        use ComponentError as C;
        let name_err = |i, path: &str, e| at_node(i, path, TreeErrorKind::BadName(e));
        assert_eq!(corrupt(rename(0, b".")), name_err(1, "/.", C::Dot));
        assert_eq!(
            corrupt(rename(1, b"b/n")),
            name_err(2, "/b/n", C::ContainsSlash)
        );
        assert_eq!(
            corrupt(rename(1, b"b\0n")),
            name_err(2, "/b\0n", C::ContainsNul)
        );
        assert_eq!(
            corrupt(rename(1, b"\xffin")),
            name_err(2, "/\u{fffd}in", C::NotUtf8)
        );
        // "bin" becomes ".." with a shorter length (the spare byte makes
        // the next name out of place, but ".." is found first).
        let e = corrupt(|v| {
            let t = names(v);
            put(v, t + 1, b"..");
            put(v, node_at(2) + N_NAME_LEN, &2u16.to_le_bytes());
        });
        assert_eq!(e, name_err(2, "/..", C::DotDot));
        let e = corrupt(|v| put(v, node_at(2) + N_NAME_LEN, &0u16.to_le_bytes()));
        assert_eq!(e, name_err(2, "/", C::Empty));
        assert_eq!(e.to_string(), "node #2 \"/\": bad name: the name is empty");
        for (name, err) in [
            ("", C::Empty),
            (".", C::Dot),
            ("..", C::DotDot),
            ("a/b", C::ContainsSlash),
            ("a\0", C::ContainsNul),
        ] {
            assert_eq!(validate_component(name), Err(err), "{name:?}");
        }
        assert_eq!(
            validate_component(&"n".repeat(256)),
            Err(C::TooLong { len: 256 })
        );
        assert_eq!(validate_component(&long_name()), Ok(()));
        assert_eq!(
            validate_component("...")
                .and(validate_component(".hidden"))
                .and(validate_component("a b\tc\u{e9}")),
            Ok(())
        );
    }

    /// A tree's index from node tuples (parent, name, kind, size, offset),
    /// without file data, at bundle offset 0x1000.
    fn raw_index(nodes: &[(u32, &str, u16, u64, u64)]) -> Vec<u8> {
        let names: String = nodes.iter().map(|n| n.1).collect();
        let mut v = vec![0u8; TREE_HEADER_SIZE + nodes.len() * NODE_SIZE];
        v[..8].copy_from_slice(&TREE_MAGIC);
        put(&mut v, 8, &(nodes.len() as u32).to_le_bytes());
        put(&mut v, 12, &(names.len() as u32).to_le_bytes());
        let mut off = 0u32;
        for (i, &(parent, name, kind, size, offset)) in nodes.iter().enumerate() {
            let r = TREE_HEADER_SIZE + i * NODE_SIZE;
            put(&mut v, r + N_PARENT, &parent.to_le_bytes());
            put(&mut v, r + N_NAME_OFF, &off.to_le_bytes());
            put(&mut v, r + N_NAME_LEN, &(name.len() as u16).to_le_bytes());
            put(&mut v, r + N_KIND, &kind.to_le_bytes());
            put(&mut v, r + N_SIZE, &size.to_le_bytes());
            put(&mut v, r + N_OFFSET, &offset.to_le_bytes());
            off += name.len() as u32;
        }
        v.extend_from_slice(names.as_bytes());
        v
    }

    const D: u16 = KIND_DIR;
    const F: u16 = KIND_FILE;

    #[test]
    fn structure_errors() {
        let parse = |nodes: &[(u32, &str, u16, u64, u64)]| {
            FileTree::parse(&raw_index(nodes), 0x1000).map(|t| t.node_count())
        };
        assert_eq!(
            parse(&[(0, "", D, 2, 1), (0, "a", F, 0, 0), (0, "b", D, 0, 3)]),
            Ok(3)
        );
        // A node no directory lists.
        let e = parse(&[(0, "", D, 1, 1), (0, "a", F, 0, 0), (0, "b", F, 0, 0)]).unwrap_err();
        assert_eq!(
            e,
            TreeError {
                node: Some(2),
                path: None,
                kind: TreeErrorKind::Orphan
            }
        );
        assert_eq!(e.to_string(), "node #2: no directory lists it as a child");
        // Parent fields that are not the listing directory.
        let bad_parent = |p| TreeError {
            node: Some(2),
            path: None,
            kind: TreeErrorKind::BadParent { parent: p },
        };
        let tree = |p2: u32| parse(&[(0, "", D, 2, 1), (0, "a", D, 0, 3), (p2, "b", F, 0, 0)]);
        assert_eq!(tree(1), Err(bad_parent(1)));
        assert_eq!(tree(2), Err(bad_parent(2)));
        assert_eq!(tree(7), Err(bad_parent(7)));
        assert_eq!(
            tree(1).unwrap_err().to_string(),
            "node #2: its parent field says node #1, which is not the directory listing it"
        );
        // Children where breadth-first order does not put them.
        let e = parse(&[(0, "", D, 1, 2), (0, "a", D, 0, 2)]).unwrap_err();
        assert_eq!(
            e,
            at_node(
                0,
                "/",
                TreeErrorKind::ChildrenOutOfPlace {
                    first: 2,
                    expected: 1
                }
            )
        );
        let e = parse(&[(0, "", D, 1, 1), (0, "a", D, 0, 1)]).unwrap_err();
        assert_eq!(
            e.kind,
            TreeErrorKind::ChildrenOutOfPlace {
                first: 1,
                expected: 2
            }
        );
        // More children than nodes.
        let e = parse(&[(0, "", D, 3, 1), (0, "a", F, 0, 0)]).unwrap_err();
        assert_eq!(
            e,
            at_node(
                0,
                "/",
                TreeErrorKind::ChildrenPastEnd {
                    first: 1,
                    count: 3,
                    nodes: 2
                }
            )
        );
        let e = parse(&[(0, "", D, u64::MAX, 1)]).unwrap_err();
        assert!(matches!(e.kind, TreeErrorKind::ChildrenPastEnd { .. }));
        // Duplicates and order.
        let e = parse(&[(0, "", D, 2, 1), (0, "a", F, 0, 0), (0, "a", F, 0, 0)]).unwrap_err();
        assert_eq!(e, at_node(2, "/a", TreeErrorKind::Duplicate));
        assert_eq!(
            e.to_string(),
            "node #2 \"/a\": the same name as the previous entry of its directory"
        );
        let e = parse(&[(0, "", D, 2, 1), (0, "b", F, 0, 0), (0, "a", F, 0, 0)]).unwrap_err();
        assert_eq!(
            e,
            at_node(
                2,
                "/a",
                TreeErrorKind::NotSorted {
                    previous: "b".into()
                }
            )
        );
        // Cousins may share a name and sort freely.
        assert_eq!(
            parse(&[
                (0, "", D, 2, 1),
                (0, "x", D, 1, 3),
                (0, "y", D, 1, 4),
                (1, "z", F, 0, 0),
                (2, "a", F, 0, 0),
            ]),
            Ok(5)
        );
        assert_eq!(
            parse(&[
                (0, "", D, 2, 1),
                (0, "x", D, 1, 3),
                (0, "y", D, 1, 4),
                (1, "z", F, 0, 0),
                (2, "z", F, 0, 0),
            ]),
            Ok(5)
        );
        // A file's "children" do not count.
        let e = parse(&[(0, "", D, 1, 1), (0, "f", F, 0, 0), (1, "g", F, 0, 0)]).unwrap_err();
        assert_eq!(e.kind, TreeErrorKind::Orphan);
    }

    #[test]
    fn data_errors() {
        let n = node_at;
        let motd_at = || {
            let bytes = sample();
            let p = Bundle::parse(&bytes).unwrap();
            match p.tree().unwrap().lookup(&["etc", "motd"]).unwrap() {
                Node::File {
                    offset_in_bundle, ..
                } => offset_in_bundle,
                _ => unreachable!(),
            }
        };
        let m = motd_at();
        let e = corrupt(|v| put(v, n(9) + N_OFFSET, &(m + 16).to_le_bytes()));
        assert_eq!(
            e,
            at_node(
                9,
                "/etc/motd",
                TreeErrorKind::DataMisaligned { offset: m + 16 }
            )
        );
        assert_eq!(
            e.to_string(),
            alloc::format!(
                "node #9 \"/etc/motd\": data at offset {:#x} is not page-aligned",
                m + 16
            )
        );
        let e = corrupt(|v| put(v, n(9) + N_OFFSET, &(m + PAGE).to_le_bytes()));
        assert_eq!(
            e.kind,
            TreeErrorKind::DataOutOfPlace {
                offset: m + PAGE,
                expected: m
            }
        );
        // Overlapping the 3-page file before it.
        let e = corrupt(|v| put(v, n(9) + N_OFFSET, &(m - PAGE).to_le_bytes()));
        assert_eq!(
            e.kind,
            TreeErrorKind::DataOutOfPlace {
                offset: m - PAGE,
                expected: m
            }
        );
        // The last file's size past the entry's end.
        let deep = m + PAGE;
        let e = corrupt(|v| put(v, n(11) + N_SIZE, &5000u64.to_le_bytes()));
        assert_eq!(
            e,
            at_node(
                11,
                "/a/b/c/deep.txt",
                TreeErrorKind::DataOutOfBounds {
                    offset: deep,
                    size: 5000,
                    end: deep + 5
                }
            )
        );
        let e = corrupt(|v| put(v, n(11) + N_SIZE, &u64::MAX.to_le_bytes()));
        assert!(matches!(e.kind, TreeErrorKind::DataOutOfBounds { .. }));
        let e = corrupt(|v| put(v, n(8) + N_OFFSET, &m.to_le_bytes()));
        assert_eq!(
            e,
            at_node(
                8,
                "/etc/empty",
                TreeErrorKind::EmptyFileOffset { offset: m }
            )
        );
        // Padding inside the entry: after the index, and after motd's data.
        let b = base() as u64;
        let e = corrupt(|v| v[b as usize + 4000] = 1);
        assert_eq!(
            e,
            header(TreeErrorKind::NonZeroPadding { offset: b + 4000 })
        );
        let e = corrupt(|v| v[m as usize + 100] = 1);
        assert_eq!(e, header(TreeErrorKind::NonZeroPadding { offset: m + 100 }));
        assert_eq!(
            e.to_string(),
            alloc::format!("padding byte at offset {:#x} is not zero", m + 100)
        );
        // An entry one byte longer than its index and data.
        let size_field = crate::bundle::HEADER_SIZE + crate::bundle::ENTRY_SIZE + 72;
        let e = corrupt(|v| {
            let s = u64::from_le_bytes(v[size_field..size_field + 8].try_into().unwrap());
            put(v, size_field, &(s + 1).to_le_bytes());
        });
        let TreeErrorKind::SizeMismatch { size, expected } = e.kind else {
            panic!("{e}");
        };
        assert_eq!(size, expected + 1);
        assert_eq!(expected, deep + 5 - b);
    }

    #[test]
    fn bundle_level_tree_errors() {
        // Two tree entries.
        let mut v = sample();
        put(&mut v, crate::bundle::HEADER_SIZE + 56, &2u32.to_le_bytes());
        fix(&mut v);
        let e = Bundle::parse(&v).unwrap_err();
        assert_eq!(
            e,
            BundleError::DuplicateTree {
                name: ".files".into(),
                first: "app.so".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "entry \".files\": a second file tree (entry \"app.so\" is one; at most one fits)"
        );
        // The message names the entry, the node and the reason.
        let e = {
            let mut v = sample();
            v[node_at(2) + N_RESERVED] = 1;
            fix(&mut v);
            Bundle::parse(&v).unwrap_err()
        };
        assert_eq!(
            e.to_string(),
            "entry \".files\" (file tree): node #2 \"/bin\": reserved field is not zero"
        );
        // A shared object may not take the tree's name (found by fuzzing:
        // the parser took one the builder refuses).
        let mut v = sample();
        put(
            &mut v,
            crate::bundle::HEADER_SIZE + 80 + 56,
            &1u32.to_le_bytes(),
        );
        fix(&mut v);
        assert_eq!(
            Bundle::parse(&v),
            Err(BundleError::BadName {
                index: 1,
                name: ".files".into(),
                reason: NameError::Reserved
            })
        );
        // The builder keeps the tree's name, and counts the tree's entry.
        let mut b = BundleBuilder::new();
        assert_eq!(
            b.add_file(".files", vec![]),
            Err(BundleError::BadName {
                index: 0,
                name: ".files".into(),
                reason: NameError::Reserved
            })
        );
        for i in 0..crate::bundle::MAX_ENTRIES - 1 {
            b.add_file(&alloc::format!("f{i}.so"), vec![]).unwrap();
        }
        b.set_tree(TreeBuilder::new()).unwrap();
        assert!(matches!(
            b.add_file("one-more.so", vec![]),
            Err(BundleError::TooManyEntries(51))
        ));
        let bytes = b.build();
        assert_eq!(Bundle::parse(&bytes).unwrap().file_count(), 49);
    }

    #[test]
    fn builder_errors() {
        let mut t = TreeBuilder::new();
        t.add_file(&["etc", "motd"], vec![1]).unwrap();
        let e = t.add_file(&["etc", "motd"], vec![2]).unwrap_err();
        assert_eq!(
            e,
            TreeError {
                node: None,
                path: Some("/etc/motd".into()),
                kind: TreeErrorKind::AlreadyExists
            }
        );
        assert_eq!(e.to_string(), "\"/etc/motd\": it is already in the tree");
        assert_eq!(
            t.add_dir(&["etc", "motd"]).unwrap_err().kind,
            TreeErrorKind::AlreadyExists
        );
        assert_eq!(
            t.add_file(&["etc"], vec![]).unwrap_err().kind,
            TreeErrorKind::AlreadyExists
        );
        assert_eq!(
            t.add_file(&[], vec![]).unwrap_err().kind,
            TreeErrorKind::AlreadyExists
        );
        let e = t.add_file(&["etc", "motd", "x"], vec![]).unwrap_err();
        assert_eq!(e.kind, TreeErrorKind::NotADirectory);
        assert_eq!(
            e.to_string(),
            "\"/etc/motd/x\": a component of its path is a file, not a directory"
        );
        let e = t.add_dir(&["a", ".."]).unwrap_err();
        assert_eq!(e.kind, TreeErrorKind::BadName(ComponentError::DotDot));
        assert_eq!(t.node_count(), 3, "failed adds add nothing");
        t.add_dir(&[]).unwrap();
        assert_eq!(t.node_count(), 3);
    }

    #[test]
    fn tree_fuzz_never_panics() {
        let base_bytes = sample();
        let tree_at = base();
        let tree_len = {
            let p = Bundle::parse(&base_bytes).unwrap();
            p.tree().unwrap().size() as usize
        };
        let index_len = TREE_HEADER_SIZE + 12 * NODE_SIZE + 300;
        let mut seed = 0x7eee_u64;
        let mut rnd = move |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % n as u64) as usize
        };
        let mut accepted = 0;
        for _ in 0..4_000 {
            let mut v = base_bytes.clone();
            for _ in 0..1 + rnd(3) {
                let at = if rnd(4) == 0 {
                    tree_at + rnd(tree_len)
                } else {
                    tree_at + rnd(index_len)
                };
                v[at] = match rnd(4) {
                    0 => 0,
                    1 => v[at].wrapping_add(1),
                    2 => v[at].wrapping_sub(1),
                    _ => rnd(256) as u8,
                };
            }
            fix(&mut v);
            match Bundle::parse(&v) {
                Ok(p) => {
                    accepted += 1;
                    let t = p.tree().unwrap();
                    for (path, node) in t.walk() {
                        assert_eq!(t.resolve(&path), Some(node), "{path}");
                        if let Node::File {
                            data,
                            offset_in_bundle,
                            ..
                        } = node
                        {
                            if !data.is_empty() {
                                assert_eq!(offset_in_bundle % PAGE, 0);
                                let at = offset_in_bundle as usize;
                                assert_eq!(data, &v[at..at + data.len()]);
                            }
                        }
                    }
                    assert_eq!(t.walk().len(), t.node_count());
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
        assert!(accepted > 0, "no edit left a valid tree");
    }
}
