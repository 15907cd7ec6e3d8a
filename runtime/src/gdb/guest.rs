//! The stub in the guest: the trap hooks and the session loop.
use super::protocol::{self, Decoder, Event, Resume, Stop, Stub, TRAP_FLAG};
use super::Mode;
use crate::arch::serial;
use crate::arch::traps::TrapFrame;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};

/// 0: off; else `Mode as u8 + 1`.
static MODE: AtomicU8 = AtomicU8::new(0);
/// Set while `uk.gdb=wait` has not stopped before a `main` yet.
static WAIT_PENDING: AtomicBool = AtomicBool::new(false);
/// The `int3` of the wait stop is being raised.
static WAITING: AtomicBool = AtomicBool::new(false);

/// How often the event path looks for gdb's interrupt byte while gdb is
/// attached and the program runs (a periodic timer event).
const POLL_NS: u64 = 50_000_000;

struct Session {
    stub: Stub,
    decoder: Decoder,
    /// gdb has sent a packet since the last detach.
    attached: bool,
    /// A single step is under way (the trap flag is ours).
    stepping: bool,
}

static SESSION: spin::Mutex<Session> = spin::Mutex::new(Session {
    stub: Stub::new(),
    decoder: Decoder::new(),
    attached: false,
    stepping: false,
});

fn mode() -> Option<Mode> {
    match MODE.load(Relaxed) {
        1 => Some(Mode::Listen),
        2 => Some(Mode::Crash),
        3 => Some(Mode::Wait),
        _ => None,
    }
}

/// Whether the stub is on.
pub fn enabled() -> bool {
    mode().is_some()
}

/// Turns the stub on for `uk.gdb[=value]`; says why not if it cannot be.
/// Only the first domain may have COM2's ports: in a domU an `in` would be
/// a #GP, so the stub stays off there.
pub fn init(value: Option<&str>, first_domain: bool) {
    if !first_domain {
        crate::println!(
            "ukrt: warning: uk.gdb works in the first domain only (make debug; docs/debugging.md); the gdb stub stays off"
        );
        return;
    }
    let mode = match Mode::parse(value) {
        Ok(m) => m,
        Err(e) => {
            crate::println!("ukrt: warning: {e}; the gdb stub stays off");
            return;
        }
    };
    if let Err(e) = serial::init() {
        crate::println!("ukrt: warning: the gdb stub needs COM2: {e}; it stays off");
        return;
    }
    MODE.store(mode as u8 + 1, Relaxed);
    crate::arch::app_entry::deliver_events_to_apps();
    WAIT_PENDING.store(mode == Mode::Wait, Relaxed);
    crate::println!("ukrt-gdb: stub on COM2 ({mode:?})");
}

/// Says where an app's object is loaded, for the harness's gdb script
/// (`add-symbol-file FILE -o BASE`).
pub fn announce_object(app: &str, file: &str, base: u64) {
    if enabled() {
        crate::println!("ukrt-gdb: object {file} app {app} base {base:#x}");
    }
}

/// Before an app's `main`: with `uk.gdb=wait`, the first time, stop here
/// and wait for gdb.
pub fn before_main() {
    if WAIT_PENDING.swap(false, Relaxed) {
        WAITING.store(true, Relaxed);
        serial::breakpoint();
    }
}

/// The #BP and #DB hook: true when the stub took the trap (the frame is
/// then ready to resume), false when it is not the stub's (the usual
/// handling goes on).
pub fn trap(frame: &mut TrapFrame) -> bool {
    if !enabled() {
        return false;
    }
    let stop = {
        // Busy: the trap came from the stub's own path; not ours to take.
        let Some(mut s) = SESSION.try_lock() else {
            return false;
        };
        match frame.vector {
            3 => {
                let addr = frame.rip.wrapping_sub(1);
                if s.stub.has_breakpoint(addr) {
                    frame.rip = addr;
                    Stop::Breakpoint
                } else if WAITING.swap(false, Relaxed) || s.attached {
                    Stop::Trap
                } else {
                    return false;
                }
            }
            1 if s.stepping || s.attached => {
                s.stepping = false;
                frame.rflags &= !TRAP_FLAG;
                Stop::Trap
            }
            _ => return false,
        }
    };
    session(frame, stop);
    true
}

/// The fatal-fault hook: with `uk.gdb=crash` or `wait`, gdb gets the
/// faulting state (the pc on the faulting instruction) before the crash
/// report; whatever gdb changes, the fault's end follows when it resumes.
pub fn on_fatal(frame: &TrapFrame) {
    if matches!(mode(), Some(Mode::Crash | Mode::Wait)) {
        let (signal, _) = crate::trap::report::signal_of(frame.vector);
        let mut copy = *frame;
        session(&mut copy, Stop::Signal(signal as u8));
    }
}

/// The event path's hook: gdb's interrupt byte stops the program where
/// the event found it.
pub fn poll(frame: &mut TrapFrame) {
    if !enabled() {
        return;
    }
    let interrupted = SESSION
        .try_lock()
        .is_some_and(|s| s.attached && serial::try_read() == Some(protocol::INTERRUPT));
    if interrupted {
        session(frame, Stop::Interrupt);
    }
}

fn send(data: &[u8]) {
    serial::write(&protocol::frame(data));
}

/// Stops the program: answers gdb until it resumes it. A stop while a
/// session is under way (a fault in the stub's own path) is not taken.
fn session(frame: &mut TrapFrame, stop: Stop) {
    let Some(mut s) = SESSION.try_lock() else {
        return;
    };
    let reply = s.stub.stopped(stop);
    if s.attached {
        send(&reply);
    } else {
        crate::println!(
            "ukrt-gdb: waiting for gdb on COM2 ({stop:?} at {:#x})",
            frame.rip
        );
    }
    let resume = loop {
        let event = s.decoder.push(serial::read());
        match event {
            Some(Event::Packet(p)) => {
                serial::write(b"+");
                s.attached = true;
                let out = s.stub.handle(&p, frame, &mut Peek);
                if let Some(r) = out.reply {
                    send(&r);
                }
                if let Some(r) = out.resume {
                    break r;
                }
            }
            Some(Event::BadChecksum) => serial::write(b"-"),
            // Already stopped: nothing to interrupt.
            Some(Event::Interrupt) | None => {}
        }
    };
    match resume {
        Resume::Continue => {
            frame.rflags &= !TRAP_FLAG;
            s.stepping = false;
        }
        Resume::Step => {
            frame.rflags |= TRAP_FLAG;
            s.stepping = true;
        }
        Resume::Detach => {
            frame.rflags &= !TRAP_FLAG;
            s.stepping = false;
            s.attached = false;
        }
        Resume::Kill => {
            drop(s);
            crate::println!("ukrt-gdb: killed by gdb");
            crate::exit::exit(137);
        }
    }
    if s.attached {
        // Events often enough to see an interrupt byte.
        let _ = crate::xen::hypercall::set_periodic_timer(POLL_NS);
    } else {
        let _ = crate::xen::hypercall::stop_periodic_timer();
    }
}

/// Memory as `mm::peek` reaches it.
struct Peek;

impl protocol::Memory for Peek {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> usize {
        crate::mm::peek::read(addr, buf)
    }
    fn write(&mut self, addr: u64, data: &[u8]) -> bool {
        crate::mm::peek::write(addr, data)
    }
}
