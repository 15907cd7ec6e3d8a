//! The calls that take a path: `open`, `stat`, `access`, `mkdir`,
//! `unlink`, `rmdir`, `rename`, `truncate`, and the working directory
//! (`getcwd`, `chdir`) and `umask`. Relative paths start at the app's
//! working directory. Each returns the result or `-errno`.
use super::call::{app, fault, ret};
use super::fds::{self, Object};
use crate::errno::Errno;
use crate::fs::files::{self, Opened};
use crate::fs::path::{join, resolve, Resolved, PATH_MAX};
use crate::fs::vfs::Kind;
use crate::mm::uaccess::AppMemory;
use crate::net::socket::App;
use alloc::string::String;
use alloc::vec::Vec;

const PAGE: u64 = 4096;
/// `access`'s mode bits.
const W_OK: i32 = 2;
const X_OK: i32 = 1;

/// The NUL-terminated string at `addr`, read a page at a time so that
/// nothing past its NUL is touched.
fn read_cstr(mem: &AppMemory, addr: u64) -> Result<String, Errno> {
    let mut bytes = Vec::new();
    let mut at = addr;
    loop {
        let room = (PAGE - at % PAGE) as usize;
        let mut chunk = [0u8; PAGE as usize];
        mem.read(at, &mut chunk[..room]).map_err(fault)?;
        if let Some(nul) = chunk[..room].iter().position(|&b| b == 0) {
            bytes.extend_from_slice(&chunk[..nul]);
            break;
        }
        bytes.extend_from_slice(&chunk[..room]);
        if bytes.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        at += room as u64;
    }
    String::from_utf8(bytes).map_err(|_| Errno::EINVAL)
}

/// The app's path at `addr`, resolved against its working directory.
fn path(app: App, mem: &AppMemory, addr: u64) -> Result<Resolved, Errno> {
    if addr == 0 {
        return Err(Errno::EFAULT);
    }
    let p = read_cstr(mem, addr)?;
    resolve(&fds::cwd(app), &p)
}

extern "C" fn ukrt_open(addr: u64, flags: i32, _mode: u32) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let p = path(app, &mem, addr)?;
        if !fds::has_room(app) {
            return Err(Errno::EMFILE);
        }
        let obj = match crate::fs::with(|v| v.open(&p, flags))? {
            Opened::File(f) => Object::File(f),
            Opened::Dir(d) => Object::Dir(d),
        };
        Ok(fds::insert(app, obj, flags & files::O_CLOEXEC != 0)? as i64)
    })())
}

extern "C" fn ukrt_stat(addr: u64, out: u64) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let p = path(app, &mem, addr)?;
        let st = crate::fs::with(|v| v.stat(&p))?;
        mem.write(out, &files::linux_stat(&st)).map_err(fault)?;
        Ok(0)
    })())
}

extern "C" fn ukrt_access(addr: u64, mode: i32) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let p = path(app, &mem, addr)?;
        if mode & !7 != 0 {
            return Err(Errno::EINVAL);
        }
        let st = crate::fs::with(|v| v.stat(&p))?;
        if mode & W_OK != 0 && st.meta.read_only {
            return Err(Errno::EROFS);
        }
        // Nothing is executable but directories (searchable).
        if mode & X_OK != 0 && st.meta.kind != Kind::Dir {
            return Err(Errno::EACCES);
        }
        Ok(0)
    })())
}

/// A call that takes one path and returns nothing.
fn on_path(addr: u64, f: impl FnOnce(&mut files::Vfs, &Resolved) -> Result<(), Errno>) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let p = path(app, &mem, addr)?;
        crate::fs::with(|v| f(v, &p))?;
        Ok(0)
    })())
}

extern "C" fn ukrt_mkdir(addr: u64, _mode: u32) -> i64 {
    on_path(addr, |v, p| v.mkdir(p))
}

extern "C" fn ukrt_unlink(addr: u64) -> i64 {
    on_path(addr, |v, p| v.unlink(p))
}

extern "C" fn ukrt_rmdir(addr: u64) -> i64 {
    on_path(addr, |v, p| v.rmdir(p))
}

extern "C" fn ukrt_truncate(addr: u64, len: i64) -> i64 {
    on_path(addr, |v, p| v.truncate(p, len))
}

extern "C" fn ukrt_rename(from: u64, to: u64) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let a = path(app, &mem, from)?;
        let b = path(app, &mem, to)?;
        crate::fs::with(|v| v.rename(&a, &b))?;
        Ok(0)
    })())
}

/// `getcwd(buf, size)`: the length written with its NUL, as Linux's
/// system call returns it; `ERANGE` if it does not fit.
extern "C" fn ukrt_getcwd(buf: u64, size: usize) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let mut cwd = join(&fds::cwd(app)).into_bytes();
        cwd.push(0);
        if cwd.len() > size {
            return Err(Errno::ERANGE);
        }
        mem.write(buf, &cwd).map_err(fault)?;
        Ok(cwd.len() as i64)
    })())
}

extern "C" fn ukrt_chdir(addr: u64) -> i64 {
    ret((|| {
        let (app, mem) = app()?;
        let p = path(app, &mem, addr)?;
        let st = crate::fs::with(|v| v.stat(&p))?;
        if st.meta.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        fds::set_cwd(app, p.components);
        Ok(0)
    })())
}

extern "C" fn ukrt_umask(mask: u32) -> i64 {
    ret((|| {
        let (app, _) = app()?;
        Ok(fds::umask(app, mask) as i64)
    })())
}

/// The path exports, for the export table.
pub fn exports() -> [(&'static str, u64); 12] {
    [
        ("ukrt_open", ukrt_open as *const () as u64),
        ("ukrt_stat", ukrt_stat as *const () as u64),
        ("ukrt_access", ukrt_access as *const () as u64),
        ("ukrt_mkdir", ukrt_mkdir as *const () as u64),
        ("ukrt_unlink", ukrt_unlink as *const () as u64),
        ("ukrt_rmdir", ukrt_rmdir as *const () as u64),
        ("ukrt_truncate", ukrt_truncate as *const () as u64),
        ("ukrt_rename", ukrt_rename as *const () as u64),
        ("ukrt_getcwd", ukrt_getcwd as *const () as u64),
        ("ukrt_chdir", ukrt_chdir as *const () as u64),
        ("ukrt_umask", ukrt_umask as *const () as u64),
        ("ukrt_lstat", ukrt_stat as *const () as u64),
    ]
}
