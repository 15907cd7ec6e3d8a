//! The runtime's exports: the symbols apps and their libraries may import
//! from the runtime (looked up last, after the app and its libraries). The
//! libc-like layer is built on these.
use hashbrown::HashMap;

/// `ukrt_console_write(buf, len)`: writes `len` bytes to the console;
/// returns `len`.
extern "C" fn ukrt_console_write(buf: *const u8, len: usize) -> isize {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: the app passes a buffer it owns; a bad pointer faults in the
    // fault handler, which reports it.
    let bytes = unsafe { core::slice::from_raw_parts(buf, len) };
    // Xen reads a hypercall's buffer without faulting pages in, and app
    // pages may not be mapped yet: copy through the runtime's own memory,
    // which demand-maps them here, in the guest.
    let mut chunk = [0u8; 256];
    for part in bytes.chunks(chunk.len()) {
        chunk[..part.len()].copy_from_slice(part);
        let _ = embedded_io::Write::write_all(
            &mut *crate::console::CONSOLE.lock(),
            &chunk[..part.len()],
        );
    }
    len as isize
}

/// What the exports know about the app that is running.
#[derive(Debug, Clone)]
pub struct AppContext {
    /// The heap region, and how much of it `ukrt_heap_grow` handed out.
    pub heap: core::ops::Range<u64>,
    pub brk: u64,
    pub environ: u64,
    /// argv[0], the app's name.
    pub name: u64,
}

/// The running app's context (each app runs as a thread).
fn current() -> Option<&'static mut AppContext> {
    crate::sched::try_current().and_then(|t| t.app.as_mut())
}

/// `ukrt_heap_grow(increment)`: maps `increment` more bytes (rounded up to
/// pages) at the end of the app's heap and returns where they start, like
/// `sbrk`; NULL when the heap region or memory is exhausted. Pages are
/// mapped now, so running out of memory is this NULL, not a crash later.
extern "C" fn ukrt_heap_grow(increment: usize) -> *mut u8 {
    let Some(ctx) = current() else {
        return core::ptr::null_mut();
    };
    let grow = (increment as u64).div_ceil(4096) * 4096;
    let start = ctx.brk;
    if grow > ctx.heap.end - start {
        return core::ptr::null_mut();
    }
    match crate::mm::with_space(|s| s.populate(start, start + grow)) {
        Ok(()) => {
            ctx.brk += grow;
            start as *mut u8
        }
        Err(_) => core::ptr::null_mut(),
    }
}

/// `ukrt_environ()`: the NULL-terminated array of `NAME=VALUE` strings.
extern "C" fn ukrt_environ() -> *const *const u8 {
    current().map_or(core::ptr::null(), |c| c.environ as *const *const u8)
}

/// `ukrt_app_name()`: the running app's name (its argv[0]).
extern "C" fn ukrt_app_name() -> *const u8 {
    current().map_or(core::ptr::null(), |c| c.name as *const u8)
}

/// `ukrt_mem_stats(out)`: frames in use and free, for tests and monitoring.
extern "C" fn ukrt_mem_stats(out: *mut u64) {
    let (used, free) = crate::mm::with_space(|s| (s.frames.used_count(), s.frames.free_count()));
    // SAFETY: the caller passes room for two u64 values.
    unsafe {
        out.write_unaligned(used);
        out.add(1).write_unaligned(free);
    }
}

/// `ukrt_exit(status)`: ends the calling app with `status`.
extern "C" fn ukrt_exit(status: i32) -> ! {
    let saved = &raw const crate::sched::current().app_saved_rsp;
    // SAFETY: app code calls this, so this thread is inside `enter`.
    unsafe { crate::arch::app_entry::leave(saved, status) }
}

/// `ukrt_clock_ns(clock)`: 0 = the wall clock (ns since 1970, UTC), 1 = the
/// monotonic clock (ns since the domain started).
extern "C" fn ukrt_clock_ns(clock: i32) -> u64 {
    match clock {
        0 => crate::time::realtime_ns(),
        _ => crate::time::now_ns(),
    }
}

/// `ukrt_sleep_ns(ns)`: sleeps at least `ns`; other apps run meanwhile.
extern "C" fn ukrt_sleep_ns(ns: u64) {
    crate::sched::sleep_until(crate::time::now_ns().saturating_add(ns));
}

/// `ukrt_yield()`: lets the other apps run.
extern "C" fn ukrt_yield() {
    crate::sched::yield_now();
}

/// `ukrt_console_read(buf, len)`: waits for console input and returns
/// how many bytes (at least 1) were copied into `buf`.
extern "C" fn ukrt_console_read(buf: *mut u8, len: usize) -> isize {
    if buf.is_null() {
        return -1;
    }
    let mut chunk = [0u8; 256];
    loop {
        let n = crate::console::read_input(&mut chunk[..len.min(256)]);
        if n > 0 {
            // SAFETY: the app gives `len` writable bytes; copying in guest
            // context faults its pages in if needed.
            unsafe { core::ptr::copy_nonoverlapping(chunk.as_ptr(), buf, n) };
            return n as isize;
        }
        crate::sched::wait_input();
    }
}

static EXPORTS: spin::Once<HashMap<&'static str, u64>> = spin::Once::new();

/// The export table (built once).
pub fn table() -> &'static HashMap<&'static str, u64> {
    EXPORTS.call_once(|| {
        let mut t = HashMap::new();
        t.insert("ukrt_console_write", ukrt_console_write as *const () as u64);
        t.insert("ukrt_exit", ukrt_exit as *const () as u64);
        t.insert("ukrt_heap_grow", ukrt_heap_grow as *const () as u64);
        t.insert("ukrt_environ", ukrt_environ as *const () as u64);
        t.insert("ukrt_app_name", ukrt_app_name as *const () as u64);
        t.insert("ukrt_mem_stats", ukrt_mem_stats as *const () as u64);
        t.insert("ukrt_clock_ns", ukrt_clock_ns as *const () as u64);
        t.insert("ukrt_sleep_ns", ukrt_sleep_ns as *const () as u64);
        t.insert("ukrt_yield", ukrt_yield as *const () as u64);
        t.insert("ukrt_console_read", ukrt_console_read as *const () as u64);
        t
    })
}

/// Looks a symbol up in the export table.
pub fn lookup(name: &str) -> Option<u64> {
    table().get(name).copied()
}
