//! The scheduler proper (guest only).
use super::{earliest_deadline, next_runnable, State};
use crate::arch::switch;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// Size of each thread's runtime stack (the app code has its own stack).
const THREAD_STACK: usize = 64 * 1024;

/// Counts for the stats line.
pub static SWITCHES: AtomicU64 = AtomicU64::new(0);
pub static BLOCKS: AtomicU64 = AtomicU64::new(0);
/// Set by the console event handler; cleared when waiters are woken.
pub static INPUT_READY: AtomicBool = AtomicBool::new(false);

/// A thread: its saved context, its runtime stack, and what the app
/// runner keeps per thread.
pub struct Thread {
    rsp: u64,
    _stack: Box<[u8]>,
    pub state: State,
    body: Option<Box<dyn FnOnce()>>,
    /// The runtime stack pointer saved while app code runs (app_entry).
    pub app_saved_rsp: u64,
    /// Per-thread data for the runtime's exports (the app's heap etc.).
    pub app: Option<crate::apps::exports::AppContext>,
    /// The app stack, for crash backtraces.
    pub app_stack: core::ops::Range<u64>,
    /// The app's `exit` (libukc's, or 0 for the runtime's own), called at
    /// the thread's next sleep, wait or yield once a shutdown is requested.
    pub stop_fn: u64,
    stopping: bool,
    stop_called: bool,
    /// Faults, hypercalls and frames while this thread ran.
    pub counts: (u64, u64, i64),
    snapshot: (u64, u64, i64),
}

struct Scheduler {
    threads: Vec<Thread>,
    current: Option<usize>,
    last: usize,
    idle_rsp: u64,
}

struct Cell(UnsafeCell<Scheduler>);

// SAFETY: one vCPU, cooperative threads, and event handlers never touch
// the scheduler: only one piece of code uses it at a time.
unsafe impl Sync for Cell {}

static SCHED: Cell = Cell(UnsafeCell::new(Scheduler {
    threads: Vec::new(),
    current: None,
    last: usize::MAX,
    idle_rsp: 0,
}));

fn sched() -> &'static mut Scheduler {
    // SAFETY: see `Cell`; no reference is held across a switch.
    unsafe { &mut *SCHED.0.get() }
}

/// (faults, hypercalls, frames in use) right now.
pub fn counters() -> (u64, u64, i64) {
    let hypercalls = crate::xen::hypercall::HYPERCALLS.load(Relaxed);
    crate::mm::with_space(|s| (s.stats.faults, hypercalls, s.frames.used_count() as i64))
}

/// Creates a thread that runs `body`; it starts when `run` schedules it.
pub fn spawn(body: impl FnOnce() + 'static) -> usize {
    let mut stack = alloc::vec![0u8; THREAD_STACK].into_boxed_slice();
    let top = (stack.as_mut_ptr() as u64 + THREAD_STACK as u64) & !15;
    // SAFETY: the top of a fresh stack of our own.
    let rsp = unsafe { switch::initial_stack(top) };
    let s = sched();
    s.threads.push(Thread {
        rsp,
        _stack: stack,
        state: State::Runnable,
        body: Some(Box::new(body)),
        app_saved_rsp: 0,
        app: None,
        app_stack: 0..0,
        stop_fn: 0,
        stopping: false,
        stop_called: false,
        counts: (0, 0, 0),
        snapshot: (0, 0, 0),
    });
    s.threads.len() - 1
}

/// Thread `i` (as `spawn` numbered it).
pub fn thread(i: usize) -> &'static mut Thread {
    &mut sched().threads[i]
}

/// The running thread (panics when called outside one).
pub fn current() -> &'static mut Thread {
    let s = sched();
    let i = s.current.expect("not running in a thread");
    &mut s.threads[i]
}

/// The running thread, if any.
pub fn try_current() -> Option<&'static mut Thread> {
    let s = sched();
    s.current.map(|i| &mut s.threads[i])
}

/// First code of every thread, on its own stack.
pub extern "C" fn thread_entry() -> ! {
    let body = current().body.take().expect("a new thread has a body");
    body();
    current().state = State::Done;
    to_scheduler();
    unreachable!("a finished thread was resumed");
}

/// Gives the CPU back to the scheduler (the thread's state says why).
fn to_scheduler() {
    let s = sched();
    let t = &mut s.threads[s.current.expect("in a thread")];
    // SAFETY: the scheduler's context was saved by the switch that
    // started or resumed this thread.
    unsafe { switch::switch(&mut t.rsp, s.idle_rsp) };
}

/// Lets the other runnable threads run first.
pub fn yield_now() {
    if try_current().is_some() {
        to_scheduler();
        check_stop();
    }
}

/// After a shutdown request: ends the app through its own `exit(0)`, once
/// (so atexit handlers, fini functions and flushes run).
fn check_stop() {
    let t = current();
    if !t.stopping || t.stop_called || t.app_saved_rsp == 0 {
        return;
    }
    t.stop_called = true;
    if t.stop_fn != 0 {
        // SAFETY: the address of the instance's `exit(int)`, resolved at
        // load; we are inside the app's call into the runtime, on its stack,
        // just as if the app had called exit(0) itself.
        let exit: extern "C" fn(i32) -> ! = unsafe { core::mem::transmute(t.stop_fn) };
        exit(0);
    }
    let saved = &raw const t.app_saved_rsp;
    // SAFETY: app code is running on this thread (app_saved_rsp != 0).
    unsafe { crate::arch::app_entry::leave(saved, 0) }
}

/// Sleeps until system time `deadline_ns`.
pub fn sleep_until(deadline_ns: u64) {
    if try_current().is_none() {
        // Before threads exist (boot): wait by blocking.
        while crate::time::now_ns() < deadline_ns {
            let _ = crate::xen::hypercall::set_timer(deadline_ns);
            crate::xen::events::block();
        }
        return;
    }
    current().state = State::Sleeping(deadline_ns);
    to_scheduler();
    check_stop();
}

/// Waits until console input arrives.
pub fn wait_input() {
    current().state = State::WaitingInput;
    to_scheduler();
    check_stop();
}

fn delta(a: (u64, u64, i64), b: (u64, u64, i64)) -> (u64, u64, i64) {
    (a.0 - b.0, a.1 - b.1, a.2 - b.2)
}

/// Runs the threads until all are done; blocks the vCPU when none can run.
pub fn run() {
    loop {
        let s = sched();
        crate::control::poll();
        let stop = crate::control::requested().is_some();
        let now = crate::time::now_ns();
        let input = INPUT_READY.swap(false, Relaxed);
        for t in &mut s.threads {
            if stop && t.state != State::Done {
                t.stopping = true;
                if !t.stop_called {
                    t.state = State::Runnable;
                }
            }
            match t.state {
                State::Sleeping(d) if d <= now => t.state = State::Runnable,
                State::WaitingInput if input => t.state = State::Runnable,
                _ => {}
            }
        }
        let states: Vec<State> = s.threads.iter().map(|t| t.state).collect();
        if let Some(i) = next_runnable(&states, s.last) {
            s.current = Some(i);
            s.last = i;
            SWITCHES.fetch_add(1, Relaxed);
            s.threads[i].snapshot = counters();
            let target = s.threads[i].rsp;
            // SAFETY: `target` was saved by a switch or made by `spawn`.
            unsafe { switch::switch(&mut s.idle_rsp, target) };
            let s = sched();
            let t = &mut s.threads[i];
            let d = delta(counters(), t.snapshot);
            t.counts = (t.counts.0 + d.0, t.counts.1 + d.1, t.counts.2 + d.2);
            s.current = None;
            continue;
        }
        if states.iter().all(|&st| st == State::Done) {
            s.threads.clear();
            s.last = usize::MAX;
            return;
        }
        // Nothing can run: sleep until the first deadline or an event.
        let deadline = [earliest_deadline(&states), crate::control::next_deadline()]
            .into_iter()
            .flatten()
            .min();
        let _ = crate::xen::hypercall::set_timer(deadline.unwrap_or(0));
        BLOCKS.fetch_add(1, Relaxed);
        crate::xen::events::block();
    }
}

/// The running thread's counts including the current slice.
pub fn current_counts() -> (u64, u64, i64) {
    let t = current();
    let d = delta(counters(), t.snapshot);
    (t.counts.0 + d.0, t.counts.1 + d.1, t.counts.2 + d.2)
}
