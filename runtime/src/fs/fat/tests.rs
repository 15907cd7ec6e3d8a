//! FatFs on RAM disks: behaviour against the trait's contract, images made
//! and checked by the host's dosfstools and mtools, and power cuts at every
//! write of an append+fsync workload checked by `fsck.fat -n`.
use super::*;
use crate::fs::block::RamDisk;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex as StdMutex;

/// What the disk saw: each write (sector, bytes) and flush, in order.
#[derive(Clone)]
enum Event {
    Write(u64, Vec<u8>),
    Flush,
}

/// A RAM disk the test keeps a hand on, logging writes when asked.
#[derive(Clone)]
struct Shared(Arc<StdMutex<(RamDisk, Option<Vec<Event>>)>>);

impl Shared {
    fn new(d: RamDisk) -> Self {
        Shared(Arc::new(StdMutex::new((d, None))))
    }
    fn disk(&self) -> std::sync::MutexGuard<'_, (RamDisk, Option<Vec<Event>>)> {
        self.0.lock().unwrap()
    }
    fn image(&self) -> Vec<u8> {
        self.disk().0.data.clone()
    }
    fn log(&self) {
        self.disk().1 = Some(Vec::new());
    }
    fn events(&self) -> Vec<Event> {
        self.disk().1.take().unwrap_or_default()
    }
    fn boxed(&self) -> Box<dyn BlockDevice> {
        Box::new(self.clone())
    }
}

impl BlockDevice for Shared {
    fn sector_size(&self) -> usize {
        self.disk().0.sector_size
    }
    fn sectors(&self) -> u64 {
        self.disk().0.sectors()
    }
    fn read_only(&self) -> bool {
        self.disk().0.read_only
    }
    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        self.disk().0.read(sector, buf)
    }
    fn write(&mut self, sector: u64, data: &[u8]) -> Result<(), BlockError> {
        let mut g = self.disk();
        g.0.write(sector, data)?;
        if let Some(log) = g.1.as_mut() {
            log.push(Event::Write(sector, data.to_vec()));
        }
        Ok(())
    }
    fn flush(&mut self) -> Result<(), BlockError> {
        let mut g = self.disk();
        g.0.flush()?;
        if let Some(log) = g.1.as_mut() {
            log.push(Event::Flush);
        }
        Ok(())
    }
}

fn tool(name: &str) -> bool {
    let ok = Command::new(name).arg("--help").output().is_ok();
    if !ok {
        eprintln!(
            "SKIPPED: {name} is not installed (ci/install-deps installs dosfstools and mtools)"
        );
    }
    ok
}

fn temp_path(tag: &str) -> std::path::PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "ukrt-fat-{}-{}-{tag}.img",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// `fsck.fat -n` on an image: exit code and what it said.
fn fsck(image: &[u8]) -> (i32, String) {
    let p = temp_path("fsck");
    std::fs::write(&p, image).unwrap();
    let out = Command::new("fsck.fat").arg("-n").arg(&p).output().unwrap();
    std::fs::remove_file(&p).ok();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

/// Clean = exit 0 and nothing but the version and summary lines.
fn fsck_clean(image: &[u8]) -> Result<(), String> {
    let (rc, text) = fsck(image);
    let extra: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("fsck.fat ") && !l.contains(" files, ") && !l.is_empty())
        .collect();
    if rc == 0 && extra.is_empty() {
        Ok(())
    } else {
        Err(format!("fsck.fat -n exit {rc}:\n{text}"))
    }
}

/// A disk made by the host's mkfs.fat (`fat` = 12, 16 or 32).
fn mkfs(mib: u64, fat: u32, extra: &[&str]) -> Vec<u8> {
    let p = temp_path("mkfs");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(mib << 20).unwrap();
    let st = Command::new("mkfs.fat")
        .args(["-F", &fat.to_string()])
        .args(extra)
        .arg(&p)
        .output()
        .unwrap();
    assert!(st.status.success(), "{st:?}");
    let img = std::fs::read(&p).unwrap();
    std::fs::remove_file(&p).ok();
    img
}

/// A FAT32 disk formatted by our own `format`.
fn formatted32(mib: u64) -> Shared {
    let mut d = RamDisk::new((mib << 20) / 512, 512);
    format_as(&mut d, "UKRT", true).unwrap();
    Shared::new(d)
}

/// A disk formatted by our own `format`.
fn formatted(mib: u64) -> Shared {
    let mut d = RamDisk::new((mib << 20) / 512, 512);
    format(&mut d, "UKRT").unwrap();
    Shared::new(d)
}

fn p<'a>(s: &'a [&'a str]) -> Path<'a> {
    s
}

const RW: OpenOptions = OpenOptions {
    write: true,
    create: true,
    exclusive: false,
    truncate: false,
};

fn put(fs: &mut FatFs, path: &[&str], data: &[u8]) {
    let h = fs.open(path, RW).unwrap();
    assert_eq!(fs.write(h, 0, data).unwrap(), data.len());
    fs.close(h).unwrap();
}

fn get(fs: &mut FatFs, path: &[&str]) -> Vec<u8> {
    let h = fs.open(path, OpenOptions::default()).unwrap();
    let size = fs.fstat(h).unwrap().size as usize;
    let mut buf = vec![0u8; size + 10];
    let mut done = 0;
    loop {
        let n = fs.read(h, done as u64, &mut buf[done..]).unwrap();
        if n == 0 {
            break;
        }
        done += n;
    }
    fs.close(h).unwrap();
    buf.truncate(done);
    buf
}

fn names(fs: &mut FatFs, path: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = fs
        .read_dir(path)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    v.sort();
    v
}

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn basic_files_and_directories() {
    let d = formatted(8);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    assert_eq!(fs.kind(), "fat16");
    fs.mkdir(&["a long directory name"]).unwrap();
    assert_eq!(fs.mkdir(&["a long directory name"]), Err(Errno::EEXIST));
    put(
        &mut fs,
        &["a long directory name", "Some Long File.database"],
        b"hello",
    );
    let m = fs
        .stat(&["A LONG directory name", "some long file.DATABASE"])
        .unwrap();
    assert_eq!((m.kind, m.size), (Kind::File, 5));
    assert_eq!(fs.stat(&["nope"]), Err(Errno::ENOENT));
    assert_eq!(
        fs.stat(&["a long directory name", "Some Long File.database", "x"]),
        Err(Errno::ENOTDIR)
    );
    assert_eq!(fs.open(&["a long directory name"], RW), Err(Errno::EISDIR));
    let excl = OpenOptions {
        exclusive: true,
        ..RW
    };
    assert_eq!(
        fs.open(&["a long directory name", "Some Long File.database"], excl),
        Err(Errno::EEXIST)
    );
    assert_eq!(fs.open(&["missing", "f"], RW), Err(Errno::ENOENT));
    // Writing past the end fills with zeros; reads stop at the end.
    let h = fs.open(&["sparse"], RW).unwrap();
    assert_eq!(fs.write(h, 10_000, b"end").unwrap(), 3);
    let mut buf = vec![1u8; 20_000];
    assert_eq!(fs.read(h, 0, &mut buf).unwrap(), 10_003);
    assert!(buf[..10_000].iter().all(|&b| b == 0));
    assert_eq!(&buf[10_000..10_003], b"end");
    assert_eq!(fs.read(h, 10_003, &mut buf).unwrap(), 0);
    // set_len both ways.
    fs.set_len(h, 4).unwrap();
    assert_eq!(fs.fstat(h).unwrap().size, 4);
    fs.set_len(h, 5000).unwrap();
    assert_eq!(fs.read(h, 0, &mut buf).unwrap(), 5000);
    assert!(buf[..5000].iter().all(|&b| b == 0));
    fs.close(h).unwrap();
    assert_eq!(fs.close(h), Err(Errno::EBADF));
    // O_TRUNC.
    let t = OpenOptions {
        truncate: true,
        ..RW
    };
    let h = fs.open(&["sparse"], t).unwrap();
    assert_eq!(fs.fstat(h).unwrap().size, 0);
    fs.close(h).unwrap();
    assert_eq!(names(&mut fs, &[]), ["a long directory name", "sparse"]);
    assert_eq!(fs.read_dir(&["sparse"]), Err(Errno::ENOTDIR));
    assert_eq!(fs.rmdir(&["a long directory name"]), Err(Errno::ENOTEMPTY));
    assert_eq!(fs.rmdir(&[]), Err(Errno::EBUSY));
    assert_eq!(fs.unlink(&["a long directory name"]), Err(Errno::EISDIR));
    fs.unlink(&["a long directory name", "Some Long File.database"])
        .unwrap();
    fs.rmdir(&["a long directory name"]).unwrap();
    assert_eq!(names(&mut fs, &[]), ["sparse"]);
    let s = fs.space().unwrap();
    assert!(s.free_blocks > 0 && s.free_blocks <= s.blocks);
    drop(fs);
    let img = d.image();
    if tool("fsck.fat") {
        fsck_clean(&img).unwrap();
    }
}

#[test]
fn modification_times_come_from_the_clock() {
    fn clock() -> u64 {
        // 2026-05-19 12:34:56 UTC
        1_779_194_096_000_000_000
    }
    let d = formatted(4);
    let mut fs = mount_with_clock(d.boxed(), "xvda", clock).unwrap();
    put(&mut fs, &["t"], b"x");
    let m = fs.stat(&["t"]).unwrap();
    assert_eq!(m.mtime_ns / 1_000_000_000, 1_779_194_096);
    assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
}

#[test]
fn large_file_round_trip_with_checksum() {
    // 8 MiB through 4 KiB writes, then read back 4 KiB at a time; the
    // figures go to the test's output (cargo test -- --nocapture).
    let d = formatted32(40);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    assert_eq!(fs.kind(), "fat32");
    let data = pattern(8 << 20, 7);
    let t = std::time::Instant::now();
    let h = fs.open(&["big.bin"], RW).unwrap();
    for (i, c) in data.chunks(4096).enumerate() {
        assert_eq!(fs.write(h, (i * 4096) as u64, c).unwrap(), c.len());
    }
    fs.sync(h).unwrap();
    let wt = t.elapsed();
    fs.close(h).unwrap();
    drop(fs);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    let t = std::time::Instant::now();
    let h = fs.open(&["big.bin"], OpenOptions::default()).unwrap();
    let mut back = vec![0u8; data.len()];
    for (i, c) in back.chunks_mut(4096).enumerate() {
        assert_eq!(fs.read(h, (i * 4096) as u64, c).unwrap(), c.len());
    }
    let rt = t.elapsed();
    assert_eq!(fnv(&back), fnv(&data));
    // Random reads inside it.
    let mut b = [0u8; 100];
    for off in [5_000_000u64, 17, 8_388_000, 3_333_333] {
        let n = fs.read(h, off, &mut b).unwrap();
        assert_eq!(&b[..n], &data[off as usize..off as usize + n]);
    }
    let mb = data.len() as f64 / 1e6;
    eprintln!(
        "8 MiB via 4 KiB calls: write+sync {:.0} MB/s, read {:.0} MB/s",
        mb / wt.as_secs_f64(),
        mb / rt.as_secs_f64()
    );
    drop(fs);
    if tool("fsck.fat") {
        fsck_clean(&d.image()).unwrap();
    }
}

#[test]
#[ignore = "64 MiB, slow in debug builds: cargo test -p ukrt --release -- --ignored"]
fn file_of_64_mib_written_4_kib_at_a_time() {
    let d = formatted32(80);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    let data = pattern(64 << 20, 3);
    let t = std::time::Instant::now();
    let h = fs.open(&["big.bin"], RW).unwrap();
    for (i, c) in data.chunks(4096).enumerate() {
        fs.write(h, (i * 4096) as u64, c).unwrap();
    }
    fs.sync(h).unwrap();
    let wt = t.elapsed();
    let t = std::time::Instant::now();
    let mut back = vec![0u8; data.len()];
    for (i, c) in back.chunks_mut(4096).enumerate() {
        fs.read(h, (i * 4096) as u64, c).unwrap();
    }
    let rt = t.elapsed();
    assert!(back == data);
    eprintln!(
        "64 MiB via 4 KiB calls: write+sync {:.0} MB/s, read {:.0} MB/s",
        67.1 / wt.as_secs_f64(),
        67.1 / rt.as_secs_f64()
    );
}

#[test]
fn a_thousand_small_files_in_nested_directories() {
    let d = formatted(16);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    for a in 0..10 {
        let da = format!("dir {a}");
        fs.mkdir(&[&da]).unwrap();
        for b in 0..4 {
            let db = format!("sub{b}");
            fs.mkdir(&[&da, &db]).unwrap();
            for c in 0..25 {
                let name = format!("file number {c}.txt");
                put(
                    &mut fs,
                    &[&da, &db, &name],
                    format!("{a}/{b}/{c}").as_bytes(),
                );
            }
        }
    }
    fs.sync_all().unwrap();
    drop(fs);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    let mut count = 0;
    for a in 0..10 {
        let da = format!("dir {a}");
        for b in 0..4 {
            let db = format!("sub{b}");
            let list = names(&mut fs, &[&da, &db]);
            assert_eq!(list.len(), 25);
            for n in &list {
                let c: usize = n
                    .trim_start_matches("file number ")
                    .trim_end_matches(".txt")
                    .parse()
                    .unwrap();
                assert_eq!(
                    get(&mut fs, &[&da, &db, n]),
                    format!("{a}/{b}/{c}").as_bytes()
                );
                count += 1;
            }
            // Rename every file, then remove half.
            for c in 0..25 {
                let from = format!("file number {c}.txt");
                let to = format!("renamed {c}.dat");
                fs.rename(&[&da, &db, &from], &[&da, &db, &to]).unwrap();
            }
            for c in (0..25).step_by(2) {
                fs.unlink(&[&da, &db, &format!("renamed {c}.dat")]).unwrap();
            }
            assert_eq!(fs.read_dir(&[&da, &db]).unwrap().len(), 12);
        }
    }
    assert_eq!(count, 1000);
    drop(fs);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    assert_eq!(get(&mut fs, &["dir 9", "sub3", "renamed 7.dat"]), b"9/3/7");
    assert_eq!(
        fs.stat(&["dir 9", "sub3", "renamed 8.dat"]),
        Err(Errno::ENOENT)
    );
    drop(fs);
    if tool("fsck.fat") {
        fsck_clean(&d.image()).unwrap();
    }
}

#[test]
fn a_full_disk_gives_enospc_and_keeps_earlier_files() {
    let d = formatted(2);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    put(&mut fs, &["first"], &pattern(100_000, 1));
    let h = fs.open(&["filler"], RW).unwrap();
    let chunk = pattern(64 * 1024, 2);
    let mut off = 0u64;
    let err = loop {
        match fs.write(h, off, &chunk) {
            Ok(n) => off += n as u64,
            Err(e) => break e,
        }
    };
    assert_eq!(err, Errno::ENOSPC);
    assert!(off > 1_500_000, "only {off} bytes fit");
    assert_eq!(fs.fstat(h).unwrap().size, off);
    assert_eq!(fs.space().unwrap().free_blocks, 0);
    assert_eq!(fs.mkdir(&["more"]), Err(Errno::ENOSPC));
    fs.close(h).unwrap();
    assert_eq!(get(&mut fs, &["first"]), pattern(100_000, 1));
    // Removing the filler gives the space back.
    fs.unlink(&["filler"]).unwrap();
    put(&mut fs, &["second"], &pattern(500_000, 3));
    drop(fs);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    assert_eq!(get(&mut fs, &["second"]), pattern(500_000, 3));
    drop(fs);
    if tool("fsck.fat") {
        fsck_clean(&d.image()).unwrap();
    }
}

#[test]
fn a_read_only_disk_mounts_and_refuses_changes() {
    let d = formatted(4);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    fs.mkdir(&["d"]).unwrap();
    put(&mut fs, &["d", "f"], b"data");
    drop(fs);
    let before = d.image();
    d.disk().0.read_only = true;
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    assert!(fs.read_only());
    assert!(fs.stat(&["d", "f"]).unwrap().read_only);
    assert_eq!(get(&mut fs, &["d", "f"]), b"data");
    assert_eq!(fs.open(&["d", "f"], RW), Err(Errno::EROFS));
    assert_eq!(fs.open(&["new"], RW), Err(Errno::EROFS));
    let h = fs.open(&["d", "f"], OpenOptions::default()).unwrap();
    assert_eq!(fs.write(h, 0, b"x"), Err(Errno::EROFS));
    assert_eq!(fs.set_len(h, 0), Err(Errno::EROFS));
    fs.sync(h).unwrap();
    fs.close(h).unwrap();
    assert_eq!(fs.mkdir(&["e"]), Err(Errno::EROFS));
    assert_eq!(fs.unlink(&["d", "f"]), Err(Errno::EROFS));
    assert_eq!(fs.rmdir(&["d"]), Err(Errno::EROFS));
    assert_eq!(fs.rename(&["d", "f"], &["g"]), Err(Errno::EROFS));
    fs.sync_all().unwrap();
    drop(fs);
    assert!(d.image() == before, "a read-only mount wrote to the disk");
}

#[test]
fn rename_follows_posix() {
    let d = formatted(8);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    put(&mut fs, &["a"], b"A");
    put(&mut fs, &["b"], b"B");
    fs.mkdir(&["d"]).unwrap();
    fs.mkdir(&["e"]).unwrap();
    fs.mkdir(&["full"]).unwrap();
    put(&mut fs, &["full", "x"], b"X");
    // A file replaces a file.
    fs.rename(&["a"], &["b"]).unwrap();
    assert_eq!(get(&mut fs, &["b"]), b"A");
    assert_eq!(fs.stat(&["a"]), Err(Errno::ENOENT));
    // Kinds must match.
    assert_eq!(fs.rename(&["b"], &["d"]), Err(Errno::EISDIR));
    assert_eq!(fs.rename(&["d"], &["b"]), Err(Errno::ENOTDIR));
    // A directory replaces an empty directory, not a full one.
    assert_eq!(fs.rename(&["d"], &["full"]), Err(Errno::ENOTEMPTY));
    put(&mut fs, &["d", "inside"], b"I");
    fs.rename(&["d"], &["e"]).unwrap();
    assert_eq!(get(&mut fs, &["e", "inside"]), b"I");
    // Not into itself.
    assert_eq!(fs.rename(&["e"], &["e", "sub"]), Err(Errno::EINVAL));
    // Across directories, with open handles following.
    let h = fs.open(&["e", "inside"], RW).unwrap();
    fs.rename(&["e"], &["full", "moved"]).unwrap();
    assert_eq!(fs.write(h, 1, b"2").unwrap(), 1);
    fs.close(h).unwrap();
    assert_eq!(get(&mut fs, &["full", "moved", "inside"]), b"I2");
    fs.rename(&["b"], &["full", "moved", "b2"]).unwrap();
    assert_eq!(names(&mut fs, &["full", "moved"]), ["b2", "inside"]);
    assert_eq!(fs.rename(&["nope"], &["x"]), Err(Errno::ENOENT));
    assert_eq!(
        fs.rename(&["full", "x"], &["nodir", "x"]),
        Err(Errno::ENOENT)
    );
    assert_eq!(
        fs.rename(&["full", "x"], &["full", "moved", "b2", "x"]),
        Err(Errno::ENOTDIR)
    );
    // A tree moved to another parent keeps its files and subdirectories.
    fs.mkdir(&["full", "moved", "deeper"]).unwrap();
    put(&mut fs, &["full", "moved", "deeper", "leaf"], b"L");
    fs.rename(&["full", "moved"], &["top"]).unwrap();
    assert_eq!(get(&mut fs, &["top", "deeper", "leaf"]), b"L");
    assert_eq!(names(&mut fs, &["top"]), ["b2", "deeper", "inside"]);
    assert_eq!(names(&mut fs, &["full"]), ["x"]);
    // Same file: nothing happens.
    fs.rename(&["full", "x"], &["full", "x"]).unwrap();
    drop(fs);
    if tool("fsck.fat") {
        // Also checks the moved directory's `..`.
        fsck_clean(&d.image()).unwrap();
    }
}

#[test]
fn an_open_file_cannot_be_unlinked_or_replaced() {
    let d = formatted(4);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    put(&mut fs, &["x"], b"1");
    put(&mut fs, &["y"], b"2");
    let h = fs.open(&["x"], OpenOptions::default()).unwrap();
    assert_eq!(fs.unlink(&["X"]), Err(Errno::EBUSY));
    assert_eq!(fs.rename(&["y"], &["x"]), Err(Errno::EBUSY));
    fs.close(h).unwrap();
    fs.unlink(&["x"]).unwrap();
}

#[test]
fn corrupt_images_are_refused_with_a_named_reason() {
    let good = formatted32(40).image();
    let msg = |img: Vec<u8>| -> String {
        match mount(Box::new(RamDisk::from_image(img, 512)), "xvda") {
            Ok(_) => panic!("mounted"),
            Err(e) => e.to_string(),
        }
    };
    assert_eq!(
        msg(vec![0; 1 << 20]),
        "xvda: not a FAT filesystem: boot sector signature 0x0000"
    );
    let mut img = good.clone();
    img[510] = 0x12;
    assert!(msg(img).contains("boot sector signature 0xaa12"));
    // Truncated: the boot sector promises more than the disk has.
    let m = msg(good[..20 << 20].to_vec());
    assert!(m.starts_with("xvda: FAT filesystem truncated"), "{m}");
    // FAT32 layout whose cluster count is FAT16's.
    let mut img = good.clone();
    img[13] = 8; // sectors per cluster: 1 -> 8
    let m = msg(img);
    assert!(
        m.contains("FAT32 cluster count") && m.contains("inconsistent"),
        "{m}"
    );
    // Garbage in the FAT.
    let mut img = good.clone();
    let fat = 512 * u16::from_le_bytes([img[14], img[15]]) as usize;
    img[fat + 4 * 100..fat + 4 * 100 + 4].copy_from_slice(&0x0ABC_DEF0u32.to_le_bytes());
    let m = msg(img);
    assert_eq!(m, "xvda: corrupt FAT: entry of cluster 100 is 0xabcdef0");
    let mut img = good.clone();
    img[fat] = 0x00;
    assert!(msg(img).contains("media byte"));
    // Random garbage everywhere but the signature.
    let mut img = pattern(1 << 20, 9);
    img[510] = 0x55;
    img[511] = 0xAA;
    assert!(msg(img).starts_with("xvda: "));
    // A disk smaller than a sector's worth of FAT.
    let m = msg(good[..512].to_vec());
    assert!(m.contains("truncated"), "{m}");
}

#[test]
fn host_made_images_mount_and_mcopy_files_read_back() {
    if !tool("mkfs.fat") || !tool("mcopy") {
        return;
    }
    for (fat, mib, extra) in [
        (12u32, 4u64, &[][..]),
        (16, 16, &[][..]),
        (32, 40, &["-s", "1"][..]),
    ] {
        let img = mkfs(mib, fat, extra);
        let path = temp_path("mtools");
        std::fs::write(&path, &img).unwrap();
        let src = temp_path("src");
        let content = pattern(70_000, u64::from(fat));
        std::fs::write(&src, &content).unwrap();
        let i = path.to_str().unwrap();
        assert!(Command::new("mmd")
            .args(["-i", i, "::/Some Dir"])
            .status()
            .unwrap()
            .success());
        assert!(Command::new("mcopy")
            .args([
                "-i",
                i,
                src.to_str().unwrap(),
                "::/Some Dir/A Long Name.bin"
            ])
            .status()
            .unwrap()
            .success());
        let img = std::fs::read(&path).unwrap();
        let d = Shared::new(RamDisk::from_image(img, 512));
        let mut fs = mount(d.boxed(), "xvdb").unwrap();
        assert_eq!(fs.kind(), format!("fat{fat}"));
        assert_eq!(names(&mut fs, &["Some Dir"]), ["A Long Name.bin"]);
        assert_eq!(get(&mut fs, &["some dir", "a long name.bin"]), content);
        // Ours, back to mtools.
        fs.mkdir(&["Our Directory"]).unwrap();
        put(
            &mut fs,
            &["Our Directory", "written by ukrt.txt"],
            b"hello from ukrt\n",
        );
        drop(fs);
        let img = d.image();
        fsck_clean(&img).unwrap();
        std::fs::write(&path, &img).unwrap();
        let dir = Command::new("mdir")
            .args(["-i", i, "-b", "::/Our Directory"])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&dir.stdout).contains("written by ukrt.txt"),
            "{dir:?}"
        );
        let t = Command::new("mtype")
            .args(["-i", i, "::/Our Directory/written by ukrt.txt"])
            .output()
            .unwrap();
        assert_eq!(t.stdout, b"hello from ukrt\n");
        std::fs::remove_file(&path).ok();
        std::fs::remove_file(&src).ok();
    }
}

/// The workload of the crash tests: `n` records appended to one file in a
/// subdirectory, each followed by fsync. Returns, per record, how many
/// device writes had happened when its fsync returned.
fn append_workload(fs: &mut FatFs, d: &Shared, n: usize, rec: usize) -> Vec<usize> {
    fs.mkdir(&["logs"]).unwrap();
    let h = fs.open(&["logs", "app.log"], RW).unwrap();
    let mut synced = Vec::new();
    for i in 0..n {
        let r = record(i, rec);
        fs.write(h, (i * rec) as u64, &r).unwrap();
        fs.sync(h).unwrap();
        synced.push(d.disk().1.as_ref().map_or(0, |l| {
            l.iter().filter(|e| matches!(e, Event::Write(..))).count()
        }));
    }
    fs.close(h).unwrap();
    synced
}

fn record(i: usize, len: usize) -> Vec<u8> {
    let mut r = format!("record {i:06} ").into_bytes();
    r.resize(len - 1, b'a' + (i % 26) as u8);
    r.push(b'\n');
    r
}

/// The crash tests' workload with renames, mkdir and unlink mixed in:
/// every 4th record, a small file is written in `logs`, fsync'd, renamed
/// (into a new directory every other time, else within `logs`), and the
/// one renamed two rounds before is unlinked.
fn mixed_workload(fs: &mut FatFs, d: &Shared, n: usize, rec: usize) -> Vec<usize> {
    let writes = |d: &Shared| {
        d.disk().1.as_ref().map_or(0, |l| {
            l.iter().filter(|e| matches!(e, Event::Write(..))).count()
        })
    };
    fs.mkdir(&["logs"]).unwrap();
    let h = fs.open(&["logs", "app.log"], RW).unwrap();
    let mut synced = Vec::new();
    let mut kept: Vec<Vec<String>> = Vec::new();
    for i in 0..n {
        fs.write(h, (i * rec) as u64, &record(i, rec)).unwrap();
        fs.sync(h).unwrap();
        synced.push(writes(d));
        if i % 4 == 3 {
            let k = i / 4;
            let tmp = format!("side file {k}.tmp");
            let t = fs.open(&["logs", &tmp], RW).unwrap();
            fs.write(t, 0, &pattern(700 + 300 * (k % 5), k as u64))
                .unwrap();
            fs.sync(t).unwrap();
            fs.close(t).unwrap();
            let to: Vec<String> = if k % 2 == 0 {
                let dir = format!("archive {k}");
                fs.mkdir(&[&dir]).unwrap();
                vec![dir, format!("kept {k}.dat")]
            } else {
                vec!["logs".into(), format!("kept {k}.dat")]
            };
            let to_ref: Vec<&str> = to.iter().map(|s| s.as_str()).collect();
            fs.rename(&["logs", &tmp], &to_ref).unwrap();
            kept.push(to);
            if kept.len() > 2 {
                let old = kept.remove(0);
                let old_ref: Vec<&str> = old.iter().map(|s| s.as_str()).collect();
                fs.unlink(&old_ref).unwrap();
            }
            fs.sync_all().unwrap();
        }
    }
    fs.close(h).unwrap();
    synced
}

/// What a sweep saw.
#[derive(Debug, Default)]
struct Sweep {
    checked: usize,
    /// Cut points fsck.fat called clean as the cut left them.
    clean_as_cut: usize,
    /// Cut points whose next mount repaired the volume.
    repaired: usize,
    /// Cut points fsck.fat called clean after that mount and unmount.
    clean_after: usize,
    /// Over all repairs: chains trimmed, clusters freed, FAT sectors
    /// copied, chains from FAT 2, duplicates removed.
    trimmed: u32,
    freed: u32,
    fat_synced: u32,
    from_fat2: u32,
    duplicates: u32,
}

/// Cuts after every `every`th write (the disk keeps exactly the writes
/// before the cut, in order, as a destroyed domain's backend does). At
/// each cut: fsck.fat -n on the image as left; then mount (which repairs
/// it if the dirty bit is set), every fsync'd record there, every file
/// readable, sync_all and unmount; then fsck.fat -n must be clean.
fn crash_sweep(
    base: Vec<u8>,
    workload: fn(&mut FatFs, &Shared, usize, usize) -> Vec<usize>,
    n: usize,
    rec: usize,
    every: usize,
) -> Sweep {
    let d = Shared::new(RamDisk::from_image(base.clone(), 512));
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    // Start from a synced state, then log.
    fs.sync_all().unwrap();
    d.log();
    let synced = workload(&mut fs, &d, n, rec);
    drop(fs);
    let writes: Vec<(u64, Vec<u8>)> = d
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Write(s, b) => Some((*s, b.clone())),
            Event::Flush => None,
        })
        .collect();
    let mut img = base;
    let mut sw = Sweep::default();
    for k in 0..=writes.len() {
        if k > 0 {
            let (s, b) = &writes[k - 1];
            let at = *s as usize * 512;
            img[at..at + b.len()].copy_from_slice(b);
        }
        if k % every != 0 && k != writes.len() {
            continue;
        }
        sw.checked += 1;
        let durable = synced.iter().filter(|&&w| w <= k).count();
        let as_cut = fsck_clean(&img);
        let cut = Shared::new(RamDisk::from_image(img.clone(), 512));
        let mut fs = mount(cut.boxed(), "xvda").unwrap();
        let r = fs.mount_report().clone();
        let at = format!("cut at write {k} of {}", writes.len());
        assert_eq!(r.needs_fsck, None, "{at}");
        assert!(!fs.read_only(), "{at}");
        assert_eq!(r.repaired, fs.was_dirty(), "{at}");
        if as_cut.is_err() {
            // Only inside a multi-sector metadata update, which the dirty
            // bit brackets.
            assert!(
                fs.was_dirty(),
                "{at}: not clean and no dirty bit:\n{as_cut:?}"
            );
        } else {
            sw.clean_as_cut += 1;
        }
        if r.repaired {
            sw.repaired += 1;
            sw.trimmed += r.chains_trimmed;
            sw.freed += r.clusters_freed;
            sw.fat_synced += r.fat_sectors_synced;
            sw.from_fat2 += r.chains_from_fat2;
            sw.duplicates += r.duplicates_removed;
            assert!(r
                .summary("xvda")
                .unwrap()
                .starts_with("xvda: recovered from an interrupted checkpoint: "));
        }
        if durable > 0 {
            let data = get(&mut fs, &["logs", "app.log"]);
            assert!(
                data.len() >= durable * rec,
                "{at}: {} bytes, {durable} records synced",
                data.len()
            );
            for i in 0..durable {
                assert_eq!(
                    &data[i * rec..(i + 1) * rec],
                    &record(i, rec)[..],
                    "{at}, record {i}"
                );
            }
        }
        // Every file reads to its end (its chain covers its size).
        let mut dirs: Vec<Vec<String>> = vec![vec![]];
        while let Some(dir) = dirs.pop() {
            let dref: Vec<&str> = dir.iter().map(|s| s.as_str()).collect();
            for e in fs.read_dir(&dref).unwrap() {
                let mut p = dir.clone();
                p.push(e.name);
                if e.kind == Kind::Dir {
                    dirs.push(p);
                } else {
                    let pref: Vec<&str> = p.iter().map(|s| s.as_str()).collect();
                    let size = fs.stat(&pref).unwrap().size as usize;
                    assert_eq!(get(&mut fs, &pref).len(), size, "{at}: {p:?}");
                }
            }
        }
        fs.sync_all().unwrap();
        drop(fs.unmount().unwrap());
        match fsck_clean(&cut.image()) {
            Ok(()) => sw.clean_after += 1,
            Err(e) => panic!("{at}: not clean after the repairing mount ({r:?}):\n{e}"),
        }
    }
    sw
}

#[test]
fn append_and_fsync_survive_a_cut_at_every_write() {
    if !tool("fsck.fat") {
        return;
    }
    // FAT16, 1 KiB clusters: records of 100 bytes cross a cluster every
    // ~10 records.
    let base = mkfs(8, 16, &["-s", "2"]);
    let sw = crash_sweep(base, append_workload, 120, 100, 1);
    eprintln!("FAT16 append: {sw:?}");
    assert_eq!(sw.clean_after, sw.checked);
    assert!(sw.repaired > 0 && sw.clean_as_cut < sw.checked, "{sw:?}");
}

#[test]
fn append_and_fsync_survive_cuts_on_fat32() {
    if !tool("fsck.fat") {
        return;
    }
    let base = mkfs(40, 32, &["-s", "1"]);
    // 512-byte clusters: a 64-byte record crosses one every 8 records,
    // and each crossing's sync is a bracketed multi-sector update.
    let sw = crash_sweep(base, append_workload, 64, 64, 1);
    eprintln!("FAT32 append: {sw:?}");
    assert_eq!(sw.clean_after, sw.checked);
    assert!(sw.repaired > 0 && sw.clean_as_cut < sw.checked, "{sw:?}");
}

#[test]
fn renames_mkdir_and_unlink_survive_a_cut_at_every_write() {
    if !tool("fsck.fat") {
        return;
    }
    let base = mkfs(8, 16, &["-s", "2"]);
    let sw = crash_sweep(base, mixed_workload, 40, 100, 1);
    eprintln!("FAT16 mixed: {sw:?}");
    assert_eq!(sw.clean_after, sw.checked);
    // Unlinks cut before their directory sector, renames cut in half.
    assert!(sw.from_fat2 > 0 && sw.duplicates > 0, "{sw:?}");
}

#[test]
fn renames_mkdir_and_unlink_survive_a_cut_at_every_write_on_fat32() {
    if !tool("fsck.fat") {
        return;
    }
    let base = mkfs(40, 32, &["-s", "1"]);
    let sw = crash_sweep(base, mixed_workload, 40, 64, 1);
    eprintln!("FAT32 mixed: {sw:?}");
    assert_eq!(sw.clean_after, sw.checked);
    assert!(sw.repaired > 0, "{sw:?}");
}

#[test]
fn a_power_cut_keeps_what_sync_made_durable() {
    let d = formatted(8);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    let h = fs.open(&["f"], RW).unwrap();
    fs.write(h, 0, b"durable").unwrap();
    fs.sync(h).unwrap();
    fs.write(h, 7, b" and not").unwrap();
    put(&mut fs, &["other"], b"unsynced");
    // The cut: only flushed writes survive. FatFs is forgotten, not dropped
    // (its Drop would write everything).
    d.disk().0.power_cut();
    std::mem::forget(fs);
    let img = d.image();
    let mut fs = mount(Box::new(RamDisk::from_image(img.clone(), 512)), "xvda").unwrap();
    assert!(!fs.was_dirty());
    assert_eq!(get(&mut fs, &["f"]), b"durable");
    drop(fs);
    if tool("fsck.fat") {
        fsck_clean(&img).unwrap();
    }
}

#[test]
fn close_and_unmount_lose_nothing() {
    let d = formatted(8);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    let h = fs.open(&["f"], RW).unwrap();
    fs.write(h, 0, &pattern(300_000, 5)).unwrap();
    fs.write(h, 300_000, b"tail").unwrap();
    fs.close(h).unwrap();
    let dev = fs.unmount().unwrap();
    let mut fs = mount(dev, "xvda").unwrap();
    let mut want = pattern(300_000, 5);
    want.extend_from_slice(b"tail");
    assert_eq!(get(&mut fs, &["f"]), want);
}

#[test]
fn sectors_of_4096_bytes() {
    let mut d = RamDisk::new(16 * 256, 4096);
    format(&mut d, "BIG").unwrap();
    let d = Shared::new(d);
    let mut fs = mount(d.boxed(), "xvdc").unwrap();
    put(&mut fs, &["x.bin"], &pattern(50_000, 4));
    drop(fs);
    let mut fs = mount(d.boxed(), "xvdc").unwrap();
    assert_eq!(get(&mut fs, &["x.bin"]), pattern(50_000, 4));
}

#[test]
fn fat_does_what_every_filesystem_must() {
    for d in [formatted(8), formatted32(40)] {
        let mut fs = mount(d.boxed(), "xvda").unwrap();
        crate::fs::conformance::check_all(&mut fs);
        fs.sync_all().unwrap();
        drop(fs);
        fsck_clean(&d.image()).unwrap();
    }
}

/// A FAT16 image with two files, `F` (3 clusters) and `G` (1), made by
/// our own code, and where its parts are, for hand-made damage.
struct Damage {
    img: Vec<u8>,
    fat: usize,
    fat_len: usize,
    root: usize,
    cluster: usize,
}

const F_SIZE_CLUSTERS: usize = 3;

impl Damage {
    fn new() -> Self {
        let d = formatted(8);
        let mut fs = mount(d.boxed(), "xvda").unwrap();
        let cluster = fs.cluster as usize;
        put(
            &mut fs,
            &["F"],
            &pattern(F_SIZE_CLUSTERS * cluster - 100, 1),
        );
        put(&mut fs, &["G"], &pattern(10, 2));
        drop(fs);
        let img = d.image();
        let le16 = |at: usize| u16::from_le_bytes([img[at], img[at + 1]]) as usize;
        let fat = le16(14) * 512;
        let fat_len = le16(22) * 512;
        let root = fat + usize::from(img[16]) * fat_len;
        assert_eq!(cluster, usize::from(img[13]) * 512);
        Damage {
            img,
            fat,
            fat_len,
            root,
            cluster,
        }
    }
    fn get(&self, copy: usize, n: u16) -> u16 {
        let at = self.fat + copy * self.fat_len + 2 * n as usize;
        u16::from_le_bytes([self.img[at], self.img[at + 1]])
    }
    fn set(&mut self, copy: usize, n: u16, v: u16) {
        let at = self.fat + copy * self.fat_len + 2 * n as usize;
        self.img[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    fn set_both(&mut self, n: u16, v: u16) {
        self.set(0, n, v);
        self.set(1, n, v);
    }
    /// First cluster of a root entry with this 8.3 name.
    fn start(&self, name: &[u8; 11]) -> u16 {
        let at = (0..512)
            .map(|i| self.root + 32 * i)
            .find(|&at| &self.img[at..at + 11] == name)
            .expect("entry");
        u16::from_le_bytes([self.img[at + 26], self.img[at + 27]])
    }
    /// F's chain.
    fn chain_f(&self) -> Vec<u16> {
        let mut v = vec![self.start(b"F          ")];
        while v.len() < F_SIZE_CLUSTERS {
            v.push(self.get(0, *v.last().unwrap()));
        }
        v
    }
    /// A cluster free in both FATs.
    fn free_cluster(&self) -> u16 {
        (2..1000)
            .find(|&n| self.get(0, n) == 0 && self.get(1, n) == 0)
            .unwrap()
    }
    fn set_dirty(&mut self) {
        self.img[0x25] |= 1;
    }
    /// Mounts it (repairing), checks both files, unmounts; the report and
    /// the image after.
    fn mount(&self) -> (MountReport, Vec<u8>) {
        let d = Shared::new(RamDisk::from_image(self.img.clone(), 512));
        let mut fs = mount(d.boxed(), "xvda").unwrap();
        let r = fs.mount_report().clone();
        if r.needs_fsck.is_none() {
            let f = get(&mut fs, &["F"]);
            assert_eq!(f, pattern(F_SIZE_CLUSTERS * self.cluster - 100, 1));
            assert_eq!(get(&mut fs, &["G"]), pattern(10, 2));
        }
        drop(fs.unmount().unwrap());
        (r, d.image())
    }
}

/// After a repair: fsck.fat clean, and the next mount finds nothing.
fn repaired_for_good(img: Vec<u8>) {
    assert_eq!(img[0x25] & 1, 0, "dirty bit still set");
    if tool("fsck.fat") {
        fsck_clean(&img).unwrap();
    }
    let d = Shared::new(RamDisk::from_image(img, 512));
    let fs = mount(d.boxed(), "xvda").unwrap();
    assert!(!fs.was_dirty());
    assert_eq!(fs.mount_report(), &MountReport::default());
}

#[test]
fn a_clean_volume_mounts_without_writing_anything() {
    let dm = Damage::new();
    let d = Shared::new(RamDisk::from_image(dm.img.clone(), 512));
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    assert_eq!(get(&mut fs, &["G"]), pattern(10, 2));
    assert_eq!(fs.mount_report().summary("xvda"), None);
    drop(fs);
    let disk = d.disk();
    assert_eq!((disk.0.writes, disk.0.flushes), (0, 0));
    assert!(disk.0.data == dm.img);
}

#[test]
fn repair_of_the_dirty_bit_alone() {
    let mut dm = Damage::new();
    dm.set_dirty();
    let (r, img) = dm.mount();
    assert!(r.was_dirty && r.repaired, "{r:?}");
    assert_eq!(
        r.summary("xvda").unwrap(),
        "xvda: recovered from an interrupted checkpoint: only the dirty bit was set"
    );
    assert_eq!(
        (r.chains_trimmed, r.clusters_freed, r.fat_sectors_synced),
        (0, 0, 0)
    );
    // Only the boot sector changed.
    let changed: Vec<usize> = (0..img.len() / 512)
        .filter(|&s| img[s * 512..(s + 1) * 512] != dm.img[s * 512..(s + 1) * 512])
        .collect();
    assert_eq!(changed, [0]);
    repaired_for_good(img);
    // FAT[1]'s clean-shutdown bit cleared (another OS's way) is dirty too.
    let mut dm = Damage::new();
    let f1 = dm.get(0, 1);
    dm.set_both(1, f1 & !0x8000);
    let (r, img) = dm.mount();
    assert!(r.repaired, "{r:?}");
    let d = Damage { img, ..dm };
    assert_eq!(d.get(0, 1), f1);
    assert_eq!(d.get(1, 1), f1);
    repaired_for_good(d.img);
}

#[test]
fn repair_when_the_fat_copies_differ() {
    // FAT 1 written, FAT 2 not: a cluster FAT 1 took for nothing (lost).
    let mut dm = Damage::new();
    let x = dm.free_cluster();
    dm.set(0, x, 0xFFFF);
    dm.set_dirty();
    let (r, img) = dm.mount();
    assert_eq!((r.fat_sectors_synced, r.clusters_freed), (1, 1), "{r:?}");
    let d = Damage { img, ..dm };
    assert_eq!((d.get(0, x), d.get(1, x)), (0, 0));
    repaired_for_good(d.img);
    // FAT 1 freed F's chain, the directory still names F (an unlink cut
    // before its directory sector): F's chain comes from FAT 2.
    let mut dm = Damage::new();
    let chain = dm.chain_f();
    for &c in &chain {
        dm.set(0, c, 0);
    }
    dm.set_dirty();
    let (r, img) = dm.mount();
    assert_eq!((r.chains_from_fat2, r.fat_sectors_synced), (1, 1), "{r:?}");
    let d = Damage { img, ..dm };
    assert_eq!(d.chain_f(), chain);
    assert_eq!(d.get(0, chain[2]), 0xFFFF);
    repaired_for_good(d.img);
    let r = MountReport {
        chains_trimmed: 1,
        fat_sectors_synced: 1,
        ..r
    };
    assert!(r
        .to_string()
        .starts_with("1 chain trimmed, 1 FAT sector copied"));
}

#[test]
fn repair_of_a_chain_longer_than_its_file() {
    let mut dm = Damage::new();
    let chain = dm.chain_f();
    let (x, y) = (dm.free_cluster(), dm.free_cluster() + 1);
    assert_eq!(dm.get(0, y), 0);
    dm.set_both(chain[2], x);
    dm.set_both(x, y);
    dm.set_both(y, 0xFFFF);
    dm.set_dirty();
    let (r, img) = dm.mount();
    assert_eq!((r.chains_trimmed, r.clusters_freed), (1, 2), "{r:?}");
    assert_eq!(r.fat_sectors_synced, 0);
    assert_eq!(
        r.summary("xvda").unwrap(),
        "xvda: recovered from an interrupted checkpoint: 1 chain trimmed, 2 lost clusters freed"
    );
    let d = Damage { img, ..dm };
    assert_eq!(d.get(0, chain[2]), 0xFFFF);
    assert_eq!((d.get(0, x), d.get(1, y)), (0, 0));
    repaired_for_good(d.img);
}

#[test]
fn repair_of_a_lost_cluster() {
    let mut dm = Damage::new();
    let x = dm.free_cluster();
    dm.set_both(x, 0xFFFF);
    dm.set_dirty();
    let (r, img) = dm.mount();
    assert_eq!((r.clusters_freed, r.chains_trimmed), (1, 0), "{r:?}");
    let d = Damage { img, ..dm };
    assert_eq!(d.get(0, x), 0);
    repaired_for_good(d.img);
}

#[test]
fn repair_of_a_wrong_free_count_on_fat32() {
    let d = formatted32(40);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    put(&mut fs, &["F"], &pattern(5000, 1));
    drop(fs);
    let mut img = d.image();
    let fsinfo = 512 * u16::from_le_bytes([img[48], img[49]]) as usize;
    let right = u32::from_le_bytes(img[fsinfo + 488..fsinfo + 492].try_into().unwrap());
    img[fsinfo + 488..fsinfo + 492].copy_from_slice(&(right + 7).to_le_bytes());
    img[0x41] |= 1;
    let d = Shared::new(RamDisk::from_image(img, 512));
    let fs = mount(d.boxed(), "xvda").unwrap();
    let r = fs.mount_report().clone();
    assert!(r.repaired && r.fsinfo_fixed, "{r:?}");
    assert_eq!(
        r.summary("xvda").unwrap(),
        "xvda: recovered from an interrupted checkpoint: FSInfo rewritten"
    );
    drop(fs);
    let img = d.image();
    let now = u32::from_le_bytes(img[fsinfo + 488..fsinfo + 492].try_into().unwrap());
    assert_eq!(now, right);
    assert_eq!(img[0x41] & 1, 0);
    if tool("fsck.fat") {
        fsck_clean(&img).unwrap();
    }
}

/// Damage the repair does not touch: mounted read-only with the reason,
/// nothing written, and no hang.
fn refused(dm: &Damage, why: &str) {
    let d = Shared::new(RamDisk::from_image(dm.img.clone(), 512));
    let t = std::time::Instant::now();
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    assert!(t.elapsed().as_secs() < 5);
    let r = fs.mount_report().clone();
    assert!(!r.repaired);
    assert!(fs.read_only());
    assert_eq!(
        r.summary("xvda").unwrap(),
        format!("xvda: the filesystem needs fsck.fat: {why}; mounted read-only")
    );
    assert_eq!(fs.open(&["new"], RW), Err(Errno::EROFS));
    // Still readable (G's 10 bytes are G's, or F's when G is the damage).
    assert_eq!(get(&mut fs, &["G"]).len(), 10);
    drop(fs);
    let disk = d.disk();
    assert_eq!(disk.0.writes, 0);
    assert!(disk.0.data == dm.img);
}

#[test]
fn a_chain_shorter_than_its_size_is_refused() {
    let mut dm = Damage::new();
    let chain = dm.chain_f();
    dm.set_both(chain[1], 0xFFFF);
    dm.set_both(chain[2], 0);
    dm.set_dirty();
    refused(&dm, "file /F has a cluster chain shorter than its size");
}

#[test]
fn a_looping_chain_is_refused_without_hanging() {
    let mut dm = Damage::new();
    let chain = dm.chain_f();
    dm.set_both(chain[1], chain[0]);
    dm.set_dirty();
    refused(&dm, "file /F has a cluster chain that loops");
    // A directory's chain (walked to its end) that loops.
    let d = formatted(8);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    fs.mkdir(&["D"]).unwrap();
    put(&mut fs, &["G"], &pattern(10, 2));
    drop(fs);
    let mut dm = Damage {
        img: d.image(),
        ..dm
    };
    let dir = dm.start(b"D          ");
    dm.set_both(dir, dir);
    dm.set_dirty();
    refused(&dm, "directory /D has a cluster chain that loops");
}

#[test]
fn cross_linked_files_are_refused() {
    // G's chain runs into F's past G's size: trimming G mends it.
    let mut dm = Damage::new();
    let chain = dm.chain_f();
    let g = dm.start(b"G          ");
    dm.set_both(g, chain[1]);
    dm.set_dirty();
    let (r, img) = dm.mount();
    assert_eq!((r.chains_trimmed, r.clusters_freed), (1, 0), "{r:?}");
    repaired_for_good(img);
    // G's entry starts inside F's chain: two files own the same clusters.
    let mut dm = Damage::new();
    let at = (0..512)
        .map(|i| dm.root + 32 * i)
        .find(|&at| &dm.img[at..at + 11] == b"G          ")
        .unwrap();
    let old = dm.start(b"G          ");
    dm.set_both(old, 0);
    dm.img[at + 26..at + 28].copy_from_slice(&chain[1].to_le_bytes());
    dm.set_dirty();
    refused(
        &dm,
        "file /G has clusters that another file or directory also has",
    );
}

#[test]
fn a_dirty_read_only_disk_mounts_unchecked() {
    let mut dm = Damage::new();
    let x = dm.free_cluster();
    dm.set_both(x, 0xFFFF);
    dm.set_dirty();
    let d = Shared::new(RamDisk::from_image(dm.img.clone(), 512));
    d.disk().0.read_only = true;
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    let r = fs.mount_report().clone();
    assert!(r.was_dirty && r.unchecked_read_only && !r.repaired, "{r:?}");
    assert_eq!(
        r.summary("xvda").unwrap(),
        "xvda: not cleanly unmounted, and the disk is read-only: mounted without checking"
    );
    assert_eq!(get(&mut fs, &["G"]), pattern(10, 2));
    drop(fs);
    assert!(d.image() == dm.img);
}

#[test]
fn a_thousand_files_through_the_request_combiner_read_back_whole() {
    use crate::fs::combine::Combined;
    let mut d = RamDisk::new((128 << 20) / 512, 512);
    d.data = mkfs(128, 32, &[]);
    let shared = Shared::new(d);
    let mut fs = if std::env::var("NO_COMBINE").is_ok() {
        mount(shared.boxed(), "xvda").unwrap()
    } else {
        mount(Box::new(Combined::new(shared.boxed())), "xvda").unwrap()
    };
    crate::fs::conformance::many_files(&mut fs, 1000);
    fs.sync_all().unwrap();
    drop(fs);
    fsck_clean(&shared.image()).unwrap();
}

/// xorshift64: the same sequence every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Random reads through open handles (a file open twice among them) between
/// writes anywhere, appends, truncations both ways, O_TRUNC, renames (over
/// closed files too), unlinks, reopens and checkpoints on three files that
/// grow interleaved (so their chains are fragmented): every read returns
/// what a model of the files says, and so does the disk after a remount.
fn reads_follow_the_model(d: &Shared, ops: usize, seed: u64) {
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    fs.mkdir(&["d"]).unwrap();
    let names = ["a", "b", "c", "e", "f"];
    let mut model: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    // (handle, file name)
    let mut open: Vec<(Handle, &str)> = Vec::new();
    for n in &names[..3] {
        let h = fs.open(&["d", n], RW).unwrap();
        open.push((h, n));
        model.insert(n, Vec::new());
    }
    // A second handle on "a".
    open.push((fs.open(&["d", "a"], RW).unwrap(), "a"));
    let mut rng = Rng(seed);
    let mut buf = vec![0u8; 20_000];
    let mut reads = 0;
    for op in 0..ops {
        let k = rng.below(open.len() as u64) as usize;
        let (h, name) = open[k];
        let len = model[name].len() as u64;
        match rng.below(100) {
            // Write somewhere (past the end too: zeros between).
            0..=19 => {
                let off = rng.below(len + 3000);
                let data = pattern(1 + rng.below(9000) as usize, op as u64);
                assert_eq!(fs.write(h, off, &data).unwrap(), data.len());
                let m = model.get_mut(name).unwrap();
                let end = off as usize + data.len();
                if m.len() < end {
                    m.resize(end, 0);
                }
                m[off as usize..end].copy_from_slice(&data);
            }
            // Append, a few small writes in a row (gathered).
            20..=34 => {
                for j in 0..1 + rng.below(4) {
                    let m = model.get_mut(name).unwrap();
                    let data = pattern(1 + rng.below(3000) as usize, op as u64 * 7 + j);
                    assert_eq!(fs.write(h, m.len() as u64, &data).unwrap(), data.len());
                    m.extend_from_slice(&data);
                }
            }
            // Truncate, mostly shorter.
            35..=41 => {
                let to = if rng.below(4) == 0 {
                    len + rng.below(5000)
                } else {
                    rng.below(len + 1)
                };
                fs.set_len(h, to).unwrap();
                model.get_mut(name).unwrap().resize(to as usize, 0);
            }
            // Close one handle and open the file again (O_TRUNC sometimes).
            42..=45 => {
                fs.close(h).unwrap();
                let trunc = rng.below(5) == 0;
                let opts = OpenOptions {
                    truncate: trunc,
                    ..RW
                };
                open[k].0 = fs.open(&["d", name], opts).unwrap();
                if trunc {
                    model.get_mut(name).unwrap().clear();
                }
            }
            // Rename to a free name or over a file with no open handle.
            46..=48 => {
                let to = names[rng.below(names.len() as u64) as usize];
                if to == name || open.iter().any(|&(_, n)| n == to) {
                    continue;
                }
                fs.rename(&["d", name], &["d", to]).unwrap();
                let data = model.remove(name).unwrap();
                model.insert(to, data);
                for o in open.iter_mut().filter(|o| o.1 == name) {
                    o.1 = to;
                }
            }
            // Unlink a file no handle has open, put another in its clusters.
            49..=50 => {
                let Some(&gone) = model.keys().find(|n| !open.iter().any(|o| o.1 == **n)) else {
                    let other = names.iter().find(|n| !model.contains_key(*n)).unwrap();
                    let data = pattern(1 + rng.below(6000) as usize, op as u64);
                    put(&mut fs, &["d", other], &data);
                    model.insert(other, data);
                    continue;
                };
                fs.unlink(&["d", gone]).unwrap();
                model.remove(gone);
            }
            51..=52 => fs.sync_all().unwrap(),
            // Read somewhere, on this handle.
            _ => {
                let off = rng.below(len + 100);
                let want = 1 + rng.below(buf.len() as u64) as usize;
                let n = fs.read(h, off, &mut buf[..want]).unwrap();
                let m = &model[name];
                let exp = &m[(off as usize).min(m.len())..m.len().min(off as usize + want)];
                assert_eq!(n, exp.len(), "op {op}: read {want} at {off} of {name}");
                assert!(buf[..n] == *exp, "op {op}: read {want} at {off} of {name}");
                reads += 1;
            }
        }
    }
    assert!(reads > ops / 3);
    for (h, _) in open {
        fs.close(h).unwrap();
    }
    for (name, data) in &model {
        assert!(get(&mut fs, &["d", name]) == *data, "{name}");
    }
    drop(fs);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    for (name, data) in &model {
        assert!(
            get(&mut fs, &["d", name]) == *data,
            "{name} after a remount"
        );
    }
    drop(fs);
    if tool("fsck.fat") {
        fsck_clean(&d.image()).unwrap();
    }
}

#[test]
fn random_reads_return_what_a_model_says_on_fat32() {
    reads_follow_the_model(&formatted32(40), 3000, 1);
}

#[test]
fn random_reads_return_what_a_model_says_on_fat16() {
    reads_follow_the_model(&formatted(8), 3000, 2);
}

#[test]
fn random_reads_return_what_a_model_says_on_fat12() {
    if !tool("mkfs.fat") {
        return;
    }
    // 512-byte clusters: 4,039 of them, FAT12 entries straddle sectors.
    let mut d = RamDisk::new((2 << 20) / 512, 512);
    d.data = mkfs(2, 12, &["-s", "1"]);
    reads_follow_the_model(&Shared::new(d), 3000, 3);
}

/// Bytes read through the cache and requests sent to the disk, so far.
fn reads_so_far(fs: &FatFs) -> (u64, u64) {
    let s = fs.cache_stats();
    (s.bytes_read, s.dev_reads)
}

#[test]
fn a_random_read_reads_its_own_blocks_not_the_chain() {
    // 8 MiB in 512-byte clusters: a chain of 16,384 clusters, 64 KiB of
    // FAT. lamfat's seek would read an average 32 KiB of it per read.
    let d = formatted32(40);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    let size = 8usize << 20;
    let data = pattern(size, 11);
    put(&mut fs, &["big.bin"], &data);
    drop(fs);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    let h = fs.open(&["big.bin"], OpenOptions::default()).unwrap();
    let mut buf = vec![0u8; 4096];
    // The first read finds the file's first cluster in its directory and
    // maps the chain as far as it goes: the FAT, once.
    let before = reads_so_far(&fs);
    let off = size as u64 - 4096;
    assert_eq!(fs.read(h, off, &mut buf).unwrap(), 4096);
    let (bytes, _) = reads_so_far(&fs);
    // The chain's FAT entries in whole windows, and a directory cluster.
    let fat = (size / 512 * 4 + 2 * chain::WINDOW) as u64;
    assert!(
        bytes - before.0 <= 4096 + fat + 4096,
        "mapping read {} bytes",
        bytes - before.0
    );
    let mut rng = Rng(5);
    let before = reads_so_far(&fs);
    let n = 500;
    let mut prev = off;
    for _ in 0..n {
        // Not the block read last nor the one after it (the read-ahead
        // buffer would serve it, or a sequential reader's read-ahead
        // start), nor the first.
        let mut off = prev;
        while off == 0 || off == prev || off == prev + 4096 {
            off = rng.below(size as u64 / 4096) * 4096;
        }
        prev = off;
        assert_eq!(fs.read(h, off, &mut buf).unwrap(), 4096);
        assert!(buf == data[off as usize..off as usize + 4096]);
    }
    let (bytes, reqs) = reads_so_far(&fs);
    // Each read: its 4 KiB, nothing of the FAT, one or two requests.
    assert_eq!(bytes - before.0, n * 4096);
    assert!(reqs - before.1 <= 2 * n, "{} requests", reqs - before.1);
    fs.close(h).unwrap();
    // A sequential reader: the data, plus its part of the FAT once.
    let h = fs.open(&["big.bin"], OpenOptions::default()).unwrap();
    let before = reads_so_far(&fs);
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = 0;
    while at < size {
        let got = fs.read(h, at as u64, &mut buf).unwrap();
        assert!(buf[..got] == data[at..at + got]);
        at += got;
    }
    let (bytes, reqs) = reads_so_far(&fs);
    assert!(
        bytes - before.0 <= size as u64 + fat + 4096,
        "{} bytes",
        bytes - before.0
    );
    // 128 KiB read-ahead: 64 requests of data; 6 FAT windows at most.
    assert!(
        reqs - before.1 <= 64 + 6 + 2,
        "{} requests",
        reqs - before.1
    );
    fs.close(h).unwrap();
}

#[test]
fn a_fragmented_file_keeps_a_bounded_map_and_reads_right() {
    // Two files grown one cluster at a time in turn: every cluster of each
    // is a run of its own, more than a map keeps.
    let d = formatted32(40);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    let (a, b) = (
        fs.open(&["a.bin"], RW).unwrap(),
        fs.open(&["b.bin"], RW).unwrap(),
    );
    let clusters = chain::MAX_RUNS * 3 / 2;
    let mut model = Vec::new();
    for i in 0..clusters {
        let piece = pattern(512, i as u64);
        assert_eq!(fs.write(a, model.len() as u64, &piece).unwrap(), 512);
        assert_eq!(fs.write(b, model.len() as u64, &piece).unwrap(), 512);
        model.extend_from_slice(&piece);
    }
    let check = |fs: &mut FatFs, model: &[u8], rng: &mut Rng| {
        let mut buf = vec![0u8; 6000];
        for _ in 0..400 {
            let off = rng.below(model.len() as u64);
            let want = 1 + rng.below(buf.len() as u64) as usize;
            let n = fs.read(a, off, &mut buf[..want]).unwrap();
            let end = model.len().min(off as usize + want);
            assert!(buf[..n] == model[off as usize..end], "read {want} at {off}");
        }
        let runs = fs.handles[&a].chain.as_ref().unwrap().runs().len();
        assert!(runs <= chain::MAX_RUNS, "{runs} runs");
    };
    let mut rng = Rng(9);
    // Read the end first: the whole chain is mapped, and thinned.
    let mut last = [0u8; 1];
    fs.read(a, model.len() as u64 - 1, &mut last).unwrap();
    check(&mut fs, &model, &mut rng);
    // Cut into the middle of the map, grow again, read.
    let half = model.len() / 2 + 100;
    fs.set_len(a, half as u64).unwrap();
    model.truncate(half);
    check(&mut fs, &model, &mut rng);
    for i in 0..200 {
        let piece = pattern(512, 10_000 + i);
        assert_eq!(fs.write(a, model.len() as u64, &piece).unwrap(), 512);
        assert_eq!(fs.write(b, 0, &piece).unwrap(), 512);
        model.extend_from_slice(&piece);
    }
    check(&mut fs, &model, &mut rng);
    fs.close(a).unwrap();
    fs.close(b).unwrap();
    drop(fs);
    if tool("fsck.fat") {
        fsck_clean(&d.image()).unwrap();
    }
}

#[test]
fn reads_see_a_chain_changed_through_another_handle() {
    // Two handles on one file: one cuts the chain to nothing and grows it
    // again, the other (its map built before) reads the new data.
    let d = formatted32(40);
    let mut fs = mount(d.boxed(), "xvda").unwrap();
    put(&mut fs, &["x"], &pattern(100_000, 1));
    put(&mut fs, &["filler"], &pattern(3000, 2));
    let (r, w) = (
        fs.open(&["x"], OpenOptions::default()).unwrap(),
        fs.open(&["x"], RW).unwrap(),
    );
    let mut buf = vec![0u8; 100_000];
    assert_eq!(fs.read(r, 99_000, &mut buf[..1000]).unwrap(), 1000);
    assert!(fs.handles[&r].chain.is_some());
    fs.set_len(w, 0).unwrap();
    fs.unlink(&["filler"]).unwrap();
    put(&mut fs, &["other"], &pattern(60_000, 3));
    let new = pattern(100_000, 4);
    assert_eq!(fs.write(w, 0, &new).unwrap(), new.len());
    assert_eq!(fs.read(r, 0, &mut buf).unwrap(), new.len());
    // (A map left as it was would read the old clusters: other data.)
    assert!(buf == new);
    // Cut to half and grow: the first half stays where it was.
    fs.set_len(w, 50_000).unwrap();
    let more = pattern(30_000, 5);
    assert_eq!(fs.write(w, 50_000, &more).unwrap(), more.len());
    assert_eq!(fs.read(r, 0, &mut buf).unwrap(), 80_000);
    assert!(buf[..50_000] == new[..50_000] && buf[50_000..80_000] == more[..]);
    fs.close(r).unwrap();
    fs.close(w).unwrap();
    drop(fs);
    if tool("fsck.fat") {
        fsck_clean(&d.image()).unwrap();
    }
}
