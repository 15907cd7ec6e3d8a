//! ukc::stream (the buffering behind libukc's FILE on files) against
//! glibc's stdio: random sequences of stdio operations run through glibc on
//! one real file and through ukc::stream (over a std::fs::File, the same
//! kernel underneath) on another, with the same mode and initial contents.
//! Every result (counts, bytes read, positions, feof, ferror) must be the
//! same, and so must what another reader sees in the file after each
//! fflush, and the contents at the end.
use std::ffi::{c_char, c_int, c_long, c_void, CString};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use ukc::file::{parse_mode, SEEK_CUR, SEEK_END, SEEK_SET};
use ukc::stream::{Buffering, Io, Stream};

type CFile = c_void;
extern "C" {
    fn fopen(path: *const c_char, mode: *const c_char) -> *mut CFile;
    fn fclose(f: *mut CFile) -> c_int;
    fn fread(p: *mut c_void, size: usize, n: usize, f: *mut CFile) -> usize;
    fn fwrite(p: *const c_void, size: usize, n: usize, f: *mut CFile) -> usize;
    fn fgetc(f: *mut CFile) -> c_int;
    fn fputc(c: c_int, f: *mut CFile) -> c_int;
    fn ungetc(c: c_int, f: *mut CFile) -> c_int;
    fn fgets(s: *mut c_char, n: c_int, f: *mut CFile) -> *mut c_char;
    fn fseek(f: *mut CFile, off: c_long, whence: c_int) -> c_int;
    fn ftell(f: *mut CFile) -> c_long;
    fn fflush(f: *mut CFile) -> c_int;
    fn feof(f: *mut CFile) -> c_int;
    fn ferror(f: *mut CFile) -> c_int;
    fn clearerr(f: *mut CFile);
    fn setvbuf(f: *mut CFile, buf: *mut c_char, mode: c_int, size: usize) -> c_int;
}

struct Fd(File);

impl Io for Fd {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, i32> {
        self.0.read(buf).map_err(|e| e.raw_os_error().unwrap_or(5))
    }
    fn write(&mut self, buf: &[u8]) -> Result<usize, i32> {
        self.0.write(buf).map_err(|e| e.raw_os_error().unwrap_or(5))
    }
    fn seek(&mut self, off: i64, whence: i32) -> Result<i64, i32> {
        let to = match whence {
            SEEK_SET if off < 0 => return Err(22),
            SEEK_SET => SeekFrom::Start(off as u64),
            SEEK_CUR => SeekFrom::Current(off),
            _ => SeekFrom::End(off),
        };
        self.0
            .seek(to)
            .map(|p| p as i64)
            .map_err(|e| e.raw_os_error().unwrap_or(5))
    }
}

fn open_ours(path: &Path, mode: &str) -> Stream<Fd> {
    let m = parse_mode(mode.as_bytes()).unwrap();
    let f = OpenOptions::new()
        .read(m.read)
        .write(m.write && !m.append)
        .append(m.append)
        .create(m.flags & ukc::file::O_CREAT != 0)
        .truncate(m.flags & ukc::file::O_TRUNC != 0)
        .open(path)
        .unwrap();
    let block = f.metadata().unwrap().blksize() as usize;
    Stream::new(Fd(f), &m, block)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Write(usize),
    Putc(u8),
    Read(usize),
    Getc,
    Ungetc(u8),
    Gets(usize),
    Seek(i64, i32),
    Tell,
    Flush,
    Clearerr,
    /// fflush, then what another reader sees in the file. (Between
    /// flushes glibc's moments of writing out depend on where it put its
    /// buffer after a seek, which is block-aligned in the file; ukc's
    /// start at the position. The bytes are the same.)
    FlushLook,
}

const SIZES: &[usize] = &[1, 2, 7, 100, 1000, 4095, 4096, 4097, 5000, 9000, 20000];

fn gen(rng: &mut Rng, strict: bool, len: usize, readable: bool) -> Vec<Op> {
    let mut ops = Vec::new();
    // Last direction: 0 none, 1 read, 2 write.
    let mut dir = 0;
    let mut can_unget = false;
    for _ in 0..60 {
        let k = rng.below(13);
        let want = match k {
            0..=2 => 2,
            3..=5 => 1,
            7 if can_unget => 1,
            _ => 0,
        };
        // After ungetc glibc's writes are its own business (C leaves them
        // undefined); a seek in between, even when not strict.
        let after_unget = matches!(ops.last(), Some(Op::Ungetc(_)));
        if want == 2 && after_unget || strict && want != 0 && dir != 0 && want != dir {
            ops.push(Op::Seek(0, SEEK_CUR));
        } else if want == 1 && dir == 2 {
            // Reading right after writing loses the buffered bytes in
            // glibc (ukc writes them out first: tested in its unit tests).
            ops.push(Op::Flush);
        }
        let op = match k {
            0 | 1 => Op::Write(rng.pick(SIZES)),
            2 => Op::Putc(if rng.below(3) == 0 {
                b'\n'
            } else {
                b'a' + rng.below(26) as u8
            }),
            3 => Op::Read(rng.pick(SIZES)),
            4 => Op::Getc,
            5 => Op::Gets(rng.pick(SIZES) + 1),
            6 => {
                let whence = rng.pick(&[SEEK_SET, SEEK_CUR, SEEK_END]);
                let off = match whence {
                    SEEK_SET => rng.below(len as u64 + 100) as i64,
                    SEEK_CUR => rng.below(200) as i64 - 100,
                    _ => rng.below(150) as i64 - 100,
                };
                Op::Seek(off, whence)
            }
            7 if can_unget => Op::Ungetc(rng.pick(b"Qa\n")),
            7 => Op::Tell,
            8 => Op::Tell,
            9 => Op::Flush,
            10 => Op::Clearerr,
            _ => Op::FlushLook,
        };
        // (ungetc on a stream not open for reading: glibc's own business.)
        can_unget = readable && matches!(op, Op::Getc);
        if want != 0 {
            dir = want;
        }
        if matches!(op, Op::Seek(..) | Op::Flush) {
            dir = 0;
        }
        ops.push(op);
        if let Op::Ungetc(_) = op {
            // Read it back at once: fflush or a seek with a byte pushed
            // back is again glibc's own business.
            ops.push(Op::Getc);
        }
    }
    ops
}

/// What another reader sees in the file: its length and a hash of it.
fn look(path: &Path) -> String {
    let d = std::fs::read(path).unwrap();
    let h = d.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    format!("look {} {h:x}", d.len())
}

fn data(n: usize, salt: usize) -> Vec<u8> {
    (0..n)
        .map(|i| {
            let x = i.wrapping_mul(31).wrapping_add(salt * 7);
            if x % 37 == 0 {
                b'\n'
            } else {
                b'A' + (x % 26) as u8
            }
        })
        .collect()
}

/// Runs `ops` through glibc; one line per result.
fn run_glibc(path: &Path, mode: &str, buffering: Option<i32>, ops: &[Op]) -> Vec<String> {
    let p = CString::new(path.to_str().unwrap()).unwrap();
    let m = CString::new(mode).unwrap();
    let mut out = Vec::new();
    // SAFETY: `p` and `m` are NUL-terminated; every call below gets the
    // stream fopen returned (checked non-NULL) and buffers of the sizes it
    // is told.
    unsafe {
        let f = fopen(p.as_ptr(), m.as_ptr());
        assert!(!f.is_null());
        if let Some(b) = buffering {
            setvbuf(f, std::ptr::null_mut(), b, 0);
        }
        for (i, op) in ops.iter().enumerate() {
            let r = match *op {
                Op::Write(n) => {
                    let d = data(n, i);
                    format!("write {}", fwrite(d.as_ptr().cast(), 1, n, f))
                }
                Op::Putc(c) => format!("putc {}", fputc(c as c_int, f)),
                Op::Read(n) => {
                    let mut b = vec![0u8; n];
                    let got = fread(b.as_mut_ptr().cast(), 1, n, f);
                    format!("read {got} {:?}", String::from_utf8_lossy(&b[..got]))
                }
                Op::Getc => format!("getc {}", fgetc(f)),
                Op::Ungetc(c) => format!("ungetc {}", ungetc(c as c_int, f)),
                Op::Gets(n) => {
                    // The NUL fgets adds is the last 0 before the bytes it
                    // did not touch (the line itself may hold NULs).
                    let mut b = vec![0xffu8; n];
                    let r = fgets(b.as_mut_ptr().cast(), n as c_int, f);
                    if r.is_null() {
                        "gets NULL".into()
                    } else {
                        let len = b.iter().rposition(|&c| c == 0).unwrap();
                        format!("gets {:?}", String::from_utf8_lossy(&b[..len]))
                    }
                }
                Op::Seek(off, w) => format!("seek {}", fseek(f, off, w)),
                Op::Tell => format!("tell {}", ftell(f)),
                Op::Flush => format!("flush {}", fflush(f)),
                Op::Clearerr => {
                    clearerr(f);
                    "clearerr".into()
                }
                Op::FlushLook => format!("flush {} {}", fflush(f), look(path)),
            };
            out.push(format!("{r} eof={} err={}", feof(f) != 0, ferror(f) != 0));
        }
        out.push(format!("close {}", fclose(f)));
    }
    out
}

fn run_ours(path: &Path, mode: &str, buffering: Option<i32>, ops: &[Op]) -> Vec<String> {
    let mut s = open_ours(path, mode);
    if let Some(b) = buffering {
        let b = [Buffering::Full, Buffering::Line, Buffering::None][b as usize];
        s.set_buffering(b, None).unwrap();
    }
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let r = match *op {
            Op::Write(n) => format!("write {}", s.write(&data(n, i)).unwrap_or(0)),
            Op::Putc(c) => format!("putc {}", s.write(&[c]).map(|_| c as i32).unwrap_or(-1)),
            Op::Read(n) => {
                let mut b = vec![0u8; n];
                let got = s.read(&mut b);
                format!("read {got} {:?}", String::from_utf8_lossy(&b[..got]))
            }
            Op::Getc => format!("getc {}", s.getc().map_or(-1, i32::from)),
            Op::Ungetc(c) => format!("ungetc {}", if s.ungetc(c) { c as i32 } else { -1 }),
            Op::Gets(n) => {
                let mut b = vec![0u8; n];
                match s.gets(&mut b) {
                    None => "gets NULL".into(),
                    Some(len) => format!("gets {:?}", String::from_utf8_lossy(&b[..len])),
                }
            }
            Op::Seek(off, w) => format!("seek {}", s.seek(off, w).map_or(-1, |_| 0)),
            Op::Tell => format!("tell {}", s.tell().unwrap_or(-1)),
            Op::Flush => format!("flush {}", s.flush().map_or(-1, |_| 0)),
            Op::Clearerr => {
                s.clearerr();
                "clearerr".into()
            }
            Op::FlushLook => format!("flush {} {}", s.flush().map_or(-1, |_| 0), look(path)),
        };
        out.push(format!("{r} eof={} err={}", s.eof(), s.error()));
    }
    out.push(format!("close {}", s.flush().map_or(-1, |_| 0)));
    out
}

fn compare(strict: bool, seed: u64, trials: usize) {
    let dir = std::env::temp_dir().join(format!("ukc-stdio-{}-{strict}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("glibc"), dir.join("ours"));
    let mut rng = Rng(seed);
    for t in 0..trials {
        let len = rng.pick(&[0usize, 5, 100, 4096, 5000, 12000]);
        let init = data(len, 1000 + t);
        let mode = rng.pick(&["r", "r+", "w", "w+", "a", "a+", "rb+", "w+e"]);
        // (Without seeks, line buffering in glibc drops what waits to be
        // written when the stream starts reading: not a model to follow.)
        let buffering = match strict {
            true => rng.pick(&[None, None, None, Some(1), Some(2)]),
            false => rng.pick(&[None, None, None, Some(2)]),
        };
        let mut ops = gen(&mut rng, strict, len, mode.contains(['r', '+']));
        if !strict {
            ops = ops
                .into_iter()
                .flat_map(|o| match o {
                    Op::Ungetc(_) => vec![o],
                    _ => vec![o, Op::FlushLook],
                })
                .collect();
        }
        std::fs::write(&a, &init).unwrap();
        std::fs::write(&b, &init).unwrap();
        let theirs = run_glibc(&a, mode, buffering, &ops);
        let ours = run_ours(&b, mode, buffering, &ops);
        let (ca, cb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        if theirs != ours || ca != cb {
            let at = theirs
                .iter()
                .zip(&ours)
                .position(|(x, y)| x != y)
                .unwrap_or(ops.len());
            let from = at.saturating_sub(12);
            let mut msg = String::new();
            for i in from..=at.min(ops.len()) {
                let op = ops.get(i).map_or("close".into(), |o| format!("{o:?}"));
                let cut = |v: &[String]| {
                    v.get(i)
                        .map_or("-".into(), |l| l.chars().take(90).collect::<String>())
                };
                msg += &format!(
                    "{i:3} {op:14} glibc: {}\n                   ours: {}\n",
                    cut(&theirs),
                    cut(&ours)
                );
            }
            panic!(
                "trial {t} (mode {mode}, {len} bytes, buffering {buffering:?}) differs at step {at}\n{msg}contents equal: {}",
                ca == cb
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Sequences as C allows them: an fseek between reading and writing.
#[test]
fn stdio_sequences_match_glibc() {
    compare(true, 0x9e37_79b9_7f4a_7c15, 300);
}

/// Sequences that switch between reading and writing without a seek (C
/// leaves it undefined; glibc and ukc both keep the stream's position).
#[test]
fn stdio_switching_without_seek_matches_glibc() {
    compare(false, 0x2545_f491_4f6c_dd1d, 300);
}
