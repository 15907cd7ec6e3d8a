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

/// `ukrt_exit(status)`: ends the calling app with `status`.
extern "C" fn ukrt_exit(status: i32) -> ! {
    crate::arch::app_entry::leave(status)
}

static EXPORTS: spin::Once<HashMap<&'static str, u64>> = spin::Once::new();

/// The export table (built once).
pub fn table() -> &'static HashMap<&'static str, u64> {
    EXPORTS.call_once(|| {
        let mut t = HashMap::new();
        t.insert("ukrt_console_write", ukrt_console_write as *const () as u64);
        t.insert("ukrt_exit", ukrt_exit as *const () as u64);
        t
    })
}

/// Looks a symbol up in the export table.
pub fn lookup(name: &str) -> Option<u64> {
    table().get(name).copied()
}
