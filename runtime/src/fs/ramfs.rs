//! A filesystem in memory (`/tmp`): directories and files whose bytes live
//! on the runtime's heap, up to a capacity. It forgets everything at
//! shutdown. A file unlinked while open keeps its bytes until its last
//! handle closes, as on Linux (`tmpfile` relies on it).
use super::vfs::{read_slice, DirEntry, FileSystem, Handle, Kind, Meta, OpenOptions, Path, Space};
use crate::errno::Errno;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

type Ino = u64;
const ROOT: Ino = 1;
/// The block size `statvfs` and `st_blocks` count in.
const BLOCK: u64 = 4096;

enum Node {
    Dir(BTreeMap<String, Ino>),
    File {
        data: Vec<u8>,
        /// Whether a directory still names it.
        linked: bool,
        /// Handles open on it.
        open: u32,
        mtime_ns: u64,
    },
}

pub struct RamFs {
    nodes: BTreeMap<Ino, Node>,
    handles: BTreeMap<Handle, Ino>,
    next_ino: Ino,
    next_handle: Handle,
    /// Bytes of file data held, and the most it may hold.
    used: u64,
    capacity: u64,
    read_only: bool,
    /// ns since 1970, for modification times.
    clock: fn() -> u64,
}

impl RamFs {
    pub fn new(capacity: u64, clock: fn() -> u64) -> Self {
        let mut nodes = BTreeMap::new();
        nodes.insert(ROOT, Node::Dir(BTreeMap::new()));
        Self {
            nodes,
            handles: BTreeMap::new(),
            next_ino: ROOT + 1,
            next_handle: 1,
            used: 0,
            capacity,
            read_only: false,
            clock,
        }
    }

    /// The node a path names.
    fn find(&self, path: Path) -> Result<Ino, Errno> {
        let mut ino = ROOT;
        for name in path {
            match &self.nodes[&ino] {
                Node::Dir(entries) => ino = *entries.get(*name).ok_or(Errno::ENOENT)?,
                Node::File { .. } => return Err(Errno::ENOTDIR),
            }
        }
        Ok(ino)
    }

    /// The directory holding the last component of `path`, and that name.
    fn parent<'p>(&self, path: Path<'p>) -> Result<(Ino, &'p str), Errno> {
        let (name, dir) = path.split_last().ok_or(Errno::EBUSY)?;
        let ino = self.find(dir)?;
        match self.nodes[&ino] {
            Node::Dir(_) => Ok((ino, name)),
            Node::File { .. } => Err(Errno::ENOTDIR),
        }
    }

    fn entries(&mut self, dir: Ino) -> &mut BTreeMap<String, Ino> {
        match self.nodes.get_mut(&dir) {
            Some(Node::Dir(e)) => e,
            _ => unreachable!("parent() returns directories"),
        }
    }

    fn writable(&self) -> Result<(), Errno> {
        if self.read_only {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }

    fn meta(&self, ino: Ino) -> Meta {
        match &self.nodes[&ino] {
            Node::Dir(_) => Meta {
                kind: Kind::Dir,
                size: BLOCK,
                ino,
                mtime_ns: 0,
                read_only: self.read_only,
            },
            Node::File { data, mtime_ns, .. } => Meta {
                kind: Kind::File,
                size: data.len() as u64,
                ino,
                mtime_ns: *mtime_ns,
                read_only: self.read_only,
            },
        }
    }

    fn file(&mut self, h: Handle) -> Result<(&mut Vec<u8>, &mut u64), Errno> {
        let ino = *self.handles.get(&h).ok_or(Errno::EBADF)?;
        match self.nodes.get_mut(&ino) {
            Some(Node::File { data, mtime_ns, .. }) => Ok((data, mtime_ns)),
            _ => Err(Errno::EBADF),
        }
    }

    /// Drops a file's bytes once nothing names or holds it.
    fn release_if_unused(&mut self, ino: Ino) {
        if let Some(Node::File {
            linked: false,
            open: 0,
            data,
            ..
        }) = self.nodes.get(&ino)
        {
            self.used -= data.len() as u64;
            self.nodes.remove(&ino);
        }
    }

    /// Sets a file's length, within the capacity.
    fn resize(&mut self, h: Handle, len: u64) -> Result<(), Errno> {
        let room = self.capacity - self.used;
        let now = (self.clock)();
        let (data, mtime) = self.file(h)?;
        let old = data.len() as u64;
        if len > old {
            if len - old > room {
                return Err(Errno::ENOSPC);
            }
            let grow = usize::try_from(len - old).map_err(|_| Errno::EFBIG)?;
            data.try_reserve(grow).map_err(|_| Errno::ENOSPC)?;
        }
        data.resize(len as usize, 0);
        *mtime = now;
        self.used = self.used + len - old;
        Ok(())
    }

    fn is_inside(&self, dir: Ino, maybe_child: Ino) -> bool {
        if dir == maybe_child {
            return true;
        }
        match &self.nodes[&dir] {
            Node::Dir(entries) => entries.values().any(|&c| self.is_inside(c, maybe_child)),
            Node::File { .. } => false,
        }
    }
}

impl FileSystem for RamFs {
    fn kind(&self) -> &'static str {
        "ramfs"
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn stat(&mut self, path: Path) -> Result<Meta, Errno> {
        Ok(self.meta(self.find(path)?))
    }

    fn open(&mut self, path: Path, opts: OpenOptions) -> Result<Handle, Errno> {
        if opts.write || opts.create {
            self.writable()?;
        }
        let ino = match self.find(path) {
            Ok(_) if opts.create && opts.exclusive => return Err(Errno::EEXIST),
            Ok(ino) => ino,
            Err(Errno::ENOENT) if opts.create => {
                let (dir, name) = self.parent(path)?;
                let ino = self.next_ino;
                self.next_ino += 1;
                let file = Node::File {
                    data: Vec::new(),
                    linked: true,
                    open: 0,
                    mtime_ns: (self.clock)(),
                };
                self.nodes.insert(ino, file);
                self.entries(dir).insert(name.to_string(), ino);
                ino
            }
            Err(e) => return Err(e),
        };
        let Some(Node::File { open, .. }) = self.nodes.get_mut(&ino) else {
            return Err(Errno::EISDIR);
        };
        *open += 1;
        let h = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(h, ino);
        if opts.truncate && opts.write {
            self.resize(h, 0)?;
        }
        Ok(h)
    }

    fn read(&mut self, h: Handle, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let (data, _) = self.file(h)?;
        Ok(read_slice(data, offset, buf))
    }

    fn write(&mut self, h: Handle, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        self.writable()?;
        let len = self.file(h)?.0.len() as u64;
        let end = offset.checked_add(data.len() as u64).ok_or(Errno::EFBIG)?;
        // As much as fits: a short write, or ENOSPC if nothing does.
        let max_end = len.saturating_add(self.capacity - self.used);
        let n = if end <= max_end {
            data.len()
        } else {
            max_end.saturating_sub(offset) as usize
        };
        if n == 0 && !data.is_empty() {
            return Err(Errno::ENOSPC);
        }
        let end = offset + n as u64;
        if end > len {
            self.resize(h, end)?;
        }
        let now = (self.clock)();
        let (file, mtime) = self.file(h)?;
        let at = offset as usize;
        file[at..at + n].copy_from_slice(&data[..n]);
        *mtime = now;
        Ok(n)
    }

    fn fstat(&mut self, h: Handle) -> Result<Meta, Errno> {
        let ino = *self.handles.get(&h).ok_or(Errno::EBADF)?;
        Ok(self.meta(ino))
    }

    fn set_len(&mut self, h: Handle, len: u64) -> Result<(), Errno> {
        self.writable()?;
        self.resize(h, len)
    }

    fn sync(&mut self, h: Handle) -> Result<(), Errno> {
        // Memory is as durable as it gets here.
        self.handles.get(&h).map(|_| ()).ok_or(Errno::EBADF)
    }

    fn close(&mut self, h: Handle) -> Result<(), Errno> {
        let ino = self.handles.remove(&h).ok_or(Errno::EBADF)?;
        if let Some(Node::File { open, .. }) = self.nodes.get_mut(&ino) {
            *open -= 1;
        }
        self.release_if_unused(ino);
        Ok(())
    }

    fn read_dir(&mut self, path: Path) -> Result<Vec<DirEntry>, Errno> {
        let ino = self.find(path)?;
        let Node::Dir(entries) = &self.nodes[&ino] else {
            return Err(Errno::ENOTDIR);
        };
        Ok(entries
            .iter()
            .map(|(name, &ino)| DirEntry {
                name: name.clone(),
                kind: self.meta(ino).kind,
                ino,
            })
            .collect())
    }

    fn mkdir(&mut self, path: Path) -> Result<(), Errno> {
        self.writable()?;
        if path.is_empty() || self.find(path).is_ok() {
            return Err(Errno::EEXIST);
        }
        let (dir, name) = self.parent(path)?;
        let ino = self.next_ino;
        self.next_ino += 1;
        self.nodes.insert(ino, Node::Dir(BTreeMap::new()));
        self.entries(dir).insert(name.to_string(), ino);
        Ok(())
    }

    fn unlink(&mut self, path: Path) -> Result<(), Errno> {
        self.writable()?;
        let ino = self.find(path)?;
        let (dir, name) = self.parent(path)?;
        let Some(Node::File { linked, .. }) = self.nodes.get_mut(&ino) else {
            return Err(Errno::EISDIR);
        };
        *linked = false;
        self.entries(dir).remove(name);
        self.release_if_unused(ino);
        Ok(())
    }

    fn rmdir(&mut self, path: Path) -> Result<(), Errno> {
        self.writable()?;
        let ino = self.find(path)?;
        if ino == ROOT {
            return Err(Errno::EBUSY);
        }
        match &self.nodes[&ino] {
            Node::File { .. } => return Err(Errno::ENOTDIR),
            Node::Dir(e) if !e.is_empty() => return Err(Errno::ENOTEMPTY),
            Node::Dir(_) => {}
        }
        let (dir, name) = self.parent(path)?;
        self.entries(dir).remove(name);
        self.nodes.remove(&ino);
        Ok(())
    }

    fn rename(&mut self, from: Path, to: Path) -> Result<(), Errno> {
        self.writable()?;
        let ino = self.find(from)?;
        if ino == ROOT {
            return Err(Errno::EBUSY);
        }
        let (to_dir, to_name) = self.parent(to)?;
        let moving_dir = matches!(self.nodes[&ino], Node::Dir(_));
        if moving_dir && self.is_inside(ino, to_dir) {
            return Err(Errno::EINVAL);
        }
        if let Ok(old) = self.find(to) {
            if old == ino {
                return Ok(());
            }
            match (&self.nodes[&old], moving_dir) {
                (Node::Dir(_), false) => return Err(Errno::EISDIR),
                (Node::File { .. }, true) => return Err(Errno::ENOTDIR),
                (Node::Dir(e), true) if !e.is_empty() => return Err(Errno::ENOTEMPTY),
                (Node::Dir(_), true) => {
                    self.nodes.remove(&old);
                }
                (Node::File { .. }, false) => {
                    if let Some(Node::File { linked, .. }) = self.nodes.get_mut(&old) {
                        *linked = false;
                    }
                    self.release_if_unused(old);
                }
            }
        }
        let (from_dir, from_name) = self.parent(from)?;
        self.entries(from_dir).remove(from_name);
        self.entries(to_dir).insert(to_name.to_string(), ino);
        Ok(())
    }

    fn space(&mut self) -> Result<Space, Errno> {
        Ok(Space {
            block_size: BLOCK,
            blocks: self.capacity / BLOCK,
            free_blocks: (self.capacity - self.used) / BLOCK,
        })
    }

    fn sync_all(&mut self) -> Result<(), Errno> {
        Ok(())
    }
}

/// A read-only view: what the image's root looks like when the image has
/// no files (an empty directory the mounts hang on).
pub fn empty_root() -> RamFs {
    let mut fs = RamFs::new(0, || 0);
    fs.read_only = true;
    fs
}

#[cfg(test)]
mod tests;
