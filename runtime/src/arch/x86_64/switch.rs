//! Switching between threads: save the callee-saved registers (and MXCSR
//! and the x87 control word, which the SysV ABI also makes callee-saved)
//! on the old stack, swap stack pointers, restore from the new one.
//!
//! A [`Context`] is a saved stack pointer and the stack it points into.
//! It can be resumed only while it holds a saved context (made by
//! [`Context::new`] or by a [`switch`] away from it), which [`switch`]
//! checks, so a running or never-saved context is never jumped into.
use alloc::sync::Arc;
use core::ops::Range;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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

/// Memory a thread's stack lives in.
///
/// # Safety
/// `range` must be page-aligned memory that stays mapped writable, and is
/// used for nothing else, for as long as the value lives.
pub unsafe trait StackMemory: Send + Sync {
    fn range(&self) -> Range<u64>;
}

/// A thread's saved context and the stack it runs on.
pub struct Context {
    rsp: AtomicU64,
    /// `rsp` holds a saved context that may be resumed.
    resumable: AtomicBool,
    stack: Option<alloc::boxed::Box<dyn StackMemory>>,
}

impl Context {
    /// The context of the code running now (the boot stack): it becomes
    /// resumable when it switches away.
    pub const fn running() -> Self {
        Context {
            rsp: AtomicU64::new(0),
            resumable: AtomicBool::new(false),
            stack: None,
        }
    }

    /// A new thread on `stack` that starts in `crate::sched::thread_entry`.
    pub fn new(stack: alloc::boxed::Box<dyn StackMemory>) -> Self {
        let top = stack.range().end & !15;
        // After `ret` pops the start address, rsp is top - 8: 8 mod 16, as
        // at any function entry.
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
        assert!(stack.range().start + 80 <= top, "stack too small");
        for (i, w) in words.iter().enumerate() {
            // SAFETY: the 80 bytes below `top` lie in `stack`, which is
            // mapped, writable and ours alone (StackMemory's contract).
            unsafe { ((rsp + i as u64 * 8) as *mut u64).write(*w) };
        }
        Context {
            rsp: AtomicU64::new(rsp),
            resumable: AtomicBool::new(true),
            stack: Some(stack),
        }
    }

    /// The stack's addresses (none for the boot context).
    pub fn stack(&self) -> Range<u64> {
        self.stack.as_ref().map_or(0..0, |s| s.range())
    }
}

/// The scheduler loop's own context (it runs on the boot stack).
static SCHEDULER: Context = Context::running();

/// From the scheduler loop: runs `thread` until it gives the CPU back.
///
/// # Panics
/// If `thread` holds no saved context (it is running, or finished).
pub fn run_thread(thread: &Context) {
    switch(&SCHEDULER, thread);
}

/// From a thread: saves its context into `thread` and goes back to the
/// scheduler loop; returns when the scheduler runs the thread again.
///
/// The thread passes its own handle on its context and this drops it
/// before switching, so a thread that never runs again (it finished)
/// leaves no reference behind on its stack; the scheduler's own handle
/// keeps the context alive for as long as it may be resumed.
///
/// # Panics
/// If `thread` is the only handle: nobody could resume the thread, and the
/// stack being switched away from would be freed.
pub fn to_scheduler(thread: Arc<Context>) {
    assert!(
        Arc::strong_count(&thread) > 1,
        "a thread's context must stay owned by the scheduler"
    );
    let ctx: *const Context = Arc::as_ptr(&thread);
    drop(thread);
    // SAFETY: another handle owns the context (checked above), and nothing
    // else runs before `switch` has saved into it (one vCPU, no
    // preemption): the pointer is valid for the whole call. Whoever resumes
    // the thread holds a handle of its own.
    switch(unsafe { &*ctx }, &SCHEDULER);
}

/// Saves the running context into `save` and resumes `to`; returns when
/// something switches back to `save`.
///
/// # Panics
/// If `to` holds no saved context (it is running, or finished and never
/// saved), or `save` already holds one.
fn switch(save: &Context, to: &Context) {
    assert!(
        !save.resumable.load(Ordering::Acquire),
        "saving into a context that holds one"
    );
    assert!(
        to.resumable.swap(false, Ordering::AcqRel),
        "switching to a context that holds none"
    );
    super::set_thread_stack(to.stack());
    // One vCPU and nothing preempts: no one looks at `save` between this
    // store and the assembly saving the stack pointer into it.
    save.resumable.store(true, Ordering::Release);
    // SAFETY: `to.rsp` is a context saved by `ukrt_switch` or built by
    // `Context::new` (it was resumable), on a stack `to` keeps alive; the
    // old context is saved into `save.rsp` before the jump.
    unsafe { ukrt_switch(save.rsp.as_ptr(), to.rsp.load(Ordering::Acquire)) }
}
