//! The sector cache between lamfat and a [`BlockDevice`]: byte-addressed
//! reads and writes (read-modify-write for partial sectors), write-back,
//! and the order in which dirty sectors reach the disk (docs/storage.md,
//! "Crash consistency").
//!
//! Every cached sector is clean, or dirty as *data* (a regular file's
//! contents, written while [`Cache::data_mode`] is on) or as *metadata*
//! (everything else: boot sector, FSInfo, the FATs, directories). A
//! checkpoint writes data first, flushes, then the metadata: one sector
//! alone (atomic), or several inside a dirty-bit bracket (the boot sector's
//! dirty bit written and flushed first, cleared and flushed after).
use crate::fs::block::{BlockDevice, BlockError};
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use hashbrown::HashMap;

/// Where the parts of the volume are, in bytes, and what the cache patches
/// into sectors on their way to the disk.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    /// Byte offset of the first FAT and its length.
    pub fat_start: u64,
    pub fat_len: u64,
    /// How many FATs follow each other from `fat_start`.
    pub fats: u64,
    /// Bytes before the data region: reserved sectors, FATs, and the
    /// FAT12/16 root directory. All of it is metadata.
    pub data_start: u64,
    /// Offset of the status byte (dirty bit = 1) in the boot sector.
    pub flag_offset: usize,
    /// FAT32: byte offset of the FSInfo sector.
    pub fsinfo: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Data,
    Meta,
}

struct Slot {
    sector: u64,
    data: Box<[u8]>,
    dirty: Option<Class>,
    used: u64,
    /// Written whole before it was ever read: content the disk never had
    /// (a directory's new cluster), which a checkpoint writes before the
    /// directory sectors that may point to it.
    fresh: bool,
}

/// What the cache has done, for tests and the figures in docs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub checkpoints: u64,
    /// Checkpoints whose metadata needed the dirty-bit bracket.
    pub bracketed: u64,
    pub evictions: u64,
    /// Bytes read through the cache (hits and misses), by lamfat and by
    /// the file layer's own reads of the FAT and of file data.
    pub bytes_read: u64,
    /// Read requests sent to the device.
    pub dev_reads: u64,
}

pub(super) struct Cache {
    pub dev: Box<dyn BlockDevice>,
    ss: usize,
    len: u64,
    slots: Vec<Slot>,
    map: HashMap<u64, usize>,
    tick: u64,
    /// Slots kept at an operation boundary ([`trim`](Self::trim)); during
    /// one operation dirty metadata may push past it.
    cap: usize,
    pub layout: Layout,
    /// Writes now are a regular file's contents.
    pub data_mode: bool,
    /// Clusters may have been freed since the last checkpoint: a data
    /// sector must then not reach the disk before the metadata that freed
    /// its cluster (another file on disk may still own it).
    pub frees_pending: bool,
    /// The status byte as found at mount (we never clear a dirty bit we
    /// did not set).
    pub mount_flags: u8,
    /// FAT32: free clusters, kept from every change to the first FAT.
    pub free: Option<u32>,
    /// Refuse every write although the disk takes them (mount found
    /// damage it does not repair).
    pub forced_read_only: bool,
    pub stats: CacheStats,
}

/// Sectors written to the disk in one request at most.
const MAX_RUN: usize = 128 * 1024;

impl Cache {
    pub fn new(dev: Box<dyn BlockDevice>, cap_bytes: usize, layout: Layout) -> Self {
        let ss = dev.sector_size();
        let len = dev.sectors() * ss as u64;
        Self {
            dev,
            ss,
            len,
            slots: Vec::new(),
            map: HashMap::new(),
            tick: 0,
            cap: (cap_bytes / ss).max(16),
            layout,
            data_mode: false,
            frees_pending: false,
            mount_flags: 0,
            free: None,
            forced_read_only: false,
            stats: CacheStats::default(),
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn read_only(&self) -> bool {
        self.forced_read_only || self.dev.read_only()
    }

    fn slot(&mut self, sector: u64, load: bool) -> Result<usize, BlockError> {
        self.tick += 1;
        if let Some(&i) = self.map.get(&sector) {
            self.slots[i].used = self.tick;
            return Ok(i);
        }
        let i = if self.slots.len() < self.cap {
            self.slots.push(Slot {
                sector,
                data: vec![0; self.ss].into_boxed_slice(),
                dirty: None,
                used: 0,
                fresh: false,
            });
            self.slots.len() - 1
        } else {
            self.victim()?
        };
        let old = self.slots[i].sector;
        if self.map.get(&old) == Some(&i) {
            self.map.remove(&old);
        }
        self.slots[i].sector = sector;
        self.slots[i].dirty = None;
        self.slots[i].used = self.tick;
        self.slots[i].fresh = !load;
        if load {
            let ss = self.ss;
            let mut buf = core::mem::replace(&mut self.slots[i].data, Box::new([]));
            self.stats.dev_reads += 1;
            let r = self.dev.read(sector, &mut buf[..ss]);
            self.slots[i].data = buf;
            if let Err(e) = r {
                // Leave the slot unused rather than holding garbage.
                self.slots[i].sector = u64::MAX;
                return Err(e);
            }
        }
        self.map.insert(sector, i);
        Ok(i)
    }

    /// A slot to reuse: the least recently used clean one, else a dirty
    /// data sector written out (when no frees are pending), else a new
    /// slot (dirty metadata waits for the next operation boundary).
    fn victim(&mut self) -> Result<usize, BlockError> {
        let mut clean: Option<usize> = None;
        let mut data: Option<usize> = None;
        for (i, s) in self.slots.iter().enumerate() {
            match s.dirty {
                None if clean.is_none_or(|c| s.used < self.slots[c].used) => clean = Some(i),
                Some(Class::Data) if data.is_none_or(|c| s.used < self.slots[c].used) => {
                    data = Some(i)
                }
                _ => {}
            }
        }
        self.stats.evictions += 1;
        if let Some(i) = clean {
            return Ok(i);
        }
        if let (Some(i), false) = (data, self.frees_pending) {
            let s = &self.slots[i];
            self.dev.write(s.sector, &s.data)?;
            self.slots[i].dirty = None;
            return Ok(i);
        }
        self.slots.push(Slot {
            sector: u64::MAX,
            data: vec![0; self.ss].into_boxed_slice(),
            dirty: None,
            used: 0,
            fresh: false,
        });
        Ok(self.slots.len() - 1)
    }

    /// Reads at a byte offset; short only at the end of the disk.
    pub fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> Result<usize, BlockError> {
        let n = (buf.len() as u64).min(self.len.saturating_sub(pos)) as usize;
        self.stats.bytes_read += n as u64;
        let ss = self.ss as u64;
        let mut done = 0;
        while done < n {
            let at = pos + done as u64;
            let (sector, off) = (at / ss, (at % ss) as usize);
            // Whole sectors not in the cache come straight from the disk.
            if off == 0 && n - done >= self.ss && !self.map.contains_key(&sector) {
                let mut count = 1;
                while count < (n - done) / self.ss
                    && count * self.ss < MAX_RUN
                    && !self.map.contains_key(&(sector + count as u64))
                {
                    count += 1;
                }
                let bytes = count * self.ss;
                self.stats.dev_reads += 1;
                self.dev.read(sector, &mut buf[done..done + bytes])?;
                done += bytes;
                continue;
            }
            let i = self.slot(sector, true)?;
            let k = (self.ss - off).min(n - done);
            buf[done..done + k].copy_from_slice(&self.slots[i].data[off..off + k]);
            done += k;
        }
        Ok(n)
    }

    /// Writes at a byte offset into the cache (or, for whole sectors of
    /// file data with no frees pending, straight to the disk: they land in
    /// clusters the disk's FAT gives to no other file).
    pub fn write_at(&mut self, pos: u64, data: &[u8]) -> Result<usize, BlockError> {
        if self.read_only() {
            return Err(BlockError::ReadOnly);
        }
        let n = (data.len() as u64).min(self.len.saturating_sub(pos)) as usize;
        let ss = self.ss as u64;
        let mut done = 0;
        while done < n {
            let at = pos + done as u64;
            let (sector, off) = (at / ss, (at % ss) as usize);
            if off == 0
                && n - done >= self.ss
                && self.data_mode
                && !self.frees_pending
                && at >= self.layout.data_start
            {
                let count = ((n - done) / self.ss).min(MAX_RUN / self.ss);
                let bytes = count * self.ss;
                self.dev.write(sector, &data[done..done + bytes])?;
                for k in 0..count as u64 {
                    if let Some(&i) = self.map.get(&(sector + k)) {
                        let from = done + k as usize * self.ss;
                        self.slots[i]
                            .data
                            .copy_from_slice(&data[from..from + self.ss]);
                        self.slots[i].dirty = None;
                    }
                }
                done += bytes;
                continue;
            }
            let k = (self.ss - off).min(n - done);
            let whole = off == 0 && k == self.ss;
            let i = self.slot(sector, !whole)?;
            let new = &data[done..done + k];
            if self.in_first_fat(at) {
                let old = self.slots[i].data[off..off + k].to_vec();
                self.track_free(at, &old, new);
            }
            let changed = if sector == 0 {
                // The status byte is the cache's to write (the bracket);
                // a change to it alone does not make the sector dirty.
                let flag = self.layout.flag_offset;
                let old = &self.slots[i].data[off..off + k];
                old.iter()
                    .zip(new)
                    .enumerate()
                    .any(|(j, (a, b))| a != b && off + j != flag)
            } else {
                true
            };
            self.slots[i].data[off..off + k].copy_from_slice(new);
            if changed {
                let class = if self.data_mode && at >= self.layout.data_start {
                    Class::Data
                } else {
                    Class::Meta
                };
                let s = &mut self.slots[i];
                s.dirty = s.dirty.max(Some(class));
            }
            done += k;
        }
        Ok(n)
    }

    fn in_first_fat(&self, at: u64) -> bool {
        let l = &self.layout;
        self.free.is_some()
            && l.fsinfo.is_some()
            && at >= l.fat_start
            && at < l.fat_start + l.fat_len
    }

    /// FAT32: counts clusters going free or taken in the first FAT (lamfat
    /// writes FAT32 entries as aligned 4-byte words).
    fn track_free(&mut self, at: u64, old: &[u8], new: &[u8]) {
        let Some(free) = self.free else {
            return;
        };
        if !at.is_multiple_of(4) || !old.len().is_multiple_of(4) {
            return;
        }
        let mut free = free as i64;
        for (o, n) in old.chunks_exact(4).zip(new.chunks_exact(4)) {
            let o = u32::from_le_bytes([o[0], o[1], o[2], o[3]]) & 0x0FFF_FFFF;
            let n = u32::from_le_bytes([n[0], n[1], n[2], n[3]]) & 0x0FFF_FFFF;
            match (o == 0, n == 0) {
                (true, false) => free -= 1,
                (false, true) => free += 1,
                _ => {}
            }
        }
        self.free = Some(free.max(0) as u32);
    }

    /// What the sector holds on its way to the disk: the status byte the
    /// bracket wants, FAT32's free count as the cache knows it.
    fn disk_bytes(&self, sector: u64, data: &[u8], dirty_bit: bool) -> Vec<u8> {
        let mut out = data.to_vec();
        let at = sector * self.ss as u64;
        if sector == 0 {
            out[self.layout.flag_offset] = self.mount_flags | u8::from(dirty_bit);
        }
        if let (Some(fsinfo), Some(free)) = (self.layout.fsinfo, self.free) {
            if (at..at + self.ss as u64).contains(&(fsinfo + 488)) {
                let o = (fsinfo + 488 - at) as usize;
                out[o..o + 4].copy_from_slice(&free.to_le_bytes());
            }
        }
        out
    }

    fn dirty_sectors(&self, class: Class) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.slots.len())
            .filter(|&i| self.slots[i].dirty == Some(class))
            .collect();
        v.sort_by_key(|&i| self.slots[i].sector);
        v
    }

    /// Writes the given slots in runs of consecutive sectors.
    fn write_slots(&mut self, idx: &[usize]) -> Result<(), BlockError> {
        let mut k = 0;
        while k < idx.len() {
            let first = self.slots[idx[k]].sector;
            let mut run = Vec::new();
            let mut j = k;
            while j < idx.len()
                && self.slots[idx[j]].sector == first + (j - k) as u64
                && run.len() < MAX_RUN
            {
                let s = &self.slots[idx[j]];
                run.extend_from_slice(&self.disk_bytes(s.sector, &s.data, false));
                j += 1;
            }
            self.dev.write(first, &run)?;
            for &i in &idx[k..j] {
                self.slots[i].dirty = None;
                self.slots[i].fresh = false;
            }
            k = j;
        }
        Ok(())
    }

    /// The bracket's three steps: the sectors up to the end of the first
    /// FAT (boot sector, FSInfo, FAT 1); the directories (the FAT12/16
    /// root and the data region), fresh sectors first; the other FATs.
    fn bracket_steps(&self, meta: &[usize]) -> [Vec<usize>; 3] {
        let l = &self.layout;
        let ss = self.ss as u64;
        let fat1_end = l.fat_start + l.fat_len;
        let fats_end = l.fat_start + l.fats.max(1) * l.fat_len;
        let mut steps: [Vec<usize>; 3] = Default::default();
        let mut stale = Vec::new();
        for &i in meta {
            let at = self.slots[i].sector * ss;
            if at < fat1_end {
                steps[0].push(i);
            } else if at < fats_end {
                steps[2].push(i);
            } else if self.slots[i].fresh {
                steps[1].push(i);
            } else {
                stale.push(i);
            }
        }
        steps[1].extend(stale);
        steps
    }

    /// After mount's repair: the dirty bit found at mount is cleared, on
    /// the disk too, once everything else is written.
    pub fn clear_dirty_bit(&mut self) -> Result<(), BlockError> {
        self.mount_flags &= !1;
        let i = self.slot(0, true)?;
        let flag = self.layout.flag_offset;
        self.slots[i].data[flag] &= !1;
        self.checkpoint()?;
        self.write_flag(false)
    }

    /// Writes the boot sector with the dirty bit as given, and flushes.
    fn write_flag(&mut self, dirty: bool) -> Result<(), BlockError> {
        let i = self.slot(0, true)?;
        let bytes = self.disk_bytes(0, &self.slots[i].data, dirty);
        self.dev.write(0, &bytes)?;
        self.dev.flush()
    }

    /// Makes everything in the cache durable, data before metadata.
    pub fn checkpoint(&mut self) -> Result<(), BlockError> {
        if self.read_only() {
            return Ok(());
        }
        let data = self.dirty_sectors(Class::Data);
        if !data.is_empty() {
            self.write_slots(&data)?;
        }
        // FAT32: the FSInfo sector follows the free count.
        if let (Some(fsinfo), Some(free)) = (self.layout.fsinfo, self.free) {
            let ss = self.ss as u64;
            let i = self.slot((fsinfo + 488) / ss, true)?;
            let o = ((fsinfo + 488) % ss) as usize;
            if self.slots[i].data[o..o + 4] != free.to_le_bytes() {
                self.slots[i].data[o..o + 4].copy_from_slice(&free.to_le_bytes());
                self.slots[i].dirty = Some(Class::Meta);
            }
        }
        let meta = self.dirty_sectors(Class::Meta);
        if data.is_empty() && meta.is_empty() {
            return Ok(());
        }
        self.stats.checkpoints += 1;
        if !data.is_empty() {
            self.dev.flush()?;
        }
        match meta.len() {
            0 => {}
            1 => {
                self.write_slots(&meta)?;
                self.dev.flush()?;
            }
            _ => {
                self.stats.bracketed += 1;
                self.write_flag(true)?;
                // The other FATs stay as they were until the directories
                // are written: a cut leaves one FAT that agrees with the
                // old directories and one with the new (docs/storage.md,
                // "Crash consistency"; what mount makes of it: recover.rs).
                let [first, dirs, other_fats] = self.bracket_steps(&meta);
                for step in [first, dirs, other_fats] {
                    if !step.is_empty() {
                        self.write_slots(&step)?;
                        self.dev.flush()?;
                    }
                }
                self.write_flag(false)?;
            }
        }
        self.frees_pending = false;
        Ok(())
    }

    /// At an operation boundary: back within the cache's size, writing
    /// everything out first if dirty metadata pushed it past.
    pub fn trim(&mut self) -> Result<(), BlockError> {
        if self.slots.len() <= self.cap {
            return Ok(());
        }
        self.checkpoint()?;
        let mut order: Vec<usize> = (0..self.slots.len()).collect();
        order.sort_by_key(|&i| core::cmp::Reverse(self.slots[i].used));
        let keep: Vec<usize> = order.into_iter().take(self.cap).collect();
        let mut slots = core::mem::take(&mut self.slots);
        let mut kept = Vec::with_capacity(self.cap);
        for i in keep {
            let s = core::mem::replace(
                &mut slots[i],
                Slot {
                    sector: u64::MAX,
                    data: Box::new([]),
                    dirty: None,
                    used: 0,
                    fresh: false,
                },
            );
            if s.sector != u64::MAX {
                kept.push(s);
            }
        }
        self.map.clear();
        for (i, s) in kept.iter().enumerate() {
            self.map.insert(s.sector, i);
        }
        self.slots = kept;
        Ok(())
    }

    /// Dirty sectors (tests).
    pub fn dirty_count(&self) -> usize {
        self.slots.iter().filter(|s| s.dirty.is_some()).count()
    }
}
