//! Exception entry and return for a 64-bit PV guest.
//!
//! Xen delivers an exception on the current stack (16-byte aligned, no red
//! zone) with this frame, lowest address first: rcx, r11, [error code], rip,
//! cs, rflags, rsp, ss. Each stub pops rcx and r11 back into their registers,
//! pushes a zero error code where the CPU gives none and the vector number,
//! and jumps to the common path, which saves every register into a
//! [`TrapFrame`] and calls `crate::trap::dispatch`. Return is the `iret`
//! hypercall: Xen wants `flags, rip, cs, rflags, rsp, ss` on the stack and
//! its stub pushes rcx, r11 and rax itself.

/// The registers at the time of the exception.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// Exception vectors the runtime handles, and whether the CPU pushes an
/// error code for each. NMI (2), double fault (8) and machine check (18)
/// are Xen's own business in a PV guest.
pub const VECTORS: [(u8, bool); 16] = [
    (0, false),
    (1, false),
    (3, false),
    (4, false),
    (5, false),
    (6, false),
    (7, false),
    (9, false),
    (10, true),
    (11, true),
    (12, true),
    (13, true),
    (14, true),
    (16, false),
    (17, true),
    (19, false),
];

#[cfg(target_os = "none")]
mod entry {
    use super::TrapFrame;

    extern "C" fn dispatch(frame: &mut TrapFrame) {
        crate::trap::dispatch(frame);
    }

    core::arch::global_asm!(
        ".macro TRAP_STUB vec, has_error",
        ".globl ukrt_trap_\\vec",
        "ukrt_trap_\\vec:",
        "pop rcx",
        "pop r11",
        ".if \\has_error == 0",
        "push 0",
        ".endif",
        "push \\vec",
        "jmp ukrt_trap_common",
        ".endm",
        ".pushsection .text.traps, \"ax\"",
        "TRAP_STUB 0, 0",
        "TRAP_STUB 1, 0",
        "TRAP_STUB 3, 0",
        "TRAP_STUB 4, 0",
        "TRAP_STUB 5, 0",
        "TRAP_STUB 6, 0",
        "TRAP_STUB 7, 0",
        "TRAP_STUB 9, 0",
        "TRAP_STUB 10, 1",
        "TRAP_STUB 11, 1",
        "TRAP_STUB 12, 1",
        "TRAP_STUB 13, 1",
        "TRAP_STUB 14, 1",
        "TRAP_STUB 16, 0",
        "TRAP_STUB 17, 1",
        "TRAP_STUB 19, 0",
        // Xen's event upcall and failsafe callback: the same frame as an
        // exception without an error code; "vectors" 256 and 257.
        ".globl ukrt_event_callback",
        "ukrt_event_callback:",
        "pop rcx",
        "pop r11",
        "push 0",
        "push 256",
        "jmp ukrt_trap_common",
        ".globl ukrt_failsafe_callback",
        "ukrt_failsafe_callback:",
        "pop rcx",
        "pop r11",
        "push 0",
        "push 257",
        "jmp ukrt_trap_common",
        "ukrt_trap_common:",
        "push rax",
        "push rbx",
        "push rcx",
        "push rdx",
        "push rsi",
        "push rdi",
        "push rbp",
        "push r8",
        "push r9",
        "push r10",
        "push r11",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        // The frame is 22 words above a 16-byte aligned base: rsp is aligned.
        "mov rdi, rsp",
        "cld",
        "call {dispatch}",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop r11",
        "pop r10",
        "pop r9",
        "pop r8",
        "pop rbp",
        "pop rdi",
        "pop rsi",
        "pop rdx",
        "pop rcx",
        "pop rbx",
        "pop rax",
        "add rsp, 16", // vector and error code
        "push 0",      // iret flags: restore rcx and r11 too
        "jmp hypercall_page + {iret} * 32",
        ".popsection",
        ".pushsection .rodata.trap_stubs, \"a\"",
        ".balign 8",
        ".globl ukrt_trap_stubs",
        "ukrt_trap_stubs:",
        ".quad ukrt_trap_0, ukrt_trap_1, ukrt_trap_3, ukrt_trap_4",
        ".quad ukrt_trap_5, ukrt_trap_6, ukrt_trap_7, ukrt_trap_9",
        ".quad ukrt_trap_10, ukrt_trap_11, ukrt_trap_12, ukrt_trap_13",
        ".quad ukrt_trap_14, ukrt_trap_16, ukrt_trap_17, ukrt_trap_19",
        ".popsection",
        dispatch = sym dispatch,
        iret = const xen_sys::__HYPERVISOR_iret,
    );

    extern "C" {
        /// Entry addresses of the stubs, in the order of `VECTORS`.
        static ukrt_trap_stubs: [u64; 16];
        fn ukrt_event_callback();
        fn ukrt_failsafe_callback();
    }

    /// Registers the event upcall, the failsafe callback and the syscall
    /// entry (from apps in user mode) with Xen.
    pub fn install_callbacks() -> Result<(), crate::xen::hypercall::XenError> {
        crate::xen::hypercall::set_callbacks(
            ukrt_event_callback as *const () as u64,
            ukrt_failsafe_callback as *const () as u64,
            super::super::user::syscall_entry(),
        )
    }

    /// Registers the stubs with Xen.
    pub fn install() -> Result<(), crate::xen::hypercall::XenError> {
        const FLAT_KERNEL_CS: u16 = xen_sys::FLAT_KERNEL_CS as u16;
        let mut table = [xen_sys::trap_info {
            vector: 0,
            flags: 0,
            cs: 0,
            address: 0,
        }; 17];
        // SAFETY: the stub table is immutable data emitted above.
        let stubs = unsafe { &*core::ptr::addr_of!(ukrt_trap_stubs) };
        for (slot, (&(vector, _), &address)) in
            table.iter_mut().zip(super::VECTORS.iter().zip(stubs))
        {
            // int3 and into may be raised by code on purpose: DPL 3.
            let dpl = if vector == 3 || vector == 4 { 3 } else { 0 };
            *slot = xen_sys::trap_info {
                vector,
                flags: crate::xen::abi::TI_MASK_EVENTS | dpl,
                cs: FLAT_KERNEL_CS,
                address,
            };
        }
        crate::xen::hypercall::set_trap_table(&table)
    }
}

#[cfg(target_os = "none")]
pub use entry::{install, install_callbacks};

/// The trap frame's "vector" for an event upcall.
pub const EVENT_UPCALL: u64 = 256;
/// The trap frame's "vector" for Xen's failsafe callback.
pub const FAILSAFE: u64 = 257;

#[cfg(test)]
mod tests {
    #[test]
    fn frame_layout_matches_the_entry_code() {
        // 15 saved registers, vector, error code, then Xen's five words.
        assert_eq!(core::mem::size_of::<super::TrapFrame>(), 22 * 8);
        assert_eq!(core::mem::offset_of!(super::TrapFrame, vector), 15 * 8);
        assert_eq!(core::mem::offset_of!(super::TrapFrame, rip), 17 * 8);
    }
}
