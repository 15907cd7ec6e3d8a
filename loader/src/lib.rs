//! ukrt-loader: the code that turns position-independent ELF shared objects
//! into running app images, shared by the runtime (in the guest, `no_std` +
//! `alloc`) and the host tools (which pack and check image bundles).
//!
//! It will hold ELF validation, relocation and symbol resolution, and the
//! versioned, checksummed bundle format (see docs/architecture.md). For now it
//! holds the constants both sides already agree on.
#![no_std]

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
