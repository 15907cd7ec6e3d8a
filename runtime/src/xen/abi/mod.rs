//! Xen's public ABI, in one place: every structure the runtime shares with
//! Xen or with a backend domain, and every number it passes them.
//!
//! Items xen-sys has (start_info, shared_info, the MMU and multicall
//! structures, hypercall and event-channel numbers) are re-exported from it;
//! the rest is mirrored here as `#[repr(C)]` types from Xen's public headers
//! (`xen/include/public/...`). Nothing else in the runtime spells a byte
//! offset or an ABI number. `layout_tests` compiles a C program against the
//! installed headers (libxen-dev) and compares every size, offset and
//! constant with this module.
#[allow(dead_code)]
pub mod grant;
#[allow(dead_code)]
pub mod io;

#[cfg(test)]
mod layout_tests;

// The ABI is mirrored whole, for the drivers to come: not every item has a
// user yet.
#[allow(unused_imports)]
pub use xen_sys::{
    __HYPERVISOR_console_io, __HYPERVISOR_event_channel_op, __HYPERVISOR_grant_table_op,
    __HYPERVISOR_iret, __HYPERVISOR_mmu_update, __HYPERVISOR_mmuext_op, __HYPERVISOR_multicall,
    __HYPERVISOR_sched_op, __HYPERVISOR_set_callbacks, __HYPERVISOR_set_timer_op,
    __HYPERVISOR_set_trap_table, __HYPERVISOR_stack_switch, __HYPERVISOR_update_va_mapping,
    __HYPERVISOR_vcpu_op, __HYPERVISOR_xen_version, mmu_update, mmuext_op, mmuext_op__bindgen_ty_1,
    mmuext_op__bindgen_ty_2, multicall_entry, shared_info, start_info, trap_info, vcpu_info,
    vcpu_time_info, CONSOLEIO_read, CONSOLEIO_write, EVTCHNOP_alloc_unbound, EVTCHNOP_bind_virq,
    EVTCHNOP_close, EVTCHNOP_send, EVTCHNOP_unmask, SCHEDOP_block, SCHEDOP_shutdown, SCHEDOP_yield,
    SHUTDOWN_crash, SHUTDOWN_poweroff, SHUTDOWN_reboot, FLAT_KERNEL_CS, FLAT_KERNEL_SS,
    FLAT_USER_CS, FLAT_USER_SS, MMUEXT_INVLPG_LOCAL, MMUEXT_NEW_USER_BASEPTR, MMUEXT_PIN_L1_TABLE,
    MMUEXT_TLB_FLUSH_LOCAL, MMUEXT_UNPIN_TABLE, MMU_NORMAL_PT_UPDATE, SIF_INITDOMAIN,
    SIF_MOD_START_PFN, SIF_PRIVILEGED, VIRQ_CONSOLE, VIRQ_TIMER,
};
#[allow(unused_imports)]
pub use xen_sys::{evtchn_alloc_unbound, evtchn_bind_virq, evtchn_close, evtchn_send};

/// A domain id (`domid_t`).
pub type DomId = u16;
/// The calling domain, in calls that take a domain id (`DOMID_SELF`, xen.h).
pub const DOMID_SELF: DomId = 0x7ff0;

/// `xen_version` commands (version.h).
pub const XENVER_VERSION: u32 = 0;
pub const XENVER_EXTRAVERSION: u32 = 1;
/// `XENVER_extraversion` fills a `xen_extraversion_t` of this many bytes.
pub const XEN_EXTRAVERSION_LEN: usize = 16;

/// `update_va_mapping` flag: invalidate the one TLB entry (`UVMF_INVLPG`, xen.h).
pub const UVMF_INVLPG: u64 = 2;

/// `trap_info.flags` bit 2 (`TI_SET_IF`, arch-x86/xen.h): event delivery is
/// masked while the handler runs, as an interrupt gate would.
pub const TI_MASK_EVENTS: u8 = 1 << 2;

/// `vcpu_op` commands (vcpu.h).
pub const VCPUOP_GET_RUNSTATE_INFO: u32 = 4;
pub const VCPUOP_STOP_PERIODIC_TIMER: u32 = 7;
pub const VCPUOP_SET_PERIODIC_TIMER: u32 = 6;

/// `struct vcpu_set_periodic_timer` (vcpu.h).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct VcpuSetPeriodicTimer {
    pub period_ns: u64,
}

/// The `physdev_op` hypercall and its `PHYSDEVOP_set_iopl` command
/// (xen.h, physdev.h): the virtual I/O privilege level of the calling vCPU.
pub const HYPERVISOR_PHYSDEV_OP: u32 = 33;
pub const PHYSDEVOP_SET_IOPL: u32 = 6;

/// `struct physdev_set_iopl` (physdev.h).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PhysdevSetIopl {
    pub iopl: u32,
}

/// `struct vcpu_runstate_info` (vcpu.h): what `VCPUOP_get_runstate_info`
/// fills in, the vCPU's current state, since when (system time, ns), and
/// the nanoseconds spent in each state.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct VcpuRunstateInfo {
    pub state: i32,
    pub state_entry_time: u64,
    pub time: [u64; 4],
}

/// The `vcpu_runstate_info` state "running" (vcpu.h), an index into its
/// `time` (the others: runnable, blocked, offline).
pub const RUNSTATE_RUNNING: i32 = 0;

/// `struct sched_shutdown` (sched.h): the argument of `SCHEDOP_shutdown`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SchedShutdown {
    pub reason: u32,
}

/// The address Xen maps the machine-to-physical table at in every 64-bit PV
/// guest (`MACH2PHYS_VIRT_START`, arch-x86/xen-x86_64.h).
pub const MACH2PHYS_VIRT_START: u64 = 0xffff_8000_0000_0000;

/// Bytes in a page, as Xen's interfaces count them (`XEN_PAGE_SIZE`).
pub const PAGE_SIZE: usize = 4096;
