use super::*;
use crate::fs::path::resolve;
use crate::fs::ramfs::{empty_root, RamFs};
use std::process::Command;

fn p(path: &str) -> Resolved {
    resolve(&[], path).unwrap()
}

/// `/` read-only and empty, `/tmp` and `/data` two RAM filesystems.
fn vfs() -> Vfs {
    let mut v = Vfs::new();
    v.mount(&p("/"), Box::new(empty_root()), "image").unwrap();
    v.mount(&p("/tmp"), Box::new(RamFs::new(1 << 20, || 5)), "ramfs")
        .unwrap();
    v.mount(&p("/data"), Box::new(RamFs::new(1 << 20, || 5)), "xvda")
        .unwrap();
    v
}

fn file(v: &mut Vfs, path: &str, flags: i32) -> OpenFile {
    match v.open(&p(path), flags).unwrap() {
        Opened::File(f) => f,
        Opened::Dir(_) => panic!("{path} is a directory"),
    }
}

fn names(d: &OpenDir) -> Vec<&str> {
    d.entries.iter().map(|e| e.name.as_str()).collect()
}

#[test]
fn mounts_are_found_by_the_deepest_mount_point() {
    let mut v = vfs();
    let f = file(&mut v, "/data/x", O_CREAT | O_WRONLY);
    assert_eq!(v.write(&f, b"on the disk"), Ok(11));
    assert_eq!(v.stat(&p("/data/x")).unwrap().dev, 3);
    assert_eq!(v.stat(&p("/tmp/x")).err(), Some(Errno::ENOENT));
    assert_eq!(v.stat(&p("/data")).unwrap().meta.kind, Kind::Dir);
    assert_eq!(
        v.open(&p("/x"), O_CREAT | O_WRONLY).err(),
        Some(Errno::EROFS)
    );
    let Opened::Dir(root) = v.open(&p("/"), O_RDONLY).unwrap() else {
        panic!("/ is a directory");
    };
    assert_eq!(names(&root), [".", "..", "tmp", "data"]);
    assert_eq!(
        v.mount(&p("/tmp"), Box::new(empty_root()), "again").err(),
        Some(Errno::EBUSY)
    );
    assert_eq!(v.mounts().count(), 3);
}

#[test]
fn reads_and_writes_move_the_offset_and_append_goes_to_the_end() {
    let mut v = vfs();
    let f = file(&mut v, "/tmp/log", O_CREAT | O_RDWR);
    v.write(&f, b"0123456789").unwrap();
    assert_eq!(v.seek(&f, 2, SEEK_SET), Ok(2));
    let mut buf = [0u8; 3];
    assert_eq!(v.read(&f, &mut buf), Ok(3));
    assert_eq!(&buf, b"234");
    assert_eq!(v.seek(&f, 0, SEEK_CUR), Ok(5));
    assert_eq!(v.seek(&f, -1, SEEK_END), Ok(9));
    assert_eq!(v.seek(&f, -100, SEEK_CUR), Err(Errno::EINVAL));
    assert_eq!(v.seek(&f, 0, 7), Err(Errno::EINVAL));
    assert_eq!(v.seek(&f, i64::MAX, SEEK_END), Err(Errno::EOVERFLOW));
    // pread/pwrite leave the offset alone.
    assert_eq!(v.pread(&f, 8, &mut buf), Ok(2));
    v.seek(&f, 20, SEEK_SET).unwrap();
    v.write(&f, b"!").unwrap();
    assert_eq!(v.fstat(&f).unwrap().meta.size, 21);
    let a = file(&mut v, "/tmp/log", O_WRONLY | O_APPEND);
    v.write(&a, b"end").unwrap();
    assert_eq!(v.pwrite(&a, 0, b"X"), Ok(1));
    assert_eq!(v.fstat(&a).unwrap().meta.size, 25);
    let mut all = [0u8; 25];
    assert_eq!(v.pread(&f, 0, &mut all), Ok(25));
    assert_eq!(&all[..10], b"0123456789");
    assert_eq!(&all[10..20], &[0; 10]);
    assert_eq!(&all[20..], b"!endX");
    v.close(a).unwrap();
    v.close(f).unwrap();
}

#[test]
fn access_modes_are_enforced() {
    let mut v = vfs();
    let f = file(&mut v, "/tmp/f", O_CREAT | O_WRONLY);
    v.close(f).unwrap();
    let r = file(&mut v, "/tmp/f", O_RDONLY);
    assert_eq!(v.write(&r, b"x"), Err(Errno::EBADF));
    assert_eq!(v.set_len(&r, 0), Err(Errno::EINVAL));
    let w = file(&mut v, "/tmp/f", O_WRONLY);
    let mut buf = [0u8; 1];
    assert_eq!(v.read(&w, &mut buf), Err(Errno::EBADF));
    assert_eq!(v.set_len(&w, -1), Err(Errno::EINVAL));
    assert_eq!(v.open(&p("/tmp/f"), 3).err(), Some(Errno::EINVAL));
    assert_eq!(v.open(&p("/tmp/f"), 0o10000000).err(), Some(Errno::EINVAL));
}

#[test]
fn open_says_what_linux_says_about_directories_and_missing_files() {
    let mut v = vfs();
    v.mkdir(&p("/tmp/d")).unwrap();
    let f = file(&mut v, "/tmp/f", O_CREAT | O_WRONLY);
    v.close(f).unwrap();
    assert_eq!(v.open(&p("/tmp/d"), O_WRONLY).err(), Some(Errno::EISDIR));
    assert_eq!(
        v.open(&p("/tmp/d"), O_CREAT | O_RDONLY).err(),
        Some(Errno::EISDIR)
    );
    assert_eq!(
        v.open(&p("/tmp/d"), O_CREAT | O_EXCL | O_RDWR).err(),
        Some(Errno::EEXIST)
    );
    assert_eq!(
        v.open(&p("/tmp/f"), O_CREAT | O_EXCL | O_RDWR).err(),
        Some(Errno::EEXIST)
    );
    assert_eq!(v.open(&p("/tmp/f/"), O_RDONLY).err(), Some(Errno::ENOTDIR));
    assert_eq!(
        v.open(&p("/tmp/f"), O_RDONLY | O_DIRECTORY).err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(
        v.open(&p("/tmp/new/"), O_CREAT | O_WRONLY).err(),
        Some(Errno::EISDIR)
    );
    assert_eq!(v.open(&p("/tmp/none"), O_RDONLY).err(), Some(Errno::ENOENT));
    assert_eq!(v.open(&p("/tmp/f/x"), O_RDONLY).err(), Some(Errno::ENOTDIR));
    assert_eq!(v.stat(&p("/tmp/f/")).err(), Some(Errno::ENOTDIR));
    let Opened::Dir(d) = v.open(&p("/tmp/d/"), O_RDONLY | O_DIRECTORY).unwrap() else {
        panic!("a directory");
    };
    assert_eq!(names(&d), [".", ".."]);
    let t = file(&mut v, "/tmp/f", O_WRONLY | O_TRUNC);
    v.close(t).unwrap();
}

#[test]
fn mount_points_cannot_be_removed_renamed_or_crossed() {
    let mut v = vfs();
    let f = file(&mut v, "/tmp/a", O_CREAT | O_WRONLY);
    v.close(f).unwrap();
    assert_eq!(v.rename(&p("/tmp/a"), &p("/data/a")), Err(Errno::EXDEV));
    assert_eq!(v.rename(&p("/tmp/none"), &p("/data/a")), Err(Errno::ENOENT));
    assert_eq!(v.rename(&p("/tmp"), &p("/tmp2")), Err(Errno::EBUSY));
    assert_eq!(v.rmdir(&p("/data")), Err(Errno::EBUSY));
    assert_eq!(v.unlink(&p("/data")), Err(Errno::EISDIR));
    assert_eq!(v.mkdir(&p("/data")), Err(Errno::EEXIST));
    assert_eq!(v.unlink(&p("/tmp/a/")), Err(Errno::ENOTDIR));
    assert_eq!(v.rename(&p("/tmp/a/"), &p("/tmp/b")), Err(Errno::ENOTDIR));
    v.rename(&p("/tmp/a"), &p("/tmp/b")).unwrap();
    v.truncate(&p("/tmp/b"), 4096).unwrap();
    assert_eq!(v.stat(&p("/tmp/b")).unwrap().meta.size, 4096);
    assert_eq!(v.truncate(&p("/tmp"), 0), Err(Errno::EISDIR));
    v.unlink(&p("/tmp/b")).unwrap();
    let synced = v.sync_all();
    assert_eq!(synced.len(), 3);
    assert!(synced.iter().all(|(_, r)| r.is_ok()));
}

#[test]
fn getdents_packs_linux_records_and_resumes() {
    let mut v = vfs();
    v.mkdir(&p("/tmp/d")).unwrap();
    v.mkdir(&p("/tmp/d/sub")).unwrap();
    let f = file(&mut v, "/tmp/d/a-file", O_CREAT | O_WRONLY);
    v.close(f).unwrap();
    let Opened::Dir(d) = v.open(&p("/tmp/d"), O_RDONLY).unwrap() else {
        panic!("a directory");
    };
    assert_eq!(getdents(&d, 10), Err(Errno::EINVAL));
    // Two records fit in 48 bytes: "." (24) and ".." (24).
    let first = getdents(&d, 48).unwrap();
    assert_eq!(first.len(), 48);
    assert_eq!(u16::from_le_bytes([first[16], first[17]]), 24);
    assert_eq!(first[18], 4);
    assert_eq!(&first[19..21], b".\0");
    assert_eq!(i64::from_le_bytes(first[8..16].try_into().unwrap()), 1);
    let rest = getdents(&d, 4096).unwrap();
    // "a-file": 19 + 7 = 26 -> 32 bytes; "sub": 19 + 4 = 23 -> 24.
    assert_eq!(rest.len(), 56);
    assert_eq!(&rest[19..26], b"a-file\0");
    assert_eq!(rest[18], 8);
    assert_eq!(&rest[32 + 19..32 + 23], b"sub\0");
    assert_eq!(getdents(&d, 4096).unwrap().len(), 0);
}

/// Offsets of `struct stat` as glibc's headers have them.
#[test]
fn the_stat_layout_is_linuxs() {
    let dir = std::env::temp_dir().join(format!("ukrt-stat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("stat.c");
    std::fs::write(
        &src,
        r#"#include <stdio.h>
#include <stddef.h>
#include <sys/stat.h>
int main(void) {
  printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n", sizeof(struct stat),
    offsetof(struct stat, st_ino), offsetof(struct stat, st_nlink),
    offsetof(struct stat, st_mode), offsetof(struct stat, st_size),
    offsetof(struct stat, st_blksize), offsetof(struct stat, st_blocks),
    offsetof(struct stat, st_atim), offsetof(struct stat, st_mtim),
    offsetof(struct stat, st_ctim));
  return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.join("stat");
    let cc = Command::new("cc")
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(cc.success());
    let out = Command::new(&exe).output().unwrap();
    let got = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        got.trim(),
        format!("{STAT_SIZE} 8 16 24 48 56 64 72 88 104")
    );
    let st = Stat {
        meta: Meta {
            kind: Kind::File,
            size: 1000,
            ino: 7,
            mtime_ns: 3_000_000_005,
            read_only: true,
        },
        dev: 2,
    };
    let b = linux_stat(&st);
    assert_eq!(u64::from_le_bytes(b[8..16].try_into().unwrap()), 7);
    assert_eq!(
        u32::from_le_bytes(b[24..28].try_into().unwrap()),
        S_IFREG | 0o444
    );
    assert_eq!(u64::from_le_bytes(b[64..72].try_into().unwrap()), 2);
    assert_eq!(u64::from_le_bytes(b[88..96].try_into().unwrap()), 3);
    assert_eq!(u64::from_le_bytes(b[96..104].try_into().unwrap()), 5);
    std::fs::remove_dir_all(&dir).unwrap();
}
