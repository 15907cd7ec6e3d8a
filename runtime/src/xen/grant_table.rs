//! Grant tables, version 1 (grant_table.h): how this domain lets a backend
//! map, or copy into, one of its frames.
//!
//! The table is a few pages Xen shares with the domain (set up with
//! `GNTTABOP_setup_table` and mapped by the guest itself in PV); entry *r*
//! is grant reference *r*. Granting writes the frame and the grantee's
//! domain, then — only after a write barrier, so Xen never sees a
//! half-written entry — the flags that make it valid. Ending access clears
//! the flags with a compare-and-swap that fails while Xen has the grant
//! mapped (`GTF_reading`/`GTF_writing`): only then may the frame be
//! reused, or the backend could still write into it.
use super::abi::grant::{
    GrantEntryV1, GrantRef, GTF_PERMIT_ACCESS, GTF_READING, GTF_READONLY, GTF_WRITING,
};
use super::abi::DomId;
use super::shared_page::{SharedPage, SIZE};
use alloc::vec::Vec;
use core::mem::{offset_of, size_of};
use core::sync::atomic::{fence, Ordering};

/// Entries in one page of the table.
pub const ENTRIES_PER_PAGE: usize = SIZE / size_of::<GrantEntryV1>();
/// References 0..8 are the toolstack's by convention
/// (`GNTTAB_NR_RESERVED_ENTRIES`: the console and xenstore rings).
pub const RESERVED: GrantRef = 8;

const FLAGS: usize = offset_of!(GrantEntryV1, flags);
const DOMID: usize = offset_of!(GrantEntryV1, domid);
const FRAME: usize = offset_of!(GrantEntryV1, frame);

/// Why a grant could not be made or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantError {
    /// Every reference is in use.
    Exhausted { entries: u32 },
    /// The frame number does not fit the entry's 32 bits.
    FrameTooLarge(u64),
    /// The backend still has the frame mapped: try again later.
    InUse(GrantRef),
    /// Not a reference this table handed out.
    NotGranted(GrantRef),
}

impl core::fmt::Display for GrantError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Exhausted { entries } => write!(f, "all {entries} grant references are in use"),
            Self::FrameTooLarge(mfn) => write!(f, "frame {mfn:#x} does not fit a v1 grant entry"),
            Self::InUse(r) => write!(f, "grant {r} is still mapped by the backend"),
            Self::NotGranted(r) => write!(f, "grant {r} was not granted"),
        }
    }
}

/// The domain's grant table.
pub struct GrantTable {
    pages: Vec<SharedPage>,
    /// References free to hand out (a stack: the most recently freed
    /// first).
    free: Vec<GrantRef>,
    /// Whether each reference is granted, for checking `end_access`.
    granted: Vec<bool>,
}

impl GrantTable {
    /// A table over `pages` (the frames Xen set up, mapped), all entries
    /// free but the reserved ones.
    pub fn new(pages: Vec<SharedPage>) -> Self {
        let entries = (pages.len() * ENTRIES_PER_PAGE) as GrantRef;
        GrantTable {
            pages,
            free: (RESERVED..entries).rev().collect(),
            granted: alloc::vec![false; entries as usize],
        }
    }

    /// References this table can hand out in all.
    pub fn capacity(&self) -> u32 {
        self.granted.len() as u32 - RESERVED
    }

    /// References granted now (the `grants` counter of the stats line).
    pub fn active(&self) -> u32 {
        self.capacity() - self.free.len() as u32
    }

    fn entry(&self, r: GrantRef) -> (&SharedPage, usize) {
        let page = &self.pages[r as usize / ENTRIES_PER_PAGE];
        (
            page,
            r as usize % ENTRIES_PER_PAGE * size_of::<GrantEntryV1>(),
        )
    }

    /// Lets domain `domid` map machine frame `mfn` (read-only if asked).
    pub fn grant(
        &mut self,
        domid: DomId,
        mfn: u64,
        readonly: bool,
    ) -> Result<GrantRef, GrantError> {
        let frame = u32::try_from(mfn).map_err(|_| GrantError::FrameTooLarge(mfn))?;
        let r = self.free.pop().ok_or(GrantError::Exhausted {
            entries: self.capacity(),
        })?;
        let (page, at) = self.entry(r);
        page.atomic_u32(at + FRAME).store(frame, Ordering::Relaxed);
        page.atomic_u16(at + DOMID).store(domid, Ordering::Relaxed);
        // Xen may use the entry as soon as the flags say so: frame and
        // domain must be visible first.
        fence(Ordering::Release);
        let flags = GTF_PERMIT_ACCESS | if readonly { GTF_READONLY } else { 0 };
        page.atomic_u16(at + FLAGS).store(flags, Ordering::Release);
        self.granted[r as usize] = true;
        Ok(r)
    }

    /// Ends access to `r`, unless the backend still has it mapped (then
    /// `InUse`, and the grant stays: call again later). After `Ok` the
    /// frame is the domain's alone again.
    pub fn end_access(&mut self, r: GrantRef) -> Result<(), GrantError> {
        if !self.granted.get(r as usize).copied().unwrap_or(false) {
            return Err(GrantError::NotGranted(r));
        }
        let (page, at) = self.entry(r);
        let flags = page.atomic_u16(at + FLAGS);
        let mut seen = flags.load(Ordering::Acquire);
        loop {
            if seen & (GTF_READING | GTF_WRITING) != 0 {
                return Err(GrantError::InUse(r));
            }
            // Xen sets the busy bits with atomic updates too: the swap
            // fails if it did so since we looked.
            match flags.compare_exchange(seen, 0, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => seen = now,
            }
        }
        self.granted[r as usize] = false;
        self.free.push(r);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xen::shared_page::test_pages;
    use core::sync::atomic::Ordering::Relaxed;

    /// A table of one page, and Xen's view of that page.
    fn table() -> (GrantTable, SharedPage) {
        let (ours, xens) = test_pages::pair();
        (GrantTable::new(alloc::vec![ours]), xens)
    }

    fn entry(xen: &SharedPage, r: GrantRef) -> GrantEntryV1 {
        xen.read(r as usize * size_of::<GrantEntryV1>())
    }

    #[test]
    fn a_grant_fills_the_entry_and_ending_it_clears_the_flags() {
        let (mut t, xen) = table();
        assert_eq!(t.capacity(), 512 - 8);
        let r = t.grant(3, 0x1234_5678, false).unwrap();
        assert!(r >= RESERVED, "reserved references are never handed out");
        assert_eq!(
            entry(&xen, r),
            GrantEntryV1 {
                flags: GTF_PERMIT_ACCESS,
                domid: 3,
                frame: 0x1234_5678
            }
        );
        let ro = t.grant(0, 7, true).unwrap();
        assert_eq!(entry(&xen, ro).flags, GTF_PERMIT_ACCESS | GTF_READONLY);
        assert_eq!(t.active(), 2);
        t.end_access(r).unwrap();
        assert_eq!(entry(&xen, r).flags, 0);
        assert_eq!(t.active(), 1);
        assert_eq!(
            t.end_access(r),
            Err(GrantError::NotGranted(r)),
            "ended twice"
        );
        assert_eq!(t.end_access(3), Err(GrantError::NotGranted(3)));
        assert_eq!(
            t.grant(1, 9, false).unwrap(),
            r,
            "a freed reference is reused"
        );
    }

    #[test]
    fn a_frame_the_backend_still_maps_is_not_given_back() {
        let (mut t, xen) = table();
        let r = t.grant(1, 42, false).unwrap();
        let flags = xen.atomic_u16(r as usize * 8);
        // The backend maps the grant for writing: Xen sets GTF_writing.
        flags.fetch_or(GTF_WRITING, Relaxed);
        assert_eq!(t.end_access(r), Err(GrantError::InUse(r)));
        assert_eq!(t.active(), 1, "still granted");
        assert_ne!(entry(&xen, r).flags & GTF_PERMIT_ACCESS, 0);
        // It unmaps: now access can end.
        flags.fetch_and(!GTF_WRITING, Relaxed);
        t.end_access(r).unwrap();
        assert_eq!(t.active(), 0);
    }

    #[test]
    fn references_run_out_by_name_and_frames_must_fit() {
        let (mut t, _xen) = table();
        for _ in 0..t.capacity() {
            t.grant(1, 1, true).unwrap();
        }
        assert_eq!(
            t.grant(1, 1, true),
            Err(GrantError::Exhausted { entries: 504 })
        );
        assert_eq!(
            t.grant(1, 1 << 32, true),
            Err(GrantError::FrameTooLarge(1 << 32))
        );
        assert_eq!(
            GrantError::Exhausted { entries: 504 }.to_string(),
            "all 504 grant references are in use"
        );
    }
}

#[cfg(target_os = "none")]
pub use guest::{active, with};

#[cfg(target_os = "none")]
mod guest {
    use super::GrantTable;
    use crate::xen::hypercall::XenError;

    static TABLE: spin::Mutex<Option<GrantTable>> = spin::Mutex::new(None);

    /// References granted now (0 before the table is set up); never waits
    /// (the stats line is printed on the crash path too).
    pub fn active() -> u32 {
        TABLE
            .try_lock()
            .and_then(|t| t.as_ref().map(GrantTable::active))
            .unwrap_or(0)
    }

    /// Runs `f` on the domain's grant table, setting it up on first use.
    pub fn with<R>(f: impl FnOnce(&mut GrantTable) -> R) -> Result<R, XenError> {
        let mut t = TABLE.lock();
        if t.is_none() {
            *t = Some(GrantTable::new(crate::xen::grant_frames::map()?));
        }
        Ok(f(t.as_mut().expect("set up above")))
    }
}
