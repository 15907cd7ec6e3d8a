//! The guest's first instructions.
//!
//! Xen enters `_start` in 64-bit mode with event delivery masked, `rsi`
//! pointing at `start_info` and `rsp` on a small bootstrap stack inside the
//! initial mapping. We switch to our own stack and call into Rust, handing
//! `kernel_main` the pointer as a `&'static start_info`: Xen maps the page
//! before the guest runs and never unmaps it, and the runtime never writes
//! it.

/// Size of the boot CPU's stack.
pub const BOOT_STACK_SIZE: usize = 64 * 1024;

/// The boot stack, with a page below it that memory setup unmaps so that an
/// overflow faults instead of overwriting whatever lies below.
#[repr(C, align(4096))]
struct Stack {
    guard: [u8; 4096],
    stack: [u8; BOOT_STACK_SIZE],
}

#[no_mangle]
static mut BOOT_STACK: Stack = Stack {
    guard: [0; 4096],
    stack: [0; BOOT_STACK_SIZE],
};

/// The address of the boot stack's guard page.
pub fn boot_stack_guard() -> u64 {
    core::ptr::addr_of!(BOOT_STACK) as u64
}

/// The usable range of the boot stack.
pub fn boot_stack() -> core::ops::Range<u64> {
    let bottom = boot_stack_guard() + 4096;
    bottom..bottom + BOOT_STACK_SIZE as u64
}

core::arch::global_asm!(
    ".section .text.entry, \"ax\"",
    ".globl _start",
    "_start:",
    // Our own stack; the frame pointer chain ends here for backtraces.
    "lea rsp, [rip + {stack} + {size} + 4096]",
    "xor ebp, ebp",
    "mov rdi, rsi",
    "call {main}",
    "ud2",
    stack = sym BOOT_STACK,
    size = const BOOT_STACK_SIZE,
    main = sym crate::boot::kernel_main,
);

// The hypercall page: Xen fills it with one 32-byte stub per hypercall before
// the guest runs (named in the XEN_ELFNOTE_HYPERCALL_PAGE note).
core::arch::global_asm!(
    ".section .text.hypercall_page, \"ax\"",
    ".balign 4096",
    ".globl hypercall_page",
    "hypercall_page:",
    ".fill 4096, 1, 0xcc",
);
