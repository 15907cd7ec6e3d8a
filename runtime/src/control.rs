//! Control from outside: a shutdown request (from the toolstack through
//! xenstore's `control/shutdown`, or the `uk.shutdown-after=<ms>` option)
//! stops the apps in an orderly way — each app's `exit(0)` runs at its next
//! sleep, wait or yield, so atexit handlers, fini functions and stream
//! flushes happen — and then the domain shuts down with the reason asked.
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};

/// No request yet.
const NONE: u8 = 0;
pub const POWEROFF: u8 = 1;
pub const REBOOT: u8 = 2;

static REQUEST: AtomicU8 = AtomicU8::new(NONE);
/// System time at which `uk.shutdown-after` asks for a poweroff (0: never).
static DEADLINE: AtomicU64 = AtomicU64::new(0);

/// Parses `uk.shutdown-after=<ms>`.
pub fn parse_after_ms(value: Option<&str>) -> Result<u64, &str> {
    let v = value.ok_or("uk.shutdown-after needs a value in milliseconds")?;
    v.parse()
        .map_err(|_| "uk.shutdown-after: not a number of milliseconds")
}

pub fn request(reason: u8) {
    if REQUEST
        .compare_exchange(NONE, reason, Relaxed, Relaxed)
        .is_ok()
    {
        let why = if reason == REBOOT {
            "reboot"
        } else {
            "poweroff"
        };
        crate::println!("ukrt: shutdown requested ({why}): stopping the apps");
    }
}

/// The pending request, if any.
pub fn requested() -> Option<u8> {
    match REQUEST.load(Relaxed) {
        NONE => None,
        r => Some(r),
    }
}

#[cfg(target_os = "none")]
pub use guest::*;

#[cfg(target_os = "none")]
mod guest {
    use super::*;
    use crate::xen::xenstore::{self as xs, Client, Doorbell, RingIo, RingTransport, Timeout};
    use core::sync::atomic::AtomicBool;

    /// How long one xenstore request may take before it is an error.
    const XENSTORE_TIMEOUT_NS: u64 = 5_000_000_000;

    /// Set by the store event handler: xenstored wrote something.
    static STORE_EVENT: AtomicBool = AtomicBool::new(false);

    struct StoreDoorbell {
        port: u32,
        deadline: u64,
    }

    impl Doorbell for StoreDoorbell {
        fn notify(&mut self) {
            let _ = crate::xen::hypercall::evtchn_send(self.port);
        }
        fn wait(&mut self) -> Result<(), Timeout> {
            let now = crate::time::now_ns();
            if self.deadline == 0 {
                self.deadline = now + XENSTORE_TIMEOUT_NS;
            }
            if now >= self.deadline {
                self.deadline = 0;
                return Err(Timeout);
            }
            // Wake on the store event, or re-check within 10 ms.
            let _ = crate::xen::hypercall::set_timer(now + 10_000_000);
            crate::xen::events::block();
            Ok(())
        }
    }

    type Store = Client<RingTransport<StoreDoorbell>>;
    static STORE: spin::Mutex<Option<Store>> = spin::Mutex::new(None);

    /// Connects to xenstore (a domU has one; the first domain under QEMU
    /// has no toolstack), prints who we are and watches `control/shutdown`.
    pub fn init(info: &crate::xen::start_info::BootInfo, shutdown_after: Option<u64>) {
        if let Some(ms) = shutdown_after {
            DEADLINE.store(crate::time::now_ns() + ms * 1_000_000, Relaxed);
        }
        if info.is_initial_domain() || info.store_mfn == 0 {
            return;
        }
        let ring = RingIo::new(crate::xen::p2m::builder_shared_page(info.store_mfn));
        let mut client = Client::new(RingTransport::new(
            ring,
            StoreDoorbell {
                port: info.store_evtchn,
                deadline: 0,
            },
        ));
        fn store_event(_port: u32) {
            STORE_EVENT.store(true, Relaxed);
        }
        crate::xen::events::bind(info.store_evtchn, store_event);
        match (xs::domain_id(&mut client), xs::domain_name(&mut client)) {
            (Ok(id), Ok(name)) => crate::println!("ukrt: domain {id} ({name})"),
            (Err(e), _) | (_, Err(e)) => crate::println!("ukrt: warning: {e}"),
        }
        if let Err(e) = xs::watch_shutdown(&mut client) {
            crate::println!("ukrt: warning: no shutdown requests from the toolstack: {e}");
        }
        *STORE.lock() = Some(client);
    }

    /// Called by the scheduler on every pass: turns a xenstore shutdown
    /// request, or the `uk.shutdown-after` deadline, into a request.
    pub fn poll() {
        let deadline = DEADLINE.load(Relaxed);
        if deadline != 0 && crate::time::now_ns() >= deadline {
            DEADLINE.store(0, Relaxed);
            request(POWEROFF);
        }
        if !STORE_EVENT.swap(false, Relaxed) {
            return;
        }
        let mut store = STORE.lock();
        let Some(client) = store.as_mut() else { return };
        while let Ok(Some(ev)) = client.next_watch_event() {
            if !xs::is_shutdown_event(&ev) {
                continue;
            }
            match xs::take_shutdown(client) {
                Ok(Some(xs::ShutdownRequest::Reboot)) => request(REBOOT),
                Ok(Some(_)) => request(POWEROFF),
                Ok(None) => {}
                Err(e) => crate::println!("ukrt: warning: reading the shutdown request: {e}"),
            }
        }
    }

    /// The next time `poll` must run by itself (the shutdown deadline).
    pub fn next_deadline() -> Option<u64> {
        Some(DEADLINE.load(Relaxed)).filter(|&d| d != 0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shutdown_after_option() {
        assert_eq!(super::parse_after_ms(Some("250")), Ok(250));
        assert!(super::parse_after_ms(Some("soon")).is_err());
        assert!(super::parse_after_ms(None).is_err());
    }
}
