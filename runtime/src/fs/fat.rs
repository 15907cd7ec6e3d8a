//! The disk filesystem: FAT12/16/32 with long names, by the `lamfat` crate
//! (a republish of rust-fatfs), over a [`BlockDevice`] through a sector
//! cache ([`cache`]) that decides what reaches the disk and in which order.
//! What is supported and the crash-consistency story: docs/storage.md,
//! "The disk filesystem".
//!
//! Open files. lamfat's `File<'a>` borrows its `FileSystem`, and anything
//! holding such a borrow is not `Send` (the `FileSystem` has `RefCell`s, so
//! it is not `Sync`), while [`FileSystem`](VfsFs) must be `Send`. A
//! self-referential owner (self_cell and the like) would be `!Send` for the
//! same reason, and making it `Send` would need `unsafe`. So no lamfat
//! `File` outlives a call: a handle is a path, a size, two buffers and a
//! map of the file's clusters ([`chain`]).
//!
//! Writes open the file through lamfat, seek (lamfat walks the cluster
//! chain from the start) and drop it; sequential writes are gathered per
//! handle ([`WBUF`], one seek per 256 KiB), so a 64 MiB file written 4 KiB
//! at a time costs 256 chain walks, not 16 384. Reads do not touch lamfat
//! once the handle knows its first cluster: the map says where each
//! cluster is, and the data comes straight from the cache; sequential
//! readers get a read-ahead buffer ([`RBUF`]). The maps follow every change
//! lamfat makes to a chain: see `FatFs::chain_cut` and chain.rs.
use crate::errno::Errno;
use crate::fs::block::{BlockDevice, BlockError};
use crate::fs::vfs::{
    DirEntry as VfsEntry, FileSystem as VfsFs, Handle, Kind, Meta, OpenOptions, Path, Space,
};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use lamfat::{IoBase, Read, Seek, SeekFrom, Write};
use spin::Mutex;

mod cache;
mod chain;
mod recover;
#[cfg(test)]
mod tests;

pub use cache::CacheStats;
use cache::{Cache, Layout};
use chain::{ChainMap, FatReader};
pub use recover::MountReport;

/// The sector cache's size at operation boundaries.
const CACHE_BYTES: usize = 256 * 1024;
/// Sequential writes gathered per handle before they go to lamfat.
const WBUF: usize = 256 * 1024;
/// Read-ahead per handle, for sequential readers.
const RBUF: usize = 128 * 1024;
/// FAT's largest file.
const MAX_FILE: u64 = u32::MAX as u64;

/// Nanoseconds since 1970 UTC (the runtime's realtime clock).
pub type Clock = fn() -> u64;

/// Why a disk could not be mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountError {
    /// The disk's name ("xvda").
    pub disk: String,
    pub reason: MountReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountReason {
    /// No 0x55AA at the end of sector 0.
    BadSignature(u16),
    /// A boot-sector field out of range.
    BadField(&'static str, u64),
    /// Logical sectors that are not whole device sectors.
    SectorSize {
        fs: u64,
        disk: u64,
    },
    /// The boot sector describes more sectors than the disk has.
    Truncated {
        fs_sectors: u64,
        disk_sectors: u64,
    },
    /// The cluster count does not match the layout's FAT type.
    ClusterCount {
        clusters: u64,
        layout: &'static str,
    },
    /// The FAT is too small for the clusters.
    FatTooSmall {
        fat_entries: u64,
        clusters: u64,
    },
    /// A FAT entry that is no cluster, end or bad mark.
    BadFatEntry {
        cluster: u64,
        value: u32,
    },
    /// FAT[0] does not carry the media byte.
    BadMedia {
        fat0: u32,
        media: u8,
    },
    /// lamfat refused it (what it checks beyond ours).
    Refused(String),
    Io(BlockError),
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.disk;
        match &self.reason {
            MountReason::BadSignature(s) => {
                write!(f, "{d}: not a FAT filesystem: boot sector signature {s:#06x}")
            }
            MountReason::BadField(name, v) => {
                write!(f, "{d}: not a FAT filesystem: boot sector field {name} = {v}")
            }
            MountReason::SectorSize { fs, disk } => write!(
                f,
                "{d}: FAT sector size {fs} is not a multiple of the disk's sector size {disk}"
            ),
            MountReason::Truncated {
                fs_sectors,
                disk_sectors,
            } => write!(
                f,
                "{d}: FAT filesystem truncated: it has {fs_sectors} sectors, the disk {disk_sectors}"
            ),
            MountReason::ClusterCount { clusters, layout } => write!(
                f,
                "{d}: {layout} cluster count {clusters} inconsistent with the FAT type (FAT12 < 4085 <= FAT16 < 65525 <= FAT32)"
            ),
            MountReason::FatTooSmall {
                fat_entries,
                clusters,
            } => write!(
                f,
                "{d}: corrupt FAT: {fat_entries} entries for {clusters} clusters"
            ),
            MountReason::BadFatEntry { cluster, value } => write!(
                f,
                "{d}: corrupt FAT: entry of cluster {cluster} is {value:#x}"
            ),
            MountReason::BadMedia { fat0, media } => write!(
                f,
                "{d}: corrupt FAT: FAT[0] {fat0:#x} does not carry the media byte {media:#04x}"
            ),
            MountReason::Refused(why) => write!(f, "{d}: FAT filesystem refused: {why}"),
            MountReason::Io(e) => write!(f, "{d}: reading the FAT filesystem: {e}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FatKind {
    Fat12,
    Fat16,
    Fat32,
}

/// The boot sector's numbers, checked.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    kind: FatKind,
    bps: u64,
    reserved: u64,
    fats: u64,
    fat_sectors: u64,
    clusters: u64,
    media: u8,
    data_start: u64,
    fsinfo: Option<u64>,
    cluster_bytes: u64,
    /// FAT32: the root directory's first cluster.
    root_cluster: Option<u32>,
    /// FAT12/16: the root directory's bytes.
    root_start: u64,
    root_len: u64,
}

fn le16(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn le32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn geometry(b: &[u8], dev_ss: u64, dev_sectors: u64) -> Result<Geometry, MountReason> {
    if b.len() < 512 {
        return Err(MountReason::BadField("sector size", b.len() as u64));
    }
    let sig = u16::from_le_bytes([b[510], b[511]]);
    if sig != 0xAA55 {
        return Err(MountReason::BadSignature(sig));
    }
    let bps = le16(b, 11);
    if !bps.is_power_of_two() || !(512..=4096).contains(&bps) {
        return Err(MountReason::BadField("bytes per sector", bps));
    }
    if !bps.is_multiple_of(dev_ss) {
        return Err(MountReason::SectorSize {
            fs: bps,
            disk: dev_ss,
        });
    }
    let spc = u64::from(b[13]);
    if !spc.is_power_of_two() || spc * bps > 64 * 1024 {
        return Err(MountReason::BadField("sectors per cluster", spc));
    }
    let reserved = le16(b, 14);
    if reserved == 0 {
        return Err(MountReason::BadField("reserved sectors", 0));
    }
    let fats = u64::from(b[16]);
    if !(1..=2).contains(&fats) {
        return Err(MountReason::BadField("number of FATs", fats));
    }
    let root_entries = le16(b, 17);
    let total = match le16(b, 19) {
        0 => le32(b, 32),
        n => n,
    };
    let fat16_size = le16(b, 22);
    let fat_sectors = if fat16_size == 0 {
        le32(b, 36)
    } else {
        fat16_size
    };
    if fat_sectors == 0 {
        return Err(MountReason::BadField("sectors per FAT", 0));
    }
    let disk_fs_sectors = dev_sectors * dev_ss / bps;
    if total > disk_fs_sectors {
        return Err(MountReason::Truncated {
            fs_sectors: total,
            disk_sectors: disk_fs_sectors,
        });
    }
    let root_sectors = (root_entries * 32).div_ceil(bps);
    let data_start = reserved + fats * fat_sectors + root_sectors;
    if data_start >= total {
        return Err(MountReason::BadField("total sectors", total));
    }
    let clusters = (total - data_start) / spc;
    let fat32_layout = fat16_size == 0 && root_entries == 0;
    let kind = if clusters < 4085 {
        FatKind::Fat12
    } else if clusters < 65525 {
        FatKind::Fat16
    } else {
        FatKind::Fat32
    };
    if fat32_layout != (kind == FatKind::Fat32) {
        return Err(MountReason::ClusterCount {
            clusters,
            layout: if fat32_layout { "FAT32" } else { "FAT12/16" },
        });
    }
    let bits = match kind {
        FatKind::Fat12 => 12,
        FatKind::Fat16 => 16,
        FatKind::Fat32 => 32,
    };
    let fat_entries = fat_sectors * bps * 8 / bits;
    if fat_entries < clusters + 2 {
        return Err(MountReason::FatTooSmall {
            fat_entries,
            clusters,
        });
    }
    let mut root_cluster = None;
    let fsinfo = if kind == FatKind::Fat32 {
        let root = le32(b, 44);
        root_cluster = Some(root as u32);
        if root < 2 || root >= clusters + 2 {
            return Err(MountReason::BadField("root directory cluster", root));
        }
        let s = le16(b, 48);
        if s == 0 || s >= reserved {
            return Err(MountReason::BadField("FSInfo sector", s));
        }
        Some(s * bps)
    } else {
        None
    };
    Ok(Geometry {
        kind,
        bps,
        reserved,
        fats,
        fat_sectors,
        clusters,
        media: b[21],
        data_start: data_start * bps,
        fsinfo,
        cluster_bytes: spc * bps,
        root_cluster,
        root_start: (reserved + fats * fat_sectors) * bps,
        root_len: root_entries * 32,
    })
}

/// Reads the first FAT, checks every entry and counts the free ones; also
/// whether FAT[1] says the volume was not shut down cleanly (FAT16/32).
fn scan_fat(dev: &mut dyn BlockDevice, g: &Geometry) -> Result<(u32, bool), MountReason> {
    let ss = dev.sector_size() as u64;
    let start = g.reserved * g.bps;
    let (bits, bad) = match g.kind {
        FatKind::Fat12 => (12u64, 0xFF7u32),
        FatKind::Fat16 => (16, 0xFFF7),
        FatKind::Fat32 => (32, 0x0FFF_FFF7),
    };
    let len = ((g.clusters + 2) * bits).div_ceil(8);
    let mut fat = vec![0u8; (len.div_ceil(ss) * ss) as usize];
    for (k, chunk) in fat.chunks_mut(64 * 1024).enumerate() {
        let sector = (start + k as u64 * 64 * 1024) / ss;
        dev.read(sector, chunk).map_err(MountReason::Io)?;
    }
    let entry = |n: u64| -> u32 {
        match g.kind {
            FatKind::Fat12 => {
                let at = (n * 3 / 2) as usize;
                let w = u16::from_le_bytes([fat[at], fat[at + 1]]);
                u32::from(if n.is_multiple_of(2) {
                    w & 0xFFF
                } else {
                    w >> 4
                })
            }
            FatKind::Fat16 => le16(&fat, n as usize * 2) as u32,
            FatKind::Fat32 => le32(&fat, n as usize * 4) as u32 & 0x0FFF_FFFF,
        }
    };
    let fat0 = entry(0);
    if fat0 & 0xFF != u32::from(g.media) {
        return Err(MountReason::BadMedia {
            fat0,
            media: g.media,
        });
    }
    let unclean = match g.kind {
        FatKind::Fat12 => false,
        FatKind::Fat16 => entry(1) & 0x8000 == 0,
        FatKind::Fat32 => entry(1) & 0x0800_0000 == 0,
    };
    let mut free = 0u32;
    for n in 2..g.clusters + 2 {
        let v = entry(n);
        if v == 0 {
            free += 1;
        } else if (v < 2 || u64::from(v) >= g.clusters + 2) && v < bad {
            return Err(MountReason::BadFatEntry {
                cluster: n,
                value: v,
            });
        }
    }
    Ok((free, unclean))
}

/// lamfat's view of the disk: a byte stream over the shared cache.
struct Io {
    cache: Arc<Mutex<Cache>>,
    pos: u64,
}

#[derive(Debug)]
struct IoErr(BlockError);

impl lamfat::IoError for IoErr {
    fn is_interrupted(&self) -> bool {
        false
    }
    fn new_unexpected_eof_error() -> Self {
        IoErr(BlockError::OutOfRange)
    }
    fn new_write_zero_error() -> Self {
        IoErr(BlockError::OutOfRange)
    }
}

impl IoBase for Io {
    type Error = IoErr;
}

impl Read for Io {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, IoErr> {
        let n = self.cache.lock().read_at(self.pos, buf).map_err(IoErr)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Write for Io {
    fn write(&mut self, buf: &[u8]) -> Result<usize, IoErr> {
        let n = self.cache.lock().write_at(self.pos, buf).map_err(IoErr)?;
        self.pos += n as u64;
        Ok(n)
    }
    /// lamfat flushes after every file it drops; durability is the
    /// cache's checkpoint, not this.
    fn flush(&mut self) -> Result<(), IoErr> {
        Ok(())
    }
}

impl Seek for Io {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64, IoErr> {
        let len = self.cache.lock().len();
        let new = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => len.checked_add_signed(d),
        };
        match new {
            Some(p) if p <= len => {
                self.pos = p;
                Ok(p)
            }
            _ => Err(IoErr(BlockError::OutOfRange)),
        }
    }
}

/// Timestamps from the runtime's clock (FAT keeps local time; ours is UTC).
#[derive(Debug, Clone, Copy)]
struct TimeSource(Clock);

impl lamfat::TimeProvider for TimeSource {
    fn get_current_date(&self) -> lamfat::Date {
        self.get_current_date_time().date
    }
    fn get_current_date_time(&self) -> lamfat::DateTime {
        dos_time((self.0)())
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A time as FAT stores it (1980..=2107, 2 s steps on disk).
fn dos_time(ns: u64) -> lamfat::DateTime {
    let lo = days_from_civil(1980, 1, 1) as u64 * 86_400;
    let hi = days_from_civil(2107, 12, 31) as u64 * 86_400 + 86_399;
    let secs = (ns / 1_000_000_000).clamp(lo, hi);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    lamfat::DateTime::new(
        lamfat::Date::new(y as u16, m as u16, d as u16),
        lamfat::Time::new(
            (s / 3600) as u16,
            (s / 60 % 60) as u16,
            (s % 60) as u16,
            ((ns / 1_000_000) % 1000) as u16,
        ),
    )
}

fn unix_ns(t: lamfat::DateTime) -> u64 {
    let days = days_from_civil(
        i64::from(t.date.year),
        i64::from(t.date.month),
        i64::from(t.date.day),
    );
    let secs = days * 86_400
        + i64::from(t.time.hour) * 3600
        + i64::from(t.time.min) * 60
        + i64::from(t.time.sec);
    (secs.max(0) as u64) * 1_000_000_000 + u64::from(t.time.millis) * 1_000_000
}

#[cfg(target_os = "none")]
fn default_clock() -> u64 {
    crate::time::realtime_ns()
}

#[cfg(not(target_os = "none"))]
fn default_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

type Lfs = lamfat::FileSystem<Io, TimeSource, lamfat::LossyOemCpConverter>;
type LErr = lamfat::Error<IoErr>;

fn errno(e: LErr) -> Errno {
    match e {
        LErr::Io(IoErr(b)) => b.errno(),
        LErr::NotFound => Errno::ENOENT,
        LErr::AlreadyExists => Errno::EEXIST,
        LErr::DirectoryIsNotEmpty => Errno::ENOTEMPTY,
        LErr::NotEnoughSpace => Errno::ENOSPC,
        LErr::InvalidFileNameLength => Errno::ENAMETOOLONG,
        LErr::UnsupportedFileNameCharacter | LErr::InvalidInput => Errno::EINVAL,
        _ => Errno::EIO,
    }
}

/// The same error, but for a path walk: a component that is a file.
fn walk_errno(e: LErr) -> Errno {
    match e {
        LErr::InvalidInput => Errno::ENOTDIR,
        e => errno(e),
    }
}

/// FAT compares names ignoring case; so do handle keys.
fn key(path: &[String]) -> String {
    let mut k = String::new();
    for c in path {
        k.push('/');
        k.push_str(&c.to_lowercase());
    }
    k
}

fn key_of(path: Path) -> String {
    let owned: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    key(&owned)
}

fn join(path: &[impl AsRef<str>]) -> String {
    let mut s = String::new();
    for (i, c) in path.iter().enumerate() {
        if i > 0 {
            s.push('/');
        }
        s.push_str(c.as_ref());
    }
    s
}

/// `st_ino`: a hash of the path as FAT compares it (FAT has no inode
/// numbers; a rename changes it).
fn ino(k: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in k.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h | 2
}

/// What a lookup found.
#[derive(Debug, Clone, Copy)]
struct Found {
    kind: Kind,
    size: u64,
    mtime_ns: u64,
    /// A file's first cluster (`None`: it has none, it is empty).
    first: Option<u32>,
}

struct OpenFile {
    path: Vec<String>,
    key: String,
    /// The file's size as lamfat has it (without `wbuf`).
    size: u64,
    /// Gathered sequential writes at `woff`.
    wbuf: Vec<u8>,
    woff: u64,
    /// Read-ahead at `roff`, valid while `rgen` is the filesystem's `gen`.
    rbuf: Vec<u8>,
    roff: u64,
    rgen: u64,
    /// Where the file's clusters are, as far as reads have needed. Started
    /// at open from the directory entry's first cluster; `None` while the
    /// file has no cluster (the first read after it gets one looks it up)
    /// and after its whole chain is freed.
    chain: Option<ChainMap>,
}

impl OpenFile {
    fn len(&self) -> u64 {
        if self.wbuf.is_empty() {
            self.size
        } else {
            self.size.max(self.woff + self.wbuf.len() as u64)
        }
    }
}

/// A mounted FAT filesystem.
pub struct FatFs {
    /// `None` only while dropping (lamfat's unmount runs before the last
    /// checkpoint).
    fs: Option<Lfs>,
    cache: Arc<Mutex<Cache>>,
    kind: FatKind,
    cluster: u64,
    clusters: u64,
    geo: Geometry,
    handles: BTreeMap<Handle, OpenFile>,
    next: Handle,
    /// The handle with gathered writes, if any (at most one).
    pending: Option<Handle>,
    /// Bumped by every change, to invalidate read-ahead.
    gen: u64,
    was_dirty: bool,
    report: MountReport,
}

/// Mounts the FAT filesystem on `dev`; `name` is for messages.
pub fn mount(dev: Box<dyn BlockDevice>, name: &str) -> Result<FatFs, MountError> {
    mount_with_clock(dev, name, default_clock)
}

/// [`mount`] with the clock that stamps modification times.
pub fn mount_with_clock(
    mut dev: Box<dyn BlockDevice>,
    name: &str,
    clock: Clock,
) -> Result<FatFs, MountError> {
    let err = |reason| MountError {
        disk: name.to_string(),
        reason,
    };
    let ss = dev.sector_size() as u64;
    if dev.sectors() == 0 || ss < 512 {
        return Err(err(MountReason::Truncated {
            fs_sectors: 1,
            disk_sectors: 0,
        }));
    }
    let mut boot = vec![0u8; ss.max(512) as usize];
    dev.read(0, &mut boot[..ss as usize])
        .map_err(|e| err(MountReason::Io(e)))?;
    let g = geometry(&boot, ss, dev.sectors()).map_err(err)?;
    let (free, unclean) = scan_fat(&mut *dev, &g).map_err(err)?;
    let flag_offset = if g.kind == FatKind::Fat32 { 0x41 } else { 0x25 };
    let layout = Layout {
        fat_start: g.reserved * g.bps,
        fat_len: g.fat_sectors * g.bps,
        fats: g.fats,
        data_start: g.data_start,
        flag_offset,
        fsinfo: g.fsinfo,
    };
    let mut c = Cache::new(dev, CACHE_BYTES, layout);
    c.mount_flags = boot[flag_offset];
    if g.kind == FatKind::Fat32 {
        c.free = Some(free);
    }
    let was_dirty = boot[flag_offset] & 1 != 0 || unclean;
    let report = if !was_dirty {
        MountReport::default()
    } else if c.read_only() {
        MountReport {
            was_dirty,
            unchecked_read_only: true,
            ..MountReport::default()
        }
    } else {
        recover::recover(&mut c, &g).map_err(|e| err(MountReason::Io(e)))?
    };
    let cache = Arc::new(Mutex::new(c));
    let io = Io {
        cache: cache.clone(),
        pos: 0,
    };
    let opts = lamfat::FsOptions::new()
        .time_provider(TimeSource(clock))
        .update_accessed_date(false);
    let fs = lamfat::FileSystem::new(io, opts).map_err(|e| {
        err(match e {
            LErr::Io(IoErr(b)) => MountReason::Io(b),
            e => MountReason::Refused(alloc::format!("{e:?}")),
        })
    })?;
    let cluster = u64::from(fs.cluster_size());
    Ok(FatFs {
        fs: Some(fs),
        cache,
        kind: g.kind,
        cluster,
        clusters: g.clusters,
        geo: g,
        handles: BTreeMap::new(),
        next: 1,
        pending: None,
        gen: 0,
        was_dirty,
        report,
    })
}

/// A byte stream straight over a device, for [`format`] (read-modify-write
/// per sector; formatting is rare).
struct RawIo<'a> {
    dev: &'a mut dyn BlockDevice,
    pos: u64,
}

impl IoBase for RawIo<'_> {
    type Error = IoErr;
}

impl RawIo<'_> {
    fn len(&self) -> u64 {
        self.dev.sectors() * self.dev.sector_size() as u64
    }
}

impl Read for RawIo<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, IoErr> {
        let ss = self.dev.sector_size() as u64;
        let n = (buf.len() as u64).min(self.len().saturating_sub(self.pos)) as usize;
        let mut sec = vec![0u8; ss as usize];
        let mut done = 0;
        while done < n {
            let at = self.pos + done as u64;
            self.dev.read(at / ss, &mut sec).map_err(IoErr)?;
            let off = (at % ss) as usize;
            let k = (ss as usize - off).min(n - done);
            buf[done..done + k].copy_from_slice(&sec[off..off + k]);
            done += k;
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Write for RawIo<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, IoErr> {
        let ss = self.dev.sector_size() as u64;
        let n = (buf.len() as u64).min(self.len().saturating_sub(self.pos)) as usize;
        let mut sec = vec![0u8; ss as usize];
        let mut done = 0;
        while done < n {
            let at = self.pos + done as u64;
            let off = (at % ss) as usize;
            let k = (ss as usize - off).min(n - done);
            if k < ss as usize {
                self.dev.read(at / ss, &mut sec).map_err(IoErr)?;
            }
            sec[off..off + k].copy_from_slice(&buf[done..done + k]);
            self.dev.write(at / ss, &sec).map_err(IoErr)?;
            done += k;
        }
        self.pos += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), IoErr> {
        self.dev.flush().map_err(IoErr)
    }
}

impl Seek for RawIo<'_> {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64, IoErr> {
        let new = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
        };
        match new {
            Some(p) if p <= self.len() => {
                self.pos = p;
                Ok(p)
            }
            _ => Err(IoErr(BlockError::OutOfRange)),
        }
    }
}

/// Makes a new FAT filesystem (lamfat picks FAT12/16/32 and the cluster
/// size from the disk's size) with a volume label of up to 11 ASCII
/// characters; durable when it returns.
pub fn format(dev: &mut dyn BlockDevice, label: &str) -> Result<(), Errno> {
    format_as(dev, label, false)
}

/// [`format`], as FAT32 with 512-byte clusters if `fat32` (small test
/// disks would be FAT16 otherwise).
fn format_as(dev: &mut dyn BlockDevice, label: &str, fat32: bool) -> Result<(), Errno> {
    if dev.read_only() {
        return Err(Errno::EROFS);
    }
    if label.len() > 11 || !label.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(Errno::EINVAL);
    }
    let mut name = [b' '; 11];
    for (d, s) in name.iter_mut().zip(label.bytes()) {
        *d = s.to_ascii_uppercase();
    }
    let ss = dev.sector_size();
    let sectors = dev.sectors() * ss as u64 / 512;
    let mut opts = lamfat::FormatVolumeOptions::new()
        .bytes_per_sector(ss as u16)
        .total_sectors(u32::try_from(sectors * 512 / ss as u64).map_err(|_| Errno::EFBIG)?);
    if !label.is_empty() {
        opts = opts.volume_label(name);
    }
    if fat32 {
        opts = opts
            .fat_type(lamfat::FatType::Fat32)
            .bytes_per_cluster(ss.max(512) as u32);
    }
    let mut io = RawIo { dev, pos: 0 };
    lamfat::format_volume(&mut io, opts).map_err(errno)?;
    io.dev.flush().map_err(BlockError::errno)
}

impl FatFs {
    fn lfs(&self) -> &Lfs {
        self.fs.as_ref().expect("FatFs used after unmount")
    }

    /// Whether the disk's dirty bit (or FAT[1]'s clean-shutdown bit) said,
    /// when it was mounted, that it had not been unmounted cleanly.
    pub fn was_dirty(&self) -> bool {
        self.was_dirty
    }

    /// What mount found and repaired ([`MountReport::summary`] is the line
    /// to print).
    pub fn mount_report(&self) -> &MountReport {
        &self.report
    }

    /// What the cache has done so far.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.lock().stats
    }

    /// Makes everything durable and gives the disk back.
    pub fn unmount(mut self) -> Result<Box<dyn BlockDevice>, Errno> {
        let r = self.finish();
        let cache = core::mem::replace(
            &mut self.cache,
            Arc::new(Mutex::new(Cache::new(
                Box::new(crate::fs::block::RamDisk::new(1, 512)),
                0,
                Layout {
                    fat_start: 0,
                    fat_len: 0,
                    fats: 0,
                    data_start: 0,
                    flag_offset: 0,
                    fsinfo: None,
                },
            ))),
        );
        drop(self);
        r?;
        match Arc::try_unwrap(cache) {
            Ok(m) => Ok(m.into_inner().dev),
            Err(_) => Err(Errno::EBUSY),
        }
    }

    /// Flushes gathered writes, lets lamfat unmount, writes everything.
    fn finish(&mut self) -> Result<(), Errno> {
        let r = self.flush_pending();
        if let Some(fs) = self.fs.take() {
            drop(fs);
        }
        let c = self.cache.lock().checkpoint().map_err(BlockError::errno);
        r.and(c)
    }

    fn set_mode(&self, data: bool) {
        self.cache.lock().data_mode = data;
    }

    fn trim(&self) -> Result<(), Errno> {
        self.cache.lock().trim().map_err(BlockError::errno)
    }

    fn free_clusters(&self) -> Result<u64, Errno> {
        if let Some(f) = self.cache.lock().free {
            return Ok(u64::from(f));
        }
        Ok(u64::from(
            self.lfs().stats().map_err(errno)?.free_clusters(),
        ))
    }

    fn check_writable(&self) -> Result<(), Errno> {
        if self.read_only() {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }

    fn open_dir(
        &self,
        path: &[impl AsRef<str>],
    ) -> Result<lamfat::Dir<'_, Io, TimeSource, lamfat::LossyOemCpConverter>, Errno> {
        let root = self.lfs().root_dir();
        if path.is_empty() {
            return Ok(root);
        }
        root.open_dir(&join(path)).map_err(walk_errno)
    }

    /// What `path` names, or `None`.
    fn lookup(&self, path: &[impl AsRef<str>]) -> Result<Option<Found>, Errno> {
        let Some((name, parent)) = path.split_last() else {
            return Ok(Some(Found {
                kind: Kind::Dir,
                size: 0,
                mtime_ns: 0,
                first: None,
            }));
        };
        let dir = self.open_dir(parent)?;
        let want = name.as_ref().to_lowercase();
        for e in dir.iter() {
            let e = e.map_err(errno)?;
            if e.file_name().to_lowercase() == want || e.short_file_name().to_lowercase() == want {
                let first = if e.is_dir() {
                    None
                } else {
                    // The first extent comes from the entry, not the FAT;
                    // a cluster out of the volume fails the read, not this.
                    self.first_of(e.to_file().extents().next()).ok().flatten()
                };
                return Ok(Some(Found {
                    kind: if e.is_dir() { Kind::Dir } else { Kind::File },
                    size: e.len(),
                    mtime_ns: unix_ns(e.modified()),
                    first,
                }));
            }
        }
        Ok(None)
    }

    fn meta(&self, k: &str, f: Found) -> Meta {
        Meta {
            kind: f.kind,
            size: f.size,
            ino: if k.is_empty() { 1 } else { ino(k) },
            mtime_ns: f.mtime_ns,
            read_only: self.read_only(),
        }
    }

    fn set_size_of(&mut self, k: &str, size: u64) {
        for of in self.handles.values_mut() {
            if of.key == k {
                of.size = size;
            }
        }
    }

    /// Writes through lamfat at `off` (zeros first from the end of the
    /// file): how many bytes of `data` went in, and the new size.
    fn write_through(&mut self, h: Handle, off: u64, data: &[u8]) -> Result<usize, Errno> {
        let of = self.handles.get(&h).ok_or(Errno::EBADF)?;
        let (path, k, size) = (join(&of.path), of.key.clone(), of.size);
        self.gen += 1;
        let mut f = self.lfs().root_dir().open_file(&path).map_err(errno)?;
        self.set_mode(true);
        let mut pos = size.min(off);
        let mut done = 0;
        let r = (|| -> Result<(), LErr> {
            f.seek(SeekFrom::Start(pos))?;
            let zeros = [0u8; 4096];
            while pos < off {
                let n = f.write(&zeros[..(off - pos).min(4096) as usize])?;
                if n == 0 {
                    return Err(LErr::NotEnoughSpace);
                }
                pos += n as u64;
            }
            while done < data.len() {
                let n = f.write(&data[done..])?;
                if n == 0 {
                    break;
                }
                done += n;
            }
            Ok(())
        })();
        // Off before the file's directory entry is written (when `f` drops).
        self.set_mode(false);
        drop(f);
        let reached = if pos < off { pos } else { off + done as u64 };
        self.set_size_of(&k, size.max(reached));
        match r {
            Ok(()) => Ok(done),
            Err(LErr::NotEnoughSpace) if done > 0 => Ok(done),
            Err(e) => Err(errno(e)),
        }
    }

    /// The first cluster of the file at `path` (`None`: it has none, it is
    /// empty), from its directory entry.
    fn first_cluster(&self, path: &[impl AsRef<str>]) -> Result<Option<u32>, Errno> {
        let mut f = self
            .lfs()
            .root_dir()
            .open_file(&join(path))
            .map_err(errno)?;
        let first = f.extents().next();
        drop(f);
        self.first_of(first)
    }

    /// The first cluster, from the first of a file's `extents()`.
    fn first_of(&self, e: Option<Result<lamfat::Extent, LErr>>) -> Result<Option<u32>, Errno> {
        match e {
            None => Ok(None),
            Some(Err(e)) => Err(errno(e)),
            Some(Ok(e)) => self.cluster_at(e.offset).map(Some),
        }
    }

    /// The cluster at byte `offset` of the volume, which lamfat gave as
    /// the start of a cluster.
    fn cluster_at(&self, offset: u64) -> Result<u32, Errno> {
        let g = &self.geo;
        let rel = offset.checked_sub(g.data_start).ok_or(Errno::EIO)?;
        let c = rel / g.cluster_bytes + 2;
        if !rel.is_multiple_of(g.cluster_bytes) || c >= g.clusters + 2 {
            return Err(Errno::EIO);
        }
        Ok(c as u32)
    }

    /// Fills `dst` from byte `offset` of the file (all of `dst` lies
    /// within its size), through the handle's cluster map: the clusters
    /// straight from the cache, no walk of the chain from its start.
    fn read_mapped(&mut self, h: Handle, offset: u64, dst: &mut [u8]) -> Result<usize, Errno> {
        if dst.is_empty() {
            return Ok(0);
        }
        let of = self.handles.get(&h).ok_or(Errno::EBADF)?;
        if of.chain.is_none() {
            let first = self.first_cluster(&of.path)?.ok_or(Errno::EIO)?;
            let of = self.handles.get_mut(&h).ok_or(Errno::EBADF)?;
            of.chain = Some(ChainMap::new(first));
        }
        let cl = self.geo.cluster_bytes;
        let end = offset + dst.len() as u64;
        let from = u32::try_from(offset / cl).map_err(|_| Errno::EFBIG)?;
        let to = u32::try_from(end.div_ceil(cl)).map_err(|_| Errno::EFBIG)?;
        let size = self.handles.get(&h).ok_or(Errno::EBADF)?.size;
        let limit = u32::try_from(size.div_ceil(cl)).map_err(|_| Errno::EFBIG)?;
        let mut pieces = Vec::new();
        let mut cache = self.cache.lock();
        let map = self
            .handles
            .get_mut(&h)
            .and_then(|of| of.chain.as_mut())
            .ok_or(Errno::EBADF)?;
        let mut fat = FatReader::new(&mut cache, &self.geo);
        map.pieces(&mut fat, from, to, limit, &mut pieces)
            .map_err(|e| e.errno())?;
        drop(fat);
        // The first piece starts inside its first cluster.
        let mut pos = offset;
        let mut index = u64::from(from);
        let mut done = 0;
        for (c, n) in pieces {
            let skip = pos - index * cl;
            let disk = self.geo.data_start + u64::from(c - 2) * cl + skip;
            let k = (u64::from(n) * cl - skip).min((dst.len() - done) as u64) as usize;
            let got = cache
                .read_at(disk, &mut dst[done..done + k])
                .map_err(BlockError::errno)?;
            if got < k {
                return Err(Errno::EIO);
            }
            done += k;
            pos += k as u64;
            index += u64::from(n);
        }
        Ok(done)
    }

    /// The chain starting at `first` keeps only its first `keep` clusters
    /// (none: it is freed): every handle's map of it follows.
    fn chain_cut(&mut self, first: u32, keep: u64) {
        for of in self.handles.values_mut() {
            if of.chain.as_ref().is_some_and(|m| m.first() == first) {
                match u32::try_from(keep) {
                    Ok(0) => of.chain = None,
                    Ok(k) => of.chain.as_mut().expect("checked").cut(k),
                    Err(_) => {}
                }
            }
        }
    }

    /// Writes the gathered writes of the pending handle.
    fn flush_pending(&mut self) -> Result<(), Errno> {
        let Some(h) = self.pending.take() else {
            return Ok(());
        };
        let Some(of) = self.handles.get_mut(&h) else {
            return Ok(());
        };
        let data = core::mem::take(&mut of.wbuf);
        let off = of.woff;
        if data.is_empty() {
            return Ok(());
        }
        let n = self.write_through(h, off, &data)?;
        if n < data.len() {
            return Err(Errno::ENOSPC);
        }
        Ok(())
    }

    /// Whether `extra` more bytes at `end` fit (so a gathered write can
    /// promise them): the clusters the file would need beyond its own.
    fn fits(&self, of: &OpenFile, end: u64) -> Result<bool, Errno> {
        let have = of.size.div_ceil(self.cluster);
        let need = end.max(of.size).div_ceil(self.cluster);
        Ok(need.saturating_sub(have) <= self.free_clusters()?)
    }

    /// Frees may follow: data must not overtake the metadata that frees.
    fn note_frees(&self) {
        self.cache.lock().frees_pending = true;
    }

    fn truncate_to(&mut self, h: Handle, len: u64) -> Result<(), Errno> {
        let of = self.handles.get(&h).ok_or(Errno::EBADF)?;
        let (path, k, size) = (join(&of.path), of.key.clone(), of.size);
        if len >= size {
            if len > size {
                let n = self.write_through(h, len, &[])?;
                debug_assert_eq!(n, 0);
            }
            return Ok(());
        }
        self.gen += 1;
        self.note_frees();
        let mut f = self.lfs().root_dir().open_file(&path).map_err(errno)?;
        let first = self.first_of(f.extents().next())?;
        let r = f.seek(SeekFrom::Start(len)).and_then(|_| f.truncate());
        drop(f);
        // Whatever lamfat got done, the chain may be shorter now.
        if let Some(first) = first {
            self.chain_cut(first, len.div_ceil(self.cluster));
        }
        r.map_err(errno)?;
        self.set_size_of(&k, len);
        Ok(())
    }

    /// Moves a directory to another parent: lamfat's rename would keep the
    /// old `..` (fsck.fat: "Invalid '..' entry"), and lamfat shows no
    /// directory's cluster to fix it with. So the tree is rebuilt at `to`:
    /// new directories (right `.` and `..`), files renamed into them (their
    /// data does not move), the old directories removed. Space for the new
    /// directories is checked first, so ENOSPC leaves `from` whole.
    fn move_dir(&mut self, from: &[String], to: &[String]) -> Result<(), Errno> {
        let need = self.dir_clusters(from)?;
        if need > self.free_clusters()? {
            return Err(Errno::ENOSPC);
        }
        self.move_dir_inner(from, to)
    }

    /// Clusters the directories of a tree need, counting each entry's
    /// long-name slots.
    fn dir_clusters(&self, dir: &[String]) -> Result<u64, Errno> {
        let mut slots = 2u64;
        let mut total = 0;
        let mut subdirs = Vec::new();
        for e in self.open_dir(dir)?.iter() {
            let e = e.map_err(errno)?;
            let name = e.file_name();
            if name == "." || name == ".." {
                continue;
            }
            slots += 1 + (name.encode_utf16().count() as u64).div_ceil(13);
            if e.is_dir() {
                subdirs.push(name);
            }
        }
        for n in subdirs {
            let mut p = dir.to_vec();
            p.push(n);
            total += self.dir_clusters(&p)?;
        }
        Ok(total + (slots * 32).div_ceil(self.cluster))
    }

    fn move_dir_inner(&mut self, from: &[String], to: &[String]) -> Result<(), Errno> {
        self.lfs()
            .root_dir()
            .create_dir(&join(to))
            .map(drop)
            .map_err(walk_errno)?;
        let mut children = Vec::new();
        for e in self.open_dir(from)?.iter() {
            let e = e.map_err(errno)?;
            let name = e.file_name();
            if name != "." && name != ".." {
                children.push((name, e.is_dir()));
            }
        }
        for (name, is_dir) in children {
            let (mut f, mut t) = (from.to_vec(), to.to_vec());
            f.push(name.clone());
            t.push(name.clone());
            if is_dir {
                self.move_dir_inner(&f, &t)?;
            } else {
                let sd = self.open_dir(from)?;
                let td = self.open_dir(to)?;
                sd.rename(&name, &td, &name).map_err(errno)?;
            }
        }
        self.lfs().root_dir().remove(&join(from)).map_err(errno)
    }

    fn busy(&self, k: &str) -> bool {
        self.handles.values().any(|of| of.key == k)
    }

    fn finish_op<T>(&mut self, r: Result<T, Errno>) -> Result<T, Errno> {
        let t = self.trim();
        let v = r?;
        t?;
        Ok(v)
    }
}

impl Drop for FatFs {
    fn drop(&mut self) {
        // Nothing to report to: the data is written or the disk is gone.
        let _ = self.finish();
    }
}

impl VfsFs for FatFs {
    fn kind(&self) -> &'static str {
        match self.kind {
            FatKind::Fat12 => "fat12",
            FatKind::Fat16 => "fat16",
            FatKind::Fat32 => "fat32",
        }
    }

    fn read_only(&self) -> bool {
        self.cache.lock().read_only()
    }

    fn stat(&mut self, path: Path) -> Result<Meta, Errno> {
        self.flush_pending()?;
        let f = self.lookup(path)?.ok_or(Errno::ENOENT)?;
        Ok(self.meta(&key_of(path), f))
    }

    fn open(&mut self, path: Path, opts: OpenOptions) -> Result<Handle, Errno> {
        self.flush_pending()?;
        let r = self.open_inner(path, opts);
        self.finish_op(r)
    }

    fn read(&mut self, h: Handle, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        self.flush_pending()?;
        let gen = self.gen;
        let of = self.handles.get(&h).ok_or(Errno::EBADF)?;
        if offset >= of.size || buf.is_empty() {
            return Ok(0);
        }
        let want = (buf.len() as u64).min(of.size - offset) as usize;
        if of.rgen == gen
            && offset >= of.roff
            && offset + want as u64 <= of.roff + of.rbuf.len() as u64
        {
            let at = (offset - of.roff) as usize;
            buf[..want].copy_from_slice(&of.rbuf[at..at + want]);
            return Ok(want);
        }
        // Read ahead only for a reader that goes on where it stopped (or
        // starts at the beginning): a random reader would pay for 128 KiB
        // a read.
        let sequential = offset == 0 || offset == of.roff + of.rbuf.len() as u64;
        let ahead = if want >= RBUF || !sequential {
            want
        } else {
            (of.size - offset).min(RBUF as u64) as usize
        };
        let mut tmp = if want >= RBUF {
            Vec::new()
        } else {
            vec![0u8; ahead]
        };
        let dst: &mut [u8] = if want >= RBUF {
            &mut buf[..want]
        } else {
            &mut tmp
        };
        let r = self.read_mapped(h, offset, dst);
        let got = self.finish_op(r)?;
        let got = if want >= RBUF {
            got
        } else {
            let n = got.min(want);
            buf[..n].copy_from_slice(&tmp[..n]);
            tmp.truncate(got);
            let of = self.handles.get_mut(&h).ok_or(Errno::EBADF)?;
            of.rbuf = tmp;
            of.roff = offset;
            of.rgen = gen;
            n
        };
        Ok(got)
    }

    fn write(&mut self, h: Handle, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        self.check_writable()?;
        if !self.handles.contains_key(&h) {
            return Err(Errno::EBADF);
        }
        if data.is_empty() {
            return Ok(0);
        }
        if offset >= MAX_FILE {
            return Err(Errno::EFBIG);
        }
        let data = &data[..data.len().min((MAX_FILE - offset) as usize)];
        let end = offset + data.len() as u64;
        // Gather a write that continues the pending one, or starts one.
        let continues = self.pending == Some(h) && {
            let of = &self.handles[&h];
            of.woff + of.wbuf.len() as u64 == offset && of.wbuf.len() + data.len() <= WBUF
        };
        if !continues {
            self.flush_pending()?;
        }
        let of = &self.handles[&h];
        if data.len() < WBUF && (continues || self.pending.is_none()) && self.fits(of, end)? {
            self.gen += 1;
            let of = self.handles.get_mut(&h).ok_or(Errno::EBADF)?;
            if of.wbuf.is_empty() {
                of.woff = offset;
            }
            of.wbuf.extend_from_slice(data);
            self.pending = Some(h);
            return Ok(data.len());
        }
        self.flush_pending()?;
        let r = self.write_through(h, offset, data);
        self.finish_op(r)
    }

    fn fstat(&mut self, h: Handle) -> Result<Meta, Errno> {
        let of = self.handles.get(&h).ok_or(Errno::EBADF)?;
        let (path, k, len) = (of.path.clone(), of.key.clone(), of.len());
        let mut f = self.lookup(&path)?.ok_or(Errno::ENOENT)?;
        f.size = len;
        Ok(self.meta(&k, f))
    }

    fn set_len(&mut self, h: Handle, len: u64) -> Result<(), Errno> {
        self.check_writable()?;
        if !self.handles.contains_key(&h) {
            return Err(Errno::EBADF);
        }
        if len > MAX_FILE {
            return Err(Errno::EFBIG);
        }
        self.flush_pending()?;
        let r = self.truncate_to(h, len);
        self.finish_op(r)
    }

    fn sync(&mut self, h: Handle) -> Result<(), Errno> {
        if !self.handles.contains_key(&h) {
            return Err(Errno::EBADF);
        }
        self.sync_all()
    }

    fn close(&mut self, h: Handle) -> Result<(), Errno> {
        let r = if self.pending == Some(h) {
            self.flush_pending()
        } else {
            Ok(())
        };
        self.handles.remove(&h).ok_or(Errno::EBADF)?;
        self.finish_op(r)
    }

    fn read_dir(&mut self, path: Path) -> Result<Vec<VfsEntry>, Errno> {
        self.flush_pending()?;
        let dir = match self.lookup(path)? {
            None => return Err(Errno::ENOENT),
            Some(f) if f.kind == Kind::File => return Err(Errno::ENOTDIR),
            Some(_) => self.open_dir(path)?,
        };
        let base = key_of(path);
        let mut out = Vec::new();
        for e in dir.iter() {
            let e = e.map_err(errno)?;
            let name = e.file_name();
            if name == "." || name == ".." {
                continue;
            }
            let k = alloc::format!("{base}/{}", name.to_lowercase());
            out.push(VfsEntry {
                kind: if e.is_dir() { Kind::Dir } else { Kind::File },
                ino: ino(&k),
                name,
            });
        }
        Ok(out)
    }

    fn mkdir(&mut self, path: Path) -> Result<(), Errno> {
        self.check_writable()?;
        self.flush_pending()?;
        if self.lookup(path)?.is_some() {
            return Err(Errno::EEXIST);
        }
        self.gen += 1;
        let r = self
            .lfs()
            .root_dir()
            .create_dir(&join(path))
            .map(drop)
            .map_err(walk_errno);
        self.finish_op(r)
    }

    fn unlink(&mut self, path: Path) -> Result<(), Errno> {
        self.check_writable()?;
        self.flush_pending()?;
        let first = match self.lookup(path)? {
            None => return Err(Errno::ENOENT),
            Some(f) if f.kind == Kind::Dir => return Err(Errno::EISDIR),
            Some(f) => f.first,
        };
        if self.busy(&key_of(path)) {
            return Err(Errno::EBUSY);
        }
        self.gen += 1;
        self.note_frees();
        let r = self.lfs().root_dir().remove(&join(path)).map_err(errno);
        if let Some(first) = first {
            // Another name of it may be open (a short name, say).
            self.chain_cut(first, 0);
        }
        self.finish_op(r)
    }

    fn rmdir(&mut self, path: Path) -> Result<(), Errno> {
        self.check_writable()?;
        if path.is_empty() {
            return Err(Errno::EBUSY);
        }
        self.flush_pending()?;
        match self.lookup(path)? {
            None => return Err(Errno::ENOENT),
            Some(f) if f.kind == Kind::File => return Err(Errno::ENOTDIR),
            Some(_) => {}
        }
        self.gen += 1;
        self.note_frees();
        let r = self.lfs().root_dir().remove(&join(path)).map_err(errno);
        self.finish_op(r)
    }

    fn rename(&mut self, from: Path, to: Path) -> Result<(), Errno> {
        self.check_writable()?;
        if from.is_empty() || to.is_empty() {
            return Err(Errno::EBUSY);
        }
        self.flush_pending()?;
        let r = self.rename_inner(from, to);
        self.finish_op(r)
    }

    fn space(&mut self) -> Result<Space, Errno> {
        self.flush_pending()?;
        Ok(Space {
            block_size: self.cluster,
            blocks: self.clusters,
            free_blocks: self.free_clusters()?,
        })
    }

    fn sync_all(&mut self) -> Result<(), Errno> {
        if self.read_only() {
            return Ok(());
        }
        self.flush_pending()?;
        let r = self.cache.lock().checkpoint().map_err(BlockError::errno);
        self.finish_op(r)
    }
}

impl FatFs {
    fn open_inner(&mut self, path: Path, opts: OpenOptions) -> Result<Handle, Errno> {
        if path.is_empty() {
            return Err(Errno::EISDIR);
        }
        let k = key_of(path);
        let (size, first) = match self.lookup(path)? {
            Some(f) if f.kind == Kind::Dir => return Err(Errno::EISDIR),
            Some(_) if opts.create && opts.exclusive => return Err(Errno::EEXIST),
            Some(f) => {
                if opts.write || opts.truncate {
                    self.check_writable()?;
                }
                (f.size, f.first)
            }
            None if !opts.create => return Err(Errno::ENOENT),
            None => {
                self.check_writable()?;
                self.gen += 1;
                self.lfs()
                    .root_dir()
                    .create_file(&join(path))
                    .map(drop)
                    .map_err(walk_errno)?;
                (0, None)
            }
        };
        let h = self.next;
        self.next += 1;
        self.handles.insert(
            h,
            OpenFile {
                path: path.iter().map(|s| s.to_string()).collect(),
                key: k,
                size,
                wbuf: Vec::new(),
                woff: 0,
                rbuf: Vec::new(),
                roff: 0,
                rgen: u64::MAX,
                chain: first.map(ChainMap::new),
            },
        );
        if opts.truncate && opts.write && size > 0 {
            if let Err(e) = self.truncate_to(h, 0) {
                self.handles.remove(&h);
                return Err(e);
            }
        }
        Ok(h)
    }

    fn rename_inner(&mut self, from: Path, to: Path) -> Result<(), Errno> {
        let src = self.lookup(from)?.ok_or(Errno::ENOENT)?;
        let (kf, kt) = (key_of(from), key_of(to));
        if kf == kt {
            return Ok(());
        }
        if kt.starts_with(&kf) && kt.as_bytes()[kf.len()] == b'/' {
            return Err(Errno::EINVAL);
        }
        if let Some(dst) = self.lookup(to)? {
            match (src.kind, dst.kind) {
                (Kind::File, Kind::Dir) => return Err(Errno::EISDIR),
                (Kind::Dir, Kind::File) => return Err(Errno::ENOTDIR),
                (Kind::Dir, Kind::Dir) => {
                    if !self.read_dir(to)?.is_empty() {
                        return Err(Errno::ENOTEMPTY);
                    }
                }
                (Kind::File, Kind::File) => {
                    if self.busy(&kt) {
                        return Err(Errno::EBUSY);
                    }
                }
            }
            if kf.starts_with(&kt) {
                // `to` is an ancestor of `from` (and not empty then).
                return Err(Errno::ENOTEMPTY);
            }
            let first = dst.first;
            self.gen += 1;
            self.note_frees();
            let r = self.lfs().root_dir().remove(&join(to)).map_err(errno);
            if let Some(first) = first {
                self.chain_cut(first, 0);
            }
            r?;
        }
        self.gen += 1;
        let (fp, fname) = (&from[..from.len() - 1], from[from.len() - 1]);
        let (tp, tname) = (&to[..to.len() - 1], to[to.len() - 1]);
        if src.kind == Kind::Dir && key_of(fp) != key_of(tp) {
            let f: Vec<String> = from.iter().map(|s| s.to_string()).collect();
            let t: Vec<String> = to.iter().map(|s| s.to_string()).collect();
            self.note_frees();
            self.move_dir(&f, &t)?;
        } else {
            let sd = self.open_dir(fp)?;
            let td = self.open_dir(tp)?;
            sd.rename(fname, &td, tname).map_err(errno)?;
        }
        // Open handles follow the rename.
        for of in self.handles.values_mut() {
            if of.key == kf || of.key.starts_with(&alloc::format!("{kf}/")) {
                let mut p: Vec<String> = to.iter().map(|s| s.to_string()).collect();
                p.extend(of.path[from.len()..].iter().cloned());
                of.key = key(&p);
                of.path = p;
            }
        }
        Ok(())
    }
}
