//! Event channels: the pending and mask bitmaps in shared_info, handlers
//! registered by port, and the upcall that runs them.
//!
//! Masking discipline: event delivery stays masked (`evtchn_upcall_mask`)
//! while the runtime and apps run. The scheduler's idle path blocks the
//! vCPU (`SCHEDOP_block`), which unmasks delivery; the upcall then runs,
//! calls each pending port's handler, and returns to the idle path, which
//! masks delivery again. Handlers run with delivery masked and only record
//! what happened (wake a thread, note input); no app code runs in them.
use core::sync::atomic::{AtomicU64, Ordering};

/// What a handler is given: the port that fired.
pub type Handler = fn(u32);

const MAX_PORTS: usize = 64 * 64;

/// Scans the two-level pending bitmap: for every selector bit set in `sel`
/// (taken atomically), every pending and unmasked port in that word is
/// cleared and passed to `f`. Returns how many ports fired.
pub fn take_pending(
    sel: &AtomicU64,
    pending: &[AtomicU64],
    mask: &[AtomicU64],
    mut f: impl FnMut(u32),
) -> u32 {
    let mut fired = 0;
    let mut words = sel.swap(0, Ordering::AcqRel);
    while words != 0 {
        let w = words.trailing_zeros() as usize;
        words &= words - 1;
        let mut bits = pending[w].load(Ordering::Acquire) & !mask[w].load(Ordering::Acquire);
        while bits != 0 {
            let b = bits.trailing_zeros();
            bits &= bits - 1;
            pending[w].fetch_and(!(1 << b), Ordering::AcqRel);
            f((w * 64) as u32 + b);
            fired += 1;
        }
    }
    fired
}

#[cfg(target_os = "none")]
pub use guest::*;

#[cfg(target_os = "none")]
mod guest {
    use super::*;
    use crate::xen::shared_info::{self, SharedInfo};

    static HANDLERS: spin::Mutex<[Option<Handler>; MAX_PORTS]> =
        spin::Mutex::new([None; MAX_PORTS]);

    fn shared() -> &'static SharedInfo {
        shared_info::get().expect("shared info is mapped before events are used")
    }

    /// Registers `handler` for `port` and unmasks the port.
    pub fn bind(port: u32, handler: Handler) {
        assert!(
            (port as usize) < MAX_PORTS,
            "event port {port} out of range"
        );
        HANDLERS.lock()[port as usize] = Some(handler);
        shared().mask()[port as usize / 64].fetch_and(!(1 << (port % 64)), Ordering::AcqRel);
    }

    /// Forgets `port`'s handler and masks the port.
    pub fn unbind(port: u32) {
        if (port as usize) < MAX_PORTS {
            shared().mask()[port as usize / 64].fetch_or(1 << (port % 64), Ordering::AcqRel);
            HANDLERS.lock()[port as usize] = None;
        }
    }

    /// Runs the handlers of every pending port. Called by the upcall and
    /// by the scheduler (which polls before it blocks).
    pub fn dispatch_pending() -> u32 {
        let s = shared();
        s.upcall_pending().store(0, Ordering::Release);
        take_pending(s.pending_selector(), s.pending(), s.mask(), |port| {
            // Look the handler up alone: the table is large, never copy it.
            let handler = HANDLERS.lock()[port as usize];
            if let Some(h) = handler {
                h(port);
            }
        })
    }

    /// The upcall (from the trap path, delivery masked by Xen).
    pub fn upcall() {
        crate::stats::count(&crate::stats::UPCALLS);
        dispatch_pending();
    }

    pub fn mask_delivery() {
        shared().upcall_mask().store(1, Ordering::Release);
    }

    /// Blocks until an event is pending (bounded by whatever timer is set);
    /// the upcall runs the handlers; delivery is masked again on return.
    pub fn block() {
        crate::xen::hypercall::sched_block();
        mask_delivery();
        // Anything that arrived after the upcall is handled now.
        dispatch_pending();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(bits: &[(usize, u32)]) -> Vec<AtomicU64> {
        let w: Vec<AtomicU64> = (0..64).map(|_| AtomicU64::new(0)).collect();
        for &(i, b) in bits {
            w[i].fetch_or(1 << b, Ordering::Relaxed);
        }
        w
    }

    #[test]
    fn pending_unmasked_ports_fire_once_and_are_cleared() {
        let pending = words(&[(0, 3), (0, 9), (2, 0), (63, 63)]);
        let mask = words(&[(0, 9)]);
        let sel = AtomicU64::new(1 | 4 | (1 << 63));
        let mut got = vec![];
        assert_eq!(take_pending(&sel, &pending, &mask, |p| got.push(p)), 3);
        assert_eq!(got, [3, 128, 4095]);
        assert_eq!(sel.load(Ordering::Relaxed), 0);
        // The masked port stays pending for later; the others are cleared.
        assert_eq!(pending[0].load(Ordering::Relaxed), 1 << 9);
        assert_eq!(pending[2].load(Ordering::Relaxed), 0);
        // Without its selector bit, a pending word is not looked at.
        let sel = AtomicU64::new(0);
        assert_eq!(
            take_pending(&sel, &pending, &mask, |_| panic!("nothing to fire")),
            0
        );
    }
}
