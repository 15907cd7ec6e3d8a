//! What every export that returns `-errno` shares: who is calling, and the
//! way out.
use super::exports::AppContext;
use crate::errno::Errno;
use crate::mm::uaccess::AppMemory;
use crate::net::socket::App;

/// The calling app's number and memory; `EBADF` outside an app.
pub fn app() -> Result<(App, AppMemory), Errno> {
    crate::sched::try_with_current(|t| {
        t.app
            .as_ref()
            .map(|c: &AppContext| (c.id, c.memory.clone()))
    })
    .flatten()
    .ok_or(Errno::EBADF)
}

/// Every export's way out: the value or `-errno`, after yielding if the
/// app has run a whole slice (see `sched::yield_if_slice_used`).
pub fn ret(r: Result<i64, Errno>) -> i64 {
    crate::sched::yield_if_slice_used();
    r.unwrap_or_else(Errno::ret)
}

/// A bad app pointer.
pub fn fault<T>(_: T) -> Errno {
    Errno::EFAULT
}
