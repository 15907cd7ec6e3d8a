//! ukrt-app's `time`, `thread` and `env` modules
//! (app-template/ukrt-app/src/), built on the host against glibc's
//! clock_gettime, nanosleep and getenv (the C ABI libukc gives apps);
//! std's clocks and environment look at the results from the side.
extern crate alloc;

#[allow(dead_code)]
#[path = "../../ukrt-app/src/env.rs"]
mod env;
#[allow(dead_code)]
#[path = "../../ukrt-app/src/thread.rs"]
mod thread;
#[allow(dead_code)]
#[path = "../../ukrt-app/src/time.rs"]
mod time;

use std::time::Duration;

/// The runtime's export, here glibc's `environ`.
#[no_mangle]
extern "C" fn ukrt_environ() -> *const *const std::ffi::c_char {
    unsafe extern "C" {
        static environ: *const *const std::ffi::c_char;
    }
    // SAFETY: glibc's environ is initialised before main and only read here.
    unsafe { environ }
}

#[test]
fn clocks_agree_with_std_and_sleep_sleeps_at_least_as_asked() {
    let wall = time::SystemTime::now()
        .duration_since(time::UNIX_EPOCH)
        .unwrap();
    let std_wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    assert!(
        std_wall.abs_diff(wall) < Duration::from_secs(5),
        "{wall:?} vs {std_wall:?}"
    );
    let start = time::Instant::now();
    thread::sleep(Duration::from_millis(30));
    let slept = start.elapsed();
    assert!(slept >= Duration::from_millis(30), "{slept:?}");
    assert!(time::Instant::now() >= start);
    assert_eq!(
        start.duration_since(start + Duration::from_secs(1)),
        Duration::ZERO
    );
    let later = time::UNIX_EPOCH + Duration::from_secs(10);
    assert_eq!(
        time::UNIX_EPOCH.duration_since(later),
        Err(time::SystemTimeError(Duration::from_secs(10)))
    );
}

#[test]
fn env_var_and_vars_read_the_environment() {
    // Set before any thread of this test reads it.
    std::env::set_var("UKRT_APP_ENV_TEST", "a=b c");
    assert_eq!(env::var("UKRT_APP_ENV_TEST").as_deref(), Ok("a=b c"));
    assert_eq!(
        env::var("UKRT_APP_ENV_TEST_UNSET"),
        Err(env::VarError::NotPresent)
    );
    assert_eq!(env::var("NUL\0NAME"), Err(env::VarError::NotPresent));
    let all: Vec<(String, String)> = env::vars().collect();
    assert!(
        all.contains(&("UKRT_APP_ENV_TEST".into(), "a=b c".into())),
        "{all:?}"
    );
    assert_eq!(
        all.len(),
        std::env::vars_os()
            .filter(|(k, v)| k.to_str().is_some() && v.to_str().is_some())
            .count()
    );
}
