//! ukrt-loader: the code that turns position-independent ELF shared objects
//! into running app images, shared by the runtime (in the guest, `no_std` +
//! `alloc`) and the host tools (which pack and check image bundles).
//!
//! - `elf`: validating and reading shared objects (goblin parses);
//! - `link`: symbol resolution and relocation for one app instance;
//! - `layout` and `plan`: where an instance's pieces go in its slot, and
//!   every other decision of loading it, as data the runtime carries out;
//! - `bundle` and `manifest`: the image bundle format and its app list;
//! - `tree`: the read-only file tree a bundle can carry (mounted at `/`);
//! - `unwind`, `symbols` and `debug`: backtraces of a crashed app, walked
//!   with the objects' `.eh_frame` tables and named from their symbols.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod bundle;
pub mod debug;
pub mod elf;
#[cfg(feature = "std")]
pub mod image;
pub mod layout;
pub mod link;
pub mod manifest;
pub mod plan;
pub mod symbols;
pub mod tree;
pub mod unwind;

/// The symbols the runtime exports to apps (looked up after the app and
/// its libraries). The runtime checks at boot that its export table has
/// exactly these; `ukrt-pack check` resolves against them.
pub const RUNTIME_EXPORTS: &[&str] = &[
    "ukrt_console_write",
    "ukrt_console_read",
    "ukrt_exit",
    "ukrt_heap_grow",
    "ukrt_environ",
    "ukrt_app_name",
    "ukrt_mem_stats",
    "ukrt_clock_ns",
    "ukrt_sleep_ns",
    "ukrt_yield",
    "ukrt_socket",
    "ukrt_bind",
    "ukrt_listen",
    "ukrt_accept",
    "ukrt_connect",
    "ukrt_sendto",
    "ukrt_recvfrom",
    "ukrt_shutdown",
    "ukrt_close",
    "ukrt_setsockopt",
    "ukrt_getsockopt",
    "ukrt_getsockname",
    "ukrt_getpeername",
    "ukrt_fcntl",
    "ukrt_poll",
    "ukrt_read",
    "ukrt_write",
    "ukrt_pread",
    "ukrt_pwrite",
    "ukrt_lseek",
    "ukrt_dup",
    "ukrt_dup2",
    "ukrt_isatty",
    "ukrt_fstat",
    "ukrt_fsync",
    "ukrt_fdatasync",
    "ukrt_ftruncate",
    "ukrt_getdents64",
    "ukrt_open",
    "ukrt_stat",
    "ukrt_lstat",
    "ukrt_access",
    "ukrt_mkdir",
    "ukrt_unlink",
    "ukrt_rmdir",
    "ukrt_truncate",
    "ukrt_rename",
    "ukrt_getcwd",
    "ukrt_chdir",
    "ukrt_umask",
];

/// Apps and libraries are laid out so that code and writable data fall in
/// different 2 MiB ranges; this is that granule.
pub const SLOT_ALIGN: u64 = 2 << 20;

#[cfg(test)]
mod tests {
    #[test]
    fn slot_alignment_is_one_l2_entry() {
        assert_eq!(super::SLOT_ALIGN, 512 * 4096);
    }
}
