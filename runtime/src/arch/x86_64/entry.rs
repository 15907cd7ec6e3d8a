//! The guest's first instructions.
//!
//! Xen enters `_start` in 64-bit mode with event delivery masked, `rsi`
//! pointing at `start_info` and `rsp` on a small bootstrap stack inside the
//! initial mapping. We switch to our own stack and call into Rust.

/// Size of the boot CPU's stack.
pub const BOOT_STACK_SIZE: usize = 64 * 1024;

#[repr(C, align(4096))]
struct Stack([u8; BOOT_STACK_SIZE]);

#[no_mangle]
static mut BOOT_STACK: Stack = Stack([0; BOOT_STACK_SIZE]);

core::arch::global_asm!(
    ".section .text.entry, \"ax\"",
    ".globl _start",
    "_start:",
    // Our own stack; the frame pointer chain ends here for backtraces.
    "lea rsp, [rip + {stack} + {size}]",
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
