//! Errors of the xenstore client. Each carries the operation, path and
//! transaction it happened in, so a message alone says what failed:
//! `xenstore: ENOENT (no such entry) for read of "control/shutdown"`.
use alloc::string::String;
use core::fmt;

use super::wire::{ErrnoName, PAYLOAD_MAX};
use super::TxId;

/// The operation an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    Directory,
    Mkdir,
    Rm,
    GetDomainPath,
    Watch,
    Unwatch,
    TransactionStart,
    TransactionEnd,
    /// Taking a queued watch event.
    WatchEvent,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Read => "read",
            Op::Write => "write",
            Op::Directory => "directory",
            Op::Mkdir => "mkdir",
            Op::Rm => "rm",
            Op::GetDomainPath => "get-domain-path",
            Op::Watch => "watch",
            Op::Unwatch => "unwatch",
            Op::TransactionStart => "transaction start",
            Op::TransactionEnd => "transaction end",
            Op::WatchEvent => "watch event",
        })
    }
}

/// Where an error happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub op: Op,
    /// The path operated on (the domain id for get-domain-path); empty for
    /// operations without one.
    pub path: String,
    pub tx: Option<TxId>,
}

impl Context {
    pub fn new(op: Op, path: &str, tx: Option<TxId>) -> Self {
        Context {
            op,
            path: path.into(),
            tx,
        }
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "for {}", self.op)?;
        if !self.path.is_empty() {
            write!(f, " of {:?}", self.path)?;
        }
        if let Some(tx) = self.tx {
            write!(f, " in transaction {}", tx.0)?;
        }
        Ok(())
    }
}

/// What is wrong with something xenstored sent (or with a value read from
/// the store that a helper had to interpret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// A header announced this payload length, over 4096; the stream is
    /// out of step from here on.
    PayloadTooLong(u32),
    /// An earlier framing error left the stream out of step; the client
    /// refuses further requests.
    Desynchronized,
    /// The reply to our request had this type instead of ours or XS_ERROR.
    UnexpectedType {
        sent: u32,
        got: u32,
    },
    /// A list of strings whose last one is not NUL-terminated.
    MissingNul,
    /// A NUL inside what should be a single string.
    ExtraNul,
    /// An empty name where one is required.
    EmptyName,
    NotUtf8,
    /// Not a plain decimal number that fits a u32.
    BadNumber,
    /// A transaction start answered with id 0, which means "none".
    ZeroTxId,
    /// An acknowledgement other than "OK".
    NotOk,
    /// A watch event that is not "path\0token\0".
    BadWatchEvent,
    /// "control/shutdown" holds a value that is none of the known requests.
    UnknownShutdownRequest,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::PayloadTooLong(n) => write!(f, "payload length {n} is over {PAYLOAD_MAX}"),
            Malformed::Desynchronized => {
                f.write_str("stream out of step after an earlier framing error")
            }
            Malformed::UnexpectedType { sent, got } => {
                write!(f, "reply of type {got} to a request of type {sent}")
            }
            Malformed::MissingNul => f.write_str("string list not NUL-terminated"),
            Malformed::ExtraNul => f.write_str("NUL inside a string"),
            Malformed::EmptyName => f.write_str("empty name"),
            Malformed::NotUtf8 => f.write_str("text is not UTF-8"),
            Malformed::BadNumber => f.write_str("not a decimal number"),
            Malformed::ZeroTxId => f.write_str("transaction id 0"),
            Malformed::NotOk => f.write_str("acknowledgement is not \"OK\""),
            Malformed::BadWatchEvent => f.write_str("watch event is not a path and a token"),
            Malformed::UnknownShutdownRequest => f.write_str("unknown shutdown request"),
        }
    }
}

/// A failed xenstore operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XsError {
    /// xenstored refused the request with this error.
    Daemon(ErrnoName, Context),
    /// xenstored answered with an error name this client does not know.
    UnknownDaemonError(String, Context),
    /// The transport's wait ran out before the request was sent or answered.
    Timeout(Context),
    /// xenstored sent something that does not follow the protocol.
    Malformed(Malformed, Context),
    /// The request's payload would be this many bytes, over 4096; nothing
    /// was sent.
    PayloadTooLarge(usize, Context),
    /// A path or token contains a NUL byte; nothing was sent.
    NulInArgument(Context),
}

impl XsError {
    pub fn context(&self) -> &Context {
        match self {
            XsError::Daemon(_, c)
            | XsError::UnknownDaemonError(_, c)
            | XsError::Timeout(c)
            | XsError::Malformed(_, c)
            | XsError::PayloadTooLarge(_, c)
            | XsError::NulInArgument(c) => c,
        }
    }

    /// The daemon's errno name, for errors that are one.
    pub fn errno(&self) -> Option<ErrnoName> {
        match self {
            XsError::Daemon(e, _) => Some(*e),
            _ => None,
        }
    }

    /// The entry does not exist (ENOENT).
    pub fn is_not_found(&self) -> bool {
        self.errno() == Some(ErrnoName::ENOENT)
    }

    /// A transaction conflicted and should be retried (EAGAIN).
    pub fn is_again(&self) -> bool {
        self.errno() == Some(ErrnoName::EAGAIN)
    }
}

impl fmt::Display for XsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("xenstore: ")?;
        match self {
            XsError::Daemon(e, _) => write!(f, "{} ({})", e.name(), e.meaning())?,
            XsError::UnknownDaemonError(name, _) => {
                write!(f, "unknown error {name:?} from xenstored")?
            }
            XsError::Timeout(_) => f.write_str("timed out waiting for xenstored")?,
            XsError::Malformed(m, _) => write!(f, "malformed message from xenstored ({m})")?,
            XsError::PayloadTooLarge(n, _) => {
                write!(f, "request payload of {n} bytes is over {PAYLOAD_MAX}")?
            }
            XsError::NulInArgument(_) => f.write_str("argument contains a NUL byte")?,
        }
        write!(f, " {}", self.context())
    }
}

/// An error before its context is known (inside the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Fault {
    Daemon(ErrnoName),
    UnknownDaemonError(String),
    Timeout,
    Malformed(Malformed),
    PayloadTooLarge(usize),
    NulInArgument,
}

impl From<Malformed> for Fault {
    fn from(m: Malformed) -> Self {
        Fault::Malformed(m)
    }
}

impl Fault {
    pub(super) fn at(self, ctx: Context) -> XsError {
        match self {
            Fault::Daemon(e) => XsError::Daemon(e, ctx),
            Fault::UnknownDaemonError(n) => XsError::UnknownDaemonError(n, ctx),
            Fault::Timeout => XsError::Timeout(ctx),
            Fault::Malformed(m) => XsError::Malformed(m, ctx),
            Fault::PayloadTooLarge(n) => XsError::PayloadTooLarge(n, ctx),
            Fault::NulInArgument => XsError::NulInArgument(ctx),
        }
    }
}
