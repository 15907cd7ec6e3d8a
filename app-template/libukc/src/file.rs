//! The numbers and structures of fcntl.h, sys/stat.h, dirent.h and
//! unistd.h's file functions, with Linux x86_64's values and layouts (what
//! the runtime's file calls take), fopen's mode strings, and the records
//! `getdents64` returns.
//!
//! The tests compare every constant, size and offset here and in the C
//! headers with glibc's headers (tests/headers_vs_glibc.rs).
use crate::errno::EINVAL;

// open's flags.
pub const O_ACCMODE: i32 = 0o3;
pub const O_RDONLY: i32 = 0;
pub const O_WRONLY: i32 = 1;
pub const O_RDWR: i32 = 2;
pub const O_CREAT: i32 = 0o100;
pub const O_EXCL: i32 = 0o200;
pub const O_NOCTTY: i32 = 0o400;
pub const O_TRUNC: i32 = 0o1000;
pub const O_APPEND: i32 = 0o2000;
pub const O_NONBLOCK: i32 = 0o4000;
pub const O_DSYNC: i32 = 0o10000;
pub const O_DIRECTORY: i32 = 0o200000;
pub const O_NOFOLLOW: i32 = 0o400000;
pub const O_CLOEXEC: i32 = 0o2000000;
pub const O_SYNC: i32 = 0o4010000;
/// Linux's O_TMPFILE (with O_DIRECTORY): open reads a mode with it too.
pub const O_TMPFILE: i32 = 0o20200000;

// lseek's whence.
pub const SEEK_SET: i32 = 0;
pub const SEEK_CUR: i32 = 1;
pub const SEEK_END: i32 = 2;

// access's mode.
pub const F_OK: i32 = 0;
pub const X_OK: i32 = 1;
pub const W_OK: i32 = 2;
pub const R_OK: i32 = 4;

// fcntl's commands for files.
pub const F_DUPFD: i32 = 0;
pub const F_DUPFD_CLOEXEC: i32 = 1030;

// st_mode: the file type and the permission bits.
pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;
pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_ISVTX: u32 = 0o1000;
pub const S_IRWXU: u32 = 0o700;
pub const S_IRUSR: u32 = 0o400;
pub const S_IWUSR: u32 = 0o200;
pub const S_IXUSR: u32 = 0o100;
pub const S_IRWXG: u32 = 0o070;
pub const S_IRGRP: u32 = 0o040;
pub const S_IWGRP: u32 = 0o020;
pub const S_IXGRP: u32 = 0o010;
pub const S_IRWXO: u32 = 0o007;
pub const S_IROTH: u32 = 0o004;
pub const S_IWOTH: u32 = 0o002;
pub const S_IXOTH: u32 = 0o001;

// d_type.
pub const DT_UNKNOWN: u8 = 0;
pub const DT_FIFO: u8 = 1;
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_BLK: u8 = 6;
pub const DT_REG: u8 = 8;
pub const DT_LNK: u8 = 10;
pub const DT_SOCK: u8 = 12;

// stdio.h's sizes and setvbuf's modes, glibc's numbers.
pub const BUFSIZ: usize = 8192;
pub const FOPEN_MAX: usize = 16;
pub const FILENAME_MAX: usize = 4096;
pub const L_TMPNAM: usize = 20;
pub const IOFBF: i32 = 0;
pub const IOLBF: i32 = 1;
pub const IONBF: i32 = 2;
/// The longest path getcwd and the runtime take (limits.h's PATH_MAX).
pub const PATH_MAX: usize = 4096;

/// `struct timespec`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// `struct stat` of Linux x86_64 (144 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub pad0: i32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    pub st_blocks: i64,
    pub st_atim: Timespec,
    pub st_mtim: Timespec,
    pub st_ctim: Timespec,
    pub unused: [i64; 3],
}

impl Stat {
    pub fn is_dir(&self) -> bool {
        self.st_mode & S_IFMT == S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.st_mode & S_IFMT == S_IFREG
    }
}

/// glibc's `struct dirent` on x86_64 (what readdir returns).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Dirent {
    pub d_ino: u64,
    pub d_off: i64,
    pub d_reclen: u16,
    pub d_type: u8,
    pub d_name: [u8; 256],
}

impl Default for Dirent {
    fn default() -> Self {
        Dirent {
            d_ino: 0,
            d_off: 0,
            d_reclen: 0,
            d_type: 0,
            d_name: [0; 256],
        }
    }
}

/// One `linux_dirent64` record of a getdents64 buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirRecord<'a> {
    pub ino: u64,
    pub off: i64,
    pub ty: u8,
    /// Without the NUL.
    pub name: &'a [u8],
    /// The record's length in the buffer.
    pub reclen: usize,
}

/// The header of a linux_dirent64: d_ino (8), d_off (8), d_reclen (2),
/// d_type (1); the name follows.
const DIRENT64_HEADER: usize = 19;

/// The record at the start of `buf`, `None` at the end of the buffer or
/// for a malformed record (too short, longer than the buffer, or a name
/// without its NUL).
pub fn dir_record(buf: &[u8]) -> Option<DirRecord<'_>> {
    if buf.len() < DIRENT64_HEADER {
        return None;
    }
    let ino = u64::from_le_bytes(buf[0..8].try_into().ok()?);
    let off = i64::from_le_bytes(buf[8..16].try_into().ok()?);
    let reclen = u16::from_le_bytes(buf[16..18].try_into().ok()?) as usize;
    if reclen <= DIRENT64_HEADER || reclen > buf.len() {
        return None;
    }
    let name_area = &buf[DIRENT64_HEADER..reclen];
    let len = name_area.iter().position(|&b| b == 0)?;
    Some(DirRecord {
        ino,
        off,
        ty: buf[18],
        name: &name_area[..len],
        reclen,
    })
}

/// Fills `d` from a record: the name (at most 255 bytes) and its NUL, the
/// numbers, and d_reclen as glibc gives it (the record's length).
pub fn fill_dirent(d: &mut Dirent, r: &DirRecord<'_>) {
    let n = r.name.len().min(255);
    d.d_ino = r.ino;
    d.d_off = r.off;
    d.d_reclen = r.reclen as u16;
    d.d_type = r.ty;
    d.d_name[..n].copy_from_slice(&r.name[..n]);
    d.d_name[n] = 0;
}

/// What an fopen mode string asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode {
    /// open's flags.
    pub flags: i32,
    pub read: bool,
    pub write: bool,
    pub append: bool,
}

/// Parses fopen's mode: `r`, `w` or `a`, then any of `+`, `b`, `x`
/// (O_EXCL), `e` (O_CLOEXEC), and glibc's `c` and `m` (accepted, no
/// effect). Anything else after the first letter ends the mode, as in
/// glibc; a wrong first letter is EINVAL.
pub fn parse_mode(mode: &[u8]) -> Result<Mode, i32> {
    let (mut flags, mut read, mut write, append) = match mode.first() {
        Some(b'r') => (O_RDONLY, true, false, false),
        Some(b'w') => (O_WRONLY | O_CREAT | O_TRUNC, false, true, false),
        Some(b'a') => (O_WRONLY | O_CREAT | O_APPEND, false, true, true),
        _ => return Err(EINVAL),
    };
    for &c in mode[1..].iter().take(7) {
        match c {
            b'+' => {
                flags = (flags & !O_ACCMODE) | O_RDWR;
                read = true;
                write = true;
            }
            b'x' => flags |= O_EXCL,
            b'e' => flags |= O_CLOEXEC,
            b'b' | b'c' | b'm' => {}
            _ => break,
        }
    }
    Ok(Mode {
        flags,
        read,
        write,
        append,
    })
}

/// fdopen's check of a mode against the descriptor's F_GETFL flags:
/// the stream may not ask for an access the descriptor lacks (EINVAL).
pub fn fdopen_allowed(mode: &Mode, fl: i32) -> bool {
    let acc = fl & O_ACCMODE;
    !(mode.read && acc == O_WRONLY || mode.write && acc == O_RDONLY)
}

/// Whether open's third argument (the mode) is read for these flags.
pub fn open_takes_mode(flags: i32) -> bool {
    flags & O_CREAT != 0 || flags & O_TMPFILE == O_TMPFILE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let m = parse_mode(b"r").unwrap();
        assert_eq!(
            (m.flags, m.read, m.write, m.append),
            (0, true, false, false)
        );
        let m = parse_mode(b"w+bx").unwrap();
        assert_eq!(m.flags, O_RDWR | O_CREAT | O_TRUNC | O_EXCL);
        assert!(m.read && m.write && !m.append);
        let m = parse_mode(b"ae+").unwrap();
        assert_eq!(m.flags, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC);
        assert!(m.append && m.read);
        // "rb+" and "r+b" are the same; a stray letter ends the mode.
        assert_eq!(parse_mode(b"rb+"), parse_mode(b"r+b"));
        assert_eq!(parse_mode(b"r,ccs=UTF-8+").unwrap().flags, O_RDONLY);
        assert_eq!(parse_mode(b"x"), Err(EINVAL));
        assert_eq!(parse_mode(b""), Err(EINVAL));
        assert!(!fdopen_allowed(&parse_mode(b"r").unwrap(), O_WRONLY));
        assert!(!fdopen_allowed(&parse_mode(b"w").unwrap(), O_RDONLY));
        assert!(fdopen_allowed(&parse_mode(b"r").unwrap(), O_RDWR));
        assert!(fdopen_allowed(
            &parse_mode(b"a").unwrap(),
            O_WRONLY | O_APPEND
        ));
        assert!(open_takes_mode(O_CREAT) && open_takes_mode(O_TMPFILE | O_RDWR));
        assert!(!open_takes_mode(O_DIRECTORY | O_RDWR));
    }

    fn record(ino: u64, off: i64, ty: u8, name: &[u8]) -> Vec<u8> {
        let len = (DIRENT64_HEADER + name.len() + 1).next_multiple_of(8);
        let mut r = Vec::new();
        r.extend_from_slice(&ino.to_le_bytes());
        r.extend_from_slice(&off.to_le_bytes());
        r.extend_from_slice(&(len as u16).to_le_bytes());
        r.push(ty);
        r.extend_from_slice(name);
        r.resize(len, 0);
        r
    }

    #[test]
    fn dirent_records() {
        let mut buf = record(7, 1, DT_DIR, b".");
        buf.extend(record(9, 2, DT_REG, b"a-long-file-name.txt"));
        let r = dir_record(&buf).unwrap();
        assert_eq!(
            (r.ino, r.off, r.ty, r.name, r.reclen),
            (7, 1, DT_DIR, &b"."[..], 24)
        );
        let r2 = dir_record(&buf[24..]).unwrap();
        assert_eq!(r2.name, b"a-long-file-name.txt");
        assert_eq!(24 + r2.reclen, buf.len());
        assert_eq!(dir_record(&buf[buf.len()..]), None);
        let mut d = Dirent::default();
        fill_dirent(&mut d, &r2);
        assert_eq!(&d.d_name[..21], b"a-long-file-name.txt\0");
        assert_eq!((d.d_ino, d.d_off, d.d_type), (9, 2, DT_REG));
        // Malformed: cut short, a length past the buffer, no NUL.
        assert_eq!(dir_record(&buf[..10]), None);
        let mut bad = record(1, 1, DT_REG, b"x");
        bad[16] = 200;
        assert_eq!(dir_record(&bad), None);
        let mut bad = record(1, 1, DT_REG, b"1234");
        let n = bad.len();
        bad[19..n].fill(b'z');
        assert_eq!(dir_record(&bad), None);
    }
}
