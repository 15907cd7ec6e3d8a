//! The panic handler: report the message and location, end as crashed.
use core::sync::atomic::{AtomicBool, Ordering};

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    if PANICKING.swap(true, Ordering::SeqCst) {
        // A panic while reporting a panic: print nothing more, just end.
        crate::exit::crash_silently();
    }
    crate::console::take_over_for_crash();
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
