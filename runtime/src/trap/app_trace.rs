//! An app's backtrace, from inside the fault handler: its objects come
//! from the running thread's app context, and its stack is read only
//! where a read cannot fault (docs/backtraces.md).
use super::report;
use crate::arch::traps::TrapFrame;
use core::fmt::{self, Write};
use core::ops::Range;

/// A word of the app's stack, if its page is mapped. App stacks are
/// mapped as they are touched, so a corrupt frame can point at a hole: a
/// read there would fault in the handler and end the domain.
fn read_word(stack: &Range<u64>, addr: u64) -> Option<u64> {
    if addr < stack.start || addr.checked_add(8)? > stack.end {
        return None;
    }
    crate::arch::read_app_word(addr)
}

/// Writes the backtrace of the app whose code raised `frame`.
pub fn write(w: &mut impl Write, frame: &TrapFrame) -> fmt::Result {
    // The thread's own app stack: the arch layer's record of the running
    // app stack is one for all threads, and another app's return clears it.
    let app = crate::sched::try_with_current(|t| {
        t.app.as_ref().map(|a| (a.objects.clone(), a.stack.clone()))
    })
    .flatten();
    let (objects, stack) = match &app {
        Some((o, s)) => (&o[..], s.clone()),
        None => (&[][..], 0..0),
    };
    let bt = report::app_backtrace(objects, frame, |a| read_word(&stack, a));
    report::write_app_frames(w, objects, &bt)
}
