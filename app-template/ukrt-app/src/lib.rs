//! Safe wrappers for Rust apps on ukrt: `print!`/`println!`/`eprintln!`, a
//! global allocator (libukc's malloc, so `alloc` collections work), the
//! arguments and environment, `exit`, and a panic handler that reports the
//! panic and exits with status 101.
//!
//! An app is a `no_std` cdylib:
//! ```ignore
//! #![no_std]
//! ukrt_app::entry!(main);
//! fn main(args: ukrt_app::Args) -> i32 { ukrt_app::println!("hi {}", args.len()); 0 }
//! ```
#![no_std]

pub extern crate alloc;

use core::ffi::{c_char, CStr};
use core::fmt::{self, Write};

extern "C" {
    fn fwrite(p: *const u8, size: usize, n: usize, f: *mut core::ffi::c_void) -> usize;
    fn fflush(f: *mut core::ffi::c_void) -> i32;
    fn malloc(size: usize) -> *mut u8;
    fn aligned_alloc(align: usize, size: usize) -> *mut u8;
    fn free(p: *mut u8);
    #[link_name = "exit"]
    fn c_exit(status: i32) -> !;
    fn getenv(name: *const c_char) -> *const c_char;
    #[link_name = "stdout"]
    static C_STDOUT: *mut core::ffi::c_void;
    #[link_name = "stderr"]
    static C_STDERR: *mut core::ffi::c_void;
}

/// A standard stream.
pub struct Stream(bool);

/// Standard output (line-buffered).
pub fn stdout() -> Stream {
    Stream(false)
}

/// Standard error (unbuffered).
pub fn stderr() -> Stream {
    Stream(true)
}

impl Write for Stream {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: libukc's streams are valid for the app's life; the bytes
        // are a live string.
        unsafe {
            let f = if self.0 { C_STDERR } else { C_STDOUT };
            fwrite(s.as_ptr(), 1, s.len(), f);
        }
        Ok(())
    }
}

#[macro_export]
macro_rules! print {
    ($($a:tt)*) => {{ let _ = core::fmt::Write::write_fmt(&mut $crate::stdout(), format_args!($($a)*)); }};
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($a:tt)*) => {{ let _ = core::fmt::Write::write_fmt(&mut $crate::stdout(), format_args!("{}\n", format_args!($($a)*))); }};
}

#[macro_export]
macro_rules! eprintln {
    ($($a:tt)*) => {{ let _ = core::fmt::Write::write_fmt(&mut $crate::stderr(), format_args!("{}\n", format_args!($($a)*))); }};
}

/// Ends the app with `status` (atexit handlers run, streams are flushed).
pub fn exit(status: i32) -> ! {
    // SAFETY: libukc's exit never returns.
    unsafe { c_exit(status) }
}

/// The value of environment variable `name` (from `NAME=VALUE` words at
/// the start of the guest command line).
pub fn env(name: &CStr) -> Option<&'static str> {
    // SAFETY: getenv returns NULL or a string that lives as long as the app.
    let p = unsafe { getenv(name.as_ptr()) };
    // SAFETY: as above.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap_or(""))
}

/// The app's arguments (argv[0] is its name).
#[derive(Clone, Copy)]
pub struct Args {
    argc: usize,
    argv: *const *const c_char,
}

impl Args {
    /// # Safety
    /// `argv` must hold `argc` NUL-terminated strings (as the runtime passes).
    pub unsafe fn from_raw(argc: i32, argv: *const *const c_char) -> Self {
        Args { argc: argc.max(0) as usize, argv }
    }
    pub fn len(&self) -> usize {
        self.argc
    }
    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }
    pub fn get(&self, i: usize) -> Option<&'static str> {
        // SAFETY: i < argc, and the strings live as long as the app.
        (i < self.argc).then(|| unsafe { CStr::from_ptr(*self.argv.add(i)) }.to_str().unwrap_or(""))
    }
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        (0..self.argc).filter_map(|i| self.get(i))
    }
}

/// Defines the C `main` the runtime calls, running `$f(Args) -> i32`.
#[macro_export]
macro_rules! entry {
    ($f:ident) => {
        mod __ukrt_entry {
            #[no_mangle]
            pub extern "C" fn main(argc: i32, argv: *const *const core::ffi::c_char) -> i32 {
                // SAFETY: the runtime passes argc strings in argv.
                let args = unsafe { $crate::Args::from_raw(argc, argv) };
                let status = super::$f(args);
                $crate::exit(status)
            }
        }
    };
}

struct Malloc;

// SAFETY: libukc's malloc returns blocks aligned to 16 bytes, aligned_alloc
// any power of two; free takes both.
unsafe impl core::alloc::GlobalAlloc for Malloc {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        // SAFETY: plain calls into libukc.
        unsafe {
            if layout.align() <= 16 {
                malloc(layout.size())
            } else {
                aligned_alloc(layout.align(), layout.size())
            }
        }
    }
    unsafe fn dealloc(&self, p: *mut u8, _: core::alloc::Layout) {
        // SAFETY: `p` came from alloc above.
        unsafe { free(p) }
    }
}

#[global_allocator]
static ALLOCATOR: Malloc = Malloc;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let _ = writeln!(stderr(), "panic: {info}");
    // SAFETY: flushing libukc's streams.
    unsafe { fflush(core::ptr::null_mut()) };
    exit(101)
}
