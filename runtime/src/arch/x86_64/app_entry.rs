//! Running app code on the app's own stack, and leaving it from anywhere
//! (`exit`) back to the runtime.
//!
//! `ukrt_enter_app` saves the runtime's callee-saved registers on the
//! runtime stack, records that stack pointer, switches to the app stack and
//! calls the function. Whether the function returns or the app calls
//! `ukrt_leave_app`, the runtime's stack pointer is restored and the saved
//! registers popped, so the runtime resumes as from an ordinary call.
//!
//! This is the trust boundary of a single-address-space unikernel: app code
//! runs with the runtime's privileges and could break anything. What the
//! runtime can check, it checks: a call goes only to an address in an
//! executable region of the application region, on a mapped stack there.
use core::ops::Range;
use core::sync::atomic::{AtomicI32, AtomicU64, Ordering};

/// The rflags app code starts with: 2 (IF clear: events wait until the app
/// calls the runtime), or 0x202 under gdb ([`deliver_events_to_apps`]).
static USER_RFLAGS: AtomicU64 = AtomicU64::new(2);

/// Lets events interrupt app code (the gdb stub's interrupt poll runs on
/// the event path, and a spinning app must not keep it out).
pub fn deliver_events_to_apps() {
    USER_RFLAGS.store(0x202, Ordering::Relaxed);
}

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
    "mov r8, rcx",
    "mov rcx, r9",
    "jmp ukrt_to_user",
    // rdi = function, rsi, rdx, rcx = its first three arguments, r8 = the
    // app stack's top: enters guest user mode at the function, which
    // returns to ukrt_user_return.
    ".globl ukrt_to_user",
    "ukrt_to_user:",
    "lea rax, [rip + ukrt_user_return]",
    "mov [r8 - 8], rax",
    "lea rax, [r8 - 8]",
    "push {user_ss}",
    "push rax",      // rsp
    // rflags: IF clear, so event delivery stays masked (set only under
    // gdb, whose interrupt byte is looked for on the event path).
    "push qword ptr [rip + {user_rflags}]",
    "push {user_cs}",
    "push rdi",      // rip
    "push 0",        // iret flags
    "mov rdi, rsi",
    "mov rsi, rdx",
    "mov rdx, rcx",
    "xor ebp, ebp",  // the app's frame-pointer chain ends here
    "jmp hypercall_page + {iret} * 32",
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
    user_ss = const xen_sys::FLAT_USER_SS,
    user_cs = const xen_sys::FLAT_USER_CS,
    user_rflags = sym USER_RFLAGS,
    iret = const xen_sys::__HYPERVISOR_iret,
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
    fn ukrt_to_user(function: u64, a0: u64, a1: u64, a2: u64, stack_top: u64) -> !;
    fn ukrt_leave_app(saved_rsp: *const u64, status: i32) -> !;
}

/// Why app code could not be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallError {
    /// The address is not in an executable region of the app region.
    NotAppCode(u64),
    /// The stack is not a 16-byte-aligned stack of the app region.
    BadStack(u64),
    /// This thread already runs app code.
    Nested,
}

impl core::fmt::Display for CallError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NotAppCode(a) => write!(f, "{a:#x} is not app code"),
            Self::BadStack(a) => write!(f, "{a:#x} is not the top of an app stack"),
            Self::Nested => write!(f, "this thread already runs app code"),
        }
    }
}

/// One thread's way into and out of app code. It must stay where it is
/// while app code runs (threads keep theirs boxed).
pub struct AppCall {
    /// The runtime's stack pointer while app code runs; 0 when none does.
    saved_rsp: AtomicU64,
    /// The signal a fault of the app's code ended it with; 0 if none did.
    killed_by: AtomicI32,
    /// The top of the app stack while app code runs (for `exit_through`).
    stack_top: AtomicU64,
    /// The kernel stack pointer for user-mode entries while app code runs.
    kernel_sp: AtomicU64,
}

impl Default for AppCall {
    fn default() -> Self {
        Self::new()
    }
}

impl AppCall {
    pub const fn new() -> Self {
        AppCall {
            saved_rsp: AtomicU64::new(0),
            killed_by: AtomicI32::new(0),
            stack_top: AtomicU64::new(0),
            kernel_sp: AtomicU64::new(0),
        }
    }

    /// Where Xen puts what interrupts this thread's app code (on the
    /// runtime stack, below `ukrt_enter_app`'s frame), while it runs.
    pub fn kernel_stack(&self) -> Option<u64> {
        Some(self.kernel_sp.load(Ordering::Relaxed)).filter(|&sp| sp != 0)
    }

    /// Whether app code is running on this call's thread.
    pub fn active(&self) -> bool {
        self.saved_rsp.load(Ordering::Relaxed) != 0
    }

    /// Calls `function(argc, argv, envp)` on the app stack `stack` (it runs
    /// down from `stack.end`) and returns its result, or the status the app
    /// passed to [`Self::leave`].
    pub fn call(
        &self,
        function: u64,
        args: (i32, u64, u64),
        stack: Range<u64>,
    ) -> Result<i32, CallError> {
        if !crate::mm::is_app_code(function) {
            return Err(CallError::NotAppCode(function));
        }
        let top = stack.end;
        if !top.is_multiple_of(16) || !crate::mm::is_app_stack(stack.clone()) {
            return Err(CallError::BadStack(top));
        }
        if self.active() {
            return Err(CallError::Nested);
        }
        let (argc, argv, envp) = args;
        self.stack_top.store(top, Ordering::Relaxed);
        // Below everything `ukrt_enter_app` pushes here (its return
        // address and six registers), with room to spare.
        let here: u64;
        // SAFETY: reads the stack pointer into a register; nothing else.
        unsafe { core::arch::asm!("mov {}, rsp", out(reg) here, options(nomem, nostack)) };
        let kernel_sp = (here - 256) & !15;
        self.kernel_sp.store(kernel_sp, Ordering::Relaxed);
        super::user::use_kernel_stack(kernel_sp);
        super::set_app_stack(stack);
        // SAFETY: `function` lies in an executable region of the app and
        // follows the SysV ABI (the loader checked the object); the stack is
        // mapped app memory, 16-byte aligned at the top (checked above);
        // `saved_rsp` stays put while the app runs (see the type's doc).
        let status =
            unsafe { ukrt_enter_app(function, argc, argv, top, self.saved_rsp.as_ptr(), envp) };
        self.saved_rsp.store(0, Ordering::Relaxed);
        self.stack_top.store(0, Ordering::Relaxed);
        self.kernel_sp.store(0, Ordering::Relaxed);
        super::set_app_stack(0..0);
        Ok(status)
    }

    /// Runs the app's `exit(status)` in its own code, from inside a runtime
    /// call the app made: the call is abandoned, and `exit` runs in guest
    /// user mode near the top of the app's stack (nothing of the app that
    /// called resumes); if there is no such function, leaves with `status`.
    pub fn exit_through(&self, exit_fn: u64, status: i32) -> ! {
        let top = self.stack_top.load(Ordering::Relaxed);
        if self.active() && top != 0 && crate::mm::is_app_code(exit_fn) {
            // SAFETY: `exit_fn` is the app's `exit(int)` (resolved at
            // load), in an executable app region; `top` is the top of the
            // stack this thread's app code runs on (16-byte aligned, in app
            // memory). The runtime frames above are abandoned: user-mode
            // entries land at the kernel stack pointer set by `call`, above
            // them, and `exit` ends by `ukrt_exit`, which leaves `call`.
            unsafe { ukrt_to_user(exit_fn, status as u32 as u64, 0, 0, top - 256) }
        }
        self.leave(status)
    }

    /// The signal that ended the app's code, if a fault did.
    pub fn killed_by(&self) -> Option<i32> {
        Some(self.killed_by.load(Ordering::Relaxed)).filter(|&s| s != 0)
    }

    /// Abandons the app code running on this thread after a fatal fault of
    /// its own: [`Self::call`] returns 128 + `signal`, and
    /// [`Self::killed_by`] says `signal` from then on.
    pub fn kill(&self, signal: i32) -> ! {
        self.killed_by.store(signal, Ordering::Relaxed);
        self.leave(128 + signal)
    }

    /// Abandons the app code running on this thread: [`Self::call`]
    /// returns `status`.
    ///
    /// # Panics
    /// If no app code runs on this call's thread.
    pub fn leave(&self, status: i32) -> ! {
        assert!(self.active(), "exit called while no app code runs");
        // SAFETY: app code is inside `call` on this thread: `saved_rsp` is
        // the frame `ukrt_enter_app` pushed on the thread's runtime stack,
        // which app code does not touch (it runs on its own stack).
        unsafe { ukrt_leave_app(self.saved_rsp.as_ptr(), status) }
    }
}
