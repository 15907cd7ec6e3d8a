//! The gdb remote stub (`uk.gdb`): gdb's remote serial protocol on the
//! second serial port, for the first domain under QEMU (`make debug`,
//! docs/debugging.md).
//!
//! `protocol` is the whole protocol (framing, registers, memory packets,
//! breakpoints), host-tested; `guest` is the glue: the option, the trap
//! hooks (#BP, #DB, fatal faults, the event path's interrupt poll) and the
//! session loop, with the port I/O in `arch::serial` and the safe memory
//! access in `mm::peek`.
pub mod protocol;

#[cfg(target_os = "none")]
mod guest;
#[cfg(target_os = "none")]
pub use guest::*;

/// What `uk.gdb[=VALUE]` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `uk.gdb`: the stub listens; breakpoints and interrupts work once
    /// gdb is attached, nothing waits for it.
    Listen,
    /// `uk.gdb=crash`: also a fatal fault (app or runtime) waits for gdb
    /// instead of ending.
    Crash,
    /// `uk.gdb=wait`: also stop before the first app's `main` and wait for
    /// gdb there (fatal faults wait too).
    Wait,
}

impl Mode {
    /// The mode for the option's value; `Err` names the values known.
    pub fn parse(value: Option<&str>) -> Result<Mode, &'static str> {
        match value {
            None | Some("") | Some("on") => Ok(Mode::Listen),
            Some("crash") => Ok(Mode::Crash),
            Some("wait") => Ok(Mode::Wait),
            Some(_) => Err("uk.gdb takes no value, or crash, or wait"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mode;

    #[test]
    fn the_option_values() {
        assert_eq!(Mode::parse(None), Ok(Mode::Listen));
        assert_eq!(Mode::parse(Some("crash")), Ok(Mode::Crash));
        assert_eq!(Mode::parse(Some("wait")), Ok(Mode::Wait));
        assert!(Mode::parse(Some("later")).is_err());
    }
}
