//! The guest's files: the mounts made at boot, and the lock every file
//! call takes.
use super::config::{parse_mounts, parse_size, Mounts, DEFAULT_MOUNT};
use super::files::Vfs;
use super::image::ImageFs;
use super::path::{join, resolve};
use super::ramfs::{empty_root, RamFs};
use super::vfs::FileSystem;
use crate::errno::Errno;
use crate::println;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

static VFS: spin::Mutex<Option<Vfs>> = spin::Mutex::new(None);

/// Runs `f` on the mounts. A filesystem may wait for its disk while the
/// lock is held; another thread that wants it meanwhile lets the others
/// run rather than spin.
pub fn with<R>(f: impl FnOnce(&mut Vfs) -> Result<R, Errno>) -> Result<R, Errno> {
    loop {
        if let Some(mut vfs) = VFS.try_lock() {
            return match vfs.as_mut() {
                Some(v) => f(v),
                None => Err(Errno::ENOENT),
            };
        }
        crate::sched::yield_in_runtime();
    }
}

/// `/tmp`'s capacity unless `uk.tmp` says: a quarter of the domain's
/// memory (Linux's tmpfs takes half by default; here the apps' heaps need
/// the same memory).
fn default_tmp_size() -> u64 {
    let (used, free) = crate::mm::frame_counts();
    (used + free) * crate::mm::pte::PAGE_SIZE / 4
}

/// Mounts the disks `uk.mount` names (`spec`; without it the first disk
/// at `/data`), each with the filesystem on it; what cannot be mounted is
/// said and left out.
fn mount_disks(vfs: &mut Vfs, spec: Option<&str>) {
    let list: Vec<(String, super::path::Resolved)> = match parse_mounts(spec) {
        Err(e) => {
            println!("ukrt: fs: {e}; no disk mounted");
            return;
        }
        Ok(Mounts::None) => Vec::new(),
        Ok(Mounts::Default) => crate::blk::names()
            .into_iter()
            .take(1)
            .map(|d| (d, resolve(&[], DEFAULT_MOUNT).expect("/data resolves")))
            .collect(),
        Ok(Mounts::List(l)) => l.into_iter().map(|m| (m.disk, m.at)).collect(),
    };
    for (disk, at) in list {
        let Some(dev) = crate::blk::take(&disk) else {
            println!(
                "ukrt: fs: uk.mount: there is no disk {disk}; nothing mounted at {}",
                join(&at.components)
            );
            continue;
        };
        // Requests gathered and read ahead: the filesystem works a sector
        // or a cluster at a time, and each request is a round trip.
        let disk_dev = Box::new(super::combine::Combined::new(Box::new(dev)));
        let mounted = super::fat::mount(disk_dev, &disk)
            .map_err(|e| alloc::format!("{e}"))
            .inspect(|fs| {
                if let Some(line) = fs.mount_report().summary(&disk) {
                    println!("ukrt: fs: {line}");
                }
            })
            .and_then(|fs| {
                vfs.mount(&at, Box::new(fs), &disk)
                    .map_err(|e| alloc::format!("{e:?}"))
            });
        if let Err(e) = mounted {
            println!("ukrt: fs: {e}; nothing mounted at {}", join(&at.components));
        }
    }
}

/// Mounts the image's files at `/` (an empty read-only directory if it
/// has none), the RAM filesystem at `/tmp` and the disks. `tmp` and
/// `mount` are `uk.tmp`'s and `uk.mount`'s values.
pub fn init(
    tmp: Option<&str>,
    mount: Option<&str>,
    tree: Option<ukrt_loader::tree::FileTree<'static>>,
) {
    let tmp_size = match tmp.map(parse_size) {
        None => default_tmp_size(),
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            println!(
                "ukrt: warning: uk.tmp={}: {e}; using the default",
                tmp.unwrap_or("")
            );
            default_tmp_size()
        }
    };
    let mut vfs = Vfs::new();
    let root = resolve(&[], "/").expect("/ resolves");
    let tmp_at = resolve(&[], "/tmp").expect("/tmp resolves");
    let root_fs: Box<dyn FileSystem> = match tree {
        Some(t) => {
            let fs = ImageFs::new(t);
            let (files, bytes) = fs.file_stats();
            println!(
                "ukrt: fs: / image, {files} files, {} KiB, read-only",
                bytes.div_ceil(1024)
            );
            Box::new(fs)
        }
        None => Box::new(empty_root()),
    };
    let mounted = vfs.mount(&root, root_fs, "image").and_then(|()| {
        let ramfs = RamFs::new(tmp_size, crate::time::realtime_ns);
        vfs.mount(&tmp_at, Box::new(ramfs), "memory")
    });
    if let Err(e) = mounted {
        println!("ukrt: fs: cannot mount /tmp: {e:?}");
    }
    mount_disks(&mut vfs, mount);
    for m in vfs.mounts().filter(|m| !m.at.is_empty()) {
        let (size, free) =
            m.fs.space()
                .map(|s| (s.blocks * s.block_size, s.free_blocks * s.block_size))
                .unwrap_or((0, 0));
        println!(
            "ukrt: fs: {} {} on {}, {} MiB, {} MiB free{}",
            join(&m.at),
            m.fs.kind(),
            m.source,
            size >> 20,
            free >> 20,
            if m.fs.read_only() { ", read-only" } else { "" }
        );
    }
    *VFS.lock() = Some(vfs);
}

/// Makes every filesystem durable before the domain ends; says what could
/// not be.
pub fn shutdown() {
    let synced = with(|v| Ok(v.sync_all())).unwrap_or_default();
    for (source, r) in synced {
        if let Err(e) = r {
            println!("ukrt: fs: {source}: cannot write everything back at shutdown: {e:?}");
        }
    }
}
