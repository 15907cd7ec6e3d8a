//! Big requests from small ones. A filesystem reads and writes a sector or
//! a cluster at a time; each request to the backend is a round trip, so
//! [`Combined`] sits between them and the disk: writes to consecutive
//! sectors are gathered into one request, and a read that follows the
//! previous one is served from a read-ahead.
//!
//! Nothing changes for durability: a gathered write reaches the disk
//! before the next flush (and before any read or write it overlaps or
//! does not continue), and only a flush ever made anything durable.
use super::block::{check, BlockDevice, BlockError};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// The most a gathered write holds before it goes out.
pub const MAX_GATHER: usize = 256 * 1024;
/// How much a sequential read fetches ahead.
pub const READ_AHEAD: usize = 128 * 1024;

/// A disk with write gathering and sequential read-ahead.
pub struct Combined {
    dev: Box<dyn BlockDevice>,
    /// Sectors written but not sent: `pending` holds them from
    /// `pending_at` on.
    pending_at: u64,
    pending: Vec<u8>,
    /// Sectors read ahead, from `ahead_at` on.
    ahead_at: u64,
    ahead: Vec<u8>,
    /// Where the last read ended: a read starting there is sequential.
    last_read_end: u64,
    /// Requests sent to the disk (for tests and the figures).
    pub sent: u64,
}

impl Combined {
    pub fn new(dev: Box<dyn BlockDevice>) -> Self {
        Self {
            dev,
            pending_at: 0,
            pending: Vec::new(),
            ahead_at: 0,
            ahead: Vec::new(),
            last_read_end: u64::MAX,
            sent: 0,
        }
    }

    fn sectors_of(&self, bytes: usize) -> u64 {
        (bytes / self.dev.sector_size()) as u64
    }

    /// Sends the gathered write.
    fn send_pending(&mut self) -> Result<(), BlockError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let data = core::mem::take(&mut self.pending);
        self.sent += 1;
        let r = self.dev.write(self.pending_at, &data);
        // Keep the buffer's memory for the next gather.
        self.pending = data;
        self.pending.clear();
        r
    }

    fn overlaps(at: u64, len: u64, other_at: u64, other_len: u64) -> bool {
        at < other_at + other_len && other_at < at + len
    }

    /// Forgets read-ahead data that a write changes.
    fn drop_ahead_over(&mut self, sector: u64, count: u64) {
        let ahead = self.sectors_of(self.ahead.len());
        if Self::overlaps(sector, count, self.ahead_at, ahead) {
            self.ahead.clear();
        }
    }
}

impl BlockDevice for Combined {
    fn sector_size(&self) -> usize {
        self.dev.sector_size()
    }

    fn sectors(&self) -> u64 {
        self.dev.sectors()
    }

    fn read_only(&self) -> bool {
        self.dev.read_only()
    }

    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        check(self, sector, buf.len(), false)?;
        let count = self.sectors_of(buf.len());
        let pending = self.sectors_of(self.pending.len());
        if Self::overlaps(sector, count, self.pending_at, pending) {
            self.send_pending()?;
        }
        let size = self.sector_size() as u64;
        let ahead = self.sectors_of(self.ahead.len());
        let sequential = sector == self.last_read_end;
        self.last_read_end = sector + count;
        if sector >= self.ahead_at && sector + count <= self.ahead_at + ahead {
            let at = ((sector - self.ahead_at) * size) as usize;
            buf.copy_from_slice(&self.ahead[at..at + buf.len()]);
            return Ok(());
        }
        if !sequential || buf.len() >= READ_AHEAD {
            self.sent += 1;
            return self.dev.read(sector, buf);
        }
        // A sequential reader: fetch this and what follows in one request
        // (after what is gathered there, or the read-ahead would be stale).
        let want = self
            .sectors_of(READ_AHEAD)
            .min(self.sectors() - sector)
            .max(count);
        if Self::overlaps(sector, want, self.pending_at, pending) {
            self.send_pending()?;
        }
        self.ahead.resize((want * size) as usize, 0);
        self.ahead_at = sector;
        self.sent += 1;
        if let Err(e) = self.dev.read(sector, &mut self.ahead) {
            self.ahead.clear();
            return Err(e);
        }
        buf.copy_from_slice(&self.ahead[..buf.len()]);
        Ok(())
    }

    fn write(&mut self, sector: u64, data: &[u8]) -> Result<(), BlockError> {
        check(self, sector, data.len(), true)?;
        let count = self.sectors_of(data.len());
        self.drop_ahead_over(sector, count);
        let pending = self.sectors_of(self.pending.len());
        let continues = !self.pending.is_empty() && sector == self.pending_at + pending;
        if !continues || self.pending.len() + data.len() > MAX_GATHER {
            self.send_pending()?;
        }
        if data.len() >= MAX_GATHER {
            self.sent += 1;
            return self.dev.write(sector, data);
        }
        if self.pending.is_empty() {
            self.pending_at = sector;
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.send_pending()?;
        self.sent += 1;
        self.dev.flush()
    }
}

impl Drop for Combined {
    fn drop(&mut self) {
        // What was gathered still goes to the disk (not made durable).
        let _ = self.send_pending();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::block::RamDisk;
    use std::sync::{Arc, Mutex};

    /// The requests a disk got: (write?, sector, bytes).
    type Requests = Vec<(bool, u64, usize)>;

    /// A RAM disk the test can look at while `Combined` owns it.
    #[derive(Clone)]
    struct Seen(Arc<Mutex<(RamDisk, Requests)>>);

    impl BlockDevice for Seen {
        fn sector_size(&self) -> usize {
            512
        }
        fn sectors(&self) -> u64 {
            self.0.lock().unwrap().0.sectors()
        }
        fn read_only(&self) -> bool {
            false
        }
        fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), BlockError> {
            let mut g = self.0.lock().unwrap();
            g.1.push((false, sector, buf.len()));
            g.0.read(sector, buf)
        }
        fn write(&mut self, sector: u64, data: &[u8]) -> Result<(), BlockError> {
            let mut g = self.0.lock().unwrap();
            g.1.push((true, sector, data.len()));
            g.0.write(sector, data)
        }
        fn flush(&mut self) -> Result<(), BlockError> {
            self.0.lock().unwrap().0.flush()
        }
    }

    fn disk() -> (Seen, Combined) {
        let seen = Seen(Arc::new(Mutex::new((RamDisk::new(4096, 512), Vec::new()))));
        let c = Combined::new(Box::new(seen.clone()));
        (seen, c)
    }

    #[test]
    fn consecutive_writes_go_out_as_one_request_before_the_flush() {
        let (seen, mut c) = disk();
        for i in 0..64u64 {
            c.write(100 + i, &[i as u8; 512]).unwrap();
        }
        assert!(seen.0.lock().unwrap().1.is_empty(), "nothing sent yet");
        c.flush().unwrap();
        let g = seen.0.lock().unwrap();
        assert_eq!(g.1, [(true, 100, 64 * 512)]);
        assert_eq!(g.0.durable[163 * 512], 63, "flushed data is durable");
    }

    #[test]
    fn a_write_elsewhere_or_a_full_gather_sends_what_was_gathered() {
        let (seen, mut c) = disk();
        c.write(10, &[1; 1024]).unwrap();
        c.write(50, &[2; 512]).unwrap();
        assert_eq!(seen.0.lock().unwrap().1, [(true, 10, 1024)]);
        for i in 0..(MAX_GATHER / 512) as u64 {
            c.write(51 + i, &[3; 512]).unwrap();
        }
        let sent = seen.0.lock().unwrap().1.clone();
        assert_eq!(sent[1], (true, 50, MAX_GATHER));
        drop(c);
        let g = seen.0.lock().unwrap();
        assert_eq!(g.1.len(), 3, "dropping sends the rest");
        assert_eq!(g.0.data[(51 + MAX_GATHER / 512 - 1) * 512], 3);
    }

    #[test]
    fn reads_see_gathered_writes_and_sequential_reads_come_from_read_ahead() {
        let (seen, mut c) = disk();
        c.write(200, &[9; 512]).unwrap();
        let mut buf = [0u8; 512];
        c.read(200, &mut buf).unwrap();
        assert_eq!(buf, [9; 512], "the overlapping read sent the write first");
        seen.0.lock().unwrap().1.clear();
        for s in 0..256u64 {
            c.read(1000 + s, &mut buf).unwrap();
        }
        let reads = seen.0.lock().unwrap().1.clone();
        // The first read alone; the next one is sequential and fetches 256
        // sectors, which serve the 254 reads after it.
        assert_eq!(reads, [(false, 1000, 512), (false, 1001, READ_AHEAD)]);
        // A write into the read-ahead replaces what a read then sees.
        c.write(1100, &[7; 512]).unwrap();
        c.read(1100, &mut buf).unwrap();
        assert_eq!(buf, [7; 512]);
    }

    #[test]
    fn a_read_ahead_over_gathered_sectors_sees_them() {
        let (_, mut c) = disk();
        let mut buf = [0u8; 512];
        c.read(299, &mut buf).unwrap();
        c.write(310, &[5; 512]).unwrap();
        // Sequential: fetches 300.. ahead, which covers the gathered 310.
        c.read(300, &mut buf).unwrap();
        c.read(310, &mut buf).unwrap();
        assert_eq!(buf, [5; 512]);
    }

    /// Random reads, writes and flushes through `Combined` and straight to
    /// a RAM disk read the same bytes, and flushes leave the same durable
    /// contents.
    #[test]
    fn random_operations_read_what_a_plain_disk_reads() {
        let (seen, mut c) = disk();
        let mut plain = RamDisk::new(4096, 512);
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for step in 0..20_000u64 {
            let kind = next(10);
            // Mostly near the previous spot, so runs form.
            let sector = (next(64) + (step / 50) * 37) % 4000;
            let count = 1 + next(16) as usize;
            if kind < 5 {
                let data = alloc::vec![(step % 251) as u8; count * 512];
                c.write(sector, &data).unwrap();
                plain.write(sector, &data).unwrap();
            } else if kind < 9 {
                let mut a = alloc::vec![0u8; count * 512];
                let mut b = a.clone();
                c.read(sector, &mut a).unwrap();
                plain.read(sector, &mut b).unwrap();
                assert_eq!(a, b, "step {step}: read of {count} at {sector}");
            } else {
                c.flush().unwrap();
                plain.flush().unwrap();
                assert!(
                    seen.0.lock().unwrap().0.durable == plain.durable,
                    "step {step}"
                );
            }
        }
    }

    #[test]
    fn read_ahead_stops_at_the_end_of_the_disk() {
        let (_, mut c) = disk();
        let mut buf = [0u8; 512];
        c.read(4093, &mut buf).unwrap();
        c.read(4094, &mut buf).unwrap();
        c.read(4095, &mut buf).unwrap();
        assert_eq!(c.read(4096, &mut buf), Err(BlockError::OutOfRange));
    }
}
