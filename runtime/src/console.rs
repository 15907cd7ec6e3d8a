//! The guest console: `console_io` for the first domain, the PV console ring
//! for a domU. Output is flow-controlled: when the ring is full we notify the
//! backend and wait for it to make room (with a bound), never dropping bytes.
//!
//! `print!`/`println!` format through `embedded_io::Write`.
use crate::xen::console_ring::ConsoleRing;

/// How long a write waits for a stalled console backend before giving up.
pub const BACKEND_TIMEOUT_NS: u64 = 5_000_000_000;

/// Why console output could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleError {
    /// The backend consumed nothing for `BACKEND_TIMEOUT_NS`.
    BackendStalled,
    /// Xen refused the write (its negative errno).
    Hypervisor(i64),
}

impl embedded_io::Error for ConsoleError {
    fn kind(&self) -> embedded_io::ErrorKind {
        match self {
            Self::BackendStalled => embedded_io::ErrorKind::TimedOut,
            Self::Hypervisor(_) => embedded_io::ErrorKind::Other,
        }
    }
}

/// Where console bytes go.
pub enum Backend {
    /// Before `init`: output is discarded (nothing can be printed yet).
    None,
    /// `console_io(CONSOLEIO_write)`, for the first domain.
    Hypervisor,
    /// The shared ring, notified on `evtchn`.
    Ring { ring: ConsoleRing, evtchn: u32 },
}

/// The console device.
pub struct Console {
    backend: Backend,
}

/// The one console, shared by the runtime and the apps.
pub static CONSOLE: spin::Mutex<Console> = spin::Mutex::new(Console {
    backend: Backend::None,
});

impl Console {
    pub fn set_backend(&mut self, backend: Backend) {
        self.backend = backend;
    }
}

#[cfg(target_os = "none")]
mod device {
    use super::*;
    use crate::xen::hypercall;

    impl Console {
        /// Waits with a bound until `done` holds, nudging the backend.
        fn wait_for_backend(evtchn: u32, done: impl Fn() -> bool) -> Result<(), ConsoleError> {
            let deadline = crate::time::now_ns() + BACKEND_TIMEOUT_NS;
            while !done() {
                let _ = hypercall::evtchn_send(evtchn);
                if crate::time::now_ns() > deadline {
                    return Err(ConsoleError::BackendStalled);
                }
                hypercall::sched_yield();
            }
            Ok(())
        }
    }

    impl embedded_io::ErrorType for Console {
        type Error = ConsoleError;
    }

    impl embedded_io::Write for Console {
        fn write(&mut self, buf: &[u8]) -> Result<usize, ConsoleError> {
            match &self.backend {
                Backend::None => Ok(buf.len()),
                Backend::Hypervisor => {
                    // console_io takes at most what it can handle and says so.
                    hypercall::console_write(buf)
                        .map(|_| buf.len())
                        .map_err(|e| ConsoleError::Hypervisor(e.0))
                }
                Backend::Ring { ring, evtchn } => {
                    if buf.is_empty() {
                        return Ok(0);
                    }
                    let mut n = ring.push(buf);
                    if n == 0 {
                        Self::wait_for_backend(*evtchn, || ring.unconsumed() < 2048)?;
                        n = ring.push(buf);
                    }
                    let _ = hypercall::evtchn_send(*evtchn);
                    Ok(n)
                }
            }
        }

        /// Returns once the backend has taken every byte written so far.
        fn flush(&mut self) -> Result<(), ConsoleError> {
            match &self.backend {
                Backend::Ring { ring, evtchn } => {
                    Self::wait_for_backend(*evtchn, || ring.unconsumed() == 0)
                }
                _ => Ok(()),
            }
        }
    }
}

/// A `core::fmt::Write` handle on the console, for code that formats
/// piecewise (the crash report).
pub struct Writer;

impl core::fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        print_fmt(format_args!("{s}"));
        Ok(())
    }
}

/// Makes sure a crash report can print. There is one vCPU and nothing
/// preempts the runtime, so if the console is locked its holder is the code
/// that crashed, and it will never unlock it.
#[cfg(target_os = "none")]
pub fn take_over_for_crash() {
    if CONSOLE.is_locked() {
        // SAFETY: see above; nobody else can be inside the critical section.
        unsafe { CONSOLE.force_unlock() };
    }
}

/// Writes formatted text to the console; errors are dropped (there is
/// nowhere else to report them).
#[cfg(target_os = "none")]
pub fn print_fmt(args: core::fmt::Arguments) {
    let _ = embedded_io::Write::write_fmt(&mut *CONSOLE.lock(), args);
}

/// Takes console input that has arrived (0 bytes if none yet).
#[cfg(target_os = "none")]
pub fn read_input(buf: &mut [u8]) -> usize {
    match &CONSOLE.lock().backend {
        Backend::Hypervisor => crate::xen::hypercall::console_read(buf).unwrap_or(0),
        Backend::Ring { ring, .. } => ring.pull(buf),
        Backend::None => 0,
    }
}

/// Starts input: a console event marks input ready for waiting threads.
#[cfg(target_os = "none")]
pub fn enable_input() {
    fn ready(_port: u32) {
        crate::sched::INPUT_READY.store(true, core::sync::atomic::Ordering::Relaxed);
    }
    let port = match &CONSOLE.lock().backend {
        Backend::Hypervisor => crate::xen::hypercall::bind_virq(xen_sys::VIRQ_CONSOLE),
        Backend::Ring { evtchn, .. } => Ok(*evtchn),
        Backend::None => return,
    };
    match port {
        Ok(port) => crate::xen::events::bind(port, ready),
        Err(e) => crate::println!("ukrt: warning: no console input: {e}"),
    }
}

/// Waits for the console backend to take all output (bounded).
#[cfg(target_os = "none")]
pub fn flush() {
    let _ = embedded_io::Write::flush(&mut *CONSOLE.lock());
}

#[cfg(not(target_os = "none"))]
pub fn print_fmt(args: core::fmt::Arguments) {
    std::print!("{args}");
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::print_fmt(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::console::print_fmt(format_args!("{}\n", format_args!($($arg)*))) };
}
