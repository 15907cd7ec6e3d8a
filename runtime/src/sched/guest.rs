//! The scheduler proper (guest only).
//!
//! Its state sits behind one lock, reached through closures
//! ([`with_current`], [`with_thread`]) that cannot keep a reference past
//! the call, so no two pieces of code ever hold the same thread mutably.
//! The lock is never held across a switch: the contexts to switch between
//! are cloned out first.
use super::{earliest_deadline, next_runnable, State};
use crate::apps::exports::AppContext;
use crate::arch::app_entry::AppCall;
use crate::arch::switch::{self, Context};
use crate::mm::stack::{RuntimeStack, StackError};
use crate::stats::{BLOCKS, SWITCHES};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// Pages of each thread's runtime stack (the app code has its own stack).
const THREAD_STACK_PAGES: u64 = 16;

/// Set by the console event handler; cleared when waiters are woken.
pub static INPUT_READY: AtomicBool = AtomicBool::new(false);

/// Faults, hypercalls and frames in use, counted per thread.
pub type Counts = (u64, u64, i64);

/// A thread: its context, what it runs, and what the app runner keeps per
/// thread.
pub struct Thread {
    ctx: Arc<Context>,
    pub state: State,
    body: Option<Box<dyn FnOnce() + Send>>,
    /// The way into and out of app code for this thread.
    pub app_call: Arc<AppCall>,
    /// Per-thread data for the runtime's exports (the app's heap etc.).
    pub app: Option<AppContext>,
    /// The app's `exit` (libukc's, or 0 for the runtime's own), called at
    /// the thread's next sleep, wait or yield once a shutdown is requested.
    pub stop_fn: u64,
    stopping: bool,
    stop_called: bool,
    /// Faults, hypercalls and frames while this thread ran (an app's
    /// thread starts with what loading the app took).
    pub counts: Counts,
    /// Of `counts`, what loading the app took.
    pub load: Counts,
    snapshot: Counts,
}

struct Scheduler {
    threads: Vec<Thread>,
    current: Option<usize>,
    last: usize,
}

static SCHED: spin::Mutex<Scheduler> = spin::Mutex::new(Scheduler {
    threads: Vec::new(),
    current: None,
    last: usize::MAX,
});

/// (faults, hypercalls, frames in use) right now.
pub fn counters() -> Counts {
    let (used, _) = crate::mm::frame_counts();
    (
        crate::mm::faults(),
        crate::stats::HYPERCALLS.get(),
        used as i64,
    )
}

/// Creates a thread that runs `body`; it starts when `run` schedules it.
pub fn spawn(body: impl FnOnce() + Send + 'static) -> Result<usize, StackError> {
    let stack = RuntimeStack::new(THREAD_STACK_PAGES)?;
    let thread = Thread {
        ctx: Arc::new(Context::new(Box::new(stack))),
        state: State::Runnable,
        body: Some(Box::new(body)),
        app_call: Arc::new(AppCall::new()),
        app: None,
        stop_fn: 0,
        stopping: false,
        stop_called: false,
        counts: (0, 0, 0),
        load: (0, 0, 0),
        snapshot: (0, 0, 0),
    };
    let mut s = SCHED.lock();
    s.threads.push(thread);
    Ok(s.threads.len() - 1)
}

/// Runs `f` on thread `i` (as `spawn` numbered it).
pub fn with_thread<R>(i: usize, f: impl FnOnce(&mut Thread) -> R) -> R {
    f(&mut SCHED.lock().threads[i])
}

/// Runs `f` on the running thread (panics outside one).
pub fn with_current<R>(f: impl FnOnce(&mut Thread) -> R) -> R {
    try_with_current(f).expect("not running in a thread")
}

/// Runs `f` on the running thread, if there is one and the scheduler is
/// not busy (never waits: the crash path uses it too).
pub fn try_with_current<R>(f: impl FnOnce(&mut Thread) -> R) -> Option<R> {
    let mut s = SCHED.try_lock()?;
    let i = s.current?;
    Some(f(&mut s.threads[i]))
}

/// Whether a thread is running (rather than boot code or the idle loop).
pub fn in_thread() -> bool {
    SCHED.lock().current.is_some()
}

/// First code of every thread, on its own stack.
pub extern "C" fn thread_entry() -> ! {
    let body = with_current(|t| t.body.take()).expect("a new thread has a body");
    body();
    with_current(|t| t.state = State::Done);
    to_scheduler();
    unreachable!("a finished thread was resumed");
}

/// Gives the CPU back to the scheduler (the thread's state says why).
fn to_scheduler() {
    switch::to_scheduler(with_current(|t| t.ctx.clone()));
}

/// How long a thread may run before the runtime calls it makes yield.
const SLICE_NS: u64 = 10_000_000;
/// When the running thread's slice began.
static SLICE_START: AtomicU64 = AtomicU64::new(0);

/// Yields if the running thread has had the CPU for a whole slice. The
/// socket and clock exports call it, so an app that loops on calls that
/// never wait (non-blocking sockets, a `poll` that always has news, a
/// clock) still lets the other apps, the network and shutdown requests
/// have their turn.
pub fn yield_if_slice_used() {
    let start = SLICE_START.load(Relaxed);
    if start != 0 && crate::time::now_ns().saturating_sub(start) >= SLICE_NS {
        yield_now();
    }
}

/// Lets the other runnable threads run first.
pub fn yield_now() {
    if in_thread() {
        to_scheduler();
        check_stop();
    }
}

/// Lets the other threads run while the runtime holds state of its own
/// (a file call waiting for its disk or a lock): unlike [`yield_now`], a
/// shutdown request does not end the app here, where it would leave that
/// state half done; it does at the app's next wait.
pub fn yield_in_runtime() {
    if in_thread() {
        to_scheduler();
    }
}

/// After a shutdown request: ends the app through its own `exit(0)`, once
/// (so atexit handlers, fini functions and flushes run).
fn check_stop() {
    let stop = with_current(|t| {
        if !t.stopping || t.stop_called || !t.app_call.active() {
            return None;
        }
        t.stop_called = true;
        Some((t.app_call.clone(), t.stop_fn))
    });
    if let Some((call, exit_fn)) = stop {
        call.exit_through(exit_fn, 0);
    }
}

/// Sleeps until system time `deadline_ns`.
pub fn sleep_until(deadline_ns: u64) {
    if !in_thread() {
        // Before threads exist (boot): wait by blocking.
        while crate::time::now_ns() < deadline_ns {
            let _ = crate::xen::hypercall::set_timer(deadline_ns);
            crate::xen::events::block();
        }
        return;
    }
    with_current(|t| t.state = State::Sleeping(deadline_ns));
    to_scheduler();
    check_stop();
}

/// Waits until the network has news (a socket may be ready) or system
/// time `deadline_ns` passes (0: no deadline).
pub fn wait_net(deadline_ns: u64) {
    with_current(|t| t.state = State::WaitingNet(deadline_ns));
    to_scheduler();
    check_stop();
}

/// Waits until a disk's backend answers (an event) or system time
/// `deadline_ns` passes. Not a stop point: the driver's state must stay
/// whole, so a shutdown request ends the app at its next sleep or yield.
pub fn wait_disk(deadline_ns: u64) {
    with_current(|t| t.state = State::WaitingDisk(deadline_ns));
    to_scheduler();
}

/// Waits until console input arrives.
pub fn wait_input() {
    with_current(|t| t.state = State::WaitingInput);
    to_scheduler();
    check_stop();
}

fn delta(a: Counts, b: Counts) -> Counts {
    (a.0 - b.0, a.1 - b.1, a.2 - b.2)
}

fn add(a: Counts, b: Counts) -> Counts {
    (a.0 + b.0, a.1 + b.1, a.2 + b.2)
}

/// Wakes what can run, then picks the next thread; `None` when none can.
fn pick(now: u64, stop: bool, input: bool, net: bool, disk: bool) -> Option<(usize, Arc<Context>)> {
    let mut s = SCHED.lock();
    for t in &mut s.threads {
        if stop && t.state != State::Done {
            t.stopping = true;
            // A disk wait ends by itself (bounded) and is no stop point.
            if !t.stop_called && !matches!(t.state, State::WaitingDisk(_)) {
                t.state = State::Runnable;
            }
        }
        match t.state {
            State::Sleeping(d) if d <= now => t.state = State::Runnable,
            State::WaitingInput if input => t.state = State::Runnable,
            State::WaitingNet(d) if net || (d != 0 && d <= now) => t.state = State::Runnable,
            State::WaitingDisk(d) if disk || d <= now => t.state = State::Runnable,
            _ => {}
        }
    }
    let states: Vec<State> = s.threads.iter().map(|t| t.state).collect();
    let i = next_runnable(&states, s.last)?;
    s.current = Some(i);
    s.last = i;
    Some((i, s.threads[i].ctx.clone()))
}

/// Runs the threads until all are done; blocks the vCPU when none can run.
pub fn run() {
    loop {
        crate::control::poll();
        let stop = crate::control::requested().is_some();
        let input = INPUT_READY.swap(false, Relaxed);
        let net = crate::net::poll();
        let disk = crate::blk::take_event();
        if let Some((i, ctx)) = pick(crate::time::now_ns(), stop, input, net, disk) {
            SWITCHES.inc();
            let snapshot = counters();
            with_thread(i, |t| t.snapshot = snapshot);
            SLICE_START.store(crate::time::now_ns().max(1), Relaxed);
            // A thread inside app code takes its exceptions and calls from
            // user mode on its own runtime stack.
            if let Some(sp) = with_thread(i, |t| t.app_call.kernel_stack()) {
                crate::arch::user::use_kernel_stack(sp);
            }
            switch::run_thread(&ctx);
            SLICE_START.store(0, Relaxed);
            let now = counters();
            let mut s = SCHED.lock();
            let t = &mut s.threads[i];
            t.counts = add(t.counts, delta(now, t.snapshot));
            s.current = None;
            continue;
        }
        let states: Vec<State> = SCHED.lock().threads.iter().map(|t| t.state).collect();
        if states.iter().all(|&st| st == State::Done) {
            // Drop the finished threads (and return their stacks) with the
            // lock released: freeing a stack calls into the memory manager.
            let finished = {
                let mut s = SCHED.lock();
                s.last = usize::MAX;
                core::mem::take(&mut s.threads)
            };
            drop(finished);
            return;
        }
        // Work the network found while we looked: no sleeping on it.
        if crate::net::pending() {
            continue;
        }
        // Nothing can run: sleep until the first deadline or an event.
        let deadline = [
            earliest_deadline(&states),
            crate::control::next_deadline(),
            crate::net::next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        let _ = crate::xen::hypercall::set_timer(deadline.unwrap_or(0));
        BLOCKS.inc();
        crate::xen::events::block();
    }
}

/// The running thread's counts including the current slice.
pub fn current_counts() -> Counts {
    let (counts, snapshot) = with_current(|t| (t.counts, t.snapshot));
    add(counts, delta(counters(), snapshot))
}
