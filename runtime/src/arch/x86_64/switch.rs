//! Switching between threads: save the callee-saved registers (and MXCSR
//! and the x87 control word, which the SysV ABI also makes callee-saved)
//! on the old stack, swap stack pointers, restore from the new one.

core::arch::global_asm!(
    ".pushsection .text.switch, \"ax\"",
    ".globl ukrt_switch",
    "ukrt_switch:", // rdi = where to save the old rsp, rsi = the new rsp
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "sub rsp, 8",
    "stmxcsr [rsp]",
    "fnstcw [rsp + 4]",
    "mov [rdi], rsp",
    "mov rsp, rsi",
    "ldmxcsr [rsp]",
    "fldcw [rsp + 4]",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".globl ukrt_thread_start",
    "ukrt_thread_start:",
    "call {entry}",
    "ud2",
    ".popsection",
    entry = sym crate::sched::thread_entry,
);

extern "C" {
    fn ukrt_switch(save_rsp: *mut u64, new_rsp: u64);
    fn ukrt_thread_start();
}

/// Saves the running context into `*save_rsp` and resumes the one saved
/// at `new_rsp`.
///
/// # Safety
/// `new_rsp` must be a context saved by `switch` or made by `initial_stack`.
pub unsafe fn switch(save_rsp: *mut u64, new_rsp: u64) {
    // SAFETY: as documented; the old context is saved before the jump.
    unsafe { ukrt_switch(save_rsp, new_rsp) }
}

/// Prepares a fresh stack (`top` 16-byte aligned) so that switching to the
/// returned stack pointer starts `crate::sched::thread_entry`.
///
/// # Safety
/// The 80 bytes below `top` must be writable and belong to the new stack.
pub unsafe fn initial_stack(top: u64) -> u64 {
    assert_eq!(top % 16, 0);
    // After `ret` pops the start address, rsp is top - 8: 8 mod 16, as at
    // any function entry.
    let rsp = top - 72;
    let words = [
        0x037f_u64 << 32 | 0x1f80, // x87 control word, MXCSR: the ABI's defaults
        0,
        0,
        0,
        0,
        0,
        0, // r15 r14 r13 r12 rbx rbp
        ukrt_thread_start as *const () as u64,
        0,
    ];
    for (i, w) in words.iter().enumerate() {
        // SAFETY: the caller gives 80 writable bytes below `top`.
        unsafe { ((rsp + i as u64 * 8) as *mut u64).write(*w) };
    }
    rsp
}
