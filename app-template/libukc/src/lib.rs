//! ukc: the libc-like layer that every ukrt app links (as `libukc.so`, a
//! shared library in the bundle, so its code pages are shared).
//!
//! The logic lives in plain Rust modules that build and are tested on the
//! host against glibc; `abi` (only for the app target) exports them under
//! their C names and talks to the runtime through its few `ukrt_*` calls.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(target_os = "none", feature(c_variadic, linkage))]

pub mod addrinfo;
pub mod ctype;
pub mod errno;
pub mod file;
pub mod format;
pub mod getopt;
pub mod inet;
pub mod locale;
pub mod malloc;
pub mod math;
pub mod net;
pub mod rand;
pub mod scan;
pub mod signal;
pub mod signame;
pub mod sort;
pub mod strconv;
pub mod stream;
pub mod strftime;
pub mod string;
pub mod time;
pub mod tz;

#[cfg(target_os = "none")]
mod abi;
