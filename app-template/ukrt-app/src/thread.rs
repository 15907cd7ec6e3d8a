//! `sleep`, shaped like `std::thread::sleep`: the app's thread blocks and
//! the runtime runs the other apps meanwhile.
//!
//! Uses only `core`, so the host tests build this same file against glibc.
use core::time::Duration;

mod sys {
    /// `struct timespec`.
    #[repr(C)]
    pub struct Timespec {
        pub tv_sec: i64,
        pub tv_nsec: i64,
    }

    // SAFETY: this declaration matches libukc's nanosleep
    // (app-template/libukc/src/abi/time.rs) and glibc's in name, argument
    // and result types.
    unsafe extern "C" {
        pub fn nanosleep(req: *const Timespec, rem: *mut Timespec) -> i32;
    }
}

/// Blocks for at least `d`.
pub fn sleep(d: Duration) {
    let mut req = sys::Timespec {
        tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: d.subsec_nanos() as i64,
    };
    loop {
        let mut rem = sys::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `req` is a valid timespec (nanoseconds below 10^9) and
        // `rem` a writable one, both live for the call.
        if unsafe { sys::nanosleep(&req, &mut rem) } == 0 {
            return;
        }
        // Interrupted (by a signal on Linux): sleep what is left.
        if rem.tv_sec == 0 && rem.tv_nsec == 0 {
            return;
        }
        req = rem;
    }
}
