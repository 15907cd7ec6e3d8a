//! Faults three calls deep (ci/boot_tests.py, class Backtraces): the crash
//! report must list inner, outer and main, found by the unwind tables
//! (Rust code for the app target has no frame pointers).
#![no_std]

use ukrt_app::println;

ukrt_app::entry!(main);

/// Writes through a bad pointer (the optimiser cannot see that it is one).
#[inline(never)]
fn inner(v: u32) -> u32 {
    let p = core::hint::black_box(8usize) as *mut u32;
    // SAFETY: none: the write faults on purpose, and the runtime ends
    // the app with SIGSEGV and a crash report.
    unsafe { p.write_volatile(v) };
    v + 1
}

#[inline(never)]
fn outer(v: u32) -> u32 {
    let r = inner(core::hint::black_box(v * 3));
    core::hint::black_box(r) + 2
}

fn main(_args: ukrt_app::Args) -> i32 {
    println!("backtrace-rust: crashing now");
    let r = outer(core::hint::black_box(5));
    println!("{r}");
    3
}
