//! Grant tables, version 1 (grant_table.h): how a domain lets another map
//! or copy into one of its frames.
use zerocopy::{FromBytes, Immutable, IntoBytes};

/// A grant reference: an index into the granting domain's table.
pub type GrantRef = u32;

/// `struct grant_entry_v1`. The granter writes `frame` and `domid`, then
/// (after a write barrier) `flags`; Xen sets `GTF_reading`/`GTF_writing`
/// while the grantee has the frame mapped.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct GrantEntryV1 {
    pub flags: u16,
    pub domid: u16,
    pub frame: u32,
}

pub const GTF_INVALID: u16 = 0;
pub const GTF_PERMIT_ACCESS: u16 = 1;
pub const GTF_READONLY: u16 = 1 << 2;
pub const GTF_READING: u16 = 1 << 3;
pub const GTF_WRITING: u16 = 1 << 4;

/// `GNTTABOP_*` commands.
pub const GNTTABOP_SETUP_TABLE: u32 = 2;
pub const GNTTABOP_QUERY_SIZE: u32 = 6;

/// `struct gnttab_setup_table`: `frame_list` is a guest handle (a pointer)
/// to `nr_frames` frame numbers Xen fills in.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct GnttabSetupTable {
    pub dom: u16,
    pub _pad0: u16,
    pub nr_frames: u32,
    pub status: i16,
    pub _pad1: [u8; 6],
    pub frame_list: u64,
}

/// `struct gnttab_query_size`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct GnttabQuerySize {
    pub dom: u16,
    pub _pad0: u16,
    pub nr_frames: u32,
    pub max_nr_frames: u32,
    pub status: i16,
    pub _pad1: u16,
}

/// `GNTST_okay`: the status of a grant-table operation that worked.
pub const GNTST_OKAY: i16 = 0;
