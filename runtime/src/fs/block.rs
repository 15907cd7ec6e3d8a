//! What a filesystem needs of a disk: whole sectors read and written, and a
//! flush that makes completed writes durable. blkfront provides it in the
//! guest; [`RamDisk`] in host tests.
use crate::errno::Errno;
use alloc::vec;
use alloc::vec::Vec;

/// Why a block operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockError {
    /// The disk is read-only.
    ReadOnly,
    /// Past the last sector.
    OutOfRange,
    /// A buffer that is not a whole number of sectors.
    Misaligned,
    /// The backend answered with an error.
    Io,
    /// The backend went away.
    Gone,
    /// The backend did not answer in time.
    TimedOut,
}

impl BlockError {
    /// The errno an app sees for it.
    pub fn errno(self) -> Errno {
        match self {
            Self::ReadOnly => Errno::EROFS,
            Self::OutOfRange | Self::Misaligned => Errno::EINVAL,
            Self::Io | Self::Gone | Self::TimedOut => Errno::EIO,
        }
    }
}

impl core::fmt::Display for BlockError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::ReadOnly => "the disk is read-only",
            Self::OutOfRange => "past the end of the disk",
            Self::Misaligned => "not a whole number of sectors",
            Self::Io => "the backend reported an I/O error",
            Self::Gone => "the backend went away",
            Self::TimedOut => "the backend did not answer in time",
        })
    }
}

/// A disk: sectors of `sector_size()` bytes, numbered from 0.
pub trait BlockDevice: Send {
    /// Bytes per sector (512 or 4096).
    fn sector_size(&self) -> usize;
    /// How many sectors the disk has.
    fn sectors(&self) -> u64;
    /// Whether writes are refused.
    fn read_only(&self) -> bool;
    /// Reads `buf.len()` bytes (whole sectors) starting at `sector`.
    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), BlockError>;
    /// Writes `data` (whole sectors) starting at `sector`. When it returns,
    /// the backend has completed the write, but it is durable only after
    /// [`flush`](Self::flush).
    fn write(&mut self, sector: u64, data: &[u8]) -> Result<(), BlockError>;
    /// Makes every completed write durable.
    fn flush(&mut self) -> Result<(), BlockError>;
}

/// Checks a request against a disk's geometry: the error it gets, if any.
pub fn check(
    dev: &dyn BlockDevice,
    sector: u64,
    len: usize,
    write: bool,
) -> Result<(), BlockError> {
    let size = dev.sector_size();
    if !len.is_multiple_of(size) {
        return Err(BlockError::Misaligned);
    }
    let count = (len / size) as u64;
    if sector
        .checked_add(count)
        .is_none_or(|end| end > dev.sectors())
    {
        return Err(BlockError::OutOfRange);
    }
    if write && dev.read_only() {
        return Err(BlockError::ReadOnly);
    }
    Ok(())
}

/// A disk in memory, for tests: it counts writes and flushes, and can keep
/// only what was flushed (what a power cut leaves).
#[derive(Debug, Clone)]
pub struct RamDisk {
    pub data: Vec<u8>,
    /// The contents as of the last flush.
    pub durable: Vec<u8>,
    pub sector_size: usize,
    pub read_only: bool,
    pub writes: u64,
    pub flushes: u64,
}

impl RamDisk {
    pub fn new(sectors: u64, sector_size: usize) -> Self {
        let data = vec![0; sectors as usize * sector_size];
        Self {
            durable: data.clone(),
            data,
            sector_size,
            read_only: false,
            writes: 0,
            flushes: 0,
        }
    }

    /// A disk holding `image` (a whole number of sectors).
    #[cfg(test)]
    pub fn from_image(image: Vec<u8>, sector_size: usize) -> Self {
        Self {
            durable: image.clone(),
            data: image,
            sector_size,
            read_only: false,
            writes: 0,
            flushes: 0,
        }
    }

    /// What is left after a power cut: only flushed writes.
    #[cfg(test)]
    pub fn power_cut(&mut self) {
        self.data = self.durable.clone();
    }
}

impl BlockDevice for RamDisk {
    fn sector_size(&self) -> usize {
        self.sector_size
    }

    fn sectors(&self) -> u64 {
        (self.data.len() / self.sector_size) as u64
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        check(self, sector, buf.len(), false)?;
        let at = sector as usize * self.sector_size;
        buf.copy_from_slice(&self.data[at..at + buf.len()]);
        Ok(())
    }

    fn write(&mut self, sector: u64, data: &[u8]) -> Result<(), BlockError> {
        check(self, sector, data.len(), true)?;
        let at = sector as usize * self.sector_size;
        self.data[at..at + data.len()].copy_from_slice(data);
        self.writes += 1;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.durable.clone_from(&self.data);
        self.flushes += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked_against_the_geometry() {
        let mut d = RamDisk::new(8, 512);
        let mut buf = [0u8; 1024];
        assert_eq!(d.read(7, &mut buf), Err(BlockError::OutOfRange));
        assert_eq!(d.read(0, &mut buf[..100]), Err(BlockError::Misaligned));
        assert_eq!(d.read(u64::MAX, &mut buf), Err(BlockError::OutOfRange));
        d.write(6, &[7; 1024]).unwrap();
        d.read(6, &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 7));
        d.read_only = true;
        assert_eq!(d.write(0, &[0; 512]), Err(BlockError::ReadOnly));
        assert_eq!(BlockError::ReadOnly.errno(), Errno::EROFS);
    }

    #[test]
    fn a_power_cut_keeps_only_flushed_writes() {
        let mut d = RamDisk::new(4, 512);
        d.write(0, &[1; 512]).unwrap();
        d.flush().unwrap();
        d.write(1, &[2; 512]).unwrap();
        d.power_cut();
        assert_eq!(d.data[0], 1);
        assert_eq!(d.data[512], 0);
        assert_eq!((d.writes, d.flushes), (2, 1));
    }
}
