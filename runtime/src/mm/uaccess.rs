//! Reading and writing app memory on an app's behalf: relocations, the
//! argument block, and the buffers apps pass to the runtime's exports.
//!
//! An [`AppMemory`] names the range an app may point into (its slot). Every
//! access first checks, against the memory manager's regions, that each
//! page it touches exists and allows the access, and maps the pages that
//! are not mapped yet; only then are bytes copied, so a bad pointer from an
//! app is an error for that call, never a fault in the runtime, and a page
//! that cannot be mapped is `OutOfMemory`, not a crash.
use super::space::{Access, FaultError};
use core::fmt;
use core::ops::Range;

/// Why an access to app memory was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessError {
    /// `addr + len` overflows.
    Overflow { addr: u64, len: u64 },
    /// Outside the memory the app owns.
    OutsideApp { addr: u64, len: u64 },
    /// A page is in no region, a guard page, or does not allow the access.
    Refused { addr: u64, reason: FaultError },
}

impl AccessError {
    /// Whether the cause is a shortage of memory (ENOMEM rather than
    /// EFAULT).
    pub fn is_out_of_memory(&self) -> bool {
        matches!(
            self,
            Self::Refused {
                reason: FaultError::OutOfMemory,
                ..
            }
        )
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Overflow { addr, len } => {
                write!(f, "{len} bytes at {addr:#x} run past the end of memory")
            }
            Self::OutsideApp { addr, len } => {
                write!(f, "{len} bytes at {addr:#x} are outside the app's memory")
            }
            Self::Refused { addr, reason } => write!(f, "address {addr:#x}: {reason}"),
        }
    }
}

/// The memory one app may name.
#[derive(Debug, Clone)]
pub struct AppMemory {
    range: Range<u64>,
}

impl AppMemory {
    pub fn new(range: Range<u64>) -> Self {
        AppMemory { range }
    }

    /// Checks `[addr, addr + len)` and maps its pages for `access`.
    fn prepare(&self, addr: u64, len: u64, access: Access) -> Result<(), AccessError> {
        if len == 0 {
            return Ok(());
        }
        let end = addr
            .checked_add(len)
            .ok_or(AccessError::Overflow { addr, len })?;
        if addr < self.range.start || end > self.range.end {
            return Err(AccessError::OutsideApp { addr, len });
        }
        super::with_space(|s| s.prepare_access(addr, end, access))
            .map_err(|(addr, reason)| AccessError::Refused { addr, reason })
    }

    /// Copies `buf.len()` bytes from app address `addr`.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), AccessError> {
        self.prepare(addr, buf.len() as u64, Access::Read)?;
        // SAFETY: every page of the range lies in one of the app's regions,
        // is mapped and readable (prepare_access); app memory is never
        // covered by a Rust reference, and the app does not run while the
        // runtime copies (one vCPU, cooperative threads).
        unsafe { core::ptr::copy_nonoverlapping(addr as *const u8, buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copies `data` to app address `addr`.
    pub fn write(&self, addr: u64, data: &[u8]) -> Result<(), AccessError> {
        self.prepare(addr, data.len() as u64, Access::Write)?;
        // SAFETY: every page of the range lies in one of the app's writable
        // regions and is mapped writable, to a frame private to the app
        // (prepare_access made copy-on-write pages private); nothing of the
        // runtime lives there.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), addr as *mut u8, data.len()) };
        Ok(())
    }

    /// Checks that `len` bytes at `addr` can be written (mapping them), for
    /// a call that must know before it waits for the data.
    pub fn check_writable(&self, addr: u64, len: usize) -> Result<(), AccessError> {
        self.prepare(addr, len as u64, Access::Write)
    }

    /// Checks the pages of 8-byte writes at `addrs` and maps them for
    /// writing in one go (a batch of relocations), so the writes after
    /// it find them mapped.
    pub fn prepare_u64_writes(&self, addrs: &[u64]) -> Result<(), AccessError> {
        let mut pages = alloc::vec::Vec::with_capacity(addrs.len());
        for &addr in addrs {
            let end = addr
                .checked_add(8)
                .ok_or(AccessError::Overflow { addr, len: 8 })?;
            if addr < self.range.start || end > self.range.end {
                return Err(AccessError::OutsideApp { addr, len: 8 });
            }
            pages.push(addr & !(super::pte::PAGE_SIZE - 1));
            pages.push((end - 1) & !(super::pte::PAGE_SIZE - 1));
        }
        pages.sort_unstable();
        pages.dedup();
        super::with_space(|s| s.prepare_pages(&pages, Access::Write))
            .map_err(|(addr, reason)| AccessError::Refused { addr, reason })
    }

    pub fn write_u64(&self, addr: u64, v: u64) -> Result<(), AccessError> {
        self.write(addr, &v.to_le_bytes())
    }
}
