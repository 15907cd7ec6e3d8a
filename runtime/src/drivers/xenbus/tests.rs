//! The xenbus handshake against a model of xenstore and of a backend that
//! reacts to what the frontend writes.
use super::*;
use crate::xen::xenstore::{Context, ErrnoName, Op};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;

const SEC: u64 = 1_000_000_000;
const BACKEND: &str = "/local/domain/0/backend/vif/7/0";

type Tree = BTreeMap<String, String>;
/// What the backend does when it looks: it may change the tree.
type Backend = Box<dyn FnMut(&mut Tree, u64)>;

/// A xenstore tree, a clock that moves when someone waits, and a backend
/// that looks at the tree whenever it changes or time passes.
struct Model {
    tree: BTreeMap<String, String>,
    watches: Vec<(String, String)>,
    now: u64,
    /// Each wait moves the clock by this much.
    tick: u64,
    backend: Backend,
    transactions: Vec<Vec<(String, String)>>,
}

fn not_found(op: Op, path: &str) -> XsError {
    XsError::Daemon(ErrnoName::ENOENT, Context::new(op, path, None))
}

impl Model {
    fn new(backend: impl FnMut(&mut Tree, u64) + 'static) -> Self {
        let mut tree = BTreeMap::new();
        tree.insert("device/vif/0/backend".into(), BACKEND.into());
        tree.insert("device/vif/0/backend-id".into(), "0".into());
        tree.insert("device/vif/0/state".into(), "1".into());
        Model {
            tree,
            watches: Vec::new(),
            now: 0,
            tick: SEC / 10,
            backend: Box::new(backend),
            transactions: Vec::new(),
        }
    }

    fn step(&mut self) {
        (self.backend)(&mut self.tree, self.now);
    }
}

impl Store for Model {
    fn read(&mut self, path: &str) -> Result<String, XsError> {
        self.step();
        self.tree
            .get(path)
            .cloned()
            .ok_or_else(|| not_found(Op::Read, path))
    }
    fn directory(&mut self, path: &str) -> Result<Vec<String>, XsError> {
        let prefix = format!("{path}/");
        let mut names: Vec<String> = self
            .tree
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap().to_string())
            .collect();
        names.dedup();
        if names.is_empty() {
            return Err(not_found(Op::Directory, path));
        }
        Ok(names)
    }
    fn write_all(&mut self, entries: &[(String, String)]) -> Result<(), XsError> {
        for (k, v) in entries {
            self.tree.insert(k.clone(), v.clone());
        }
        self.transactions.push(entries.to_vec());
        self.step();
        Ok(())
    }
    fn watch(&mut self, path: &str, token: &str) -> Result<(), XsError> {
        self.watches.push((path.into(), token.into()));
        Ok(())
    }
    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), XsError> {
        let at = self
            .watches
            .iter()
            .position(|(p, t)| p == path && t == token)
            .expect("unwatch of a registered watch");
        self.watches.remove(at);
        Ok(())
    }
    fn wait_event(&mut self, deadline_ns: u64) -> Result<bool, XsError> {
        self.now = (self.now + self.tick).min(deadline_ns);
        self.step();
        Ok(true)
    }
    fn now_ns(&self) -> u64 {
        self.now
    }
}

fn state(tree: &BTreeMap<String, String>, dir: &str) -> u32 {
    tree.get(&format!("{dir}/state"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn set(tree: &mut BTreeMap<String, String>, dir: &str, s: State) {
    tree.insert(format!("{dir}/state"), s.to_u32().to_string());
}

/// A backend like Linux's netback: InitWait after 0.3 s, Connected once
/// the frontend is Connected, Closing/Closed after the frontend closes.
fn netback(tree: &mut BTreeMap<String, String>, now: u64) {
    let front = state(tree, "device/vif/0");
    let back = state(tree, BACKEND);
    if back < XENBUS_STATE_INIT_WAIT && now >= 3 * SEC / 10 {
        set(tree, BACKEND, State::InitWait);
    } else if back == XENBUS_STATE_INIT_WAIT && front == XENBUS_STATE_CONNECTED {
        set(tree, BACKEND, State::Connected);
    } else if front == XENBUS_STATE_CLOSING && back != XENBUS_STATE_CLOSED {
        set(tree, BACKEND, State::Closed);
    }
}

fn vif(store: &mut Model) -> Device {
    discover(store, "vif").unwrap().remove(0)
}

#[test]
fn devices_are_found_with_their_backends_in_id_order() {
    let mut m = Model::new(|_, _| {});
    m.tree
        .insert("device/vif/10/backend".into(), "/b/10".into());
    m.tree.insert("device/vif/10/backend-id".into(), "3".into());
    m.tree.insert("device/vif/2/backend".into(), "/b/2".into());
    m.tree.insert("device/vif/2/backend-id".into(), "4".into());
    let found = discover(&mut m, "vif").unwrap();
    let names: Vec<&str> = found.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["vif/0", "vif/2", "vif/10"], "numeric order");
    assert_eq!(found[0].backend, BACKEND);
    assert_eq!(
        (found[2].dir.as_str(), found[2].backend_id),
        ("device/vif/10", 3)
    );
    assert_eq!(
        discover(&mut m, "vbd").unwrap(),
        [],
        "no such kind: no devices"
    );
    m.tree
        .insert("device/vif/0/backend-id".into(), "zero".into());
    assert_eq!(
        discover(&mut m, "vif").unwrap_err().to_string(),
        "vif/0: backend-id is \"zero\", which is not what xenbus expects"
    );
}

#[test]
fn the_handshake_writes_keys_and_state_in_one_transaction() {
    let mut m = Model::new(netback);
    let dev = vif(&mut m);
    let keys = [
        ("tx-ring-ref", "8".to_string()),
        ("rx-ring-ref", "9".to_string()),
        ("event-channel", "5".to_string()),
    ];
    dev.connect(&mut m, &keys, State::Connected, 5 * SEC)
        .unwrap();
    assert_eq!(m.transactions.len(), 1);
    let written: Vec<(&str, &str)> = m.transactions[0]
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        written,
        [
            ("device/vif/0/tx-ring-ref", "8"),
            ("device/vif/0/rx-ring-ref", "9"),
            ("device/vif/0/event-channel", "5"),
            ("device/vif/0/state", "4"),
        ]
    );
    assert!(
        m.now >= 3 * SEC / 10,
        "it waited for the backend's InitWait"
    );
    assert_eq!(dev.backend_state(&mut m).unwrap(), State::Connected);
    assert!(m.watches.is_empty(), "every watch is removed again");
}

#[test]
fn a_backend_that_never_connects_is_a_named_timeout() {
    // Reaches InitWait, then never Connected.
    let mut m = Model::new(|tree, _| {
        if state(tree, BACKEND) == 0 {
            set(tree, BACKEND, State::InitWait);
        }
    });
    let dev = vif(&mut m);
    let err = dev
        .connect(&mut m, &[], State::Connected, 5 * SEC)
        .unwrap_err();
    assert_eq!(
        err,
        XenbusError::Timeout {
            device: "vif/0".into(),
            state: State::InitWait,
            waited_ms: 5000
        }
    );
    assert_eq!(err.to_string(), "vif/0: backend stayed in InitWait for 5 s");
    assert_eq!(m.now, 5 * SEC, "the wait is bounded");
    assert!(m.watches.is_empty());
}

#[test]
fn a_backend_that_goes_away_during_the_handshake_is_named() {
    let mut m = Model::new(|tree, now| {
        let s = if now < SEC {
            State::InitWait
        } else {
            State::Closing
        };
        set(tree, BACKEND, s);
    });
    let dev = vif(&mut m);
    // Connected is never reached; Closing comes after 1 s.
    let err = dev
        .connect(&mut m, &[], State::Connected, 5 * SEC)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "vif/0: the backend went to Closing during the handshake"
    );
}

#[test]
fn closing_waits_for_the_backend_then_ends_closed_even_if_it_never_answers() {
    let mut m = Model::new(netback);
    let dev = vif(&mut m);
    dev.connect(&mut m, &[], State::Connected, 5 * SEC).unwrap();
    dev.close(&mut m, 2 * SEC).unwrap();
    assert_eq!(state(&m.tree, "device/vif/0"), XENBUS_STATE_CLOSED);
    assert_eq!(dev.backend_state(&mut m).unwrap(), State::Closed);

    // A backend that ignores the frontend: the wait is bounded, the
    // frontend still ends Closed, and the timeout is reported.
    let mut m = Model::new(|tree, _| set(tree, BACKEND, State::Connected));
    let dev = vif(&mut m);
    let start = m.now;
    let err = dev.close(&mut m, 2 * SEC).unwrap_err();
    assert_eq!(
        err.to_string(),
        "vif/0: backend stayed in Connected for 2 s"
    );
    assert_eq!(m.now - start, 2 * SEC);
    assert_eq!(state(&m.tree, "device/vif/0"), XENBUS_STATE_CLOSED);
}

/// A backend like Linux's blkback: Closing when the frontend is Closing,
/// Closed (its ring unmapped) only once the frontend is Closed; `stuck`
/// never gets that far.
fn blkback(stuck: bool) -> impl FnMut(&mut Tree, u64) {
    move |tree, _| {
        let front = state(tree, "device/vif/0");
        if front == XENBUS_STATE_CLOSING {
            set(tree, BACKEND, State::Closing);
        } else if front == XENBUS_STATE_CLOSED && !stuck {
            set(tree, BACKEND, State::Closed);
        }
    }
}

#[test]
fn closing_ends_when_the_backend_is_closed_after_the_frontend() {
    let mut m = Model::new(blkback(false));
    set(&mut m.tree, BACKEND, State::Connected);
    let dev = vif(&mut m);
    dev.close(&mut m, 2 * SEC).unwrap();
    assert_eq!(state(&m.tree, "device/vif/0"), XENBUS_STATE_CLOSED);
    assert_eq!(dev.backend_state(&mut m).unwrap(), State::Closed);

    // One that stays Closing: bounded, and said.
    let mut m = Model::new(blkback(true));
    set(&mut m.tree, BACKEND, State::Connected);
    let dev = vif(&mut m);
    let err = dev.close(&mut m, 2 * SEC).unwrap_err();
    assert_eq!(err.to_string(), "vif/0: backend stayed in Closing for 2 s");
    assert_eq!(state(&m.tree, "device/vif/0"), XENBUS_STATE_CLOSED);
    assert!(m.watches.is_empty(), "every watch is gone");
}

#[test]
fn states_match_the_header_and_unknown_values_are_refused() {
    for v in 0..9 {
        assert_eq!(State::from_u32(v).unwrap().to_u32(), v);
    }
    assert_eq!(State::from_u32(9), None);
    let mut m = Model::new(|tree, _| {
        tree.insert(format!("{BACKEND}/state"), "banana".into());
    });
    let dev = vif(&mut m);
    assert_eq!(
        dev.backend_state(&mut m).unwrap_err().to_string(),
        format!("vif/0: {BACKEND}/state is \"banana\", which is not what xenbus expects")
    );
}
