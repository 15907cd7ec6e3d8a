//! ukrt-loader: the code that turns position-independent ELF shared objects
//! into running app images, shared by the runtime (in the guest, `no_std` +
//! `alloc`) and the host tools (which pack and check image bundles).
//!
//! - `elf`: validating and reading shared objects (goblin parses);
//! - `link`: symbol resolution and relocation for one app instance;
//! - `layout` and `plan`: where an instance's pieces go in its slot, and
//!   every other decision of loading it, as data the runtime carries out;
//! - `bundle` and `manifest`: the image bundle format and its app list.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod bundle;
pub mod elf;
#[cfg(feature = "std")]
pub mod image;
pub mod layout;
pub mod link;
pub mod manifest;
pub mod plan;

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
