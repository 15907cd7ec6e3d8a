//! The domain's xenstore connection, shared by everything that uses it:
//! shutdown requests (`control`) and the device frontends (`drivers`).
//!
//! Watch events are taken off the connection into one queue, and each
//! user takes the events of its own tokens, so a frontend waiting for its
//! backend never swallows a shutdown request, or the other way round.
use super::xenstore::{Client, Doorbell, RingIo, RingTransport, Timeout, WatchEvent, XsError};
use crate::drivers::xenbus::Store;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

/// How long one xenstore request may take before it is an error.
const REQUEST_TIMEOUT_NS: u64 = 5_000_000_000;
/// Watch events kept for their users; older ones are dropped (and
/// counted) if nobody takes them.
const MAX_EVENTS: usize = 256;

/// Signals xenstored and waits for it, each operation bounded by
/// [`REQUEST_TIMEOUT_NS`] from its start.
pub struct StoreDoorbell {
    port: u32,
    deadline: u64,
}

impl Doorbell for StoreDoorbell {
    fn notify(&mut self) {
        let _ = super::hypercall::evtchn_send(self.port);
    }
    fn begin(&mut self) {
        self.deadline = crate::time::now_ns() + REQUEST_TIMEOUT_NS;
    }
    fn wait(&mut self) -> Result<(), Timeout> {
        let now = crate::time::now_ns();
        if now >= self.deadline {
            return Err(Timeout);
        }
        // Wake on the store event, or look again within 10 ms.
        let _ = super::hypercall::set_timer(now + 10_000_000);
        super::events::block();
        Ok(())
    }
}

/// The connection and the events its users have not taken yet.
pub struct GuestStore {
    client: Client<RingTransport<StoreDoorbell>>,
    events: VecDeque<WatchEvent>,
    pub dropped_events: u64,
}

static STORE: spin::Mutex<Option<GuestStore>> = spin::Mutex::new(None);

/// Connects to xenstored through the page and event channel in
/// start_info. Call once, in a domU.
pub fn connect(store_mfn: u64, port: u32) {
    let ring = RingIo::new(super::p2m::builder_shared_page(store_mfn));
    let client = Client::new(RingTransport::new(
        ring,
        StoreDoorbell { port, deadline: 0 },
    ));
    // The event only wakes a blocked vCPU: users look at the queue on
    // every scheduler pass.
    fn store_event(_port: u32) {}
    super::events::bind(port, store_event);
    *STORE.lock() = Some(GuestStore {
        client,
        events: VecDeque::new(),
        dropped_events: 0,
    });
}

/// Runs `f` on the connection; `None` if the domain has none (the first
/// domain under QEMU has no toolstack).
pub fn with<R>(f: impl FnOnce(&mut GuestStore) -> R) -> Option<R> {
    STORE.lock().as_mut().map(f)
}

impl GuestStore {
    /// The client, for requests that need no events.
    pub fn client(&mut self) -> &mut Client<RingTransport<StoreDoorbell>> {
        &mut self.client
    }

    /// Moves every event the connection holds into the queue.
    fn gather(&mut self) -> Result<usize, XsError> {
        let mut n = 0;
        while let Some(ev) = self.client.next_watch_event()? {
            if self.events.len() == MAX_EVENTS {
                self.events.pop_front();
                self.dropped_events += 1;
            }
            self.events.push_back(ev);
            n += 1;
        }
        Ok(n)
    }

    /// Takes the queued events whose token starts with `prefix`.
    pub fn take_events(&mut self, prefix: &str) -> Vec<WatchEvent> {
        let _ = self.gather();
        let (mine, others): (Vec<_>, Vec<_>) = self
            .events
            .drain(..)
            .partition(|e| e.token.starts_with(prefix));
        self.events.extend(others);
        mine
    }
}

impl Store for GuestStore {
    fn read(&mut self, path: &str) -> Result<String, XsError> {
        self.client.read_string(path)
    }
    fn directory(&mut self, path: &str) -> Result<Vec<String>, XsError> {
        self.client.directory(path)
    }
    fn write_all(&mut self, entries: &[(String, String)]) -> Result<(), XsError> {
        self.client.with_transaction(|c, tx| {
            for (k, v) in entries {
                c.write_tx(Some(tx), k, v)?;
            }
            Ok(())
        })
    }
    fn watch(&mut self, path: &str, token: &str) -> Result<(), XsError> {
        self.client.watch(path, token)
    }
    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), XsError> {
        self.client.unwatch(path, token)
    }
    fn wait_event(&mut self, deadline_ns: u64) -> Result<bool, XsError> {
        loop {
            if self.gather()? > 0 {
                return Ok(true);
            }
            let now = crate::time::now_ns();
            if now >= deadline_ns {
                return Ok(false);
            }
            // Wake on the store event, or look again within 10 ms.
            let _ = super::hypercall::set_timer(deadline_ns.min(now + 10_000_000));
            super::events::block();
        }
    }
    fn now_ns(&self) -> u64 {
        crate::time::now_ns()
    }
}
