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
/// System time at which to read `control/shutdown` again after a failed
/// read (0: no retry due): the request is still there, and its watch
/// event will not come again.
static RETRY_AT: AtomicU64 = AtomicU64::new(0);
/// How long after a failed read the next one is made.
const RETRY_NS: u64 = 1_000_000_000;

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
    use crate::xen::store;
    use crate::xen::xenstore as xs;

    /// Connects to xenstore (a domU has one; the first domain under QEMU
    /// has no toolstack), prints who we are and watches `control/shutdown`.
    pub fn init(info: &crate::xen::start_info::BootInfo, shutdown_after: Option<u64>) {
        if let Some(ms) = shutdown_after {
            DEADLINE.store(crate::time::now_ns() + ms * 1_000_000, Relaxed);
        }
        if info.is_initial_domain() || info.store_mfn == 0 {
            return;
        }
        store::connect(info.store_mfn, info.store_evtchn);
        store::with(|s| {
            let c = s.client();
            match (xs::domain_id(c), xs::domain_name(c)) {
                (Ok(id), Ok(name)) => crate::println!("ukrt: domain {id} ({name})"),
                (Err(e), _) | (_, Err(e)) => crate::println!("ukrt: warning: {e}"),
            }
            if let Err(e) = xs::watch_shutdown(c) {
                crate::println!("ukrt: warning: no shutdown requests from the toolstack: {e}");
            }
        });
    }

    /// Called by the scheduler on every pass: turns a xenstore shutdown
    /// request, or the `uk.shutdown-after` deadline, into a request.
    pub fn poll() {
        let deadline = DEADLINE.load(Relaxed);
        if deadline != 0 && crate::time::now_ns() >= deadline {
            DEADLINE.store(0, Relaxed);
            request(POWEROFF);
        }
        // Every pass, not only after a store event: a frontend's wait may
        // have taken the event and queued the request for us.
        store::with(|s| {
            let retry = RETRY_AT.load(Relaxed);
            let retry_due = retry != 0 && crate::time::now_ns() >= retry;
            let events = s.take_events(xs::SHUTDOWN_TOKEN);
            if !retry_due && !events.iter().any(xs::is_shutdown_event) {
                return;
            }
            RETRY_AT.store(0, Relaxed);
            match xs::take_shutdown(s.client()) {
                Ok(Some(xs::ShutdownRequest::Reboot)) => request(REBOOT),
                Ok(Some(_)) => request(POWEROFF),
                Ok(None) => {}
                Err(e) => {
                    crate::println!(
                        "ukrt: warning: reading the shutdown request: {e}; trying again in 1 s"
                    );
                    RETRY_AT.store(crate::time::now_ns() + RETRY_NS, Relaxed);
                }
            }
        });
    }

    /// The next time `poll` must run by itself (the shutdown deadline, a
    /// retry of a failed read).
    pub fn next_deadline() -> Option<u64> {
        [DEADLINE.load(Relaxed), RETRY_AT.load(Relaxed)]
            .into_iter()
            .filter(|&d| d != 0)
            .min()
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
