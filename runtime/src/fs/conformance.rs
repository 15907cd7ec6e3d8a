//! What every [`FileSystem`] must do, as tests any implementation runs on
//! a fresh, empty, writable instance of itself (`check_all`). Each check
//! says which rule of the trait it holds the filesystem to.
use super::vfs::{FileSystem, Kind, OpenOptions};
use crate::errno::Errno;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

const CREATE: OpenOptions = OpenOptions {
    write: true,
    create: true,
    exclusive: false,
    truncate: false,
};
const READ: OpenOptions = OpenOptions {
    write: false,
    create: false,
    exclusive: false,
    truncate: false,
};
const WRITE: OpenOptions = OpenOptions {
    write: true,
    create: false,
    exclusive: false,
    truncate: false,
};

fn names(fs: &mut dyn FileSystem, path: &[&str]) -> Vec<String> {
    let mut n: Vec<String> = fs
        .read_dir(path)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    n.sort();
    n
}

fn write_file(fs: &mut dyn FileSystem, path: &[&str], data: &[u8]) {
    let h = fs.open(path, CREATE).unwrap();
    assert_eq!(fs.write(h, 0, data), Ok(data.len()));
    fs.close(h).unwrap();
}

fn read_file(fs: &mut dyn FileSystem, path: &[&str]) -> Vec<u8> {
    let h = fs.open(path, READ).unwrap();
    let size = fs.fstat(h).unwrap().size as usize;
    let mut buf = alloc::vec![0u8; size + 10];
    let mut got = 0;
    loop {
        let n = fs.read(h, got as u64, &mut buf[got..]).unwrap();
        if n == 0 {
            break;
        }
        got += n;
    }
    fs.close(h).unwrap();
    buf.truncate(got);
    buf
}

/// Files: create, write at offsets, holes read as zeros, read at and past
/// the end, truncate and extend, `O_EXCL`, `O_TRUNC`.
pub fn files(fs: &mut dyn FileSystem) {
    let h = fs.open(&["a.txt"], CREATE).unwrap();
    assert_eq!(fs.write(h, 0, b"hello"), Ok(5));
    assert_eq!(fs.write(h, 10, b"world"), Ok(5));
    let mut buf = [0xffu8; 32];
    assert_eq!(fs.read(h, 0, &mut buf), Ok(15));
    assert_eq!(&buf[..15], b"hello\0\0\0\0\0world");
    assert_eq!(fs.read(h, 15, &mut buf), Ok(0));
    assert_eq!(fs.read(h, 1000, &mut buf), Ok(0));
    assert_eq!(fs.fstat(h).unwrap().size, 15);
    assert_eq!(fs.fstat(h).unwrap().kind, Kind::File);
    fs.set_len(h, 3).unwrap();
    assert_eq!(fs.read(h, 0, &mut buf), Ok(3));
    fs.set_len(h, 6).unwrap();
    assert_eq!(fs.read(h, 0, &mut buf), Ok(6));
    assert_eq!(&buf[..6], b"hel\0\0\0");
    fs.sync(h).unwrap();
    fs.close(h).unwrap();
    assert_eq!(fs.close(h), Err(Errno::EBADF));
    assert_eq!(fs.stat(&["a.txt"]).unwrap().size, 6);
    let excl = OpenOptions {
        exclusive: true,
        ..CREATE
    };
    assert_eq!(fs.open(&["a.txt"], excl), Err(Errno::EEXIST));
    let trunc = OpenOptions {
        truncate: true,
        ..WRITE
    };
    let h = fs.open(&["a.txt"], trunc).unwrap();
    assert_eq!(fs.fstat(h).unwrap().size, 0);
    fs.close(h).unwrap();
    assert_eq!(fs.open(&["missing"], READ), Err(Errno::ENOENT));
    assert_eq!(fs.stat(&["missing"]), Err(Errno::ENOENT));
    assert_eq!(fs.open(&["no", "such"], CREATE), Err(Errno::ENOENT));
    assert_eq!(fs.open(&["a.txt", "x"], CREATE), Err(Errno::ENOTDIR));
    assert_eq!(fs.stat(&["a.txt", "x"]), Err(Errno::ENOTDIR));
    fs.unlink(&["a.txt"]).unwrap();
    assert_eq!(fs.stat(&["a.txt"]), Err(Errno::ENOENT));
}

/// Directories: mkdir, nested listing, rmdir of empty and non-empty ones,
/// the root, and what unlink and open say about directories.
pub fn directories(fs: &mut dyn FileSystem) {
    fs.mkdir(&["d"]).unwrap();
    fs.mkdir(&["d", "e"]).unwrap();
    assert_eq!(fs.mkdir(&["d"]), Err(Errno::EEXIST));
    assert_eq!(fs.mkdir(&[]), Err(Errno::EEXIST));
    assert_eq!(fs.mkdir(&["x", "y"]), Err(Errno::ENOENT));
    write_file(fs, &["d", "f"], b"1");
    assert_eq!(names(fs, &["d"]), ["e", "f"]);
    assert_eq!(fs.stat(&["d"]).unwrap().kind, Kind::Dir);
    assert_eq!(fs.open(&["d"], READ), Err(Errno::EISDIR));
    assert_eq!(fs.unlink(&["d"]), Err(Errno::EISDIR));
    assert_eq!(fs.rmdir(&["d"]), Err(Errno::ENOTEMPTY));
    assert_eq!(fs.rmdir(&["d", "f"]), Err(Errno::ENOTDIR));
    assert_eq!(fs.read_dir(&["d", "f"]), Err(Errno::ENOTDIR));
    assert_eq!(fs.rmdir(&[]), Err(Errno::EBUSY));
    fs.rmdir(&["d", "e"]).unwrap();
    fs.unlink(&["d", "f"]).unwrap();
    fs.rmdir(&["d"]).unwrap();
    assert!(names(fs, &[]).is_empty());
}

/// rename as POSIX has it.
pub fn renames(fs: &mut dyn FileSystem) {
    write_file(fs, &["a"], b"A");
    write_file(fs, &["b"], b"B");
    fs.rename(&["a"], &["b"]).unwrap();
    assert_eq!(read_file(fs, &["b"]), b"A");
    assert_eq!(fs.stat(&["a"]), Err(Errno::ENOENT));
    fs.rename(&["b"], &["b"]).unwrap();
    fs.mkdir(&["d"]).unwrap();
    fs.mkdir(&["e"]).unwrap();
    fs.rename(&["b"], &["d", "moved"]).unwrap();
    assert_eq!(read_file(fs, &["d", "moved"]), b"A");
    assert_eq!(fs.rename(&["d"], &["d", "inner"]), Err(Errno::EINVAL));
    assert_eq!(fs.rename(&["d"], &["d", "moved"]), Err(Errno::EINVAL));
    write_file(fs, &["f"], b"F");
    assert_eq!(fs.rename(&["f"], &["e"]), Err(Errno::EISDIR));
    assert_eq!(fs.rename(&["e"], &["f"]), Err(Errno::ENOTDIR));
    assert_eq!(fs.rename(&["e"], &["d"]), Err(Errno::ENOTEMPTY));
    assert_eq!(fs.rename(&["nothing"], &["x"]), Err(Errno::ENOENT));
    fs.rename(&["d"], &["e"]).unwrap();
    assert_eq!(read_file(fs, &["e", "moved"]), b"A");
    assert_eq!(names(fs, &[]), ["e", "f"]);
}

/// Many files in nested directories, listed, renamed and removed.
pub fn many_files(fs: &mut dyn FileSystem, count: usize) {
    fs.mkdir(&["top"]).unwrap();
    for d in 0..10 {
        fs.mkdir(&["top", &format!("dir{d}")]).unwrap();
    }
    for i in 0..count {
        let dir = format!("dir{}", i % 10);
        let name = format!("file-with-a-long-name-{i}.txt");
        write_file(fs, &["top", &dir, &name], format!("{i}").as_bytes());
    }
    let mut total = 0;
    for d in 0..10 {
        total += fs.read_dir(&["top", &format!("dir{d}")]).unwrap().len();
    }
    assert_eq!(total, count);
    for i in (0..count).step_by(3) {
        let dir = format!("dir{}", i % 10);
        let from = format!("file-with-a-long-name-{i}.txt");
        let to = format!("renamed-{i}");
        fs.rename(&["top", &dir, &from], &["top", &dir, &to])
            .unwrap();
    }
    for i in 0..count {
        let dir = format!("dir{}", i % 10);
        let name = if i % 3 == 0 {
            format!("renamed-{i}")
        } else {
            format!("file-with-a-long-name-{i}.txt")
        };
        assert_eq!(
            read_file(fs, &["top", &dir, &name]),
            format!("{i}").as_bytes()
        );
        fs.unlink(&["top", &dir, &name]).unwrap();
    }
    for d in 0..10 {
        fs.rmdir(&["top", &format!("dir{d}")]).unwrap();
    }
    fs.rmdir(&["top"]).unwrap();
}

/// Every check, on a fresh filesystem (each leaves it empty).
pub fn check_all(fs: &mut dyn FileSystem) {
    files(fs);
    directories(fs);
    renames(fs);
    for p in [["e", "moved"], ["e", "x"]] {
        let _ = fs.unlink(&p);
    }
    let _ = fs.rmdir(&["e"]);
    let _ = fs.unlink(&["f"]);
    assert!(names(fs, &[]).is_empty(), "a check left files behind");
    many_files(fs, 200);
}
