//! The guest's disks: every vbd found in xenstore, connected with blkfront
//! over the xenbus handshake, kept until the file layer takes one, closed
//! at shutdown or when its backend goes away.
// The file layer (not merged yet) takes the disks; until then only the
// self-test kernel does.
#![cfg_attr(not(feature = "selftest"), allow(dead_code))]
use super::{ready_line, vdev_name};
use crate::drivers::blkfront::{self, BlkFront, Channel, Counts, Flush, Geometry};
use crate::drivers::netfront::PageSource;
use crate::drivers::xenbus::{self, Device, State, Store};
use crate::fs::block::{BlockDevice, BlockError};
use crate::stats::DISK;
use crate::xen::hypercall;
use crate::xen::shared_page::SharedPage;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// How long each step of the handshake may take.
const HANDSHAKE_TIMEOUT_NS: u64 = 10_000_000_000;
/// How long closing waits for the backend.
const CLOSE_TIMEOUT_NS: u64 = 2_000_000_000;
/// Requests in flight per disk: 16 × 11 pages (704 KiB) granted.
const SLOTS: usize = 16;
/// How often a wait for responses looks at the backend's state.
const LOOK_NS: u64 = 500_000_000;

/// Set by the disks' event handler: a backend answered.
static EVENT: AtomicBool = AtomicBool::new(false);

/// Whether a backend answered since the last call (the scheduler wakes
/// the threads waiting for a disk then).
pub fn take_event() -> bool {
    EVENT.swap(false, Relaxed)
}

struct Pages;

impl PageSource for Pages {
    fn page(&mut self) -> Option<(SharedPage, u64)> {
        crate::mm::shared::alloc().ok()
    }
}

/// The event channel, the scheduler and the backend's state.
pub struct GuestChannel {
    port: u32,
    device: Device,
}

impl Channel for GuestChannel {
    fn notify(&mut self) {
        let _ = hypercall::evtchn_send(self.port);
    }

    fn wait(&mut self, deadline_ns: u64) -> Result<(), BlockError> {
        let token = self.device.state_token();
        let moved = crate::xen::store::with(|s| !s.take_events(&token).is_empty());
        if moved == Some(true) {
            let state = crate::xen::store::with(|s| self.device.backend_state(s));
            if !matches!(state, Some(Ok(s)) if !s.is_closing()) {
                return Err(BlockError::Gone);
            }
        }
        // The backend's state is looked at again within LOOK_NS.
        let until = deadline_ns.min(crate::time::now_ns() + LOOK_NS);
        if crate::sched::in_thread() {
            crate::sched::wait_disk(until);
        } else {
            let _ = hypercall::set_timer(until);
            crate::xen::events::block();
        }
        Ok(())
    }

    fn now_ns(&self) -> u64 {
        crate::time::now_ns()
    }

    fn say(&mut self, message: &str) {
        crate::println!("ukrt: blk: {message}");
    }
}

type Front = blkfront::Disk<GuestChannel>;

/// One connected disk; `None` inside once it is closed.
struct Entry {
    name: String,
    geometry: Geometry,
    disk: Arc<spin::Mutex<Option<Front>>>,
    taken: bool,
}

static DISKS: spin::Mutex<Vec<Entry>> = spin::Mutex::new(Vec::new());

/// A disk the file layer took: blkfront's [`BlockDevice`], counted in
/// `uk-stats`, and `Gone` once the backend went away or shutdown closed it.
pub struct Disk {
    name: String,
    geometry: Geometry,
    inner: Arc<spin::Mutex<Option<Front>>>,
    /// The device's counts as last added to the stats counters.
    seen: Counts,
}

/// Adds what the device counted since `seen` to the stats counters.
fn account(seen: &mut Counts, now: Counts) {
    DISK.requests.add(now.requests - seen.requests);
    DISK.sectors_read.add(now.sectors_read - seen.sectors_read);
    DISK.sectors_written
        .add(now.sectors_written - seen.sectors_written);
    DISK.flushes.add(now.flushes - seen.flushes);
    DISK.bad_responses
        .add(now.bad_responses - seen.bad_responses);
    DISK.errors
        .add(now.errors + now.timeouts - seen.errors - seen.timeouts);
    *seen = now;
}

impl Disk {
    /// `xvda`.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn op(
        &mut self,
        f: impl FnOnce(&mut Front) -> Result<(), BlockError>,
    ) -> Result<(), BlockError> {
        let mut guard = self.inner.lock();
        let Some(front) = guard.as_mut() else {
            return Err(BlockError::Gone);
        };
        let result = f(front);
        account(&mut self.seen, front.front.counts);
        if front.gone() {
            let front = guard.take().expect("checked above");
            drop(guard);
            crate::println!(
                "ukrt: blk: {}: the backend went away; the disk is gone",
                self.name
            );
            close(front);
        }
        result
    }
}

impl BlockDevice for Disk {
    fn sector_size(&self) -> usize {
        self.geometry.sector_size
    }

    fn sectors(&self) -> u64 {
        self.geometry.sectors
    }

    fn read_only(&self) -> bool {
        self.geometry.read_only
    }

    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        self.op(|d| d.read(sector, buf))
    }

    fn write(&mut self, sector: u64, data: &[u8]) -> Result<(), BlockError> {
        self.op(|d| d.write(sector, data))
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.op(|d| d.flush())
    }
}

/// Connects every vbd of the domain and says how each went.
pub fn init() {
    let found = crate::xen::store::with(|s| xenbus::discover(s, "vbd"));
    let devices = match found {
        None => return,
        Some(Err(e)) => return crate::println!("ukrt: blk: {e}"),
        Some(Ok(d)) => d,
    };
    for dev in devices {
        match crate::xen::store::with(|s| up(s, &dev)) {
            Some(Ok(entry)) => DISKS.lock().push(entry),
            Some(Err(e)) => crate::println!("ukrt: blk: {e}"),
            None => {}
        }
    }
}

fn event(_port: u32) {
    EVENT.store(true, Relaxed);
}

/// The handshake of one vbd; errors name the device.
fn up(store: &mut impl Store, dev: &Device) -> Result<Entry, String> {
    let named = |e: &dyn core::fmt::Display| format!("{}: {e}", dev.name);
    let id = dev.name.trim_start_matches("vbd/");
    let vdev: u32 = match id.parse() {
        Ok(v) => v,
        Err(_) => {
            let v = dev.key(store, "virtual-device").map_err(|e| named(&e))?;
            v.trim()
                .parse()
                .map_err(|_| named(&format!("virtual-device is {v:?}")))?
        }
    };
    let name = vdev_name(vdev);
    let front =
        crate::xen::grant_table::with(|g| BlkFront::new(&mut Pages, g, dev.backend_id, SLOTS))
            .map_err(|e| named(&e))?
            .map_err(|e| named(&e))?;
    let port = match hypercall::evtchn_alloc_unbound(dev.backend_id) {
        Ok(p) => p,
        Err(e) => {
            let _ = crate::xen::grant_table::with(|g| front.release(g));
            return Err(named(&e));
        }
    };
    crate::xen::events::bind(port, event);
    let keys = [
        ("ring-ref", format!("{}", front.ring_ref())),
        ("event-channel", format!("{port}")),
        ("protocol", "x86_64-abi".into()),
    ];
    let connected = dev
        .connect(store, &keys, State::Initialised, HANDSHAKE_TIMEOUT_NS)
        .map_err(|e| format!("{e}"))
        .and_then(|()| {
            Geometry::from_backend(|k| dev.backend_key(store, k).ok()).map_err(|e| named(&e))
        })
        .and_then(|g| {
            dev.set_state(store, State::Connected)
                .and_then(|()| dev.follow_backend(store))
                .map_err(|e| format!("{e}"))
                .map(|()| g)
        });
    let geometry = match connected {
        Ok(g) => g,
        Err(e) => {
            let _ = dev.close(store, CLOSE_TIMEOUT_NS);
            crate::xen::events::unbind(port);
            let _ = hypercall::evtchn_close(port);
            let _ = crate::xen::grant_table::with(|g| front.release(g));
            return Err(e);
        }
    };
    crate::println!("{}", ready_line(&name, &geometry));
    if geometry.flush == Flush::None && !geometry.read_only {
        crate::println!(
            "ukrt: blk: {name}: the backend offers neither feature-flush-cache nor feature-barrier: flush is a no-op"
        );
    }
    let chan = GuestChannel {
        port,
        device: dev.clone(),
    };
    let disk = blkfront::Disk::new(front, geometry, chan, vdev as u16, &name);
    Ok(Entry {
        name,
        geometry,
        disk: Arc::new(spin::Mutex::new(Some(disk))),
        taken: false,
    })
}

/// Closing → the backend's Closing/Closed (bounded) → Closed, then the
/// event channel and the grants (pages the backend still maps are kept).
fn close(front: Front) {
    let dev = front.chan.device.clone();
    let port = front.chan.port;
    let name = front.name.clone();
    let closed = crate::xen::store::with(|s| {
        dev.unfollow_backend(s);
        dev.close(s, CLOSE_TIMEOUT_NS)
    });
    if let Some(Err(e)) = closed {
        crate::println!("ukrt: blk: {name}: {e}");
    }
    crate::xen::events::unbind(port);
    let _ = hypercall::evtchn_close(port);
    if let Ok(leaked) = crate::xen::grant_table::with(|g| front.front.release(g)) {
        if leaked > 0 {
            crate::println!(
                "ukrt: blk: {name}: {leaked} pages still mapped by the backend are kept"
            );
        }
    }
}

/// The disks that came up, in xenstore's order (`xvda`, `xvdb`, ...),
/// taken or not.
pub fn names() -> Vec<String> {
    DISKS.lock().iter().map(|e| e.name.clone()).collect()
}

/// The disk `name`, once: `None` if there is no such disk, it was taken
/// already, or it is gone.
pub fn take(name: &str) -> Option<Disk> {
    let mut disks = DISKS.lock();
    let e = disks.iter_mut().find(|e| e.name == name && !e.taken)?;
    if e.disk.lock().is_none() {
        return None;
    }
    e.taken = true;
    Some(Disk {
        name: e.name.clone(),
        geometry: e.geometry,
        inner: e.disk.clone(),
        seen: Counts::default(),
    })
}

/// At shutdown, after the file layer's own sync: closes every disk
/// (bounded waits). A `Disk` still held gives `Gone` from then on.
pub fn shutdown() {
    let disks: Vec<_> = DISKS.lock().iter().map(|e| e.disk.clone()).collect();
    for disk in disks {
        // Nothing runs I/O now (the apps are done); never wait for a lock
        // a stopped thread may have kept.
        let front = disk.try_lock().and_then(|mut d| d.take());
        if let Some(front) = front {
            close(front);
        }
    }
}
