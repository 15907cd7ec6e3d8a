//! The runtime's exports: the symbols apps and their libraries may import
//! from the runtime (looked up last, after the app and its libraries). The
//! libc-like layer is built on these.
//!
//! Every pointer an app passes is app memory: it is read and written only
//! through the app's [`AppMemory`], so a bad pointer is an error return,
//! not a crash of the runtime.
use crate::mm::uaccess::AppMemory;
use hashbrown::HashMap;

/// What the exports know about the app that is running.
#[derive(Debug, Clone)]
pub struct AppContext {
    /// The app's number (its slot): the owner of its descriptors.
    pub id: u32,
    /// The memory the app may name (its slot).
    pub memory: AppMemory,
    /// The heap region, and how much of it `ukrt_heap_grow` handed out.
    pub heap: core::ops::Range<u64>,
    pub brk: u64,
    pub environ: u64,
    /// argv[0], the app's name.
    pub name: u64,
    /// The app's name from the manifest, for the runtime's messages.
    pub label: alloc::string::String,
    /// The app's stack (for its crash report).
    pub stack: core::ops::Range<u64>,
    /// The app's objects where they are loaded (for its crash report).
    pub objects: alloc::sync::Arc<[crate::trap::report::AppObject]>,
}

/// Runs `f` on the running app's context; `None` outside an app.
fn with_app<R>(f: impl FnOnce(&mut AppContext) -> R) -> Option<R> {
    crate::sched::try_with_current(|t| t.app.as_mut().map(f)).flatten()
}

fn app_memory() -> Option<AppMemory> {
    with_app(|c| c.memory.clone())
}

/// `ukrt_console_write(buf, len)`: writes `len` bytes to the console;
/// returns `len`, or -1 if the buffer is not the app's readable memory.
extern "C" fn ukrt_console_write(buf: u64, len: usize) -> isize {
    // No yield here: apps' output stays in the order they were loaded
    // until they wait for something.
    console_write(buf, len)
}

/// Writes `len` bytes of app memory at `buf` to the console; `len`, or -1
/// if `buf` is not the app's readable memory.
pub fn console_write(buf: u64, len: usize) -> isize {
    let Some(mem) = app_memory() else { return -1 };
    // Xen reads a hypercall's buffer without faulting pages in: copy through
    // the runtime's own memory, a chunk at a time.
    let mut chunk = [0u8; 256];
    let mut at = 0u64;
    while at < len as u64 {
        let n = (len as u64 - at).min(chunk.len() as u64) as usize;
        let Some(addr) = buf.checked_add(at) else {
            return -1;
        };
        if mem.read(addr, &mut chunk[..n]).is_err() {
            return -1;
        }
        let _ = crate::console::write_bytes(&chunk[..n]);
        at += n as u64;
    }
    len as isize
}

/// `ukrt_heap_grow(increment)`: maps `increment` more bytes (rounded up to
/// pages) at the end of the app's heap and returns where they start, like
/// `sbrk`; NULL when the heap region or memory is exhausted, having mapped
/// nothing. Pages are mapped now, and a growth leaves
/// `HEAP_HEADROOM_FRAMES` free, so running out of memory is this NULL, not
/// a crash later.
extern "C" fn ukrt_heap_grow(increment: usize) -> u64 {
    let Some((start, room)) = with_app(|c| (c.brk, c.heap.end - c.brk)) else {
        return 0;
    };
    let page = crate::mm::pte::PAGE_SIZE;
    let Some(grow) = (increment as u64).checked_next_multiple_of(page) else {
        return 0;
    };
    let (_, free) = crate::mm::frame_counts();
    let spare = free.saturating_sub(crate::mm::reserve() + super::HEAP_HEADROOM_FRAMES);
    if grow > room || grow / page > spare {
        return 0;
    }
    match crate::mm::with_space(|s| s.populate_all_or_nothing(start, start + grow)) {
        Ok(()) => {
            with_app(|c| c.brk += grow);
            start
        }
        Err(_) => 0,
    }
}

/// `ukrt_environ()`: the NULL-terminated array of `NAME=VALUE` strings.
extern "C" fn ukrt_environ() -> u64 {
    with_app(|c| c.environ).unwrap_or(0)
}

/// `ukrt_app_name()`: the running app's name (its argv[0]).
extern "C" fn ukrt_app_name() -> u64 {
    with_app(|c| c.name).unwrap_or(0)
}

/// `ukrt_mem_stats(out)`: frames in use and free, for tests and
/// monitoring; returns 0, or -1 if `out` is not two writable words.
extern "C" fn ukrt_mem_stats(out: u64) -> i32 {
    let (used, free) = crate::mm::frame_counts();
    let Some(mem) = app_memory() else { return -1 };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&used.to_le_bytes());
    bytes[8..].copy_from_slice(&free.to_le_bytes());
    match mem.write(out, &bytes) {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// `ukrt_exit(status)`: ends the calling app with `status`.
extern "C" fn ukrt_exit(status: i32) -> ! {
    let call = crate::sched::with_current(|t| t.app_call.clone());
    call.leave(status)
}

/// `ukrt_clock_ns(clock)`: 0 = the wall clock (ns since 1970, UTC), 1 = the
/// monotonic clock (ns since the domain started), 2 = the domain's CPU time
/// (ns its vCPU has run, shared by all apps).
extern "C" fn ukrt_clock_ns(clock: i32) -> u64 {
    // A loop that waits by watching the clock lets the others run.
    crate::sched::yield_if_slice_used();
    match clock {
        0 => crate::time::realtime_ns(),
        2 => crate::time::cpu_ns(),
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
/// how many bytes (at least 1) were copied into `buf`; -1 if `buf` is not
/// the app's writable memory.
extern "C" fn ukrt_console_read(buf: u64, len: usize) -> isize {
    console_read(buf, len)
}

/// Waits for console input and copies it to app memory at `buf`; the count
/// (at least 1), or -1 if `buf` is not the app's writable memory.
pub fn console_read(buf: u64, len: usize) -> isize {
    let Some(mem) = app_memory() else { return -1 };
    if len == 0 {
        return 0;
    }
    // A bad buffer is an error now, not after waiting for input.
    if mem.check_writable(buf, len.min(256)).is_err() {
        return -1;
    }
    let mut chunk = [0u8; 256];
    loop {
        let n = crate::console::read_input(&mut chunk[..len.min(256)]);
        if n > 0 {
            return match mem.write(buf, &chunk[..n]) {
                Ok(()) => n as isize,
                Err(_) => -1,
            };
        }
        crate::sched::wait_input();
    }
}

static EXPORTS: spin::Once<HashMap<&'static str, u64>> = spin::Once::new();

/// The export table (built once): each name and the address apps call.
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
        t.extend(super::net_exports::exports());
        t.extend(super::fd_exports::exports());
        t.extend(super::file_exports::exports());
        // The loader's list (which `ukrt-pack check` resolves against) must
        // be this table's.
        let listed = ukrt_loader::RUNTIME_EXPORTS;
        assert!(
            listed.len() == t.len() && listed.iter().all(|n| t.contains_key(n)),
            "ukrt_loader::RUNTIME_EXPORTS differs from the runtime's export table"
        );
        // Apps run in guest user mode and reach each export through its
        // syscall stub (arch/x86_64/user.rs): number 0 is an app function
        // returning, which ends the app as ukrt_exit does; then the
        // exports in the loader's order.
        crate::arch::user::set_export(0, ukrt_exit as *const () as u64);
        listed
            .iter()
            .enumerate()
            .map(|(i, &name)| (name, crate::arch::user::set_export(i + 1, t[name])))
            .collect()
    })
}

/// Looks a symbol up in the export table.
pub fn lookup(name: &str) -> Option<u64> {
    table().get(name).copied()
}
