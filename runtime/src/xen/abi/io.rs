//! Shared pages of the PV device protocols (`xen/include/public/io/`):
//! the console and xenstore byte rings, the request/response ring header,
//! and the network and block rings' entries.
//!
//! Field names follow the headers. Padding the C compiler would insert is
//! spelled out as `_pad` fields, so every type is plain bytes both ways
//! (zerocopy's `IntoBytes` refuses hidden padding).
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The console page's input and output ring sizes (console.h).
pub const XENCONS_IN_SIZE: usize = 1024;
pub const XENCONS_OUT_SIZE: usize = 2048;

/// `struct xencons_interface` (console.h).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct XenconsInterface {
    pub input: [u8; XENCONS_IN_SIZE],
    pub output: [u8; XENCONS_OUT_SIZE],
    pub in_cons: u32,
    pub in_prod: u32,
    pub out_cons: u32,
    pub out_prod: u32,
}

/// `XENSTORE_RING_SIZE` (xs_wire.h).
pub const XENSTORE_RING_SIZE: usize = 1024;

/// `struct xenstore_domain_interface` (xs_wire.h).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct XenstoreDomainInterface {
    pub req: [u8; XENSTORE_RING_SIZE],
    pub rsp: [u8; XENSTORE_RING_SIZE],
    pub req_cons: u32,
    pub req_prod: u32,
    pub rsp_cons: u32,
    pub rsp_prod: u32,
    pub server_features: u32,
    pub connection: u32,
    pub error: u32,
}

/// `server_features` bits and `connection` values (xs_wire.h).
pub const XENSTORE_SERVER_FEATURE_RECONNECTION: u32 = 1;
pub const XENSTORE_SERVER_FEATURE_ERROR: u32 = 2;
pub const XENSTORE_CONNECTED: u32 = 0;
pub const XENSTORE_RECONNECT: u32 = 1;

/// `struct xsd_sockmsg` (xs_wire.h): the header of every xenstore message.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct XsdSockmsg {
    pub ty: u32,
    pub req_id: u32,
    pub tx_id: u32,
    pub len: u32,
}

/// `XENSTORE_PAYLOAD_MAX` (xs_wire.h).
pub const XENSTORE_PAYLOAD_MAX: usize = 4096;

/// The header of a request/response ring page (`struct NAME_sring` of
/// ring.h, up to its entries): free-running indexes and the event
/// indexes that say when the other end wants a notification.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SringHeader {
    pub req_prod: u32,
    pub req_event: u32,
    pub rsp_prod: u32,
    pub rsp_event: u32,
    /// `pvt`: a union of per-protocol bytes (netif's `smartpoll_active`).
    pub pvt: [u8; 4],
    pub _pad: [u8; 44],
}

/// `struct netif_tx_request` (netif.h).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct NetifTxRequest {
    pub gref: u32,
    pub offset: u16,
    pub flags: u16,
    pub id: u16,
    pub size: u16,
}

/// `struct netif_tx_response` (netif.h).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct NetifTxResponse {
    pub id: u16,
    pub status: i16,
}

/// `struct netif_rx_request` (netif.h).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct NetifRxRequest {
    pub id: u16,
    pub pad: u16,
    pub gref: u32,
}

/// `struct netif_rx_response` (netif.h).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct NetifRxResponse {
    pub id: u16,
    pub offset: u16,
    pub flags: u16,
    pub status: i16,
}

/// `struct netif_extra_info` (netif.h): `u` is a union of six bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct NetifExtraInfo {
    pub ty: u8,
    pub flags: u8,
    pub u: [u8; 6],
}

/// `netif_extra_info.type` (netif.h): segmentation offload.
pub const XEN_NETIF_EXTRA_TYPE_GSO: u8 = 1;
/// `netif_extra_info.flags` (netif.h): another extra-info slot follows.
pub const XEN_NETIF_EXTRA_FLAG_MORE: u8 = 1 << 0;
/// `netif_extra_info.u.gso.type` (netif.h): TCP over IPv4.
pub const XEN_NETIF_GSO_TYPE_TCPV4: u8 = 1;

/// tx request flags (netif.h).
pub const NETTXF_CSUM_BLANK: u16 = 1 << 0;
pub const NETTXF_DATA_VALIDATED: u16 = 1 << 1;
pub const NETTXF_MORE_DATA: u16 = 1 << 2;
pub const NETTXF_EXTRA_INFO: u16 = 1 << 3;
/// rx response flags (netif.h).
pub const NETRXF_DATA_VALIDATED: u16 = 1 << 0;
pub const NETRXF_CSUM_BLANK: u16 = 1 << 1;
pub const NETRXF_MORE_DATA: u16 = 1 << 2;
pub const NETRXF_EXTRA_INFO: u16 = 1 << 3;
/// Response statuses (netif.h).
pub const NETIF_RSP_DROPPED: i16 = -2;
pub const NETIF_RSP_ERROR: i16 = -1;
pub const NETIF_RSP_OKAY: i16 = 0;
pub const NETIF_RSP_NULL: i16 = 1;

/// `BLKIF_MAX_SEGMENTS_PER_REQUEST` (blkif.h).
pub const BLKIF_MAX_SEGMENTS_PER_REQUEST: usize = 11;

/// `struct blkif_request_segment` (blkif.h).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct BlkifRequestSegment {
    pub gref: u32,
    pub first_sect: u8,
    pub last_sect: u8,
    pub _pad: u16,
}

/// `struct blkif_request` (blkif.h).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct BlkifRequest {
    pub operation: u8,
    pub nr_segments: u8,
    pub handle: u16,
    pub _pad: u32,
    pub id: u64,
    pub sector_number: u64,
    pub seg: [BlkifRequestSegment; BLKIF_MAX_SEGMENTS_PER_REQUEST],
}

/// `struct blkif_response` (blkif.h).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct BlkifResponse {
    pub id: u64,
    pub operation: u8,
    pub _pad0: u8,
    pub status: i16,
    pub _pad1: u32,
}

/// Block operations and statuses (blkif.h).
pub const BLKIF_OP_READ: u8 = 0;
pub const BLKIF_OP_WRITE: u8 = 1;
pub const BLKIF_OP_WRITE_BARRIER: u8 = 2;
pub const BLKIF_OP_FLUSH_DISKCACHE: u8 = 3;
pub const BLKIF_RSP_EOPNOTSUPP: i16 = -2;
pub const BLKIF_RSP_ERROR: i16 = -1;
pub const BLKIF_RSP_OKAY: i16 = 0;
/// The `info` bit of a read-only disk (blkif.h).
pub const VDISK_READONLY: u32 = 0x4;

/// `enum xenbus_state` (xenbus.h).
pub const XENBUS_STATE_UNKNOWN: u32 = 0;
pub const XENBUS_STATE_INITIALISING: u32 = 1;
pub const XENBUS_STATE_INIT_WAIT: u32 = 2;
pub const XENBUS_STATE_INITIALISED: u32 = 3;
pub const XENBUS_STATE_CONNECTED: u32 = 4;
pub const XENBUS_STATE_CLOSING: u32 = 5;
pub const XENBUS_STATE_CLOSED: u32 = 6;
pub const XENBUS_STATE_RECONFIGURING: u32 = 7;
pub const XENBUS_STATE_RECONFIGURED: u32 = 8;
