//! The ELF notes that tell Xen's domain builder how to load this kernel.
//!
//! Each note is: name size, descriptor size, type, "Xen\0", descriptor, all
//! padded to 4 bytes (see xen/include/public/elfnote.h). Numeric values are
//! 8 bytes wide for a 64-bit guest.

macro_rules! xen_note_str {
    ($ty:expr, $s:expr) => {
        concat!(
            ".balign 4\n",
            ".long 4, 2f - 1f, ",
            $ty,
            "\n",
            ".asciz \"Xen\"\n",
            "1: .asciz \"",
            $s,
            "\"\n",
            "2: .balign 4\n",
        )
    };
}

macro_rules! xen_note_quad {
    ($ty:expr, $v:expr) => {
        concat!(
            ".balign 4\n",
            ".long 4, 8, ",
            $ty,
            "\n",
            ".asciz \"Xen\"\n",
            ".quad ",
            $v,
            "\n",
        )
    };
}

// Note types from elfnote.h: 1 ENTRY, 2 HYPERCALL_PAGE, 3 VIRT_BASE,
// 4 PADDR_OFFSET, 5 XEN_VERSION, 6 GUEST_OS, 7 GUEST_VERSION, 8 LOADER.
// VIRT_BASE equal to PADDR_OFFSET means the image's physical addresses are
// its virtual ones, so the builder loads it exactly where it was linked.
core::arch::global_asm!(
    ".pushsection .note.Xen, \"a\", @note",
    xen_note_str!("6", "ukrt"),
    xen_note_str!("7", env!("CARGO_PKG_VERSION")),
    xen_note_str!("5", "xen-3.0"),
    xen_note_str!("8", "generic"),
    xen_note_quad!("3", "0xffffffff80000000"),
    xen_note_quad!("4", "0xffffffff80000000"),
    xen_note_quad!("1", "_start"),
    xen_note_quad!("2", "hypercall_page"),
    ".popsection",
);
