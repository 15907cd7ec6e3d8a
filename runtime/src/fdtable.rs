//! An app's descriptor table: small numbers naming open objects (the
//! console, sockets, files, directories). Several descriptors may name one
//! object (`dup`), which is shared, not copied: the table holds `Arc`s and
//! hands the last reference back when a descriptor closes, so its owner
//! can close the object itself.
use crate::errno::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// A descriptor.
pub type Fd = i32;

/// Descriptors an app may have open at once (Linux's default `ulimit -n`).
pub const MAX_FDS: usize = 1024;

pub struct FdTable<T> {
    slots: Vec<Option<Slot<T>>>,
}

/// What one descriptor holds: the object, and its own flag (the only
/// descriptor flag, `FD_CLOEXEC`; meaningless without `exec`, but apps set
/// and read it).
struct Slot<T> {
    obj: Arc<T>,
    cloexec: bool,
}

impl<T> Default for FdTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> FdTable<T> {
    pub const fn new() -> Self {
        Self { slots: Vec::new() }
    }

    /// The object `fd` names.
    pub fn get(&self, fd: Fd) -> Result<&Arc<T>, Errno> {
        self.slot(fd).map(|s| &s.obj)
    }

    fn slot(&self, fd: Fd) -> Result<&Slot<T>, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(Option::as_ref)
            .ok_or(Errno::EBADF)
    }

    /// `fcntl(F_GETFD)`: whether `FD_CLOEXEC` is set.
    pub fn cloexec(&self, fd: Fd) -> Result<bool, Errno> {
        self.slot(fd).map(|s| s.cloexec)
    }

    /// `fcntl(F_SETFD)`.
    pub fn set_cloexec(&mut self, fd: Fd, on: bool) -> Result<(), Errno> {
        self.slot(fd)?;
        if let Some(Some(s)) = self.slots.get_mut(fd as usize) {
            s.cloexec = on;
        }
        Ok(())
    }

    /// The lowest free descriptor at or above `min`.
    fn free_from(&self, min: usize) -> Result<usize, Errno> {
        let free = (min..MAX_FDS).find(|&i| self.slots.get(i).is_none_or(Option::is_none));
        free.ok_or(Errno::EMFILE)
    }

    /// Whether a new descriptor would fit (checked before work that
    /// cannot be undone, such as taking a connection off a backlog).
    pub fn has_room(&self) -> bool {
        self.free_from(0).is_ok()
    }

    fn put(&mut self, i: usize, obj: Arc<T>, cloexec: bool) -> Option<Arc<T>> {
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i].replace(Slot { obj, cloexec }).map(|s| s.obj)
    }

    /// Gives `obj` the lowest free descriptor (`cloexec`: `O_CLOEXEC`).
    pub fn insert(&mut self, obj: T, cloexec: bool) -> Result<Fd, Errno> {
        self.share(Arc::new(obj), 0, cloexec)
    }

    /// Gives an object another descriptor, the lowest free one at or above
    /// `min` (`dup`, `fcntl(F_DUPFD)`, `F_DUPFD_CLOEXEC`).
    pub fn share(&mut self, obj: Arc<T>, min: Fd, cloexec: bool) -> Result<Fd, Errno> {
        let min = usize::try_from(min).map_err(|_| Errno::EINVAL)?;
        if min >= MAX_FDS {
            return Err(Errno::EINVAL);
        }
        let i = self.free_from(min)?;
        self.put(i, obj, cloexec);
        Ok(i as Fd)
    }

    /// `dup(fd)`: the copy has `FD_CLOEXEC` clear, as on Linux.
    pub fn dup(&mut self, fd: Fd) -> Result<Fd, Errno> {
        let obj = self.get(fd)?.clone();
        self.share(obj, 0, false)
    }

    /// `dup2(old, new)`: `new` names what `old` does; what `new` named
    /// before is handed back (to close, if it was the last reference).
    pub fn dup2(&mut self, old: Fd, new: Fd) -> Result<Option<T>, Errno> {
        let obj = self.get(old)?.clone();
        let i = usize::try_from(new)
            .ok()
            .filter(|&i| i < MAX_FDS)
            .ok_or(Errno::EBADF)?;
        if old == new {
            return Ok(None);
        }
        Ok(self.put(i, obj, false).and_then(Arc::into_inner))
    }

    /// `close(fd)`: the object, if this was its last descriptor.
    pub fn remove(&mut self, fd: Fd) -> Result<Option<T>, Errno> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        let obj = self
            .slots
            .get_mut(i)
            .and_then(Option::take)
            .ok_or(Errno::EBADF)?
            .obj;
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
        Ok(Arc::into_inner(obj))
    }

    /// Closes every descriptor: the objects that had no other reference.
    pub fn drain(&mut self) -> Vec<T> {
        let slots = core::mem::take(&mut self.slots);
        let objs: Vec<Arc<T>> = slots.into_iter().flatten().map(|s| s.obj).collect();
        // Dropping the others first leaves each object's last Arc here.
        let mut last = Vec::new();
        let mut rest = objs;
        while let Some(obj) = rest.pop() {
            if let Some(o) = Arc::into_inner(obj) {
                last.push(o);
            }
        }
        last
    }

    /// How many descriptors are open.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// The open descriptors, lowest first.
    #[cfg(test)]
    pub fn fds(&self) -> impl Iterator<Item = Fd> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .map(|(i, _)| i as Fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_the_lowest_free_numbers() {
        let mut t = FdTable::new();
        assert_eq!(t.insert("console-in", false), Ok(0));
        assert_eq!(t.insert("console-out", false), Ok(1));
        assert_eq!(t.insert("a", false), Ok(2));
        assert_eq!(t.remove(1), Ok(Some("console-out")));
        assert_eq!(t.insert("b", false), Ok(1));
        assert_eq!(t.get(2).map(|a| **a), Ok("a"));
        assert_eq!(t.get(7).err(), Some(Errno::EBADF));
        assert_eq!(t.get(-1).err(), Some(Errno::EBADF));
        assert_eq!(t.remove(9), Err(Errno::EBADF));
        assert_eq!(t.remove(-3), Err(Errno::EBADF));
    }

    #[test]
    fn a_full_table_says_emfile_and_recovers() {
        let mut t = FdTable::new();
        for i in 0..MAX_FDS {
            assert_eq!(t.insert(i, false), Ok(i as Fd));
        }
        assert!(!t.has_room());
        assert_eq!(t.insert(0, false), Err(Errno::EMFILE));
        assert_eq!(t.dup(3), Err(Errno::EMFILE));
        assert_eq!(t.remove(500), Ok(Some(500)));
        assert!(t.has_room());
        assert_eq!(t.dup(3), Ok(500));
        assert_eq!(t.len(), MAX_FDS);
    }

    #[test]
    fn dup_shares_the_object_and_only_the_last_close_returns_it() {
        let mut t = FdTable::new();
        let a = t.insert(String::from("file"), true).unwrap();
        let b = t.dup(a).unwrap();
        assert_eq!(b, 1);
        assert_eq!((t.cloexec(a), t.cloexec(b)), (Ok(true), Ok(false)));
        t.set_cloexec(b, true).unwrap();
        assert_eq!(t.cloexec(b), Ok(true));
        assert_eq!(t.set_cloexec(7, true), Err(Errno::EBADF));
        assert!(Arc::ptr_eq(t.get(a).unwrap(), t.get(b).unwrap()));
        assert_eq!(t.remove(a), Ok(None));
        assert_eq!(t.remove(b), Ok(Some(String::from("file"))));
        let c = t.insert(String::from("x"), false).unwrap();
        let obj = t.get(c).unwrap().clone();
        assert_eq!(t.share(obj, 10, true), Ok(10));
        assert_eq!(t.cloexec(10), Ok(true));
        assert_eq!(t.fds().collect::<Vec<_>>(), [0, 10]);
        assert_eq!(
            t.share(t.get(c).unwrap().clone(), MAX_FDS as Fd, false),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn dup2_replaces_the_target_and_hands_back_what_it_named() {
        let mut t = FdTable::new();
        t.insert("stdin", false).unwrap();
        t.insert("stdout", false).unwrap();
        let f = t.insert("file", false).unwrap();
        assert_eq!(t.dup2(f, 1), Ok(Some("stdout")));
        assert_eq!(t.get(1).map(|a| **a), Ok("file"));
        assert_eq!(t.dup2(f, f), Ok(None));
        assert_eq!(t.dup2(f, 40), Ok(None));
        assert_eq!(t.dup2(9, 1), Err(Errno::EBADF));
        assert_eq!(t.dup2(f, MAX_FDS as Fd), Err(Errno::EBADF));
        assert_eq!(t.dup2(f, -1), Err(Errno::EBADF));
        // Three descriptors name "file": only the last close returns it.
        assert_eq!(t.remove(1), Ok(None));
        assert_eq!(t.remove(40), Ok(None));
        assert_eq!(t.remove(f), Ok(Some("file")));
    }

    #[test]
    fn draining_returns_each_object_once() {
        let mut t = FdTable::new();
        let a = t.insert(1, false).unwrap();
        t.dup(a).unwrap();
        t.insert(2, false).unwrap();
        let mut got = t.drain();
        got.sort();
        assert_eq!(got, [1, 2]);
        assert_eq!(t.len(), 0);
    }
}
