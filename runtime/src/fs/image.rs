//! The files packed in the image (`files DIR`), read-only at `/`. Reads
//! copy straight from the bundle's own frames into the app's buffer: no
//! cache, no private copy, so every app reading a file shares its frames.
//! The pages reads have touched are counted once each, whoever read them.
use super::vfs::{read_slice, DirEntry, FileSystem, Handle, Kind, Meta, OpenOptions, Path, Space};
use crate::errno::Errno;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use ukrt_loader::bundle::PAGE;
use ukrt_loader::tree::{FileTree, Node};

pub struct ImageFs {
    tree: FileTree<'static>,
    handles: BTreeMap<Handle, Node<'static>>,
    next_handle: Handle,
    /// One bit per page of the tree's entry: read at least once.
    touched: Vec<u64>,
    pages_read: u64,
}

impl ImageFs {
    pub fn new(tree: FileTree<'static>) -> Self {
        let pages = tree.size().div_ceil(PAGE).saturating_add(1) as usize;
        Self {
            tree,
            handles: BTreeMap::new(),
            next_handle: 1,
            touched: vec![0; pages.div_ceil(64)],
            pages_read: 0,
        }
    }

    /// Distinct bundle pages file reads have touched (all apps together).
    #[cfg(test)]
    pub fn pages_read(&self) -> u64 {
        self.pages_read
    }

    /// Files and bytes in the tree.
    pub fn file_stats(&self) -> (usize, u64) {
        self.tree.file_stats()
    }

    fn find(&self, path: Path) -> Result<Node<'static>, Errno> {
        // Walk component by component, to tell ENOTDIR from ENOENT.
        let mut node = self.tree.node(self.tree.root()).ok_or(Errno::EIO)?;
        for name in path {
            if !node.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            node = self.tree.child(node.id(), name).ok_or(Errno::ENOENT)?;
        }
        Ok(node)
    }

    fn meta(node: &Node) -> Meta {
        Meta {
            kind: if node.is_dir() { Kind::Dir } else { Kind::File },
            size: if node.is_dir() { PAGE } else { node.size() },
            ino: node.id().index() as u64 + 1,
            mtime_ns: 0,
            read_only: true,
        }
    }

    /// Marks the pages `[offset, offset + len)` of a file at bundle
    /// offset `base` as read.
    fn touch(&mut self, base: u64, offset: u64, len: u64) {
        if len == 0 {
            return;
        }
        let entry = self.tree.offset();
        let first = (base + offset - entry) / PAGE;
        let last = (base + offset + len - 1 - entry) / PAGE;
        for p in first..=last {
            let (word, bit) = ((p / 64) as usize, p % 64);
            if let Some(w) = self.touched.get_mut(word) {
                if *w & (1 << bit) == 0 {
                    *w |= 1 << bit;
                    self.pages_read += 1;
                    crate::stats::IMAGE_PAGES_READ.inc();
                }
            }
        }
    }
}

impl FileSystem for ImageFs {
    fn kind(&self) -> &'static str {
        "image"
    }

    fn read_only(&self) -> bool {
        true
    }

    fn stat(&mut self, path: Path) -> Result<Meta, Errno> {
        Ok(Self::meta(&self.find(path)?))
    }

    fn open(&mut self, path: Path, opts: OpenOptions) -> Result<Handle, Errno> {
        let node = match self.find(path) {
            Err(Errno::ENOENT) if opts.create => return Err(Errno::EROFS),
            other => other?,
        };
        if node.is_dir() {
            return Err(Errno::EISDIR);
        }
        if opts.write {
            return Err(Errno::EROFS);
        }
        if opts.create && opts.exclusive {
            return Err(Errno::EEXIST);
        }
        let h = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(h, node);
        Ok(h)
    }

    fn read(&mut self, h: Handle, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let Node::File {
            data,
            offset_in_bundle,
            ..
        } = *self.handles.get(&h).ok_or(Errno::EBADF)?
        else {
            return Err(Errno::EBADF);
        };
        let n = read_slice(data, offset, buf);
        self.touch(offset_in_bundle, offset, n as u64);
        Ok(n)
    }

    fn write(&mut self, h: Handle, _: u64, _: &[u8]) -> Result<usize, Errno> {
        self.handles.get(&h).ok_or(Errno::EBADF)?;
        Err(Errno::EBADF)
    }

    fn fstat(&mut self, h: Handle) -> Result<Meta, Errno> {
        Ok(Self::meta(self.handles.get(&h).ok_or(Errno::EBADF)?))
    }

    fn set_len(&mut self, _: Handle, _: u64) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn sync(&mut self, h: Handle) -> Result<(), Errno> {
        self.handles.get(&h).map(|_| ()).ok_or(Errno::EBADF)
    }

    fn close(&mut self, h: Handle) -> Result<(), Errno> {
        self.handles.remove(&h).map(|_| ()).ok_or(Errno::EBADF)
    }

    fn read_dir(&mut self, path: Path) -> Result<Vec<DirEntry>, Errno> {
        let dir = self.find(path)?;
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(self
            .tree
            .children(dir.id())
            .map(|(name, node)| DirEntry {
                name: name.into(),
                kind: Self::meta(&node).kind,
                ino: node.id().index() as u64 + 1,
            })
            .collect())
    }

    fn mkdir(&mut self, _: Path) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn unlink(&mut self, _: Path) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn rmdir(&mut self, _: Path) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn rename(&mut self, _: Path, _: Path) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }

    fn space(&mut self) -> Result<Space, Errno> {
        Ok(Space {
            block_size: PAGE,
            blocks: self.tree.size().div_ceil(PAGE),
            free_blocks: 0,
        })
    }

    fn sync_all(&mut self) -> Result<(), Errno> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ukrt_loader::bundle::{Bundle, BundleBuilder};
    use ukrt_loader::tree::TreeBuilder;

    fn image() -> ImageFs {
        let mut t = TreeBuilder::new();
        t.add_dir(&["etc"]).unwrap();
        t.add_file(&["etc", "motd"], b"hello from the image\n".to_vec())
            .unwrap();
        t.add_file(&["big"], vec![7u8; 3 * 4096 + 10]).unwrap();
        t.add_dir(&["empty"]).unwrap();
        let mut b = BundleBuilder::new();
        b.set_manifest("");
        b.set_tree(t).unwrap();
        let bytes: &'static [u8] = Vec::leak(b.build());
        let bundle = Bundle::parse(bytes).unwrap();
        ImageFs::new(bundle.tree().unwrap())
    }

    #[test]
    fn the_image_tree_reads_and_refuses_every_change() {
        let mut fs = image();
        let h = fs.open(&["etc", "motd"], OpenOptions::default()).unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(fs.read(h, 0, &mut buf), Ok(21));
        assert_eq!(&buf[..21], b"hello from the image\n");
        assert_eq!(fs.read(h, 6, &mut buf[..4]), Ok(4));
        assert_eq!(&buf[..4], b"from");
        assert_eq!(fs.read(h, 100, &mut buf), Ok(0));
        assert_eq!(fs.write(h, 0, b"x"), Err(Errno::EBADF));
        fs.close(h).unwrap();
        let write = OpenOptions {
            write: true,
            ..Default::default()
        };
        assert_eq!(fs.open(&["etc", "motd"], write), Err(Errno::EROFS));
        let create = OpenOptions {
            write: true,
            create: true,
            ..Default::default()
        };
        assert_eq!(fs.open(&["new"], create), Err(Errno::EROFS));
        assert_eq!(
            fs.open(&["etc"], OpenOptions::default()),
            Err(Errno::EISDIR)
        );
        assert_eq!(
            fs.open(&["none"], OpenOptions::default()),
            Err(Errno::ENOENT)
        );
        assert_eq!(fs.stat(&["big", "x"]), Err(Errno::ENOTDIR));
        assert_eq!(fs.mkdir(&["d"]), Err(Errno::EROFS));
        assert_eq!(fs.unlink(&["big"]), Err(Errno::EROFS));
        assert_eq!(fs.rename(&["big"], &["b"]), Err(Errno::EROFS));
        let names: Vec<_> = fs
            .read_dir(&[])
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["big", "empty", "etc"]);
        assert!(fs.read_dir(&["empty"]).unwrap().is_empty());
        let st = fs.stat(&["big"]).unwrap();
        assert_eq!(
            (st.kind, st.size, st.read_only),
            (Kind::File, 3 * 4096 + 10, true)
        );
        assert_ne!(st.ino, fs.stat(&["etc", "motd"]).unwrap().ino);
    }

    #[test]
    fn pages_are_counted_once_however_often_they_are_read() {
        let mut fs = image();
        let a = fs.open(&["big"], OpenOptions::default()).unwrap();
        let b = fs.open(&["big"], OpenOptions::default()).unwrap();
        let mut buf = vec![0u8; 5000];
        fs.read(a, 0, &mut buf).unwrap();
        assert_eq!(fs.pages_read(), 2);
        fs.read(b, 0, &mut buf).unwrap();
        assert_eq!(fs.pages_read(), 2);
        fs.read(b, 5000, &mut buf).unwrap();
        fs.read(a, 10000, &mut buf).unwrap();
        assert_eq!(fs.pages_read(), 4, "a 3-page-and-a-bit file has 4 pages");
        assert!(buf[..2298].iter().all(|&x| x == 7));
    }
}
