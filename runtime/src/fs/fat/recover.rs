//! Mount's repair of a volume whose dirty bit is set: what a cut inside a
//! checkpoint's bracket (cache.rs) can leave, made consistent again, as a
//! journaling filesystem replays its journal (docs/storage.md, "Crash
//! consistency").
//!
//! The bracket writes FAT 1, then the directories, then the other FATs,
//! with a flush between the steps. So wherever it was cut, every directory
//! entry on the disk agrees with FAT 1 (it was written with or after it) or
//! with FAT 2 (an old entry, whose FAT 2 is not yet overwritten). The
//! repair walks the whole tree and takes each entry's chain from FAT 1 if
//! it is sound there, else from FAT 2; trims it to the entry's size; and
//! writes one FAT (both copies) holding exactly those chains: every other
//! cluster is free (bad marks are kept). Then FSInfo, then the dirty bit.
//!
//! What it does not repair, because no cut of ours leaves it and guessing
//! could lose data: a chain sound in neither FAT (shorter than the size,
//! looping, running out of the volume or into a free or bad cluster) and
//! clusters claimed by two entries. The volume is then mounted read-only
//! with the reason ([`MountReport::needs_fsck`]).
use super::cache::Cache;
use super::{FatKind, Geometry};
use crate::fs::block::BlockError;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

/// What mount found and did about a volume's dirty bit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountReport {
    /// The dirty bit (or FAT[1]'s clean-shutdown bit) said the volume was
    /// not unmounted cleanly.
    pub was_dirty: bool,
    /// The volume was checked, made consistent, and its dirty bit cleared.
    pub repaired: bool,
    /// The disk is read-only: mounted as it is, not checked.
    pub unchecked_read_only: bool,
    /// FAT sectors where the copies disagreed (now both hold the result).
    pub fat_sectors_synced: u32,
    /// Clusters marked used that no entry's chain (as trimmed) reaches.
    pub clusters_freed: u32,
    /// Chains longer than their file's size, cut to it.
    pub chains_trimmed: u32,
    /// Chains taken from the second FAT (an entry the first FAT no longer
    /// agreed with: a removal that had not reached the directory yet).
    pub chains_from_fat2: u32,
    /// Second entries of a file or directory found under two names (a
    /// rename cut between its two directory sectors), removed.
    pub duplicates_removed: u32,
    /// FSInfo's free count was wrong.
    pub fsinfo_fixed: bool,
    /// Damage the repair does not touch: the volume is mounted read-only.
    pub needs_fsck: Option<String>,
}

impl MountReport {
    /// Whether there is something to say (a clean volume: nothing).
    pub fn is_notable(&self) -> bool {
        self.was_dirty
    }

    /// The line for the console, after "ukrt: fs: ", for disk `disk`.
    pub fn summary(&self, disk: &str) -> Option<String> {
        if let Some(why) = &self.needs_fsck {
            return Some(format!(
                "{disk}: the filesystem needs fsck.fat: {why}; mounted read-only"
            ));
        }
        if self.unchecked_read_only {
            return Some(format!(
                "{disk}: not cleanly unmounted, and the disk is read-only: mounted without checking"
            ));
        }
        if self.repaired {
            return Some(format!(
                "{disk}: recovered from an interrupted checkpoint: {self}"
            ));
        }
        None
    }
}

fn plural(f: &mut fmt::Formatter<'_>, first: &mut bool, n: u32, one: &str) -> fmt::Result {
    if n == 0 {
        return Ok(());
    }
    if !*first {
        f.write_str(", ")?;
    }
    *first = false;
    // "chain trimmed" -> "2 chains trimmed"; '_' joins a noun's words.
    let (a, b) = one.split_once(' ').unwrap_or((one, ""));
    let a = a.replace('_', " ");
    let s = if n == 1 { "" } else { "s" };
    if b.is_empty() {
        write!(f, "{n} {a}{s}")
    } else {
        write!(f, "{n} {a}{s} {}", b.replace('_', " "))
    }
}

/// "1 chain trimmed, 1 FAT sector copied" (or "only the dirty bit").
impl fmt::Display for MountReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        plural(f, &mut first, self.chains_trimmed, "chain trimmed")?;
        plural(f, &mut first, self.clusters_freed, "lost_cluster freed")?;
        plural(f, &mut first, self.fat_sectors_synced, "FAT_sector copied")?;
        plural(f, &mut first, self.chains_from_fat2, "chain from_FAT_2")?;
        plural(
            f,
            &mut first,
            self.duplicates_removed,
            "duplicate_entry removed",
        )?;
        if self.fsinfo_fixed {
            f.write_str(if first { "" } else { ", " })?;
            f.write_str("FSInfo rewritten")?;
            first = false;
        }
        if first {
            f.write_str("only the dirty bit was set")?;
        }
        Ok(())
    }
}

/// Entries of one FAT, decoded, and the byte image it came from.
struct Fat {
    bytes: Vec<u8>,
}

impl Fat {
    fn get(&self, kind: FatKind, n: u32) -> u32 {
        let b = &self.bytes;
        let n = n as usize;
        match kind {
            FatKind::Fat12 => {
                let at = n * 3 / 2;
                let w = u16::from_le_bytes([b[at], b[at + 1]]);
                u32::from(if n.is_multiple_of(2) {
                    w & 0xFFF
                } else {
                    w >> 4
                })
            }
            FatKind::Fat16 => u32::from(u16::from_le_bytes([b[n * 2], b[n * 2 + 1]])),
            FatKind::Fat32 => {
                u32::from_le_bytes([b[n * 4], b[n * 4 + 1], b[n * 4 + 2], b[n * 4 + 3]])
                    & 0x0FFF_FFFF
            }
        }
    }

    fn set(&mut self, kind: FatKind, n: u32, v: u32) {
        let b = &mut self.bytes;
        let n = n as usize;
        match kind {
            FatKind::Fat12 => {
                let at = n * 3 / 2;
                let w = u16::from_le_bytes([b[at], b[at + 1]]);
                let v = v as u16 & 0xFFF;
                let w = if n.is_multiple_of(2) {
                    (w & 0xF000) | v
                } else {
                    (w & 0x000F) | (v << 4)
                };
                b[at..at + 2].copy_from_slice(&w.to_le_bytes());
            }
            FatKind::Fat16 => b[n * 2..n * 2 + 2].copy_from_slice(&(v as u16).to_le_bytes()),
            FatKind::Fat32 => {
                let old = u32::from_le_bytes([b[n * 4], b[n * 4 + 1], b[n * 4 + 2], b[n * 4 + 3]]);
                let v = (old & 0xF000_0000) | (v & 0x0FFF_FFFF);
                b[n * 4..n * 4 + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
    }
}

/// End-of-chain values start here; one below is the bad mark.
fn eoc_min(kind: FatKind) -> u32 {
    match kind {
        FatKind::Fat12 => 0xFF8,
        FatKind::Fat16 => 0xFFF8,
        FatKind::Fat32 => 0x0FFF_FFF8,
    }
}

fn eoc(kind: FatKind) -> u32 {
    match kind {
        FatKind::Fat12 => 0xFFF,
        FatKind::Fat16 => 0xFFFF,
        FatKind::Fat32 => 0x0FFF_FFFF,
    }
}

/// FAT[1]'s clean-shutdown bit (FAT16/32; FAT12 has none).
fn clean_bit(kind: FatKind) -> u32 {
    match kind {
        FatKind::Fat12 => 0,
        FatKind::Fat16 => 0x8000,
        FatKind::Fat32 => 0x0800_0000,
    }
}

/// Why a chain is not sound in one FAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Broken {
    Short,
    Loops,
    OutOfVolume,
    Bad,
    Shared,
}

impl Broken {
    fn what(self) -> &'static str {
        match self {
            Broken::Short => "a cluster chain shorter than its size",
            Broken::Loops => "a cluster chain that loops",
            Broken::OutOfVolume => "a cluster chain that leaves the volume",
            Broken::Bad => "a cluster chain through a bad cluster",
            Broken::Shared => "clusters that another file or directory also has",
        }
    }
}

/// A directory to read: where its entries are, and its path for messages.
struct DirAt {
    path: String,
    /// Byte ranges on the disk holding its entries, in order.
    extents: Vec<(u64, u64)>,
}

struct Walk<'a> {
    kind: FatKind,
    clusters: u32,
    cluster_bytes: u64,
    data_start: u64,
    fats: &'a [Fat],
    /// Owner stamp per cluster: 0 free, else the chain that took it.
    taken: Vec<u32>,
    /// Per-walk stamps (loop detection without clearing).
    seen: Vec<u32>,
    walk_id: u32,
    chain_id: u32,
    result: Fat,
    report: MountReport,
}

impl Walk<'_> {
    /// The chain from `start` in FAT `fat`: `need` clusters (a file), or
    /// up to its end (a directory, `need` = None). Also whether there is
    /// more after `need` (to trim).
    fn chain(&mut self, fat: usize, start: u32, need: Option<u64>) -> Result<Vec<u32>, Broken> {
        self.walk_id += 1;
        let f = &self.fats[fat];
        let mut out = Vec::new();
        let mut c = start;
        loop {
            if c < 2 || c >= self.clusters + 2 {
                return Err(if c == 0 {
                    Broken::Short
                } else {
                    Broken::OutOfVolume
                });
            }
            let i = c as usize;
            if self.seen[i] == self.walk_id {
                return Err(Broken::Loops);
            }
            if self.taken[i] != 0 {
                return Err(Broken::Shared);
            }
            self.seen[i] = self.walk_id;
            out.push(c);
            let next = f.get(self.kind, c);
            if next == 0 {
                // A free cluster is in no chain.
                return Err(Broken::Short);
            }
            if next == eoc_min(self.kind) - 1 {
                return Err(Broken::Bad);
            }
            if need == Some(out.len() as u64) {
                return Ok(out);
            }
            if next >= eoc_min(self.kind) {
                return if need.is_some() {
                    Err(Broken::Short)
                } else {
                    Ok(out)
                };
            }
            // Bounded: every step takes a cluster not yet seen.
            c = next;
        }
    }

    /// Takes the chain of one entry: from FAT 1 if sound there, else from
    /// FAT 2; writes it into the result, trimmed.
    fn take(&mut self, start: u32, need: Option<u64>) -> Result<Vec<u32>, Broken> {
        let mut first_err = None;
        for k in 0..self.fats.len().min(2) {
            if k == 1 && self.fats[1].bytes == self.fats[0].bytes {
                break;
            }
            match self.chain(k, start, need) {
                Ok(chain) => {
                    self.chain_id += 1;
                    let (kind, id) = (self.kind, self.chain_id);
                    for w in chain.windows(2) {
                        self.result.set(kind, w[0], w[1]);
                    }
                    let last = *chain.last().unwrap_or(&start);
                    let end = self.fats[k].get(kind, last);
                    if end < eoc_min(kind) {
                        self.report.chains_trimmed += 1;
                    }
                    self.result.set(
                        kind,
                        last,
                        if end >= eoc_min(kind) { end } else { eoc(kind) },
                    );
                    for &c in &chain {
                        self.taken[c as usize] = id;
                    }
                    if k == 1 {
                        self.report.chains_from_fat2 += 1;
                    }
                    return Ok(chain);
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or(Broken::Short))
    }

    fn extents_of(&self, chain: &[u32]) -> Vec<(u64, u64)> {
        chain
            .iter()
            .map(|&c| {
                let at = self.data_start + u64::from(c - 2) * self.cluster_bytes;
                (at, self.cluster_bytes)
            })
            .collect()
    }
}

/// One directory entry that is a file or a directory.
struct Entry {
    name: String,
    pos: u64,
    /// Its long-name slots (just before it).
    lfn: Vec<u64>,
    dir: bool,
    start: u32,
    size: u32,
}

/// The entries of a directory's bytes, up to the end mark.
fn entries(kind: FatKind, extents: &[(u64, u64)], bytes: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut base = 0usize;
    let mut lfn = Vec::new();
    for &(at, len) in extents {
        let part = &bytes[base..base + len as usize];
        for (k, e) in part.chunks_exact(32).enumerate() {
            let pos = at + 32 * k as u64;
            if e[0] == 0 {
                return out;
            }
            let attr = e[11];
            if e[0] != 0xE5 && attr & 0x3F == 0x0F {
                lfn.push(pos);
                continue;
            }
            let slots = core::mem::take(&mut lfn);
            if e[0] == 0xE5 || attr & 0x08 != 0 || e[0] == b'.' {
                continue;
            }
            let hi = if kind == FatKind::Fat32 {
                u32::from(u16::from_le_bytes([e[20], e[21]])) << 16
            } else {
                0
            };
            let name: String = e[..11]
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '?'
                    }
                })
                .collect::<String>();
            let (base_name, ext) = name.split_at(8);
            let (base_name, ext) = (base_name.trim_end(), ext.trim_end());
            out.push(Entry {
                name: if ext.is_empty() {
                    String::from(base_name)
                } else {
                    format!("{base_name}.{ext}")
                },
                pos,
                lfn: slots,
                dir: attr & 0x10 != 0,
                start: hi | u32::from(u16::from_le_bytes([e[26], e[27]])),
                size: u32::from_le_bytes([e[28], e[29], e[30], e[31]]),
            });
        }
        base += len as usize;
    }
    out
}

fn read(c: &mut Cache, at: u64, len: u64) -> Result<Vec<u8>, BlockError> {
    let mut b = vec![0u8; len as usize];
    if c.read_at(at, &mut b)? != b.len() {
        return Err(BlockError::OutOfRange);
    }
    Ok(b)
}

/// Checks and repairs the volume (the cache's disk is writable and its
/// dirty bit set). An I/O error is the only `Err`; damage beyond repair is
/// [`MountReport::needs_fsck`], with the cache switched to read-only.
pub(super) fn recover(c: &mut Cache, g: &Geometry) -> Result<MountReport, BlockError> {
    let kind = g.kind;
    let fat_start = g.reserved * g.bps;
    let fat_len = g.fat_sectors * g.bps;
    let mut fats = Vec::new();
    for k in 0..g.fats {
        fats.push(Fat {
            bytes: read(c, fat_start + k * fat_len, fat_len)?,
        });
    }
    let clusters = g.clusters as u32;
    let n = clusters as usize + 2;
    let cluster_bytes = g.cluster_bytes;
    // The result: FAT 1's reserved entries and bad marks, nothing else.
    let mut result = Fat {
        bytes: fats[0].bytes.clone(),
    };
    let bad = eoc_min(kind) - 1;
    for cl in 2..n as u32 {
        if fats[0].get(kind, cl) != bad {
            result.set(kind, cl, 0);
        }
    }
    let clean = clean_bit(kind);
    if clean != 0 {
        let f1 = result.get(kind, 1);
        result.set(kind, 1, f1 | clean);
    }
    let mut w = Walk {
        kind,
        clusters,
        cluster_bytes,
        data_start: g.data_start,
        fats: &fats,
        taken: vec![0; n],
        seen: vec![0; n],
        walk_id: 0,
        chain_id: 0,
        result,
        report: MountReport {
            was_dirty: true,
            ..MountReport::default()
        },
    };
    let refuse = |c: &mut Cache, mut r: MountReport, why: String| {
        c.forced_read_only = true;
        r.needs_fsck = Some(why);
        Ok(r)
    };
    let root = match g.root_cluster {
        Some(rc) => match w.take(rc, None) {
            Ok(chain) => w.extents_of(&chain),
            Err(b) => {
                let why = format!("the root directory has {}", b.what());
                return refuse(c, w.report, why);
            }
        },
        None => vec![(g.root_start, g.root_len)],
    };
    let mut todo = vec![DirAt {
        path: String::new(),
        extents: root,
    }];
    // Entry fixes: (position of the entry) a file of size 0 that still
    // names a first cluster; entries (with their long-name slots) to mark
    // deleted.
    let mut clear_start: Vec<u64> = Vec::new();
    let mut delete: Vec<u64> = Vec::new();
    // First cluster -> (directory?, size) of every entry taken.
    let mut starts: BTreeMap<u32, (bool, u32)> = BTreeMap::new();
    while let Some(d) = todo.pop() {
        let mut bytes = Vec::new();
        for &(at, len) in &d.extents {
            bytes.extend_from_slice(&read(c, at, len)?);
        }
        for e in entries(kind, &d.extents, &bytes) {
            let path = format!("{}/{}", d.path, e.name);
            if e.start != 0 && starts.get(&e.start) == Some(&(e.dir, e.size)) {
                // The same file or directory under a second name: a rename
                // whose new entry reached the disk and whose old one's
                // removal did not. One name is kept (the first met).
                delete.push(e.pos);
                delete.extend(&e.lfn);
                w.report.duplicates_removed += 1;
                continue;
            }
            if e.start != 0 && (e.dir || e.size != 0) {
                starts.insert(e.start, (e.dir, e.size));
            }
            if e.dir {
                if e.start == 0 {
                    let why = format!("directory {path} has no cluster");
                    return refuse(c, w.report, why);
                }
                match w.take(e.start, None) {
                    Ok(chain) => todo.push(DirAt {
                        path,
                        extents: w.extents_of(&chain),
                    }),
                    Err(b) => {
                        let why = format!("directory {path} has {}", b.what());
                        return refuse(c, w.report, why);
                    }
                }
            } else if e.size == 0 {
                if e.start != 0 {
                    clear_start.push(e.pos);
                    w.report.chains_trimmed += 1;
                }
            } else {
                let need = u64::from(e.size).div_ceil(cluster_bytes);
                if let Err(b) = w.take(e.start, Some(need)) {
                    let why = format!("file {path} has {}", b.what());
                    return refuse(c, w.report, why);
                }
            }
        }
    }
    let Walk {
        result, mut report, ..
    } = w;
    // Lost clusters: used in FAT 1, in no chain now.
    let mut free = 0u32;
    let mut first_free = None;
    for cl in 2..n as u32 {
        let now = result.get(kind, cl);
        if now == 0 {
            free += 1;
            first_free.get_or_insert(cl);
            if fats[0].get(kind, cl) != 0 {
                report.clusters_freed += 1;
            }
        }
    }
    let bps = g.bps as usize;
    for (k, f) in fats.iter().enumerate() {
        for (s, (new, old)) in result
            .bytes
            .chunks(bps)
            .zip(f.bytes.chunks(bps))
            .enumerate()
        {
            if new != old {
                let at = fat_start + k as u64 * fat_len + (s * bps) as u64;
                c.write_at(at, new)?;
            }
        }
    }
    if fats.len() > 1 {
        for (a, b) in fats[0].bytes.chunks(bps).zip(fats[1].bytes.chunks(bps)) {
            if a != b {
                report.fat_sectors_synced += 1;
            }
        }
    }
    for pos in delete {
        c.write_at(pos, &[0xE5])?;
    }
    for pos in clear_start {
        c.write_at(pos + 20, &[0, 0])?;
        c.write_at(pos + 26, &[0, 0])?;
    }
    if let Some(fsinfo) = g.fsinfo {
        let info = read(c, fsinfo, 512)?;
        let sig =
            |at: usize| u32::from_le_bytes([info[at], info[at + 1], info[at + 2], info[at + 3]]);
        if sig(0) == 0x4161_5252 && sig(484) == 0x6141_7272 {
            let hint = first_free.unwrap_or(u32::MAX);
            // (The hint is only a hint: any free cluster will do, so a
            // different one is not worth a word.)
            report.fsinfo_fixed = sig(488) != free;
            let mut patch = [0u8; 8];
            patch[..4].copy_from_slice(&free.to_le_bytes());
            patch[4..].copy_from_slice(&hint.to_le_bytes());
            if info[488..496] != patch {
                c.write_at(fsinfo + 488, &patch)?;
            }
        }
        c.free = Some(free);
    }
    c.clear_dirty_bit()?;
    report.repaired = true;
    Ok(report)
}
