//! Monotonic time: Xen's per-vCPU system time plus the TSC delta since Xen
//! last stamped it, scaled by the factors Xen publishes.

/// Converts a TSC delta to nanoseconds with Xen's `tsc_to_system_mul` (a
/// 32.32 fixed-point factor) and `tsc_shift`.
pub fn tsc_delta_to_ns(delta: u64, mul: u32, shift: i8) -> u64 {
    let shifted = if shift < 0 {
        delta >> -shift
    } else {
        delta << shift
    };
    ((shifted as u128 * mul as u128) >> 32) as u64
}

/// The wall clock: Xen publishes the time of day at system time 0
/// (`wc_sec`, `wc_nsec`, guarded by `wc_version` like the vCPU record).
pub fn wall_clock_ns(wc_sec: u64, wc_nsec: u32, system_ns: u64) -> u64 {
    wc_sec * 1_000_000_000 + wc_nsec as u64 + system_ns
}

/// The domain's CPU time: nanoseconds its (one) vCPU has run, which leaves
/// out the time Xen gave other domains (dom0's daemons, say) meanwhile.
/// Xen's figure includes the running stretch the call is made in. Falls
/// back to the monotonic clock if Xen will not say.
#[cfg(target_os = "none")]
pub fn cpu_ns() -> u64 {
    match crate::xen::hypercall::runstate_info() {
        Ok(r) => r.time[crate::xen::abi::RUNSTATE_RUNNING as usize],
        Err(_) => now_ns(),
    }
}

/// Nanoseconds since the domain started, or 0 before shared info is mapped.
#[cfg(target_os = "none")]
pub fn now_ns() -> u64 {
    match crate::xen::shared_info::get().map(|s| s.vcpu0_time()) {
        Some(t) => {
            let delta = crate::arch::rdtsc().wrapping_sub(t.tsc_timestamp);
            t.system_time + tsc_delta_to_ns(delta, t.tsc_to_system_mul, t.tsc_shift)
        }
        None => 0,
    }
}

/// Nanoseconds since the TSC read `tsc`, or 0 before shared info is mapped.
#[cfg(target_os = "none")]
pub fn ns_since_tsc(tsc: u64) -> u64 {
    match crate::xen::shared_info::get().map(|s| s.vcpu0_time()) {
        Some(t) => tsc_delta_to_ns(
            crate::arch::rdtsc().wrapping_sub(tsc),
            t.tsc_to_system_mul,
            t.tsc_shift,
        ),
        None => 0,
    }
}

/// Nanoseconds since 1970 (UTC), from Xen's wall clock.
#[cfg(target_os = "none")]
pub fn realtime_ns() -> u64 {
    let (sec, nsec) = crate::xen::shared_info::get().map_or((0, 0), |s| s.wall_clock());
    wall_clock_ns(sec, nsec, now_ns())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_like_xen() {
        // A 2 GHz TSC is 0.5 ns a tick: mul 2^31 with shift 0, or mul ~2^32
        // with shift -1.
        assert_eq!(tsc_delta_to_ns(2_000_000_000, 1 << 31, 0), 1_000_000_000);
        assert_eq!(tsc_delta_to_ns(2_000_000_000, u32::MAX, -1), 999_999_999);
        // A 500 MHz TSC: shift +1, mul 2^32 - 1.
        assert_eq!(tsc_delta_to_ns(500_000_000, u32::MAX, 1), 999_999_999);
        assert_eq!(
            wall_clock_ns(1_700_000_000, 5, 10),
            1_700_000_000_000_000_015
        );
        // No overflow on large deltas.
        assert_eq!(
            tsc_delta_to_ns(u64::MAX >> 1, 1 << 31, 0),
            (u64::MAX >> 1) / 2
        );
    }
}
