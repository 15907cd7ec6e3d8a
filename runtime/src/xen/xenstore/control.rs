//! What the runtime asks xenstore about itself: its domain id and name
//! (relative paths resolve under the domain's home, /local/domain/<id>), and
//! the toolstack's shutdown requests.
//!
//! The toolstack asks a PV guest to shut down by writing "poweroff",
//! "reboot", "suspend" or "halt" to "control/shutdown"; the guest
//! acknowledges by writing the empty string back, and then acts on it.
use alloc::string::String;
use core::fmt;

use super::error::{Context, Malformed, Op, XsError};
use super::wire::{self, WatchEvent};
use super::{Client, Transport};

/// The node the toolstack writes shutdown requests to.
pub const SHUTDOWN_PATH: &str = "control/shutdown";
/// The token of the watch [`watch_shutdown`] registers.
pub const SHUTDOWN_TOKEN: &str = "ukrt:shutdown";

/// This domain's id, from "domid".
pub fn domain_id<T: Transport>(c: &mut Client<T>) -> Result<u32, XsError> {
    let v = c.read("domid")?;
    wire::parse_decimal(&v)
        .map_err(|m| XsError::Malformed(m, Context::new(Op::Read, "domid", None)))
}

/// This domain's name, from "name".
pub fn domain_name<T: Transport>(c: &mut Client<T>) -> Result<String, XsError> {
    c.read_string("name")
}

/// What the toolstack asks for in "control/shutdown".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownRequest {
    Poweroff,
    Reboot,
    Suspend,
    Halt,
}

/// A value of "control/shutdown" that is no known request; holds the value
/// (lossily decoded, at most 32 characters) for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownShutdownRequest(pub String);

impl fmt::Display for UnknownShutdownRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown shutdown request {:?} in {SHUTDOWN_PATH}",
            self.0
        )
    }
}

impl ShutdownRequest {
    /// Interprets the node's value: the empty string (the acknowledged
    /// state) is no request. A single trailing NUL, as some tools write,
    /// is ignored.
    pub fn parse(value: &[u8]) -> Result<Option<Self>, UnknownShutdownRequest> {
        let v = value.strip_suffix(&[0]).unwrap_or(value);
        Ok(Some(match v {
            b"" => return Ok(None),
            b"poweroff" => ShutdownRequest::Poweroff,
            b"reboot" => ShutdownRequest::Reboot,
            b"suspend" => ShutdownRequest::Suspend,
            b"halt" => ShutdownRequest::Halt,
            _ => {
                return Err(UnknownShutdownRequest(
                    String::from_utf8_lossy(value).chars().take(32).collect(),
                ))
            }
        }))
    }

    /// The value as the toolstack writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ShutdownRequest::Poweroff => "poweroff",
            ShutdownRequest::Reboot => "reboot",
            ShutdownRequest::Suspend => "suspend",
            ShutdownRequest::Halt => "halt",
        }
    }
}

/// Registers a watch on "control/shutdown" with [`SHUTDOWN_TOKEN`]. It
/// fires once straight away; [`is_shutdown_event`] picks its events out.
pub fn watch_shutdown<T: Transport>(c: &mut Client<T>) -> Result<(), XsError> {
    c.watch(SHUTDOWN_PATH, SHUTDOWN_TOKEN)
}

/// Whether a watch event is one of [`watch_shutdown`]'s.
pub fn is_shutdown_event(ev: &WatchEvent) -> bool {
    ev.token == SHUTDOWN_TOKEN
}

fn parse_at(value: &[u8], tx: Option<super::TxId>) -> Result<Option<ShutdownRequest>, XsError> {
    ShutdownRequest::parse(value).map_err(|_| {
        XsError::Malformed(
            Malformed::UnknownShutdownRequest,
            Context::new(Op::Read, SHUTDOWN_PATH, tx),
        )
    })
}

/// The pending request, if any, without acknowledging it. A missing node is
/// no request; an unknown value is `Malformed(UnknownShutdownRequest)`.
pub fn read_shutdown<T: Transport>(c: &mut Client<T>) -> Result<Option<ShutdownRequest>, XsError> {
    match c.read(SHUTDOWN_PATH) {
        Ok(v) => parse_at(&v, None),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Acknowledges a request by writing the empty string back.
pub fn ack_shutdown<T: Transport>(c: &mut Client<T>) -> Result<(), XsError> {
    c.write(SHUTDOWN_PATH, b"")
}

/// Reads and acknowledges the pending request in one transaction, so a
/// request written meanwhile is neither lost nor taken twice. An unknown
/// value is left in place and reported as in [`read_shutdown`].
pub fn take_shutdown<T: Transport>(c: &mut Client<T>) -> Result<Option<ShutdownRequest>, XsError> {
    c.with_transaction(|c, tx| {
        let value = match c.read_tx(Some(tx), SHUTDOWN_PATH) {
            Ok(v) => v,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let request = parse_at(&value, Some(tx))?;
        if request.is_some() {
            c.write_tx(Some(tx), SHUTDOWN_PATH, b"")?;
        }
        Ok(request)
    })
}
