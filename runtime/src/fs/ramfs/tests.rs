use super::*;
use crate::fs::conformance;

fn fs() -> RamFs {
    RamFs::new(1 << 20, || 1_700_000_000_000_000_000)
}

#[test]
fn ramfs_does_what_every_filesystem_must() {
    conformance::check_all(&mut fs());
}

#[test]
fn a_full_ramfs_gives_short_writes_then_enospc_and_keeps_what_it_has() {
    let mut fs = RamFs::new(10_000, || 0);
    let keep = fs
        .open(
            &["keep"],
            OpenOptions {
                write: true,
                create: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(fs.write(keep, 0, &[7; 4000]), Ok(4000));
    let h = fs
        .open(
            &["big"],
            OpenOptions {
                write: true,
                create: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(fs.write(h, 0, &[1; 8000]), Ok(6000));
    assert_eq!(fs.write(h, 6000, &[1; 10]), Err(Errno::ENOSPC));
    assert_eq!(fs.set_len(h, 7000), Err(Errno::ENOSPC));
    assert_eq!(fs.space().unwrap().free_blocks, 0);
    let mut buf = [0u8; 4000];
    assert_eq!(fs.read(keep, 0, &mut buf), Ok(4000));
    assert!(buf.iter().all(|&b| b == 7));
    // Space comes back when a file is cut or removed.
    fs.set_len(h, 1000).unwrap();
    assert_eq!(fs.write(h, 1000, &[2; 5000]), Ok(5000));
    fs.close(h).unwrap();
    fs.unlink(&["big"]).unwrap();
    assert_eq!(fs.used, 4000);
}

#[test]
fn an_unlinked_open_file_keeps_its_bytes_until_closed() {
    let mut fs = fs();
    let h = fs
        .open(
            &["t"],
            OpenOptions {
                write: true,
                create: true,
                ..Default::default()
            },
        )
        .unwrap();
    fs.write(h, 0, b"scratch").unwrap();
    fs.unlink(&["t"]).unwrap();
    assert_eq!(fs.stat(&["t"]), Err(Errno::ENOENT));
    let mut buf = [0u8; 7];
    assert_eq!(fs.read(h, 0, &mut buf), Ok(7));
    assert_eq!(&buf, b"scratch");
    assert_eq!(fs.used, 7);
    fs.close(h).unwrap();
    assert_eq!(fs.used, 0);
    // A file renamed over while open: the same.
    let a = fs
        .open(
            &["a"],
            OpenOptions {
                write: true,
                create: true,
                ..Default::default()
            },
        )
        .unwrap();
    fs.write(a, 0, b"old").unwrap();
    let b = fs
        .open(
            &["b"],
            OpenOptions {
                write: true,
                create: true,
                ..Default::default()
            },
        )
        .unwrap();
    fs.write(b, 0, b"new").unwrap();
    fs.rename(&["b"], &["a"]).unwrap();
    assert_eq!(fs.read(a, 0, &mut buf), Ok(3));
    assert_eq!(&buf[..3], b"old");
    fs.close(a).unwrap();
    fs.close(b).unwrap();
    assert_eq!(fs.used, 3);
}

#[test]
fn a_read_only_ramfs_refuses_every_change() {
    let mut fs = empty_root();
    assert!(fs.read_only());
    let create = OpenOptions {
        write: true,
        create: true,
        ..Default::default()
    };
    assert_eq!(fs.open(&["x"], create), Err(Errno::EROFS));
    assert_eq!(fs.mkdir(&["d"]), Err(Errno::EROFS));
    assert_eq!(fs.rename(&["a"], &["b"]), Err(Errno::EROFS));
    assert_eq!(fs.unlink(&["a"]), Err(Errno::EROFS));
    assert_eq!(fs.read_dir(&[]), Ok(Vec::new()));
}

#[test]
fn files_keep_their_modification_time_and_numbers() {
    let mut fs = fs();
    let create = OpenOptions {
        write: true,
        create: true,
        ..Default::default()
    };
    let a = fs.open(&["a"], create).unwrap();
    let b = fs.open(&["b"], create).unwrap();
    let (ma, mb) = (fs.fstat(a).unwrap(), fs.fstat(b).unwrap());
    assert_ne!(ma.ino, mb.ino);
    assert_eq!(ma.mtime_ns, 1_700_000_000_000_000_000);
    assert_eq!(fs.stat(&["a"]).unwrap().ino, ma.ino);
}
