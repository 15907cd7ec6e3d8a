//! Where an open file's data is: its cluster chain, read from the FAT once
//! (through the sector cache, so it sees lamfat's latest changes) and kept
//! as runs of consecutive clusters. A read at any offset then finds its
//! clusters in the map instead of walking the chain from the file's first
//! cluster, which is what lamfat's seek does on every call.
//!
//! A map holds a *prefix* of the chain, read as far as reads have needed:
//! lamfat only ever changes a chain at its end (an extension links new
//! clusters after the last one; a truncation frees everything after a
//! cluster; freeing the whole chain makes a new first cluster), so a prefix
//! stays right until the file is cut shorter than it, which
//! [`ChainMap::cut`] follows. Extending the map goes on from its last
//! cluster, reading that cluster's FAT entry afresh.
//!
//! Memory: one [`Run`] (12 bytes) per fragment, [`MAX_RUNS`] at most. A
//! file more fragmented than that keeps every other run when the map is
//! full, again and again as it grows: a read inside a forgotten run walks
//! the FAT from the end of the run before it, so the cost of a read grows
//! with the fragmentation, never with the offset.
use super::cache::Cache;
use super::{FatKind, Geometry};
use crate::errno::Errno;
use crate::fs::block::BlockError;
use alloc::vec::Vec;

/// The most runs one map keeps (12 KiB).
pub(super) const MAX_RUNS: usize = 1024;
/// Bytes of the FAT read at a time while following a chain (one request
/// for 4,096 FAT32 entries: 2 MiB of a file in 512-byte clusters).
pub(super) const WINDOW: usize = 16 * 1024;

/// File clusters `index..index + len` are disk clusters
/// `cluster..cluster + len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Run {
    pub index: u32,
    pub cluster: u32,
    pub len: u32,
}

impl Run {
    fn end(&self) -> u32 {
        self.index + self.len
    }
}

/// Why a chain could not be followed: the disk failed, or the FAT says
/// something no sound chain says there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ChainError {
    Io(BlockError),
    /// The entry of `cluster` is `value`: free, bad, reserved, out of the
    /// volume, or an end mark before the file's size.
    Broken {
        cluster: u32,
        value: u32,
    },
}

impl ChainError {
    pub fn errno(self) -> Errno {
        match self {
            ChainError::Io(e) => e.errno(),
            ChainError::Broken { .. } => Errno::EIO,
        }
    }
}

/// Reads FAT entries (the first FAT's) through the cache, a window at a
/// time; valid for as long as nothing writes the FAT, so it lives for one
/// call.
pub(super) struct FatReader<'a> {
    cache: &'a mut Cache,
    kind: FatKind,
    fat_start: u64,
    fat_len: u64,
    clusters: u64,
    /// The window: `buf` holds FAT bytes `at..at + buf.len()`.
    at: u64,
    buf: Vec<u8>,
}

impl<'a> FatReader<'a> {
    pub fn new(cache: &'a mut Cache, g: &Geometry) -> Self {
        Self {
            cache,
            kind: g.kind,
            fat_start: g.reserved * g.bps,
            fat_len: g.fat_sectors * g.bps,
            clusters: g.clusters,
            at: 0,
            buf: Vec::new(),
        }
    }

    /// Whether `c` is a data cluster of the volume.
    pub fn in_volume(&self, c: u32) -> bool {
        c >= 2 && u64::from(c) < self.clusters + 2
    }

    /// Where cluster `c`'s entry is in the FAT, and its bytes.
    fn place(&self, c: u32) -> (u64, u64) {
        match self.kind {
            FatKind::Fat12 => (u64::from(c) * 3 / 2, 2),
            FatKind::Fat16 => (u64::from(c) * 2, 2),
            FatKind::Fat32 => (u64::from(c) * 4, 4),
        }
    }

    /// Whether cluster `c`'s entry is in the window read last.
    fn loaded(&self, c: u32) -> bool {
        let (off, width) = self.place(c);
        off >= self.at && off + width <= self.at + self.buf.len() as u64
    }

    /// The entry of cluster `c` (a cluster of the volume).
    fn entry(&mut self, c: u32) -> Result<u32, BlockError> {
        let (off, width) = self.place(c);
        if !self.loaded(c) {
            // Windows start at a multiple of their size, except for a
            // FAT12 entry that straddles one's end.
            let mut at = off - off % WINDOW as u64;
            if off + width > at + WINDOW as u64 {
                at = off;
            }
            let len = (WINDOW as u64).min(self.fat_len - at) as usize;
            self.buf.resize(len, 0);
            let n = self.cache.read_at(self.fat_start + at, &mut self.buf)?;
            if n < len {
                return Err(BlockError::OutOfRange);
            }
            self.at = at;
        }
        let i = (off - self.at) as usize;
        let b = &self.buf;
        Ok(match self.kind {
            FatKind::Fat12 => {
                let w = u16::from_le_bytes([b[i], b[i + 1]]);
                u32::from(if c.is_multiple_of(2) {
                    w & 0xFFF
                } else {
                    w >> 4
                })
            }
            FatKind::Fat16 => u32::from(u16::from_le_bytes([b[i], b[i + 1]])),
            FatKind::Fat32 => {
                u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) & 0x0FFF_FFFF
            }
        })
    }

    /// The cluster after `c` in its chain, `None` at the chain's end.
    pub fn next(&mut self, c: u32) -> Result<Option<u32>, ChainError> {
        let v = self.entry(c).map_err(ChainError::Io)?;
        let end = match self.kind {
            FatKind::Fat12 => 0xFF8,
            FatKind::Fat16 => 0xFFF8,
            FatKind::Fat32 => 0x0FFF_FFF8,
        };
        if v >= end {
            Ok(None)
        } else if self.in_volume(v) {
            Ok(Some(v))
        } else {
            Err(ChainError::Broken {
                cluster: c,
                value: v,
            })
        }
    }

    /// [`next`](Self::next), if that needs no read of the disk: `None`
    /// when the entry is not in the window read last, or ends the chain, or
    /// is no cluster.
    pub fn next_loaded(&mut self, c: u32) -> Option<u32> {
        if self.loaded(c) {
            self.next(c).ok().flatten()
        } else {
            None
        }
    }

    /// The cluster after `c`, which must exist (a cluster the file's size
    /// says it has).
    fn follow(&mut self, c: u32) -> Result<u32, ChainError> {
        match self.next(c)? {
            Some(n) => Ok(n),
            None => Err(ChainError::Broken {
                cluster: c,
                value: u32::MAX,
            }),
        }
    }
}

/// A prefix of one file's cluster chain.
#[derive(Debug, Clone)]
pub(super) struct ChainMap {
    /// Sorted by `index`; the first starts at 0 and the last ends at
    /// `known`; between two runs may be a gap that was forgotten.
    runs: Vec<Run>,
    /// How many clusters of the chain the map reaches.
    known: u32,
}

impl ChainMap {
    /// The map of a chain starting at `first`, knowing only that.
    pub fn new(first: u32) -> Self {
        Self {
            runs: alloc::vec![Run {
                index: 0,
                cluster: first,
                len: 1,
            }],
            known: 1,
        }
    }

    pub fn first(&self) -> u32 {
        self.runs[0].cluster
    }

    #[cfg(test)]
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// Clusters `from..to` of the file as pieces of consecutive disk
    /// clusters, `(first cluster, count)`, in file order; reads the FAT
    /// only beyond what the map knows or in its forgotten gaps. The file
    /// has `limit` clusters: the map also takes in those of them whose
    /// entries came with the FAT already read.
    pub fn pieces(
        &mut self,
        fat: &mut FatReader<'_>,
        from: u32,
        to: u32,
        limit: u32,
        out: &mut Vec<(u32, u32)>,
    ) -> Result<(), ChainError> {
        out.clear();
        self.extend(fat, to, limit)?;
        let mut push = |c: u32, n: u32| match out.last_mut() {
            Some((c0, n0)) if *c0 + *n0 == c => *n0 += n,
            _ => out.push((c, n)),
        };
        let mut i = from;
        while i < to {
            // The last run starting at or before i.
            let k = self.runs.partition_point(|r| r.index <= i) - 1;
            let r = self.runs[k];
            if i < r.end() {
                let n = r.end().min(to) - i;
                push(r.cluster + (i - r.index), n);
                i += n;
                continue;
            }
            // A forgotten gap up to the next run: walk it from r's end.
            let gap_end = self.runs.get(k + 1).map_or(self.known, |r| r.index);
            let mut c = r.cluster + r.len - 1;
            for _ in r.end() - 1..i {
                c = fat.follow(c)?;
            }
            loop {
                push(c, 1);
                i += 1;
                if i >= to.min(gap_end) {
                    break;
                }
                c = fat.follow(c)?;
            }
        }
        Ok(())
    }

    /// Reads the chain on until the map reaches `to` clusters, and on up
    /// to `limit` as long as the FAT in hand has the entries.
    fn extend(&mut self, fat: &mut FatReader<'_>, to: u32, limit: u32) -> Result<(), ChainError> {
        while self.known < to.max(limit) {
            let last = *self.runs.last().expect("a map has a run");
            let at = last.cluster + last.len - 1;
            let c = if self.known < to {
                fat.follow(at)?
            } else {
                match fat.next_loaded(at) {
                    Some(c) => c,
                    None => break,
                }
            };
            let tail = self.runs.last_mut().expect("a map has a run");
            if tail.cluster + tail.len == c {
                tail.len += 1;
            } else {
                self.runs.push(Run {
                    index: self.known,
                    cluster: c,
                    len: 1,
                });
                if self.runs.len() > MAX_RUNS {
                    self.thin();
                }
            }
            self.known += 1;
        }
        Ok(())
    }

    /// Forgets every other run but the first and the last.
    fn thin(&mut self) {
        let last = self.runs.len() - 1;
        let mut k = 0;
        self.runs.retain(|_| {
            let keep = k % 2 == 0 || k == last;
            k += 1;
            keep
        });
    }

    /// The file now has `keep` clusters (at least one): what the map knows
    /// beyond them is gone.
    pub fn cut(&mut self, keep: u32) {
        debug_assert!(keep > 0);
        if keep >= self.known {
            return;
        }
        self.runs.retain(|r| r.index < keep);
        let tail = self.runs.last_mut().expect("the first run starts at 0");
        tail.len = tail.len.min(keep - tail.index);
        self.known = tail.end();
    }
}
