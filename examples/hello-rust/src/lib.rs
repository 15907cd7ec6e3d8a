//! A Rust app: a `no_std` cdylib whose `main` the runtime calls.
#![no_std]

use core::fmt::Write;

extern "C" {
    fn ukrt_console_write(buf: *const u8, len: usize) -> isize;
}

struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        // SAFETY: the runtime reads `len` bytes of a live string.
        unsafe { ukrt_console_write(s.as_ptr(), s.len()) };
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let _ = writeln!(Console, "hello-rust panicked: {info}");
    loop {}
}

static GREETING: &str = "Hello from Rust!";

#[no_mangle]
pub extern "C" fn main(argc: i32, argv: *const *const u8) -> i32 {
    let _ = writeln!(Console, "{GREETING}");
    for i in 0..argc as usize {
        // SAFETY: the runtime passes argc NUL-terminated strings.
        let arg = unsafe { core::ffi::CStr::from_ptr(*argv.add(i) as *const core::ffi::c_char) };
        let _ = writeln!(Console, "arg: {}", arg.to_str().unwrap_or("?"));
    }
    // Floating point works (hard-float ABI, SSE enabled).
    let x = core::hint::black_box(1.25f64) * 4.0;
    let _ = writeln!(Console, "float: {x:.2}");
    0
}
