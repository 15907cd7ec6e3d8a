//! An app's backtrace, from inside the fault handler: its objects come
//! from the running thread's app context, and its stack is read only
//! where a read cannot fault (docs/backtraces.md).
use super::report;
use crate::arch::traps::TrapFrame;
use core::fmt::{self, Write};
use core::ops::Range;

/// A stack word, if it lies on the known stack the app ran on and its page
/// is mapped. App stacks are mapped as they are touched, so a corrupt
/// frame can point at a hole: a read there would fault in the handler and
/// end the domain.
fn read_word(stack: &Range<u64>, addr: u64) -> Option<u64> {
    if !addr.is_multiple_of(8) || addr < stack.start || addr.checked_add(8)? > stack.end {
        return None;
    }
    if crate::mm::in_app_region(addr) && !crate::mm::is_mapped(addr) {
        return None;
    }
    crate::arch::read_stack_word(stack, addr)
}

/// Writes the backtrace of the app whose code raised `frame`.
pub fn write(w: &mut impl Write, frame: &TrapFrame) -> fmt::Result {
    let objects = crate::sched::try_with_current(|t| t.app.as_ref().map(|a| a.objects.clone()))
        .flatten();
    let objects = objects.as_deref().unwrap_or(&[]);
    let stack = crate::arch::stack_containing(frame.rsp);
    let bt = report::app_backtrace(objects, frame, |a| {
        stack.as_ref().and_then(|s| read_word(s, a))
    });
    report::write_app_frames(w, objects, &bt)
}
