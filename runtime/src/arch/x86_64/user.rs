//! App code runs in Xen PV's guest *user* mode, on the same page tables as
//! the runtime (the user base pointer is the kernel's top-level table), so
//! that every exception, event and call into the runtime arrives on the
//! thread's runtime stack rather than on the app's: app stacks can then be
//! faulted in on demand, and a fault on the app's stack (an overflow into
//! its guard page) can be reported and contained.
//!
//! The way in is the `iret` hypercall with a user code selector. The way
//! back is `syscall`: each runtime export has a stub here, which apps call
//! like the function (the loader resolves the export's name to its stub);
//! the stub puts the export's number in `rax` and the fourth argument in
//! `r10` (syscall overwrites `rcx`) and executes `syscall`. Xen switches to
//! guest kernel mode and to the stack set with `stack_switch`, and enters
//! [`ukrt_syscall_entry`], which calls the export with the six argument
//! registers and returns its `rax` to user mode with `iret`. Number 0 is
//! the app's function returning: [`ukrt_user_return`] is the return
//! address every app function is entered with.
use core::sync::atomic::{AtomicU64, Ordering};

/// The most exports the stubs cover (number 0 is the return path).
pub const MAX_EXPORTS: usize = 128;
/// Bytes per stub (each is padded to this).
const STUB_SIZE: u64 = 16;

/// The export each number calls; 0 for an unused number.
static TABLE: [AtomicU64; MAX_EXPORTS] = [const { AtomicU64::new(0) }; MAX_EXPORTS];

core::arch::global_asm!(
    ".pushsection .text.user, \"ax\"",
    // The stubs: number N at ukrt_user_stubs + N * 16.
    ".balign 16",
    ".globl ukrt_user_stubs",
    "ukrt_user_stubs:",
    ".set stub_number, 0",
    ".rept {max}",
    ".balign 16",
    "mov eax, stub_number",
    "mov r10, rcx",
    "syscall",
    "ret",
    ".set stub_number, stub_number + 1",
    ".endr",
    // Where an app's function returns to: its status becomes the first
    // argument of number 0.
    ".balign 16",
    ".globl ukrt_user_return",
    "ukrt_user_return:",
    "mov edi, eax",
    "xor eax, eax",
    "syscall",
    "ud2",
    // Xen's syscall frame on the runtime stack: rcx, r11, rip, cs, rflags,
    // rsp, ss. rcx and r11 were the user's (syscall clobbered them); the
    // rest is what `iret` wants after its flags word.
    ".globl ukrt_syscall_entry",
    "ukrt_syscall_entry:",
    "pop rcx",
    "pop r11",
    "cmp rax, {max}",
    "jae 2f",
    "lea r11, [rip + {table}]",
    "mov r11, [r11 + rax * 8]",
    "test r11, r11",
    "jz 2f",
    "push rbp",
    "mov rbp, rsp",
    "and rsp, -16",
    "cld",
    "mov rcx, r10",
    "call r11",
    "mov rsp, rbp",
    "pop rbp",
    "1:",
    "push 0", // iret flags: restore rcx and r11 as the frame has them
    "jmp hypercall_page + {iret} * 32",
    "2:",
    "mov rax, -38", // -ENOSYS: no such export
    "jmp 1b",
    ".popsection",
    max = const MAX_EXPORTS,
    table = sym TABLE,
    iret = const xen_sys::__HYPERVISOR_iret,
);

extern "C" {
    static ukrt_user_stubs: u8;
    fn ukrt_syscall_entry();
}

/// Where Xen enters the runtime for an app's `syscall`.
pub fn syscall_entry() -> u64 {
    ukrt_syscall_entry as *const () as u64
}

/// Makes number `n` call `function` (an `extern "C"` function of at most
/// six integer arguments); returns the stub apps call for it.
///
/// # Panics
/// If `n` is past [`MAX_EXPORTS`].
pub fn set_export(n: usize, function: u64) -> u64 {
    assert!(n < MAX_EXPORTS, "export number {n} past the stubs");
    TABLE[n].store(function, Ordering::Relaxed);
    core::ptr::addr_of!(ukrt_user_stubs) as u64 + n as u64 * STUB_SIZE
}

/// The kernel stack pointer last given to Xen.
static KERNEL_SP: AtomicU64 = AtomicU64::new(0);

/// Makes Xen put what interrupts user mode below `sp` (one hypercall, only
/// when it changes).
///
/// # Panics
/// If Xen refuses the stack (a runtime bug).
pub fn use_kernel_stack(sp: u64) {
    if KERNEL_SP.swap(sp, Ordering::Relaxed) != sp {
        crate::xen::hypercall::stack_switch(sp).expect("stack_switch refused");
    }
}

/// Whether `frame_cs` (the code selector of an exception or event frame)
/// says guest user mode was interrupted: Xen clears the selector's
/// privilege bits for guest kernel mode.
pub fn from_user_mode(frame_cs: u64) -> bool {
    frame_cs & 3 == 3
}

/// Runs guest user mode on the domain's one top-level table. Called once
/// at boot, after the memory manager took over the tables.
pub fn init(l4_mfn: u64) -> Result<(), crate::xen::hypercall::XenError> {
    crate::xen::hypercall::new_user_baseptr(l4_mfn)
}
