//! Safe wrappers for Rust apps on ukrt: `print!`/`println!`/`eprintln!`, a
//! global allocator (libukc's malloc, so `alloc` collections work), the
//! arguments and environment, `exit`, a panic handler that reports the
//! panic and exits with status 101, TCP/UDP sockets shaped like
//! `std::net` ([`net`]), files shaped like `std::fs` ([`fs`]), the
//! errors and I/O traits of both and standard input ([`io`]), clocks
//! ([`time`]), `sleep` ([`thread`]) and the environment ([`env`](mod@env)).
//!
//! An app is a `no_std` cdylib:
//! ```ignore
//! #![no_std]
//! ukrt_app::entry!(main);
//! fn main(args: ukrt_app::Args) -> i32 { ukrt_app::println!("hi {}", args.len()); 0 }
//! ```
#![no_std]

pub extern crate alloc;

pub mod env;
pub mod fs;
pub mod io;
pub mod net;
pub mod thread;
pub mod time;

use core::ffi::{c_char, CStr};
use core::fmt::{self, Write};

// SAFETY: these declarations match libukc's C functions and statics
// (app-template/libukc/src/abi/) in name, argument and result types. The
// ones marked `safe` take no pointer and are sound to call with any
// argument: malloc and aligned_alloc return NULL or a fresh block (a bad
// alignment gives NULL), and exit runs the atexit handlers and ends the
// app.
unsafe extern "C" {
    fn fwrite(p: *const u8, size: usize, n: usize, f: *mut core::ffi::c_void) -> usize;
    fn fflush(f: *mut core::ffi::c_void) -> i32;
    safe fn malloc(size: usize) -> *mut u8;
    safe fn aligned_alloc(align: usize, size: usize) -> *mut u8;
    fn free(p: *mut u8);
    #[link_name = "exit"]
    safe fn c_exit(status: i32) -> !;
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
        // SAFETY: libukc's `stdout` and `stderr` are read with no write
        // racing them (one thread of control) and hold its streams, valid
        // for the app's life; `s` is a live &str, so its `s.len()` bytes
        // (1-byte items) are readable for the call.
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
    c_exit(status)
}

/// The value of environment variable `name` (from `NAME=VALUE` words at
/// the start of the guest command line). [`env::var`] is the `std`-shaped
/// form.
pub fn env(name: &CStr) -> Option<&'static str> {
    // SAFETY: `name` is a &CStr, so `name.as_ptr()` is NUL-terminated and
    // live for the call, which is all getenv requires.
    let p = unsafe { getenv(name.as_ptr()) };
    (!p.is_null()).then(|| {
        // SAFETY: a non-NULL result of getenv points into a `NAME=VALUE`
        // word of the environment, a NUL-terminated string that the app
        // never writes and that lives as long as the app (so `'static`).
        unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("")
    })
}

/// The app's arguments (argv[0] is its name).
#[derive(Clone, Copy)]
pub struct Args {
    argc: usize,
    argv: *const *const c_char,
}

impl Args {
    /// The arguments at `argv`.
    ///
    /// # Safety
    /// `argv` must hold `argc` pointers to NUL-terminated strings (as the
    /// runtime passes), and they must live, unchanged, as long as the app.
    pub unsafe fn from_raw(argc: i32, argv: *const *const c_char) -> Self {
        Args {
            argc: argc.max(0) as usize,
            argv,
        }
    }
    pub fn len(&self) -> usize {
        self.argc
    }
    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }
    pub fn get(&self, i: usize) -> Option<&'static str> {
        (i < self.argc).then(|| {
            // SAFETY: i < argc, and `from_raw`'s caller promised `argc`
            // pointers at `argv` to NUL-terminated strings that live,
            // unchanged, as long as the app (so `'static`).
            unsafe { CStr::from_ptr(*self.argv.add(i)) }
                .to_str()
                .unwrap_or("")
        })
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
                // SAFETY: the runtime calls `main` with `argc` pointers at
                // `argv` to NUL-terminated strings in the app's memory,
                // which live unchanged as long as the app.
                let args = unsafe { $crate::Args::from_raw(argc, argv) };
                let status = super::$f(args);
                $crate::exit(status)
            }
        }
    };
}

struct Malloc;

// SAFETY: libukc's malloc returns NULL or a block of at least `size` bytes
// aligned to 16, aligned_alloc (for larger alignments, all powers of two in
// a Layout) NULL or one aligned to `align`; the blocks stay valid until
// freed, and free takes either.
unsafe impl core::alloc::GlobalAlloc for Malloc {
    /// # Safety
    /// GlobalAlloc's contract: `layout` has a nonzero size.
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        if layout.align() <= 16 {
            malloc(layout.size())
        } else {
            aligned_alloc(layout.align(), layout.size())
        }
    }
    /// # Safety
    /// GlobalAlloc's contract: `p` is a live block from `alloc` of this
    /// allocator.
    unsafe fn dealloc(&self, p: *mut u8, _: core::alloc::Layout) {
        // SAFETY: the caller passes a live block that `alloc` got from
        // libukc's malloc or aligned_alloc, which free accepts, once.
        unsafe { free(p) }
    }
}

#[global_allocator]
static ALLOCATOR: Malloc = Malloc;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let _ = writeln!(stderr(), "panic: {info}");
    // SAFETY: NULL is a valid argument to libukc's fflush: it flushes
    // every stream.
    unsafe { fflush(core::ptr::null_mut()) };
    exit(101)
}
