//! The guest console: `console_io` for the first domain, the PV console ring
//! for a domU. Output is flow-controlled: when the ring is full we notify the
//! backend and wait for it to make room (with a bound), never dropping bytes.
//!
//! The backend is set once at boot and then only read, so writing needs no
//! exclusive access to it; a lock only keeps one writer's bytes together.
//! A crash report must print even when the crashed code held that lock (one
//! vCPU, nothing preempts: the holder will never let go), so from
//! [`take_over_for_crash`] on, writers skip the lock.
//!
//! `print!`/`println!` format through `embedded_io::Write`.
#[cfg(target_os = "none")]
use crate::xen::console_ring::ConsoleRing;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Mode {
    /// Before boot picked one: output is discarded.
    None = 0,
    /// `console_io(CONSOLEIO_write)`, for the first domain.
    Hypervisor = 1,
    /// The shared ring in [`RING`].
    Ring = 2,
}

static MODE: AtomicU8 = AtomicU8::new(Mode::None as u8);
/// Serialises writers, so one `println!`'s bytes stay together.
static WRITERS: spin::Mutex<()> = spin::Mutex::new(());
/// Set once a crash report is being printed.
static CRASHING: AtomicBool = AtomicBool::new(false);

#[cfg(target_os = "none")]
struct Ring {
    ring: ConsoleRing,
    evtchn: u32,
}

#[cfg(target_os = "none")]
static RING: spin::Once<Ring> = spin::Once::new();

fn mode() -> Mode {
    match MODE.load(Ordering::Acquire) {
        1 => Mode::Hypervisor,
        2 => Mode::Ring,
        _ => Mode::None,
    }
}

/// Runs `f` as the only writer, unless a crash report is printing.
fn exclusive<R>(f: impl FnOnce() -> R) -> R {
    if CRASHING.load(Ordering::Acquire) {
        return f();
    }
    let _writer = WRITERS.lock();
    f()
}

/// The console device (all its state is in the statics above).
pub struct Console;

#[cfg(target_os = "none")]
mod device {
    use super::*;
    use crate::xen::hypercall;

    /// Writes with `console_io` from now on (the first domain).
    pub fn use_hypervisor() {
        MODE.store(Mode::Hypervisor as u8, Ordering::Release);
    }

    /// Writes into the PV console ring from now on (a domU). Only the first
    /// call takes effect: the ring never changes once set.
    pub fn use_ring(ring: ConsoleRing, evtchn: u32) {
        RING.call_once(|| Ring { ring, evtchn });
        MODE.store(Mode::Ring as u8, Ordering::Release);
    }

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

    impl embedded_io::ErrorType for Console {
        type Error = ConsoleError;
    }

    impl embedded_io::Write for Console {
        fn write(&mut self, buf: &[u8]) -> Result<usize, ConsoleError> {
            match (mode(), RING.get()) {
                (Mode::Hypervisor, _) => {
                    // console_io takes at most what it can handle and says so.
                    hypercall::console_write(buf)
                        .map(|_| buf.len())
                        .map_err(|e| ConsoleError::Hypervisor(e.0))
                }
                (Mode::Ring, Some(Ring { ring, evtchn })) => {
                    if buf.is_empty() {
                        return Ok(0);
                    }
                    let mut n = ring.push(buf);
                    if n == 0 {
                        let size = crate::xen::console_ring::OUT_SIZE;
                        wait_for_backend(*evtchn, || ring.unconsumed() < size)?;
                        n = ring.push(buf);
                    }
                    let _ = hypercall::evtchn_send(*evtchn);
                    Ok(n)
                }
                _ => Ok(buf.len()),
            }
        }

        /// Returns once the backend has taken every byte written so far.
        fn flush(&mut self) -> Result<(), ConsoleError> {
            match (mode(), RING.get()) {
                (Mode::Ring, Some(Ring { ring, evtchn })) => {
                    wait_for_backend(*evtchn, || ring.unconsumed() == 0)
                }
                _ => Ok(()),
            }
        }
    }

    /// Writes formatted text to the console; errors are dropped (there is
    /// nowhere else to report them).
    pub fn print_fmt(args: core::fmt::Arguments) {
        exclusive(|| {
            let _ = embedded_io::Write::write_fmt(&mut Console, args);
        });
    }

    /// Writes `bytes` to the console, all of them unless the backend stalls.
    pub fn write_bytes(bytes: &[u8]) -> Result<(), ConsoleError> {
        exclusive(|| embedded_io::Write::write_all(&mut Console, bytes))
    }

    /// Takes console input that has arrived (0 bytes if none yet).
    pub fn read_input(buf: &mut [u8]) -> usize {
        match (mode(), RING.get()) {
            (Mode::Hypervisor, _) => hypercall::console_read(buf).unwrap_or(0),
            (Mode::Ring, Some(r)) => r.ring.pull(buf),
            _ => 0,
        }
    }

    /// Starts input: a console event marks input ready for waiting threads.
    pub fn enable_input() {
        fn ready(_port: u32) {
            crate::sched::INPUT_READY.store(true, Ordering::Relaxed);
        }
        let port = match (mode(), RING.get()) {
            (Mode::Hypervisor, _) => hypercall::bind_virq(crate::xen::abi::VIRQ_CONSOLE),
            (Mode::Ring, Some(r)) => Ok(r.evtchn),
            _ => return,
        };
        match port {
            Ok(port) => crate::xen::events::bind(port, ready),
            Err(e) => crate::println!("ukrt: warning: no console input: {e}"),
        }
    }

    /// Waits for the console backend to take all output (bounded).
    pub fn flush() {
        let _ = exclusive(|| embedded_io::Write::flush(&mut Console));
    }
}

#[cfg(target_os = "none")]
pub use device::*;

/// From now on, writers do not wait for the writer lock: the code that
/// crashed may hold it and will never run again.
pub fn take_over_for_crash() {
    CRASHING.store(true, Ordering::Release);
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

#[cfg(not(target_os = "none"))]
pub fn print_fmt(args: core::fmt::Arguments) {
    exclusive(|| std::print!("{args}"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_report_prints_while_a_writer_holds_the_lock() {
        let held = WRITERS.lock();
        take_over_for_crash();
        // Would spin forever if writers still took the lock.
        assert_eq!(exclusive(|| 7), 7);
        drop(held);
        CRASHING.store(false, Ordering::Release);
        assert_eq!(mode(), Mode::None);
    }
}
