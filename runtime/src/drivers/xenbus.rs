//! Xenbus: finding the domain's devices in xenstore and walking a frontend
//! through the handshake with its backend (io/xenbus.h).
//!
//! The frontend's directory is `device/<kind>/<id>/` (`vif/0`, `vbd/51712`):
//! the toolstack writes `backend` (the backend's directory) and
//! `backend-id` there. The handshake, for a frontend that starts in
//! Initialising:
//!
//! 1. wait until the backend says InitWait (it has read its configuration);
//! 2. write the frontend's keys (ring references, event channel, features)
//!    and its new state in one transaction, retried on EAGAIN;
//! 3. wait until the backend says Connected.
//!
//! Closing: Closing, wait (bounded) for the backend's Closing or Closed,
//! then Closed. Every wait has a bound, and a bound that runs out is a named
//! error: `vif/0: backend stayed in InitWait for 5 s`.
//!
//! Nothing here touches Xen: the store is a trait, implemented by the
//! xenstore client in the guest and by a model in the host tests.
use crate::xen::abi::io::*;
use crate::xen::xenstore::XsError;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// The xenstore operations the frontends need.
pub trait Store {
    fn read(&mut self, path: &str) -> Result<String, XsError>;
    fn directory(&mut self, path: &str) -> Result<Vec<String>, XsError>;
    /// Writes every `(path, value)` in one transaction (retried on EAGAIN
    /// by the implementation).
    fn write_all(&mut self, entries: &[(String, String)]) -> Result<(), XsError>;
    fn watch(&mut self, path: &str, token: &str) -> Result<(), XsError>;
    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), XsError>;
    /// Waits for any watch event until system time `deadline_ns`; `true`
    /// if one came (the caller re-reads what it watches).
    fn wait_event(&mut self, deadline_ns: u64) -> Result<bool, XsError>;
    /// System time (ns).
    fn now_ns(&self) -> u64;
}

/// `enum xenbus_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Unknown,
    Initialising,
    InitWait,
    Initialised,
    Connected,
    Closing,
    Closed,
    Reconfiguring,
    Reconfigured,
}

impl State {
    pub fn from_u32(v: u32) -> Option<Self> {
        Some(match v {
            XENBUS_STATE_UNKNOWN => Self::Unknown,
            XENBUS_STATE_INITIALISING => Self::Initialising,
            XENBUS_STATE_INIT_WAIT => Self::InitWait,
            XENBUS_STATE_INITIALISED => Self::Initialised,
            XENBUS_STATE_CONNECTED => Self::Connected,
            XENBUS_STATE_CLOSING => Self::Closing,
            XENBUS_STATE_CLOSED => Self::Closed,
            XENBUS_STATE_RECONFIGURING => Self::Reconfiguring,
            XENBUS_STATE_RECONFIGURED => Self::Reconfigured,
            _ => return None,
        })
    }

    pub fn to_u32(self) -> u32 {
        match self {
            Self::Unknown => XENBUS_STATE_UNKNOWN,
            Self::Initialising => XENBUS_STATE_INITIALISING,
            Self::InitWait => XENBUS_STATE_INIT_WAIT,
            Self::Initialised => XENBUS_STATE_INITIALISED,
            Self::Connected => XENBUS_STATE_CONNECTED,
            Self::Closing => XENBUS_STATE_CLOSING,
            Self::Closed => XENBUS_STATE_CLOSED,
            Self::Reconfiguring => XENBUS_STATE_RECONFIGURING,
            Self::Reconfigured => XENBUS_STATE_RECONFIGURED,
        }
    }

    /// The backend is going away or gone.
    pub fn is_closing(self) -> bool {
        matches!(self, Self::Closing | Self::Closed)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Why a device could not be found, connected or closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XenbusError {
    Store(XsError),
    /// A key the protocol needs holds something else.
    BadValue {
        device: String,
        key: String,
        value: String,
    },
    /// The backend did not reach a state in time.
    Timeout {
        device: String,
        state: State,
        waited_ms: u64,
    },
    /// The backend went away during the handshake.
    BackendClosed {
        device: String,
        state: State,
    },
}

impl From<XsError> for XenbusError {
    fn from(e: XsError) -> Self {
        XenbusError::Store(e)
    }
}

impl fmt::Display for XenbusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Store(e) => write!(f, "{e}"),
            Self::BadValue { device, key, value } => {
                write!(
                    f,
                    "{device}: {key} is {value:?}, which is not what xenbus expects"
                )
            }
            Self::Timeout {
                device,
                state,
                waited_ms,
            } => {
                let waited = if waited_ms % 1000 == 0 {
                    format!("{} s", waited_ms / 1000)
                } else {
                    format!("{waited_ms} ms")
                };
                write!(f, "{device}: backend stayed in {state} for {waited}")
            }
            Self::BackendClosed { device, state } => {
                write!(
                    f,
                    "{device}: the backend went to {state} during the handshake"
                )
            }
        }
    }
}

/// One frontend device and where its backend is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// `vif/0`: kind and id, for messages and watch tokens.
    pub name: String,
    /// `device/vif/0`.
    pub dir: String,
    /// The backend's directory, e.g. `/local/domain/0/backend/vif/3/0`.
    pub backend: String,
    pub backend_id: u16,
}

/// The devices of `kind` (`vif`, `vbd`), in id order; none if the domain
/// has no `device/<kind>` directory.
pub fn discover(store: &mut impl Store, kind: &str) -> Result<Vec<Device>, XenbusError> {
    let ids = match store.directory(&format!("device/{kind}")) {
        Ok(ids) => ids,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut ids: Vec<(u64, String)> = ids
        .into_iter()
        .map(|id| (id.parse().unwrap_or(u64::MAX), id))
        .collect();
    ids.sort();
    let mut devices = Vec::new();
    for (_, id) in ids {
        let name = format!("{kind}/{id}");
        let dir = format!("device/{name}");
        let backend = store.read(&format!("{dir}/backend"))?;
        let backend_id = store.read(&format!("{dir}/backend-id"))?;
        let backend_id = backend_id.parse().map_err(|_| XenbusError::BadValue {
            device: name.clone(),
            key: "backend-id".into(),
            value: backend_id.clone(),
        })?;
        devices.push(Device {
            name,
            dir,
            backend,
            backend_id,
        });
    }
    Ok(devices)
}

impl Device {
    /// The watch token for this device's backend state.
    pub fn token(&self) -> String {
        format!("xenbus:{}", self.name)
    }

    fn parse_state(&self, key: &str, v: &str) -> Result<State, XenbusError> {
        v.trim()
            .parse()
            .ok()
            .and_then(State::from_u32)
            .ok_or_else(|| XenbusError::BadValue {
                device: self.name.clone(),
                key: key.to_string(),
                value: v.to_string(),
            })
    }

    /// The backend's state (Unknown if it has not written one yet).
    pub fn backend_state(&self, store: &mut impl Store) -> Result<State, XenbusError> {
        let key = format!("{}/state", self.backend);
        match store.read(&key) {
            Ok(v) => self.parse_state(&key, &v),
            Err(e) if e.is_not_found() => Ok(State::Unknown),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads one of the backend's keys (`mac`, `feature-rx-copy`, ...).
    pub fn backend_key(&self, store: &mut impl Store, key: &str) -> Result<String, XsError> {
        store.read(&format!("{}/{key}", self.backend))
    }

    /// Reads one of the frontend's own keys.
    pub fn key(&self, store: &mut impl Store, key: &str) -> Result<String, XsError> {
        store.read(&format!("{}/{key}", self.dir))
    }

    pub fn set_state(&self, store: &mut impl Store, state: State) -> Result<(), XenbusError> {
        let entry = (format!("{}/state", self.dir), state.to_u32().to_string());
        Ok(store.write_all(&[entry])?)
    }

    /// Waits until the backend's state passes `done`, for at most
    /// `timeout_ns`; `BackendClosed` if it closes first (unless `done`
    /// accepts that).
    pub fn wait_backend(
        &self,
        store: &mut impl Store,
        done: impl Fn(State) -> bool,
        timeout_ns: u64,
    ) -> Result<State, XenbusError> {
        self.wait_backend_for(store, done, true, timeout_ns)
    }

    /// As [`Self::wait_backend`]; a closing backend is an error only if
    /// `closing_fails`.
    fn wait_backend_for(
        &self,
        store: &mut impl Store,
        done: impl Fn(State) -> bool,
        closing_fails: bool,
        timeout_ns: u64,
    ) -> Result<State, XenbusError> {
        let token = self.token();
        let path = format!("{}/state", self.backend);
        store.watch(&path, &token)?;
        let start = store.now_ns();
        let deadline = start.saturating_add(timeout_ns);
        let result = loop {
            let state = match self.backend_state(store) {
                Ok(s) => s,
                Err(e) => break Err(e),
            };
            if done(state) {
                break Ok(state);
            }
            if closing_fails && state.is_closing() {
                break Err(XenbusError::BackendClosed {
                    device: self.name.clone(),
                    state,
                });
            }
            if store.now_ns() >= deadline {
                break Err(XenbusError::Timeout {
                    device: self.name.clone(),
                    state,
                    waited_ms: (store.now_ns() - start) / 1_000_000,
                });
            }
            if let Err(e) = store.wait_event(deadline) {
                break Err(e.into());
            }
        };
        let _ = store.unwatch(&path, &token);
        result
    }

    /// The token of the watch that follows the backend while connected.
    pub fn state_token(&self) -> String {
        format!("xenbus-state:{}", self.name)
    }

    /// Starts following the backend's state (its events carry
    /// [`Self::state_token`]); a backend that goes away shows up there.
    pub fn follow_backend(&self, store: &mut impl Store) -> Result<(), XenbusError> {
        let path = format!("{}/state", self.backend);
        Ok(store.watch(&path, &self.state_token())?)
    }

    /// Stops following the backend's state.
    pub fn unfollow_backend(&self, store: &mut impl Store) {
        let path = format!("{}/state", self.backend);
        let _ = store.unwatch(&path, &self.state_token());
    }

    /// The handshake: wait for the backend's InitWait, write `keys` (names
    /// under the frontend's directory) and `state` in one transaction, wait
    /// for the backend's Connected. Each wait is bounded by `timeout_ns`.
    pub fn connect(
        &self,
        store: &mut impl Store,
        keys: &[(&str, String)],
        state: State,
        timeout_ns: u64,
    ) -> Result<(), XenbusError> {
        self.wait_backend(
            store,
            |s| s >= State::InitWait && s <= State::Connected,
            timeout_ns,
        )?;
        let mut entries: Vec<(String, String)> = keys
            .iter()
            .map(|(k, v)| (format!("{}/{k}", self.dir), v.clone()))
            .collect();
        entries.push((format!("{}/state", self.dir), state.to_u32().to_string()));
        store.write_all(&entries)?;
        self.wait_backend(store, |s| s == State::Connected, timeout_ns)?;
        Ok(())
    }

    /// Closing, a bounded wait for the backend's Closing (or Closed), then
    /// Closed and a bounded wait for the backend's Closed (or its
    /// directory gone). Linux's backends let go of the rings and grants
    /// only when the frontend is Closed (blkback unmaps its ring then), so
    /// the pages may be reused only after this returns `Ok`. A backend that
    /// does not answer in time is not waited for further: the frontend
    /// ends Closed either way, and the timeout is reported.
    pub fn close(&self, store: &mut impl Store, timeout_ns: u64) -> Result<(), XenbusError> {
        self.set_state(store, State::Closing)?;
        let waited = self.wait_backend(store, State::is_closing, timeout_ns);
        self.set_state(store, State::Closed)?;
        waited?;
        let gone = |s| matches!(s, State::Closed | State::Unknown);
        self.wait_backend_for(store, gone, false, timeout_ns)
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests;
