//! Time shaped like `std::time`: [`Instant`] (the monotonic clock, for
//! measuring) and [`SystemTime`] (the wall clock, from Xen's) with
//! [`UNIX_EPOCH`]; [`Duration`] is core's.
//!
//! ```ignore
//! use ukrt_app::time::{Instant, SystemTime, UNIX_EPOCH};
//! let start = Instant::now();
//! let secs = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
//! ukrt_app::println!("{secs} s since 1970, {:?} so far", start.elapsed());
//! ```
//!
//! Uses only `core`, so the host tests build this same file against glibc.
pub use core::time::Duration;

mod sys {
    pub const CLOCK_REALTIME: i32 = 0;
    pub const CLOCK_MONOTONIC: i32 = 1;

    /// `struct timespec`.
    #[repr(C)]
    #[derive(Default)]
    pub struct Timespec {
        pub tv_sec: i64,
        pub tv_nsec: i64,
    }

    // SAFETY: this declaration matches libukc's clock_gettime
    // (app-template/libukc/src/abi/time.rs) and glibc's in name, argument
    // and result types.
    unsafe extern "C" {
        pub fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
}

/// The time of `clock` since its zero.
fn now(clock: i32) -> Duration {
    let mut ts = sys::Timespec::default();
    // SAFETY: `ts` is a live, writable Timespec for the call; both clocks
    // exist, so the call only writes it.
    unsafe { sys::clock_gettime(clock, &mut ts) };
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// A moment of the monotonic clock (it never goes back), like
/// `std::time::Instant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Duration);

impl Instant {
    pub fn now() -> Instant {
        Instant(now(sys::CLOCK_MONOTONIC))
    }
    /// The time from `earlier` to this one (zero if `earlier` is later).
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }
    pub fn checked_add(&self, d: Duration) -> Option<Instant> {
        self.0.checked_add(d).map(Instant)
    }
}

impl core::ops::Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0 + d)
    }
}

impl core::ops::Sub for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}

/// A moment of the wall clock, like `std::time::SystemTime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SystemTime(Duration);

/// 1970-01-01 00:00:00 UTC.
pub const UNIX_EPOCH: SystemTime = SystemTime(Duration::ZERO);

/// `earlier` was later than the time it was subtracted from; by how much.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SystemTimeError(pub Duration);

impl core::fmt::Display for SystemTimeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "second time provided was later than self by {:?}",
            self.0
        )
    }
}

impl SystemTime {
    pub const UNIX_EPOCH: SystemTime = UNIX_EPOCH;

    pub fn now() -> SystemTime {
        SystemTime(now(sys::CLOCK_REALTIME))
    }
    pub fn duration_since(&self, earlier: SystemTime) -> Result<Duration, SystemTimeError> {
        self.0
            .checked_sub(earlier.0)
            .ok_or_else(|| SystemTimeError(earlier.0 - self.0))
    }
    pub fn elapsed(&self) -> Result<Duration, SystemTimeError> {
        SystemTime::now().duration_since(*self)
    }
}

impl core::ops::Add<Duration> for SystemTime {
    type Output = SystemTime;
    fn add(self, d: Duration) -> SystemTime {
        SystemTime(self.0 + d)
    }
}
