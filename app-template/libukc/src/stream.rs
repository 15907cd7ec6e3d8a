//! The buffering of a stdio stream on a file, in plain Rust over [`Io`]
//! (read, write and seek on a descriptor), as glibc buffers:
//!
//! - full buffering by default, in blocks of the file's `st_blksize` (at
//!   most BUFSIZ); line buffering writes out through the last newline;
//!   unbuffered streams write at once and read a byte at a time;
//! - a write that does not fit fills the buffer, writes it out, writes
//!   whole blocks of the rest directly and keeps the tail; a read larger
//!   than a block goes straight into the caller's memory;
//! - reading after writing writes the buffer out first; writing after
//!   reading moves the descriptor back over what was read ahead but not
//!   consumed, so the write lands at the stream's position (C asks for an
//!   fseek or fflush in between; this works without);
//! - end of file is sticky (as glibc since 2.28): reads give nothing
//!   until `clearerr`, a seek or `ungetc`;
//! - a stream opened for append only (`"a"`) starts at the end, so `ftell`
//!   is the file's size; `"a+"` starts at 0 for reading. Writes go to the
//!   end through O_APPEND on the descriptor.
//!
//! The abi (src/abi/stdio.rs) puts one in each FILE; the host tests run it
//! over an in-memory file and, differentially, over real files against
//! glibc's stdio (tests/stdio_vs_glibc.rs).
use crate::errno::{EBADF, EINVAL, EIO};
use crate::file::{Mode, BUFSIZ, SEEK_CUR, SEEK_END, SEEK_SET};

/// A descriptor as a stream sees it. Errors are errno values.
pub trait Io {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, i32>;
    fn write(&mut self, buf: &[u8]) -> Result<usize, i32>;
    fn seek(&mut self, off: i64, whence: i32) -> Result<i64, i32>;
}

/// setvbuf's modes. (`repr(u8)` with `Full` = 0: a zeroed Stream is
/// valid, which the abi relies on.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Buffering {
    Full = 0,
    Line = 1,
    None = 2,
}

/// Writes all of `data` to `io`; an error (or a write of nothing) sets
/// `error`.
fn write_all<I: Io>(io: &mut I, error: &mut bool, mut data: &[u8]) -> Result<(), i32> {
    while !data.is_empty() {
        match io.write(data) {
            Ok(0) => {
                *error = true;
                return Err(EIO);
            }
            Ok(n) => data = &data[n.min(data.len())..],
            Err(e) => {
                *error = true;
                return Err(e);
            }
        }
    }
    Ok(())
}

/// How many bytes ungetc can push back (C promises one).
const PUSHBACK: usize = 8;

pub struct Stream<I> {
    pub io: I,
    buf: [u8; BUFSIZ],
    /// The buffer's size in use (1..=BUFSIZ).
    size: usize,
    buffering: Buffering,
    /// Read ahead: `buf[rpos..rlen]` is not consumed yet.
    rpos: usize,
    rlen: usize,
    /// Written, not yet out: `buf[..wlen]`. Never both this and read-ahead.
    wlen: usize,
    /// Writing since the last open, seek or read (glibc's "currently
    /// putting"): only then do writes fill the buffer before going out.
    putting: bool,
    /// Pushed back by ungetc, the next byte last.
    pushback: [u8; PUSHBACK],
    npush: usize,
    readable: bool,
    writable: bool,
    append: bool,
    eof: bool,
    error: bool,
}

impl<I: Io> Stream<I> {
    /// A stream over `io` as `mode` opened it, buffering in blocks of
    /// `block` bytes (the file's st_blksize; 0 or more than BUFSIZ gives
    /// BUFSIZ).
    pub fn new(io: I, mode: &Mode, block: usize) -> Self {
        let mut s = Stream::closed(io);
        s.start(mode, block);
        s
    }

    /// A stream on nothing: neither readable nor writable.
    pub const fn closed(io: I) -> Self {
        Stream {
            io,
            buf: [0; BUFSIZ],
            size: BUFSIZ,
            buffering: Buffering::Full,
            rpos: 0,
            rlen: 0,
            wlen: 0,
            putting: false,
            pushback: [0; PUSHBACK],
            npush: 0,
            readable: false,
            writable: false,
            append: false,
            eof: false,
            error: false,
        }
    }

    /// Starts over on `io` as [`new`](Self::new) does, in place (the
    /// buffer's bytes are not touched).
    pub fn reopen(&mut self, io: I, mode: &Mode, block: usize) {
        self.io = io;
        self.start(mode, block);
    }

    fn start(&mut self, mode: &Mode, block: usize) {
        self.size = if block == 0 || block > BUFSIZ {
            BUFSIZ
        } else {
            block
        };
        self.buffering = Buffering::Full;
        self.rpos = 0;
        self.rlen = 0;
        self.wlen = 0;
        self.putting = false;
        self.npush = 0;
        self.readable = mode.read;
        self.writable = mode.write;
        self.append = mode.append;
        self.eof = false;
        self.error = false;
        if mode.append && !mode.read {
            // As glibc: an append-only stream is at the end from the start
            // (a pipe cannot seek, which is fine).
            let _ = self.io.seek(0, SEEK_END);
        }
    }

    pub fn eof(&self) -> bool {
        self.eof
    }
    pub fn error(&self) -> bool {
        self.error
    }
    pub fn clearerr(&mut self) {
        self.eof = false;
        self.error = false;
    }
    pub fn buffering(&self) -> Buffering {
        self.buffering
    }
    /// Bytes written to the stream and not yet to the descriptor.
    pub fn pending(&self) -> usize {
        self.wlen
    }

    /// setvbuf: the mode, and the buffer's size when the caller gives one
    /// (at most BUFSIZ here; the caller's memory itself is not used).
    /// Whatever is buffered is written out first.
    pub fn set_buffering(&mut self, b: Buffering, size: Option<usize>) -> Result<(), i32> {
        self.flush()?;
        self.buffering = b;
        if let Some(n) = size {
            if n == 0 && b != Buffering::None {
                return Err(EINVAL);
            }
            self.size = n.clamp(1, BUFSIZ);
        }
        Ok(())
    }

    /// The block size reads and writes use now.
    fn block(&self) -> usize {
        if self.buffering == Buffering::None {
            1
        } else {
            self.size
        }
    }

    fn fail(&mut self, e: i32) -> i32 {
        self.error = true;
        e
    }

    fn write_raw(&mut self, data: &[u8]) -> Result<(), i32> {
        write_all(&mut self.io, &mut self.error, data)
    }

    /// Writes the buffer out. On an error what it held is dropped (and the
    /// error indicator set).
    fn flush_write(&mut self) -> Result<(), i32> {
        let n = core::mem::take(&mut self.wlen);
        write_all(&mut self.io, &mut self.error, &self.buf[..n])
    }

    /// Drops the read-ahead and the pushed-back bytes, moving the
    /// descriptor back over them so that it is at the stream's position.
    /// When the descriptor cannot seek, nothing changes.
    fn sync_read(&mut self) -> Result<(), i32> {
        let unread = (self.rlen - self.rpos + self.npush) as i64;
        if unread > 0 {
            self.io.seek(-unread, SEEK_CUR)?;
        }
        self.rpos = 0;
        self.rlen = 0;
        self.npush = 0;
        Ok(())
    }

    fn start_writing(&mut self) -> Result<(), i32> {
        if !self.writable {
            return Err(self.fail(EBADF));
        }
        if self.rlen > self.rpos || self.npush > 0 {
            // A stream that cannot seek just loses its read-ahead.
            if self.sync_read().is_err() {
                self.rpos = 0;
                self.rlen = 0;
                self.npush = 0;
            }
        }
        self.rpos = 0;
        self.rlen = 0;
        Ok(())
    }

    fn start_reading(&mut self) -> Result<(), i32> {
        if !self.readable {
            return Err(self.fail(EBADF));
        }
        if self.putting {
            self.putting = false;
            return self.flush_write();
        }
        Ok(())
    }

    /// Buffers `data` as glibc does: what fits goes into the buffer (for
    /// line buffering, when all of it fits, through its last newline, and
    /// then the buffer goes out); if more is left, the buffer goes out,
    /// whole blocks of the rest are written directly (all of it with a
    /// buffer under 128 bytes), and the tail is buffered (for line
    /// buffering, what follows its last newline).
    fn put(&mut self, data: &[u8]) -> Result<(), i32> {
        let block = self.block();
        // The buffer takes bytes only once the stream is writing (not on
        // the first write after opening, a seek or reading), and never
        // when unbuffered.
        let space = if self.putting && self.buffering != Buffering::None {
            block - self.wlen
        } else {
            0
        };
        self.putting = true;
        let mut count = space.min(data.len());
        let mut must_flush = false;
        if self.buffering == Buffering::Line && space > 0 && space >= data.len() {
            if let Some(nl) = data.iter().rposition(|&b| b == b'\n') {
                count = nl + 1;
                must_flush = true;
            }
        }
        self.buf[self.wlen..self.wlen + count].copy_from_slice(&data[..count]);
        self.wlen += count;
        let mut rest = &data[count..];
        if rest.is_empty() && !must_flush {
            return Ok(());
        }
        self.flush_write()?;
        let direct = rest.len() - if block >= 128 { rest.len() % block } else { 0 };
        if direct > 0 {
            self.write_raw(&rest[..direct])?;
            rest = &rest[direct..];
        }
        if self.buffering == Buffering::Line {
            // glibc puts the tail a byte at a time, writing out at each
            // newline.
            if let Some(nl) = rest.iter().rposition(|&b| b == b'\n') {
                self.write_raw(&rest[..=nl])?;
                rest = &rest[nl + 1..];
            }
        }
        self.buf[..rest.len()].copy_from_slice(rest);
        self.wlen = rest.len();
        Ok(())
    }

    /// fwrite: all of `data`, or the error (the error indicator is set).
    pub fn write(&mut self, data: &[u8]) -> Result<usize, i32> {
        self.start_writing()?;
        self.put(data)?;
        Ok(data.len())
    }

    /// Refills the (empty) read buffer; 0 at the end of the file.
    fn fill(&mut self) -> Result<usize, i32> {
        self.rpos = 0;
        self.rlen = 0;
        if self.eof {
            return Ok(0);
        }
        let block = self.block();
        match self.io.read(&mut self.buf[..block]) {
            Ok(0) => {
                self.eof = true;
                Ok(0)
            }
            Ok(n) => {
                self.rlen = n.min(block);
                Ok(self.rlen)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// fgetc: the next byte, `None` at the end or on an error.
    pub fn getc(&mut self) -> Option<u8> {
        self.start_reading().ok()?;
        if self.npush > 0 {
            self.npush -= 1;
            return Some(self.pushback[self.npush]);
        }
        if self.rpos == self.rlen && self.fill().ok()? == 0 {
            return None;
        }
        self.rpos += 1;
        Some(self.buf[self.rpos - 1])
    }

    /// ungetc: pushes `c` back (up to 8 bytes); clears end of file.
    pub fn ungetc(&mut self, c: u8) -> bool {
        // (On a stream not open for reading glibc takes the byte too; a
        // later read fails all the same.)
        if self.readable && self.start_reading().is_err() {
            return false;
        }
        if self.npush == 0 && self.rpos > 0 && self.buf[self.rpos - 1] == c {
            self.rpos -= 1;
        } else if self.npush < PUSHBACK {
            self.pushback[self.npush] = c;
            self.npush += 1;
        } else {
            return false;
        }
        self.eof = false;
        true
    }

    /// fread: up to `out.len()` bytes; fewer at the end of the file or on
    /// an error (see `eof` and `error`).
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        if out.is_empty() || self.start_reading().is_err() {
            return 0;
        }
        let mut got = 0;
        while got < out.len() && self.npush > 0 {
            self.npush -= 1;
            out[got] = self.pushback[self.npush];
            got += 1;
        }
        while got < out.len() {
            let avail = self.rlen - self.rpos;
            if avail > 0 {
                let n = avail.min(out.len() - got);
                out[got..got + n].copy_from_slice(&self.buf[self.rpos..self.rpos + n]);
                self.rpos += n;
                got += n;
                continue;
            }
            if self.eof {
                break;
            }
            let rest = out.len() - got;
            let block = self.block();
            if rest >= block && block > 1 {
                let want = rest - rest % block;
                match self.io.read(&mut out[got..got + want]) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(n) => got += n.min(want),
                    Err(e) => {
                        self.fail(e);
                        break;
                    }
                }
            } else {
                match self.fill() {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
        got
    }

    /// fgets: a line of at most `out.len() - 1` bytes (with its newline)
    /// and a NUL; its length, or `None` when the file ends before any byte
    /// or on an error.
    pub fn gets(&mut self, out: &mut [u8]) -> Option<usize> {
        let n = out.len();
        if n == 0 {
            return None;
        }
        // NULL for an error in this call only (glibc's rule): the
        // indicator as it was comes back after.
        let before = core::mem::take(&mut self.error);
        let mut got = 0;
        let mut failed = false;
        while got + 1 < n {
            let avail = self.rlen - self.rpos;
            if self.npush == 0 && avail > 0 && self.wlen == 0 && self.readable {
                // Copy from the buffer up to a newline in one go.
                let take = avail.min(n - 1 - got);
                let chunk = &self.buf[self.rpos..self.rpos + take];
                let len = chunk
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(take, |i| i + 1);
                out[got..got + len].copy_from_slice(&chunk[..len]);
                self.rpos += len;
                got += len;
                if out[got - 1] == b'\n' {
                    break;
                }
                continue;
            }
            match self.getc() {
                Some(c) => {
                    out[got] = c;
                    got += 1;
                    if c == b'\n' {
                        break;
                    }
                }
                None => {
                    failed = got == 0 || self.error;
                    break;
                }
            }
        }
        self.error |= before;
        if failed {
            return None;
        }
        out[got] = 0;
        Some(got)
    }

    /// fflush: writes out what is buffered; for a stream being read, moves
    /// the descriptor to the stream's position and drops the read-ahead
    /// (POSIX's rule for seekable input).
    pub fn flush(&mut self) -> Result<(), i32> {
        if self.wlen > 0 {
            return self.flush_write();
        }
        // A descriptor that cannot seek keeps its read-ahead.
        let _ = self.sync_read();
        Ok(())
    }

    /// fseek: the new position, from `whence`.
    pub fn seek(&mut self, off: i64, whence: i32) -> Result<i64, i32> {
        if !matches!(whence, SEEK_SET | SEEK_CUR | SEEK_END) {
            return Err(EINVAL);
        }
        self.flush_write()?;
        let unread = (self.rlen - self.rpos + self.npush) as i64;
        let target = if whence == SEEK_CUR {
            off.checked_sub(unread).ok_or(EINVAL)?
        } else {
            off
        };
        // On an error nothing changes (the descriptor did not move).
        let at = self.io.seek(target, whence)?;
        self.putting = false;
        self.rpos = 0;
        self.rlen = 0;
        self.npush = 0;
        self.eof = false;
        Ok(at)
    }

    /// ftell: the stream's position (the descriptor's, less what was read
    /// ahead, plus what waits to be written; for append, the end of the
    /// file plus what waits).
    pub fn tell(&mut self) -> Result<i64, i32> {
        if self.wlen > 0 {
            let base = if self.append {
                self.io.seek(0, SEEK_END)?
            } else {
                self.io.seek(0, SEEK_CUR)?
            };
            return Ok(base + self.wlen as i64);
        }
        let at = self.io.seek(0, SEEK_CUR)?;
        let pos = at - (self.rlen - self.rpos + self.npush) as i64;
        if pos < 0 {
            return Err(EINVAL);
        }
        Ok(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::ESPIPE;
    use crate::file::parse_mode;

    /// An in-memory file with a descriptor's offset; it counts the calls,
    /// so tests see when the stream goes to the "kernel".
    #[derive(Default)]
    struct Mem {
        data: Vec<u8>,
        pos: usize,
        append: bool,
        pipe: bool,
        reads: usize,
        writes: Vec<usize>,
        fail_writes: bool,
    }

    impl Io for &mut Mem {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, i32> {
            self.reads += 1;
            let n = buf.len().min(self.data.len().saturating_sub(self.pos));
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
        fn write(&mut self, buf: &[u8]) -> Result<usize, i32> {
            if self.fail_writes {
                return Err(crate::errno::ENOSPC);
            }
            self.writes.push(buf.len());
            if self.append {
                self.pos = self.data.len();
            }
            if self.data.len() < self.pos + buf.len() {
                self.data.resize(self.pos + buf.len(), 0);
            }
            self.data[self.pos..self.pos + buf.len()].copy_from_slice(buf);
            self.pos += buf.len();
            Ok(buf.len())
        }
        fn seek(&mut self, off: i64, whence: i32) -> Result<i64, i32> {
            if self.pipe {
                return Err(ESPIPE);
            }
            let base = match whence {
                SEEK_SET => 0,
                SEEK_CUR => self.pos as i64,
                _ => self.data.len() as i64,
            };
            let to = base + off;
            if to < 0 {
                return Err(EINVAL);
            }
            self.pos = to as usize;
            Ok(to)
        }
    }

    fn open<'a>(m: &'a mut Mem, mode: &str, block: usize) -> Stream<&'a mut Mem> {
        let mode = parse_mode(mode.as_bytes()).unwrap();
        m.append = mode.append;
        m.pos = 0;
        Stream::new(m, &mode, block)
    }

    #[test]
    fn writes_are_buffered_in_blocks() {
        let mut m = Mem::default();
        let mut s = open(&mut m, "w", 128);
        assert_eq!(s.write(&[b'0'; 100]), Ok(100));
        assert!(s.io.writes.is_empty());
        assert_eq!(s.tell(), Ok(100));
        // 100 + 300: the buffer fills (128), goes out, 256 go directly,
        // 16 stay.
        s.write(&[b'x'; 300]).unwrap();
        assert_eq!(s.io.writes, [128, 256]);
        assert_eq!(s.pending(), 16);
        s.flush().unwrap();
        assert_eq!(s.io.writes, [128, 256, 16]);
        assert_eq!(s.io.data.len(), 400);
        // A buffer under 128 bytes writes all that does not fit directly.
        s.set_buffering(Buffering::Full, Some(16)).unwrap();
        s.write(&[b'y'; 10]).unwrap();
        s.write(&[b'y'; 40]).unwrap();
        assert_eq!(s.io.writes, [128, 256, 16, 16, 34]);
    }

    #[test]
    fn line_and_no_buffering() {
        let mut m = Mem::default();
        let mut s = open(&mut m, "w", 256);
        s.set_buffering(Buffering::Line, None).unwrap();
        s.write(b"ab\ncd\nef").unwrap();
        assert_eq!(s.io.data, b"ab\ncd\n");
        assert_eq!(s.pending(), 2);
        s.set_buffering(Buffering::None, None).unwrap();
        assert_eq!(s.io.data, b"ab\ncd\nef");
        s.write(b"g").unwrap();
        s.write(b"hi").unwrap();
        assert_eq!(s.io.writes, [6, 2, 1, 2]);
        // A line that does not fit the space left: the buffer goes out,
        // then the rest through its last newline.
        s.set_buffering(Buffering::Line, Some(128)).unwrap();
        s.write(&[b'a'; 100]).unwrap();
        s.write(&[b'\n'; 50]).unwrap();
        assert_eq!(s.io.writes, [6, 2, 1, 2, 128, 22]);
        assert_eq!(s.pending(), 0);
        assert_eq!(s.set_buffering(Buffering::Full, Some(0)), Err(EINVAL));
    }

    #[test]
    fn reads_gets_and_eof_is_sticky() {
        let mut m = Mem {
            data: b"line one\nline two\nlast".to_vec(),
            ..Mem::default()
        };
        let mut s = open(&mut m, "r", 8);
        let mut line = [0u8; 64];
        assert_eq!(s.gets(&mut line), Some(9));
        assert_eq!(&line[..10], b"line one\n\0");
        assert_eq!(s.tell(), Ok(9));
        // A short buffer: n - 1 bytes.
        let mut four = [0u8; 4];
        assert_eq!(s.gets(&mut four), Some(3));
        assert_eq!(&four, b"lin\0");
        assert_eq!(s.gets(&mut line), Some(6));
        assert_eq!(s.gets(&mut line), Some(4));
        assert_eq!(&line[..5], b"last\0");
        assert!(s.eof());
        assert_eq!(s.gets(&mut line), None);
        // More data arrives: still end of file until clearerr.
        s.io.data.extend_from_slice(b"!");
        assert_eq!(s.getc(), None);
        s.clearerr();
        assert_eq!(s.getc(), Some(b'!'));
        // Reads of whole blocks go directly to the caller's memory.
        s.seek(0, SEEK_SET).unwrap();
        let reads = s.io.reads;
        let mut big = [0u8; 20];
        assert_eq!(s.read(&mut big), 20);
        // 16 (two whole blocks) directly, then a block for the last 4.
        assert_eq!(s.io.reads, reads + 2);
        assert_eq!(&big, b"line one\nline two\nla");
        assert_eq!(s.read(&mut big), 3);
        assert!(s.eof() && !s.error());
    }

    #[test]
    fn ungetc_and_positions() {
        let mut m = Mem {
            data: b"abcdef".to_vec(),
            ..Mem::default()
        };
        let mut s = open(&mut m, "r", 4);
        assert_eq!(s.getc(), Some(b'a'));
        assert!(s.ungetc(b'a'));
        assert_eq!(s.tell(), Ok(0));
        assert_eq!(s.getc(), Some(b'a'));
        assert_eq!(s.getc(), Some(b'b'));
        assert!(s.ungetc(b'X') && s.ungetc(b'Y'));
        assert_eq!(s.tell(), Ok(0));
        let mut out = [0u8; 5];
        assert_eq!(s.read(&mut out), 5);
        assert_eq!(&out, b"YXcde");
        // Seeking drops what was pushed back.
        s.ungetc(b'Q');
        assert_eq!(s.seek(-1, SEEK_CUR), Ok(3));
        assert_eq!(s.getc(), Some(b'd'));
        assert_eq!(s.getc(), Some(b'e'));
        assert_eq!(s.seek(0, 7), Err(EINVAL));
        assert_eq!(s.seek(-100, SEEK_CUR), Err(EINVAL));
        assert_eq!(s.getc(), Some(b'f'));
        assert_eq!(s.getc(), None);
        assert!(s.ungetc(b'z'));
        assert!(!s.eof());
        assert_eq!(s.getc(), Some(b'z'));
    }

    #[test]
    fn switching_between_reading_and_writing() {
        let mut m = Mem {
            data: b"0123456789".to_vec(),
            ..Mem::default()
        };
        let mut s = open(&mut m, "r+", 8);
        assert_eq!(s.getc(), Some(b'0'));
        // The descriptor read ahead 8 bytes; the write still lands at 1.
        s.write(b"AB").unwrap();
        assert_eq!(s.tell(), Ok(3));
        // Reading after writing writes out first.
        assert_eq!(s.getc(), Some(b'3'));
        assert_eq!(s.io.data, b"0AB3456789");
        s.seek(0, SEEK_END).unwrap();
        s.write(b"!").unwrap();
        s.seek(0, SEEK_SET).unwrap();
        let mut all = [0u8; 16];
        assert_eq!(s.read(&mut all), 11);
        assert_eq!(&all[..11], b"0AB3456789!");
        // Writing on a read-only stream is an error; so is reading a
        // write-only one.
        let mut m2 = Mem::default();
        let mut r = open(&mut m2, "r", 8);
        assert_eq!(r.write(b"x"), Err(EBADF));
        assert!(r.error());
        let mut m3 = Mem::default();
        let mut w = open(&mut m3, "w", 8);
        assert_eq!(w.getc(), None);
        assert!(w.error());
    }

    #[test]
    fn append_goes_to_the_end() {
        let mut m = Mem {
            data: b"hello\n".to_vec(),
            ..Mem::default()
        };
        let mut s = open(&mut m, "a", 8);
        assert_eq!(s.tell(), Ok(6));
        s.write(b"ab").unwrap();
        assert_eq!(s.tell(), Ok(8));
        s.flush().unwrap();
        let _ = s;
        let mut s = open(&mut m, "a+", 8);
        assert_eq!(s.tell(), Ok(0));
        assert_eq!(s.getc(), Some(b'h'));
        s.write(b"Z").unwrap();
        assert_eq!(s.tell(), Ok(9));
        s.flush().unwrap();
        assert_eq!(s.io.data, b"hello\nabZ");
    }

    #[test]
    fn pipes_and_errors() {
        let mut m = Mem {
            data: b"abc".to_vec(),
            pipe: true,
            ..Mem::default()
        };
        let mut s = open(&mut m, "r", 8);
        assert_eq!(s.getc(), Some(b'a'));
        assert_eq!(s.tell(), Err(ESPIPE));
        // fflush on a pipe keeps the read-ahead.
        s.flush().unwrap();
        assert_eq!(s.getc(), Some(b'b'));
        let mut m = Mem {
            fail_writes: true,
            ..Mem::default()
        };
        let mut s = open(&mut m, "w", 4096);
        assert_eq!(s.write(b"abc"), Ok(3));
        assert_eq!(s.flush(), Err(crate::errno::ENOSPC));
        assert!(s.error());
        assert_eq!(s.pending(), 0);
        s.clearerr();
        assert!(!s.error());
    }
}
