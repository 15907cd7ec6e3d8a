//! The exception handler proper.
use super::report;
use crate::arch::app_entry::AppCall;
use crate::arch::traps::TrapFrame;
use crate::mm::space::Access;
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt::Display;
use core::sync::atomic::{AtomicU32, Ordering::SeqCst};

/// The page-fault vector (#PF).
const PAGE_FAULT: u64 = 14;

/// How many exceptions are being handled right now. One is normal; two
/// means the handler itself faulted.
static DEPTH: AtomicU32 = AtomicU32::new(0);

/// Self-test hook: make the next fault's handler fault too.
#[cfg(feature = "selftest")]
pub static FAULT_IN_HANDLER: core::sync::atomic::AtomicBool =
    core::sync::atomic::AtomicBool::new(false);

fn access(error_code: u64) -> Access {
    if error_code & (1 << 4) != 0 {
        Access::Execute
    } else if error_code & (1 << 1) != 0 {
        Access::Write
    } else {
        Access::Read
    }
}

/// Called by the entry stubs with the saved registers.
pub fn dispatch(frame: &mut TrapFrame) {
    match frame.vector {
        crate::arch::traps::EVENT_UPCALL => {
            crate::xen::events::upcall();
            return crate::gdb::poll(frame);
        }
        crate::arch::traps::FAILSAFE => fatal(
            frame,
            None,
            Some(&"Xen's failsafe callback: it could not return to the guest (bad segment state)"),
        ),
        _ => {}
    }
    // Breakpoints and single steps of a gdb session.
    if matches!(frame.vector, 1 | 3) && crate::gdb::trap(frame) {
        return;
    }
    // Read cr2 first: a nested fault would overwrite it.
    let cr2 = (frame.vector == PAGE_FAULT)
        .then(crate::xen::shared_info::get)
        .flatten()
        .map(|s| s.cr2());
    match DEPTH.fetch_add(1, SeqCst) {
        0 => {}
        1 => fatal(frame, cr2, Some(&"fault inside the fault handler")),
        // Faulting while reporting a nested fault: nothing more can be said.
        _ => crate::exit::crash_silently(),
    }
    #[cfg(feature = "selftest")]
    if FAULT_IN_HANDLER.swap(false, SeqCst) {
        crate::selftest::fault_now();
    }
    if let Some(va) = cr2 {
        if crate::mm::in_app_region(va) {
            match crate::mm::handle_fault(va, access(frame.error_code)) {
                Ok(()) => {
                    DEPTH.fetch_sub(1, SeqCst);
                    return;
                }
                Err(e) => fatal(frame, cr2, Some(&e)),
            }
        }
        fatal(frame, cr2, Some(&"address outside the application region"));
    }
    fatal(frame, cr2, None)
}

fn fatal(frame: &TrapFrame, cr2: Option<u64>, reason: Option<&dyn Display>) -> ! {
    crate::gdb::on_fatal(frame);
    if let Some((call, name)) = faulting_app(frame) {
        end_app(frame, cr2, reason, &call, &name)
    }
    crate::console::take_over_for_crash();
    let trace = match crate::arch::stack_containing(frame.rsp) {
        Some(stack) => report::backtrace(frame.rbp, stack.clone(), |a| {
            crate::arch::read_stack_word(&stack, a).unwrap_or(0)
        }),
        None => heapless::Vec::new(),
    };
    let w = &mut crate::console::Writer;
    let _ = report::write_report(w, report::Culprit::Runtime, frame, cr2, reason);
    let _ = report::write_kernel_frames(w, frame.rip, &trace);
    crate::exit::crash()
}

/// The way out of the app whose own code raised the exception, and the
/// app's name; `None` when the runtime's code raised it (or its handler
/// faulted, or no app runs): then the domain ends.
fn faulting_app(frame: &TrapFrame) -> Option<(Arc<AppCall>, String)> {
    if frame.vector == crate::arch::traps::FAILSAFE || DEPTH.load(SeqCst) != 1 {
        return None;
    }
    let (call, name) = crate::sched::try_with_current(|t| {
        let app = t.app.as_ref()?;
        Some((t.app_call.clone(), app.label.clone()))
    })??;
    // App code runs in guest user mode, the runtime in kernel mode.
    let apps = crate::arch::user::from_user_mode(frame.cs);
    (call.active() && apps).then_some((call, name))
}

/// Reports the fault as the app's and ends the app alone (its thread
/// carries on in the runtime, which frees what the app had).
fn end_app(
    frame: &TrapFrame,
    cr2: Option<u64>,
    reason: Option<&dyn Display>,
    call: &AppCall,
    name: &str,
) -> ! {
    let w = &mut crate::console::Writer;
    let _ = report::write_report(w, report::Culprit::App(name), frame, cr2, reason);
    let _ = super::app_trace::write(w, frame);
    let (signal, _) = report::signal_of(frame.vector);
    DEPTH.fetch_sub(1, SeqCst);
    call.kill(signal)
}
