//! Every app's descriptors and working directory. A descriptor names an
//! [`Object`]: the console, a socket, an open file or directory. 0, 1 and 2
//! name the console when the app starts; `dup2` may point them elsewhere.
//! Closing the last descriptor of an object closes the object.
use crate::errno::Errno;
use crate::fdtable::{Fd, FdTable};
use crate::fs::files::{OpenDir, OpenFile};
use crate::net::socket::{App, Sock};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// What a descriptor names.
#[derive(Debug)]
pub enum Object {
    Console,
    Socket(Sock),
    File(OpenFile),
    Dir(OpenDir),
}

struct AppFiles {
    fds: FdTable<Object>,
    /// The working directory's components.
    cwd: Vec<String>,
    umask: u32,
}

impl AppFiles {
    fn new() -> Self {
        let mut fds = FdTable::new();
        let console = Arc::new(Object::Console);
        for fd in 0..3 {
            let got = fds.share(console.clone(), fd, false);
            debug_assert_eq!(got, Ok(fd));
        }
        Self {
            fds,
            cwd: Vec::new(),
            umask: 0o022,
        }
    }
}

static APPS: spin::Mutex<BTreeMap<App, AppFiles>> = spin::Mutex::new(BTreeMap::new());

/// Runs `f` on `app`'s table (made on first use).
fn with<R>(app: App, f: impl FnOnce(&mut AppFiles) -> R) -> R {
    f(APPS.lock().entry(app).or_insert_with(AppFiles::new))
}

/// The object `fd` names.
pub fn get(app: App, fd: Fd) -> Result<Arc<Object>, Errno> {
    with(app, |a| a.fds.get(fd).cloned())
}

/// The socket `fd` names: `ENOTSOCK` if it names something else.
pub fn socket(app: App, fd: Fd) -> Result<Sock, Errno> {
    match *get(app, fd)? {
        Object::Socket(s) => Ok(s),
        _ => Err(Errno::ENOTSOCK),
    }
}

/// Gives `obj` the lowest free descriptor (`cloexec`: `O_CLOEXEC`). On
/// `EMFILE` the object is closed again.
pub fn insert(app: App, obj: Object, cloexec: bool) -> Result<Fd, Errno> {
    with(app, |a| {
        if a.fds.has_room() {
            a.fds.insert(obj, cloexec).map_err(|e| (e, None))
        } else {
            Err((Errno::EMFILE, Some(obj)))
        }
    })
    .map_err(|(e, obj)| {
        if let Some(obj) = obj {
            // The caller hears EMFILE; the object had no descriptor yet.
            let _ = close_object(app, obj);
        }
        e
    })
}

/// Whether `app` has a free descriptor.
pub fn has_room(app: App) -> bool {
    with(app, |a| a.fds.has_room())
}

/// `dup`, or `fcntl(F_DUPFD, min)` / `F_DUPFD_CLOEXEC`.
pub fn dup(app: App, fd: Fd, min: Fd, cloexec: bool) -> Result<Fd, Errno> {
    with(app, |a| {
        if min == 0 && !cloexec {
            return a.fds.dup(fd);
        }
        let obj = a.fds.get(fd)?.clone();
        a.fds.share(obj, min, cloexec)
    })
}

/// `fcntl(F_GETFD)`.
pub fn cloexec(app: App, fd: Fd) -> Result<bool, Errno> {
    with(app, |a| a.fds.cloexec(fd))
}

/// `fcntl(F_SETFD)`.
pub fn set_cloexec(app: App, fd: Fd, on: bool) -> Result<(), Errno> {
    with(app, |a| a.fds.set_cloexec(fd, on))
}

/// `dup2(old, new)`.
pub fn dup2(app: App, old: Fd, new: Fd) -> Result<Fd, Errno> {
    let displaced = with(app, |a| a.fds.dup2(old, new))?;
    if let Some(obj) = displaced {
        // As on Linux, dup2 does not report what closing `new` said.
        let _ = close_object(app, obj);
    }
    Ok(new)
}

/// `close(fd)`.
pub fn close(app: App, fd: Fd) -> Result<(), Errno> {
    let obj = with(app, |a| a.fds.remove(fd))?;
    match obj {
        Some(obj) => close_object(app, obj),
        None => Ok(()),
    }
}

/// Closes an object whose last descriptor went away.
fn close_object(app: App, obj: Object) -> Result<(), Errno> {
    match obj {
        Object::Console | Object::Dir(_) => Ok(()),
        Object::Socket(s) => crate::net::with(|n| n.stack.sockets.close(app, s)).unwrap_or(Ok(())),
        Object::File(f) => crate::fs::with(|v| v.close(f)),
    }
}

/// Closes every descriptor of an app that ended.
pub fn close_all(app: App) {
    let objs = APPS.lock().remove(&app).map(|mut a| a.fds.drain());
    for obj in objs.into_iter().flatten() {
        let _ = close_object(app, obj);
    }
}

/// The working directory.
pub fn cwd(app: App) -> Vec<String> {
    with(app, |a| a.cwd.clone())
}

pub fn set_cwd(app: App, cwd: Vec<String>) {
    with(app, |a| a.cwd = cwd);
}

/// `umask(mask)`: the old mask. Nothing here keeps permission bits, so
/// the mask is only remembered.
pub fn umask(app: App, mask: u32) -> u32 {
    with(app, |a| core::mem::replace(&mut a.umask, mask & 0o777))
}
