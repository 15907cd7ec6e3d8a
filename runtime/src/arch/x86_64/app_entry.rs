//! Running app code on the app's own stack, and leaving it from anywhere
//! (`exit`) back to the runtime.
//!
//! `ukrt_enter_app` saves the runtime's callee-saved registers on the
//! runtime stack, records that stack pointer, switches to the app stack and
//! calls the function. Whether the function returns or the app calls
//! `ukrt_leave_app`, the runtime's stack pointer is restored and the saved
//! registers popped, so the runtime resumes as from an ordinary call.

core::arch::global_asm!(
    ".pushsection .text.app_entry, \"ax\"",
    ".globl ukrt_enter_app",
    // rdi = function, esi = argc, rdx = argv, rcx = stack top, r8 = &saved
    // rsp, r9 = envp (main's optional third argument)
    "ukrt_enter_app:",
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "mov [r8], rsp",
    "mov r12, r8", // callee-saved: survives the app's function
    "mov rsp, rcx",
    "xor ebp, ebp", // the app's frame-pointer chain ends here
    "mov rax, rdi",
    "mov edi, esi",
    "mov rsi, rdx",
    "mov rdx, r9",
    "call rax",
    "mov rsp, [r12]",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".globl ukrt_leave_app",
    "ukrt_leave_app:", // rdi = &saved rsp, esi = status
    "mov rsp, [rdi]",
    "mov eax, esi",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".popsection",
);

extern "C" {
    fn ukrt_enter_app(
        function: u64,
        argc: i32,
        argv: u64,
        stack_top: u64,
        saved_rsp: *mut u64,
        envp: u64,
    ) -> i32;
    fn ukrt_leave_app(saved_rsp: *const u64, status: i32) -> !;
}

/// Calls `function(argc, argv, envp)` on the stack ending at `stack_top` and
/// returns its result, or the status the app passed to [`leave`]. `saved`
/// holds the runtime's stack pointer meanwhile (one per thread).
///
/// # Safety
/// `function` must be app code that follows the SysV ABI; the stack must be
/// mapped and 16-byte aligned at the top; `saved` must stay valid while the
/// app code runs.
pub unsafe fn enter(
    function: u64,
    argc: i32,
    argv: u64,
    envp: u64,
    stack_top: u64,
    saved: *mut u64,
) -> i32 {
    assert_eq!(stack_top % 16, 0, "app stack top must be 16-byte aligned");
    // SAFETY: the caller vouches for the function, stack and slot.
    unsafe {
        assert_eq!(*saved, 0, "this thread already runs app code");
        let status = ukrt_enter_app(function, argc, argv, stack_top, saved, envp);
        *saved = 0;
        status
    }
}

/// Abandons the app code running on this thread and returns `status` from
/// [`enter`]; `saved` is the slot `enter` was given.
///
/// # Safety
/// `saved` must be the slot of an `enter` that has not returned.
pub unsafe fn leave(saved: *const u64, status: i32) -> ! {
    // SAFETY: the slot holds the frame `ukrt_enter_app` pushed on the
    // thread's runtime stack, which is intact: app code runs on its own.
    unsafe {
        assert_ne!(*saved, 0, "exit called while no app code runs");
        ukrt_leave_app(saved, status)
    }
}
