//! The calls on descriptors, whatever they name (console, socket, file,
//! directory): `read`, `write`, `close`, `dup`, `fcntl`, `poll`, `lseek`,
//! `fstat`, `fsync` and the rest. Each returns the result or `-errno`.
use super::call::{app, fault, ret};
use super::fds::{self, Object};
use super::net_exports::{self, socket_flags, socket_ready};
use crate::errno::Errno;
use crate::fdtable::Fd;
use crate::fs::files::{self, getdents, OpenFile, S_IFCHR, S_IFSOCK};
use crate::mm::uaccess::AppMemory;
use alloc::vec;

const F_DUPFD: i32 = 0;
const F_GETFD: i32 = 1;
const F_SETFD: i32 = 2;
const F_GETFL: i32 = 3;
const F_SETFL: i32 = 4;
const F_DUPFD_CLOEXEC: i32 = 1030;
const FD_CLOEXEC: i64 = 1;
const POLLIN: i16 = 1;
const POLLOUT: i16 = 4;
const POLLERR: i16 = 8;
const POLLHUP: i16 = 16;
const POLLNVAL: i16 = 32;
/// The most one call copies between the app and a file at a time.
const CHUNK: usize = 64 * 1024;

/// Reads from a file into app memory, a chunk at a time: at `at`, or at
/// the file's offset.
fn file_read(
    mem: &AppMemory,
    f: &OpenFile,
    buf: u64,
    len: usize,
    at: Option<u64>,
) -> Result<i64, Errno> {
    let mut chunk = vec![0u8; len.min(CHUNK)];
    let mut done = 0usize;
    while done < len {
        let want = (len - done).min(CHUNK);
        let n = crate::fs::with(|v| match at {
            Some(at) => v.pread(f, at + done as u64, &mut chunk[..want]),
            None => v.read(f, &mut chunk[..want]),
        });
        let n = match n {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        mem.write(buf + done as u64, &chunk[..n]).map_err(fault)?;
        done += n;
        if n < want {
            break;
        }
    }
    Ok(done as i64)
}

/// Writes app memory to a file, a chunk at a time; a short count if the
/// filesystem took less (full), an error only if nothing was written.
fn file_write(
    mem: &AppMemory,
    f: &OpenFile,
    buf: u64,
    len: usize,
    at: Option<u64>,
) -> Result<i64, Errno> {
    let mut chunk = vec![0u8; len.min(CHUNK)];
    let mut done = 0usize;
    while done < len {
        let want = (len - done).min(CHUNK);
        mem.read(buf + done as u64, &mut chunk[..want])
            .map_err(fault)?;
        let n = crate::fs::with(|v| match at {
            Some(at) => v.pwrite(f, at + done as u64, &chunk[..want]),
            None => v.write(f, &chunk[..want]),
        });
        let n = match n {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += n;
        if n < want {
            break;
        }
    }
    Ok(done as i64)
}

extern "C" fn ukrt_read(fd: Fd, buf: u64, len: usize) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        match &*fds::get(app, fd)? {
            Object::Console => match super::exports::console_read(buf, len) {
                n if n < 0 => Err(Errno::EFAULT),
                n => Ok(n as i64),
            },
            Object::Socket(_) => Ok(net_exports::ukrt_recvfrom(fd, buf, len, 0, 0, 0)),
            Object::File(f) => file_read(&mem, f, buf, len, None),
            Object::Dir(_) => Err(Errno::EISDIR),
        }
    })())
}

extern "C" fn ukrt_write(fd: Fd, buf: u64, len: usize) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        match &*fds::get(app, fd)? {
            Object::Console => match super::exports::console_write(buf, len) {
                n if n < 0 => Err(Errno::EFAULT),
                n => Ok(n as i64),
            },
            Object::Socket(_) => Ok(net_exports::ukrt_sendto(fd, buf, len, 0, 0, 0)),
            Object::File(f) => file_write(&mem, f, buf, len, None),
            Object::Dir(_) => Err(Errno::EBADF),
        }
    })())
}

fn offset(off: i64) -> Result<u64, Errno> {
    u64::try_from(off).map_err(|_| Errno::EINVAL)
}

extern "C" fn ukrt_pread(fd: Fd, buf: u64, len: usize, off: i64) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        match &*fds::get(app, fd)? {
            Object::File(f) => file_read(&mem, f, buf, len, Some(offset(off)?)),
            Object::Dir(_) => Err(Errno::EISDIR),
            Object::Console | Object::Socket(_) => Err(Errno::ESPIPE),
        }
    })())
}

extern "C" fn ukrt_pwrite(fd: Fd, buf: u64, len: usize, off: i64) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        match &*fds::get(app, fd)? {
            Object::File(f) => file_write(&mem, f, buf, len, Some(offset(off)?)),
            Object::Dir(_) => Err(Errno::EBADF),
            Object::Console | Object::Socket(_) => Err(Errno::ESPIPE),
        }
    })())
}

extern "C" fn ukrt_lseek(fd: Fd, off: i64, whence: i32) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        match &*fds::get(app, fd)? {
            Object::File(f) => Ok(crate::fs::with(|v| v.seek(f, off, whence))? as i64),
            // A directory seeks to an entry (0 rewinds it, as rewinddir does).
            Object::Dir(d) if whence == files::SEEK_SET && off >= 0 => {
                let at = (off as usize).min(d.entries.len());
                d.position.store(at, core::sync::atomic::Ordering::Relaxed);
                Ok(at as i64)
            }
            Object::Dir(_) => Err(Errno::EINVAL),
            Object::Console | Object::Socket(_) => Err(Errno::ESPIPE),
        }
    })())
}

extern "C" fn ukrt_close(fd: Fd) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        fds::close(app, fd)?;
        Ok(0)
    })())
}

extern "C" fn ukrt_dup(fd: Fd) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        Ok(fds::dup(app, fd, 0, false)? as i64)
    })())
}

extern "C" fn ukrt_dup2(old: Fd, new: Fd) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        Ok(fds::dup2(app, old, new)? as i64)
    })())
}

extern "C" fn ukrt_fcntl(fd: Fd, cmd: i32, arg: i64) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        let obj = fds::get(app, fd)?;
        match cmd {
            F_DUPFD | F_DUPFD_CLOEXEC => {
                let min = i32::try_from(arg).map_err(|_| Errno::EINVAL)?;
                Ok(fds::dup(app, fd, min, cmd == F_DUPFD_CLOEXEC)? as i64)
            }
            F_GETFD => Ok(fds::cloexec(app, fd)? as i64),
            F_SETFD => {
                fds::set_cloexec(app, fd, arg & FD_CLOEXEC != 0)?;
                Ok(0)
            }
            F_GETFL => Ok(match &*obj {
                Object::Console => files::O_RDWR as i64,
                Object::Socket(s) => {
                    let nonblocking = socket_flags(app, *s)?;
                    (files::O_RDWR | if nonblocking { files::O_NONBLOCK } else { 0 }) as i64
                }
                Object::File(f) => {
                    let access = match (f.readable, f.writable) {
                        (true, true) => files::O_RDWR,
                        (false, true) => files::O_WRONLY,
                        _ => files::O_RDONLY,
                    };
                    (access | if f.append() { files::O_APPEND } else { 0 }) as i64
                }
                Object::Dir(_) => (files::O_RDONLY | files::O_DIRECTORY) as i64,
            }),
            F_SETFL => {
                // O_NONBLOCK changes sockets, O_APPEND files; the rest is
                // ignored, as Linux ignores the access mode and creation
                // flags here.
                match &*obj {
                    Object::Socket(s) => {
                        let on = arg & files::O_NONBLOCK as i64 != 0;
                        net_exports::set_socket_nonblocking(app, *s, on)?;
                    }
                    Object::File(f) => f.set_append(arg & files::O_APPEND as i64 != 0),
                    Object::Console | Object::Dir(_) => {}
                }
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        }
    })())
}

/// What `poll` reports for one descriptor of `app`.
fn revents(app: crate::net::socket::App, fd: Fd, events: i16) -> i16 {
    if fd < 0 {
        return 0;
    }
    let Ok(obj) = fds::get(app, fd) else {
        return POLLNVAL;
    };
    let ready = match &*obj {
        // The console: always writable; input is not polled here.
        Object::Console => return events & POLLOUT,
        // Files never block.
        Object::File(_) | Object::Dir(_) => return events & (POLLIN | POLLOUT),
        Object::Socket(s) => socket_ready(app, *s),
    };
    let Some(ready) = ready else {
        return POLLNVAL;
    };
    let mut r = 0;
    if ready.readable {
        r |= events & POLLIN;
    }
    if ready.writable {
        r |= events & POLLOUT;
    }
    if ready.error {
        r |= POLLERR;
    }
    if ready.hangup {
        r |= POLLHUP;
    }
    r
}

/// Most descriptors one `poll` takes.
const MAX_POLL: u64 = 1024;

extern "C" fn ukrt_poll(pfds: u64, nfds: u64, timeout_ms: i32) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        if nfds > MAX_POLL {
            return Err(Errno::EINVAL);
        }
        let mut raw = vec![0u8; nfds as usize * 8];
        mem.read(pfds, &mut raw).map_err(fault)?;
        let until = match timeout_ms {
            t if t < 0 => 0,
            t => crate::time::now_ns()
                .saturating_add(t as u64 * 1_000_000)
                .max(1),
        };
        loop {
            let _ = crate::net::with(|n| n.stack.poll(crate::time::now_ns()));
            let mut ready = 0;
            for e in raw.chunks_mut(8) {
                let fd = i32::from_le_bytes(e[..4].try_into().expect("4 bytes"));
                let events = i16::from_le_bytes([e[4], e[5]]);
                let r = revents(app, fd, events);
                e[6..8].copy_from_slice(&r.to_le_bytes());
                ready += (r != 0) as i64;
            }
            let expired = timeout_ms == 0 || (until != 0 && crate::time::now_ns() >= until);
            if ready > 0 || expired {
                mem.write(pfds, &raw).map_err(fault)?;
                return Ok(ready);
            }
            crate::sched::wait_net(until);
        }
    })())
}

extern "C" fn ukrt_isatty(fd: Fd) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        match &*fds::get(app, fd)? {
            Object::Console => Ok(1),
            _ => Err(Errno::ENOTTY),
        }
    })())
}

extern "C" fn ukrt_fstat(fd: Fd, out: u64) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let bytes = match &*fds::get(app, fd)? {
            Object::Console => files::device_stat(S_IFCHR | 0o620),
            Object::Socket(_) => files::device_stat(S_IFSOCK | 0o777),
            Object::File(f) => files::linux_stat(&crate::fs::with(|v| v.fstat(f))?),
            Object::Dir(d) => files::linux_stat(&crate::fs::with(|v| Ok(v.dir_stat(d)))?),
        };
        mem.write(out, &bytes).map_err(fault)?;
        Ok(0)
    })())
}

/// `fsync` and `fdatasync` (the same here: a file's size is metadata a
/// read needs, so both write it).
extern "C" fn ukrt_fsync(fd: Fd) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        match &*fds::get(app, fd)? {
            Object::File(f) => crate::fs::with(|v| v.sync(f))?,
            Object::Dir(_) => {}
            Object::Console | Object::Socket(_) => return Err(Errno::EINVAL),
        }
        Ok(0)
    })())
}

extern "C" fn ukrt_ftruncate(fd: Fd, len: i64) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        match &*fds::get(app, fd)? {
            Object::File(f) => crate::fs::with(|v| v.set_len(f, len))?,
            Object::Dir(_) => return Err(Errno::EISDIR),
            Object::Console | Object::Socket(_) => return Err(Errno::EINVAL),
        }
        Ok(0)
    })())
}

extern "C" fn ukrt_getdents64(fd: Fd, buf: u64, len: usize) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let Object::Dir(d) = &*fds::get(app, fd)? else {
            return Err(Errno::ENOTDIR);
        };
        let bytes = getdents(d, len)?;
        mem.write(buf, &bytes).map_err(fault)?;
        Ok(bytes.len() as i64)
    })())
}

/// The descriptor exports, for the export table.
pub fn exports() -> [(&'static str, u64); 16] {
    [
        ("ukrt_read", ukrt_read as *const () as u64),
        ("ukrt_write", ukrt_write as *const () as u64),
        ("ukrt_pread", ukrt_pread as *const () as u64),
        ("ukrt_pwrite", ukrt_pwrite as *const () as u64),
        ("ukrt_lseek", ukrt_lseek as *const () as u64),
        ("ukrt_close", ukrt_close as *const () as u64),
        ("ukrt_dup", ukrt_dup as *const () as u64),
        ("ukrt_dup2", ukrt_dup2 as *const () as u64),
        ("ukrt_fcntl", ukrt_fcntl as *const () as u64),
        ("ukrt_poll", ukrt_poll as *const () as u64),
        ("ukrt_isatty", ukrt_isatty as *const () as u64),
        ("ukrt_fstat", ukrt_fstat as *const () as u64),
        ("ukrt_fsync", ukrt_fsync as *const () as u64),
        ("ukrt_fdatasync", ukrt_fsync as *const () as u64),
        ("ukrt_ftruncate", ukrt_ftruncate as *const () as u64),
        ("ukrt_getdents64", ukrt_getdents64 as *const () as u64),
    ]
}
