//! The panic handler: report the message and location, end as crashed.
use core::sync::atomic::{AtomicBool, Ordering};

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    if PANICKING.swap(true, Ordering::SeqCst) {
        // A panic while reporting a panic: print nothing more, just end.
        crate::exit::crash();
    }
    // One vCPU and no preemption: if the console was locked, its holder is
    // the code that panicked and will never unlock it.
    if crate::console::CONSOLE.is_locked() {
        // SAFETY: see above; nobody else can be inside the critical section.
        unsafe { crate::console::CONSOLE.force_unlock() };
    }
    crate::println!();
    match info.location() {
        Some(loc) => crate::println!(
            "*** ukrt panic at {}:{}:{}: {}",
            loc.file(),
            loc.line(),
            loc.column(),
            info.message()
        ),
        None => crate::println!("*** ukrt panic: {}", info.message()),
    }
    crate::exit::crash()
}
