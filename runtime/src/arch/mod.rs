//! CPU-specific code. Only x86_64 PV is supported.
pub mod x86_64;
pub use x86_64::*;
