//! The environment, shaped like `std::env`: [`var`] and [`vars`]. An app's
//! environment is the `NAME=VALUE` words at the start of the guest command
//! line (docs/running.md); it cannot be changed while the app runs.
//!
//! ```ignore
//! let port: u16 = ukrt_app::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(80);
//! ```
use alloc::ffi::CString;
use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::{c_char, CStr};

mod sys {
    use core::ffi::c_char;
    // SAFETY: these declarations match libukc's getenv
    // (app-template/libukc/src/abi/stdlib.rs) and the runtime's
    // ukrt_environ export (a NULL-terminated array of NUL-terminated
    // `NAME=VALUE` strings, or NULL), in name, argument and result types.
    unsafe extern "C" {
        pub fn getenv(name: *const c_char) -> *const c_char;
        pub safe fn ukrt_environ() -> *const *const c_char;
    }
}

/// Why [`var`] gave no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarError {
    /// The variable is not set (or its name holds a NUL).
    NotPresent,
    /// It is set, but not to UTF-8; the bytes are here.
    NotUnicode(Vec<u8>),
}

impl core::fmt::Display for VarError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            VarError::NotPresent => f.write_str("environment variable not found"),
            VarError::NotUnicode(_) => f.write_str("environment variable was not valid unicode"),
        }
    }
}

/// The value of the variable `name`.
pub fn var(name: &str) -> Result<String, VarError> {
    let name = CString::new(name).map_err(|_| VarError::NotPresent)?;
    // SAFETY: `name` is NUL-terminated and live for the call, which is
    // all getenv requires.
    let p = unsafe { sys::getenv(name.as_ptr()) };
    if p.is_null() {
        return Err(VarError::NotPresent);
    }
    // SAFETY: a non-NULL result of getenv points to the NUL-terminated
    // value of a `NAME=VALUE` word that lives as long as the app.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    String::from_utf8(bytes.to_vec()).map_err(|e| VarError::NotUnicode(e.into_bytes()))
}

/// Every variable as (name, value), in command-line order; words that are
/// not UTF-8 are left out.
pub fn vars() -> impl Iterator<Item = (String, String)> {
    let mut out = Vec::new();
    let mut at: *const *const c_char = sys::ukrt_environ();
    if !at.is_null() {
        loop {
            // SAFETY: `at` points into the runtime's NULL-terminated array
            // and has not passed its NULL (checked below before moving on).
            let entry = unsafe { *at };
            if entry.is_null() {
                break;
            }
            // SAFETY: each entry is a NUL-terminated string that lives as
            // long as the app.
            let word = unsafe { CStr::from_ptr(entry) };
            if let Some((k, v)) = word.to_str().ok().and_then(|w| w.split_once('=')) {
                out.push((String::from(k), String::from(v)));
            }
            // SAFETY: the entry was not the terminating NULL, so the next
            // slot is still inside the array.
            at = unsafe { at.add(1) };
        }
    }
    out.into_iter()
}
