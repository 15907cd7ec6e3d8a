//! The xenstore client: requests to xenstored over a byte [`Transport`]
//! (in the guest, the shared ring page and the store event channel; in
//! tests, a fake daemon).
//!
//! The client is synchronous: one request is outstanding at a time. Each
//! request gets a fresh `req_id`, and the reply is the first message that
//! echoes it; replies with any other id belong to a request given up on
//! after a timeout and are dropped. Watch events that arrive meanwhile are
//! queued (up to [`MAX_QUEUED_EVENTS`], dropping the oldest) and handed out
//! by [`Client::next_watch_event`].
//!
//! A request cut short by a timeout while being sent is finished before the
//! next one, so xenstored's view of the stream stays whole. A header that
//! announces more than 4096 bytes leaves the stream out of step; the client
//! then refuses everything with `Malformed::Desynchronized`.
//!
//! Nothing here makes a hypercall; the runtime supplies the transport. In
//! the guest that is a [`RingTransport`]: the store page (`store_mfn` from
//! start_info, mapped) wrapped in [`RingIo::new`], and a [`Doorbell`] that
//! sends on `store_evtchn` and blocks on it with a deadline:
//!
//! ```ignore
//! let ring = RingIo::new(crate::xen::p2m::builder_shared_page(store_mfn));
//! let mut xs = Client::new(RingTransport::new(ring, StoreDoorbell { port }));
//! let domid = domain_id(&mut xs)?;
//! watch_shutdown(&mut xs)?;
//! // ... on a watch event for which is_shutdown_event(&ev):
//! if let Some(request) = take_shutdown(&mut xs)? { /* act on it */ }
//! ```
mod control;
mod error;
mod ring;
pub mod wire;

#[cfg(test)]
mod tests;

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

pub use control::{
    ack_shutdown, domain_id, domain_name, is_shutdown_event, read_shutdown, take_shutdown,
    watch_shutdown, ShutdownRequest, UnknownShutdownRequest, SHUTDOWN_PATH, SHUTDOWN_TOKEN,
};
use error::Fault;
pub use error::{Context, Malformed, Op, XsError};
pub use ring::{Doorbell, RingIo, RingTransport, RING_SIZE};
use wire::{DaemonError, EncodeError, Header, MsgType, Request, HEADER_LEN};
pub use wire::{ErrnoName, WatchEvent, PAYLOAD_MAX};

/// The transport's wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout;

/// A byte stream to xenstored.
pub trait Transport {
    /// Queues as much of `bytes` as fits for xenstored; returns how many
    /// (0 when full). Does not notify.
    fn write(&mut self, bytes: &[u8]) -> usize;
    /// Takes up to `buf.len()` bytes xenstored has sent; returns how many
    /// (0 when none are waiting). Does not block.
    fn read(&mut self, buf: &mut [u8]) -> usize;
    /// Tells xenstored there are new bytes or new space.
    fn notify(&mut self);
    /// Blocks until xenstored signals or the operation's deadline passes.
    fn wait(&mut self) -> Result<(), Timeout>;
    /// An operation (a request, or waiting for a watch event) starts: its
    /// deadline counts from now, not from some earlier one's.
    fn begin(&mut self) {}
}

/// A transaction id, as xenstored assigned it (never 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TxId(pub u32);

/// Watch events kept while nobody takes them; older ones are dropped.
pub const MAX_QUEUED_EVENTS: usize = 64;
/// Attempts [`Client::with_transaction`] makes before it gives up on
/// EAGAIN.
pub const TRANSACTION_ATTEMPTS: u32 = 8;
/// Waits in a row that bring no progress before an operation times out,
/// for a transport whose own deadline never comes. Not the real bound:
/// in the guest every event (a busy network's too) ends a wait, so this is
/// set well above what 5 s of them can be.
pub const MAX_IDLE_WAITS: u32 = 1 << 20;
/// How much is read from the transport at once.
const READ_CHUNK: usize = RING_SIZE as usize;

/// A xenstore connection.
pub struct Client<T: Transport> {
    transport: T,
    next_req_id: u32,
    /// Received bytes not yet parsed into messages.
    rx: Vec<u8>,
    /// The request being sent and how much of it the transport took; a
    /// timeout can leave a tail, which is sent before the next request so
    /// the daemon's stream stays whole.
    out: Vec<u8>,
    out_sent: usize,
    events: VecDeque<Result<WatchEvent, Malformed>>,
    dropped_events: u64,
    /// Set by a framing error: the stream is out of step for good.
    desynchronized: bool,
}

impl<T: Transport> Client<T> {
    pub fn new(transport: T) -> Self {
        Client {
            transport,
            next_req_id: 1,
            rx: Vec::new(),
            out: Vec::new(),
            out_sent: 0,
            events: VecDeque::new(),
            dropped_events: 0,
            desynchronized: false,
        }
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Watch events dropped because the queue was full.
    pub fn dropped_watch_events(&self) -> u64 {
        self.dropped_events
    }

    // ---- operations -------------------------------------------------

    /// The value at `path` (raw bytes, no terminator).
    pub fn read(&mut self, path: &str) -> Result<Vec<u8>, XsError> {
        self.read_tx(None, path)
    }

    pub fn read_tx(&mut self, tx: Option<TxId>, path: &str) -> Result<Vec<u8>, XsError> {
        self.call(tx, Request::Read(path), Op::Read, path)
    }

    /// The value at `path`, which must be UTF-8.
    pub fn read_string(&mut self, path: &str) -> Result<String, XsError> {
        self.read_string_tx(None, path)
    }

    pub fn read_string_tx(&mut self, tx: Option<TxId>, path: &str) -> Result<String, XsError> {
        let v = self.read_tx(tx, path)?;
        String::from_utf8(v)
            .map_err(|_| XsError::Malformed(Malformed::NotUtf8, Context::new(Op::Read, path, tx)))
    }

    /// Sets `path` to `value`, creating it (and missing parents).
    pub fn write(&mut self, path: &str, value: impl AsRef<[u8]>) -> Result<(), XsError> {
        self.write_tx(None, path, value)
    }

    pub fn write_tx(
        &mut self,
        tx: Option<TxId>,
        path: &str,
        value: impl AsRef<[u8]>,
    ) -> Result<(), XsError> {
        self.call_ack(tx, Request::Write(path, value.as_ref()), Op::Write, path)
    }

    /// The names of `path`'s children.
    pub fn directory(&mut self, path: &str) -> Result<Vec<String>, XsError> {
        self.directory_tx(None, path)
    }

    pub fn directory_tx(&mut self, tx: Option<TxId>, path: &str) -> Result<Vec<String>, XsError> {
        let payload = self.call(tx, Request::Directory(path), Op::Directory, path)?;
        wire::parse_directory(&payload)
            .map_err(|m| XsError::Malformed(m, Context::new(Op::Directory, path, tx)))
    }

    /// Creates `path` with an empty value if it does not exist.
    pub fn mkdir(&mut self, path: &str) -> Result<(), XsError> {
        self.mkdir_tx(None, path)
    }

    pub fn mkdir_tx(&mut self, tx: Option<TxId>, path: &str) -> Result<(), XsError> {
        self.call_ack(tx, Request::Mkdir(path), Op::Mkdir, path)
    }

    /// Removes `path` and everything below it.
    pub fn rm(&mut self, path: &str) -> Result<(), XsError> {
        self.rm_tx(None, path)
    }

    pub fn rm_tx(&mut self, tx: Option<TxId>, path: &str) -> Result<(), XsError> {
        self.call_ack(tx, Request::Rm(path), Op::Rm, path)
    }

    /// The home path of domain `domid`, e.g. "/local/domain/7".
    pub fn get_domain_path(&mut self, domid: u32) -> Result<String, XsError> {
        let id = wire::decimal(domid);
        let payload = self.call(None, Request::GetDomainPath(domid), Op::GetDomainPath, &id)?;
        match wire::parse_string(&payload) {
            Ok(p) => Ok(p.into()),
            Err(m) => Err(XsError::Malformed(
                m,
                Context::new(Op::GetDomainPath, &id, None),
            )),
        }
    }

    /// Registers a watch on `path` and everything below it. xenstored
    /// fires it once straight away; events carry `token`.
    pub fn watch(&mut self, path: &str, token: &str) -> Result<(), XsError> {
        self.call_ack(None, Request::Watch { path, token }, Op::Watch, path)
    }

    /// Removes a watch, and the queued events it fired that nobody took.
    pub fn unwatch(&mut self, path: &str, token: &str) -> Result<(), XsError> {
        self.call_ack(None, Request::Unwatch { path, token }, Op::Unwatch, path)?;
        self.events
            .retain(|e| !matches!(e, Ok(ev) if ev.token == token && under(&ev.path, path)));
        Ok(())
    }

    pub fn transaction_start(&mut self) -> Result<TxId, XsError> {
        let payload = self.call(None, Request::TransactionStart, Op::TransactionStart, "")?;
        wire::parse_tx_id(&payload)
            .map(TxId)
            .map_err(|m| XsError::Malformed(m, Context::new(Op::TransactionStart, "", None)))
    }

    /// Commits (`commit`) or aborts the transaction. A commit that
    /// conflicted with another change fails with EAGAIN
    /// ([`XsError::is_again`]); the caller redoes the whole transaction.
    pub fn transaction_end(&mut self, tx: TxId, commit: bool) -> Result<(), XsError> {
        self.call_ack(
            Some(tx),
            Request::TransactionEnd(commit),
            Op::TransactionEnd,
            "",
        )
    }

    /// Runs `f` in a transaction and commits it, starting over when the
    /// commit (or an operation in it) fails with EAGAIN, at most
    /// [`TRANSACTION_ATTEMPTS`] times in all. When `f` fails, the
    /// transaction is aborted and the error returned.
    pub fn with_transaction<R>(
        &mut self,
        mut f: impl FnMut(&mut Self, TxId) -> Result<R, XsError>,
    ) -> Result<R, XsError> {
        let mut attempt = 1;
        loop {
            let tx = self.transaction_start()?;
            let outcome = match f(self, tx) {
                Ok(v) => self.transaction_end(tx, true).map(|()| v),
                Err(e) => {
                    // The first error is the one worth reporting.
                    let _ = self.transaction_end(tx, false);
                    Err(e)
                }
            };
            match outcome {
                Err(e) if e.is_again() && attempt < TRANSACTION_ATTEMPTS => attempt += 1,
                other => return other,
            }
        }
    }

    /// The oldest queued watch event, after taking whatever the transport
    /// already holds; `None` if there is none. Does not block.
    pub fn next_watch_event(&mut self) -> Result<Option<WatchEvent>, XsError> {
        let ctx = || Context::new(Op::WatchEvent, "", None);
        if self.events.is_empty() {
            self.poll().map_err(|f| f.at(ctx()))?;
        }
        match self.events.pop_front() {
            None => Ok(None),
            Some(Ok(ev)) => Ok(Some(ev)),
            Some(Err(m)) => Err(XsError::Malformed(m, ctx())),
        }
    }

    /// Blocks (within the transport's deadline) for the next watch event.
    pub fn wait_watch_event(&mut self) -> Result<WatchEvent, XsError> {
        self.transport.begin();
        let mut idle = 0;
        loop {
            if let Some(ev) = self.next_watch_event()? {
                return Ok(ev);
            }
            self.block(&mut idle)
                .map_err(|f| f.at(Context::new(Op::WatchEvent, "", None)))?;
        }
    }

    // ---- machinery --------------------------------------------------

    fn call_ack(
        &mut self,
        tx: Option<TxId>,
        req: Request<'_>,
        op: Op,
        path: &str,
    ) -> Result<(), XsError> {
        let payload = self.call(tx, req, op, path)?;
        wire::parse_ack(&payload).map_err(|m| XsError::Malformed(m, Context::new(op, path, tx)))
    }

    /// Sends `req` and returns the payload of its reply.
    fn call(
        &mut self,
        tx: Option<TxId>,
        req: Request<'_>,
        op: Op,
        path: &str,
    ) -> Result<Vec<u8>, XsError> {
        self.exchange(tx, req)
            .map_err(|f| f.at(Context::new(op, path, tx)))
    }

    fn exchange(&mut self, tx: Option<TxId>, req: Request<'_>) -> Result<Vec<u8>, Fault> {
        if self.desynchronized {
            return Err(Malformed::Desynchronized.into());
        }
        self.transport.begin();
        // Finish a request an earlier timeout cut short.
        self.flush()?;
        let req_id = self.next_req_id;
        self.out.clear();
        self.out_sent = 0;
        req.encode(req_id, tx.map_or(0, |t| t.0), &mut self.out)
            .map_err(|e| match e {
                EncodeError::PayloadTooLarge(n) => Fault::PayloadTooLarge(n),
                EncodeError::NulInArgument => Fault::NulInArgument,
            })?;
        // 0 is what watch events carry; never use it.
        self.next_req_id = req_id.wrapping_add(1).max(1);
        self.flush()?;
        let (header, payload) = self.await_reply(req_id)?;
        let sent = req.msg_type() as u32;
        match header.ty {
            t if t == sent => Ok(payload),
            t if t == MsgType::Error as u32 => Err(match wire::parse_error(&payload)? {
                DaemonError::Known(e) => Fault::Daemon(e),
                DaemonError::Unknown(name) => Fault::UnknownDaemonError(name),
            }),
            got => Err(Malformed::UnexpectedType { sent, got }.into()),
        }
    }

    /// Writes the rest of `out`, notifying after each piece and waiting
    /// when the transport is full. While waiting, responses are drained so
    /// the daemon is never stuck on a full response ring.
    fn flush(&mut self) -> Result<(), Fault> {
        let mut idle = 0;
        while self.out_sent < self.out.len() {
            let n = self
                .transport
                .write(&self.out[self.out_sent..])
                .min(self.out.len() - self.out_sent);
            if n > 0 {
                self.out_sent += n;
                self.transport.notify();
                idle = 0;
            } else {
                self.block(&mut idle)?;
                self.poll()?;
            }
        }
        self.out.clear();
        self.out_sent = 0;
        Ok(())
    }

    /// One bounded wait.
    fn block(&mut self, idle: &mut u32) -> Result<(), Fault> {
        *idle += 1;
        if *idle > MAX_IDLE_WAITS {
            return Err(Fault::Timeout);
        }
        self.transport.wait().map_err(|Timeout| Fault::Timeout)
    }

    /// Reads until the reply to `req_id` is complete, queueing watch events
    /// and dropping stale replies on the way.
    fn await_reply(&mut self, req_id: u32) -> Result<(Header, Vec<u8>), Fault> {
        let mut idle = 0;
        loop {
            while let Some((header, payload)) = self.next_message()? {
                if header.req_id == req_id {
                    return Ok((header, payload));
                }
            }
            if self.read_some() > 0 {
                idle = 0;
            } else {
                self.block(&mut idle)?;
            }
        }
    }

    /// Takes everything the transport holds without blocking; replies in it
    /// are stale and dropped.
    fn poll(&mut self) -> Result<(), Fault> {
        loop {
            while self.next_message()?.is_some() {}
            if self.read_some() == 0 {
                return Ok(());
            }
        }
    }

    /// Appends what the transport has to `rx`; returns how much.
    fn read_some(&mut self) -> usize {
        let old = self.rx.len();
        self.rx.resize(old + READ_CHUNK, 0);
        let n = self.transport.read(&mut self.rx[old..]).min(READ_CHUNK);
        self.rx.truncate(old + n);
        if n > 0 {
            // The daemon may be waiting for the space just freed.
            self.transport.notify();
        }
        n
    }

    /// The next complete message in `rx` that is not a watch event (those
    /// are queued); `None` when `rx` holds no complete message.
    fn next_message(&mut self) -> Result<Option<(Header, Vec<u8>)>, Fault> {
        if self.desynchronized {
            return Err(Malformed::Desynchronized.into());
        }
        loop {
            let Some(head) = self.rx.first_chunk::<HEADER_LEN>() else {
                return Ok(None);
            };
            let header = match Header::parse(head) {
                Ok(h) => h,
                Err(m) => {
                    self.desynchronized = true;
                    self.rx.clear();
                    return Err(m.into());
                }
            };
            let end = HEADER_LEN + header.len as usize;
            if self.rx.len() < end {
                return Ok(None);
            }
            let payload = self.rx[HEADER_LEN..end].to_vec();
            self.rx.drain(..end);
            if header.ty == MsgType::WatchEvent as u32 {
                self.queue_event(wire::parse_watch_event(&payload));
            } else {
                return Ok(Some((header, payload)));
            }
        }
    }

    fn queue_event(&mut self, ev: Result<WatchEvent, Malformed>) {
        if self.events.len() >= MAX_QUEUED_EVENTS {
            self.events.pop_front();
            self.dropped_events += 1;
        }
        self.events.push_back(ev);
    }
}

/// Whether `path` is `watched` or below it.
fn under(path: &str, watched: &str) -> bool {
    match path.strip_prefix(watched) {
        Some(rest) => rest.is_empty() || rest.starts_with('/') || watched.ends_with('/'),
        None => false,
    }
}
