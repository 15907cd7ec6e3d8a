//! Typed hypercalls used by the runtime. Each wrapper documents the Xen
//! structure it passes; every result is returned to the caller to check.
use super::abi as x;
use crate::arch::hypercall::hypercall;

const DOMID_SELF: u64 = x::DOMID_SELF as u64;

extern "C" {
    /// Filled by Xen before the guest starts (see `arch::entry`).
    static hypercall_page: u8;
}

/// A failed hypercall: Xen's negative errno value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XenError(pub i64);

impl core::fmt::Display for XenError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Xen error {}", self.0)
    }
}

fn call(nr: u32, args: [u64; 5]) -> i64 {
    crate::stats::HYPERCALLS.inc();
    // SAFETY: Xen has filled the hypercall page before `_start` runs. Each
    // wrapper below passes arguments of the form hypercall `nr` expects.
    unsafe { hypercall(core::ptr::addr_of!(hypercall_page), nr, args) }
}

fn check(ret: i64) -> Result<u64, XenError> {
    if ret < 0 {
        Err(XenError(ret))
    } else {
        Ok(ret as u64)
    }
}

/// `console_io(CONSOLEIO_write)`: writes to Xen's console (first domain only).
pub fn console_write(bytes: &[u8]) -> Result<u64, XenError> {
    check(call(
        x::__HYPERVISOR_console_io,
        [
            x::CONSOLEIO_write as u64,
            bytes.len() as u64,
            bytes.as_ptr() as u64,
            0,
            0,
        ],
    ))
}

/// `xen_version(XENVER_version)`: (major, minor).
pub fn xen_version() -> (u32, u32) {
    let v = call(
        x::__HYPERVISOR_xen_version,
        [x::XENVER_VERSION as u64, 0, 0, 0, 0],
    ) as u32;
    (v >> 16, v & 0xffff)
}

/// `xen_version(XENVER_extraversion)`: the version suffix, e.g. ".7".
pub fn xen_extraversion() -> heapless::String<{ x::XEN_EXTRAVERSION_LEN }> {
    let mut buf = [0u8; x::XEN_EXTRAVERSION_LEN];
    call(
        x::__HYPERVISOR_xen_version,
        [
            x::XENVER_EXTRAVERSION as u64,
            buf.as_mut_ptr() as u64,
            0,
            0,
            0,
        ],
    );
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let mut s = heapless::String::new();
    for &b in &buf[..len] {
        let _ = s.push(if b.is_ascii_graphic() { b as char } else { '?' });
    }
    s
}

/// Shutdown reasons for `sched_op(SCHEDOP_shutdown)`.
#[derive(Debug, Clone, Copy)]
#[repr(u32)]
pub enum ShutdownReason {
    Poweroff = x::SHUTDOWN_poweroff,
    Reboot = x::SHUTDOWN_reboot,
    Crash = x::SHUTDOWN_crash,
}

/// `sched_op(SCHEDOP_shutdown)`: ends the domain. Returns only if Xen refused.
pub fn shutdown(reason: ShutdownReason) -> XenError {
    let arg = x::SchedShutdown {
        reason: reason as u32,
    };
    XenError(call(
        x::__HYPERVISOR_sched_op,
        [
            x::SCHEDOP_shutdown as u64,
            core::ptr::addr_of!(arg) as u64,
            0,
            0,
            0,
        ],
    ))
}

/// `sched_op(SCHEDOP_yield)`: gives the CPU to another vCPU or domain.
pub fn sched_yield() {
    call(
        x::__HYPERVISOR_sched_op,
        [x::SCHEDOP_yield as u64, 0, 0, 0, 0],
    );
}

/// `update_va_mapping(va, pte, UVMF_INVLPG)`: sets the L1 entry that maps `va`.
pub fn update_va_mapping(va: u64, pte: u64) -> Result<(), XenError> {
    check(call(
        x::__HYPERVISOR_update_va_mapping,
        [va, pte, x::UVMF_INVLPG, 0, 0],
    ))
    .map(|_| ())
}

/// `event_channel_op(EVTCHNOP_send)`: notifies the other end of `port`.
pub fn evtchn_send(port: u32) -> Result<(), XenError> {
    let arg = x::evtchn_send { port };
    check(call(
        x::__HYPERVISOR_event_channel_op,
        [
            x::EVTCHNOP_send as u64,
            core::ptr::addr_of!(arg) as u64,
            0,
            0,
            0,
        ],
    ))
    .map(|_| ())
}

/// `mmu_update(reqs, count, &done, DOMID_SELF)`: returns how many were done.
pub fn mmu_update(reqs: &[x::mmu_update]) -> Result<u64, (XenError, u32)> {
    let mut done: u32 = 0;
    let ret = call(
        x::__HYPERVISOR_mmu_update,
        [
            reqs.as_ptr() as u64,
            reqs.len() as u64,
            core::ptr::addr_of_mut!(done) as u64,
            DOMID_SELF,
            0,
        ],
    );
    check(ret).map(|_| done as u64).map_err(|e| (e, done))
}

/// `mmuext_op(ops, count, &done, DOMID_SELF)`.
pub fn mmuext_op(ops: &[x::mmuext_op]) -> Result<u64, (XenError, u32)> {
    let mut done: u32 = 0;
    let ret = call(
        x::__HYPERVISOR_mmuext_op,
        [
            ops.as_ptr() as u64,
            ops.len() as u64,
            core::ptr::addr_of_mut!(done) as u64,
            DOMID_SELF,
            0,
        ],
    );
    check(ret).map(|_| done as u64).map_err(|e| (e, done))
}

/// `multicall(entries, count)`: Xen runs each entry and stores its result in
/// the entry; the caller checks them.
///
/// # Safety
/// Every entry's arguments must be valid for its hypercall, and the memory
/// they point at must stay valid until this returns.
pub unsafe fn multicall(entries: &mut [x::multicall_entry]) -> Result<(), XenError> {
    check(call(
        x::__HYPERVISOR_multicall,
        [entries.as_mut_ptr() as u64, entries.len() as u64, 0, 0, 0],
    ))
    .map(|_| ())
}

/// Arguments of an `mmu_update` for a multicall entry.
pub fn mmu_update_args(reqs: &[x::mmu_update], done: *mut u32) -> [u64; 6] {
    [
        reqs.as_ptr() as u64,
        reqs.len() as u64,
        done as u64,
        DOMID_SELF,
        0,
        0,
    ]
}

/// Arguments of an `mmuext_op` for a multicall entry.
pub fn mmuext_op_args(ops: &[x::mmuext_op], done: *mut u32) -> [u64; 6] {
    [
        ops.as_ptr() as u64,
        ops.len() as u64,
        done as u64,
        DOMID_SELF,
        0,
        0,
    ]
}

/// `set_trap_table(table)`: `table` ends with an all-zero entry.
pub fn set_trap_table(table: &[x::trap_info]) -> Result<(), XenError> {
    assert_eq!(
        table.last().map(|t| t.address),
        Some(0),
        "trap table must be terminated"
    );
    check(call(
        x::__HYPERVISOR_set_trap_table,
        [table.as_ptr() as u64, 0, 0, 0, 0],
    ))
    .map(|_| ())
}

/// `sched_op(SCHEDOP_block)`: sleeps until an event is pending. Xen
/// unmasks event delivery as it blocks, so the upcall runs on wake-up.
pub fn sched_block() {
    call(
        x::__HYPERVISOR_sched_op,
        [x::SCHEDOP_block as u64, 0, 0, 0, 0],
    );
}

/// `set_timer_op(deadline)`: one VIRQ_TIMER at system time `deadline` (ns);
/// 0 cancels it.
pub fn set_timer(deadline_ns: u64) -> Result<(), XenError> {
    check(call(
        x::__HYPERVISOR_set_timer_op,
        [deadline_ns, 0, 0, 0, 0],
    ))
    .map(|_| ())
}

/// `vcpu_op(VCPUOP_stop_periodic_timer, 0)`: no tick unless asked for.
pub fn stop_periodic_timer() -> Result<(), XenError> {
    check(call(
        x::__HYPERVISOR_vcpu_op,
        [x::VCPUOP_STOP_PERIODIC_TIMER as u64, 0, 0, 0, 0],
    ))
    .map(|_| ())
}

/// `vcpu_op(VCPUOP_set_periodic_timer, 0, &period)`: a VIRQ_TIMER every
/// `period_ns` (the gdb stub's chance to see an interrupt request).
pub fn set_periodic_timer(period_ns: u64) -> Result<(), XenError> {
    let arg = x::VcpuSetPeriodicTimer { period_ns };
    check(call(
        x::__HYPERVISOR_vcpu_op,
        [
            x::VCPUOP_SET_PERIODIC_TIMER as u64,
            0,
            core::ptr::addr_of!(arg) as u64,
            0,
            0,
        ],
    ))
    .map(|_| ())
}

/// `physdev_op(PHYSDEVOP_set_iopl)`: lets guest kernel mode (ring 1 to
/// Xen) use the I/O ports the domain may use, at `iopl` 1.
pub fn set_iopl(iopl: u32) -> Result<(), XenError> {
    let arg = x::PhysdevSetIopl { iopl };
    check(call(
        x::HYPERVISOR_PHYSDEV_OP,
        [
            x::PHYSDEVOP_SET_IOPL as u64,
            core::ptr::addr_of!(arg) as u64,
            0,
            0,
            0,
        ],
    ))
    .map(|_| ())
}

/// `vcpu_op(VCPUOP_get_runstate_info, 0)`: vCPU 0's time in each state.
pub fn runstate_info() -> Result<x::VcpuRunstateInfo, XenError> {
    let mut info = x::VcpuRunstateInfo::default();
    check(call(
        x::__HYPERVISOR_vcpu_op,
        [
            x::VCPUOP_GET_RUNSTATE_INFO as u64,
            0,
            core::ptr::addr_of_mut!(info) as u64,
            0,
            0,
        ],
    ))?;
    Ok(info)
}

/// `event_channel_op(EVTCHNOP_bind_virq)`: a port for virtual IRQ `virq`
/// on vCPU 0.
pub fn bind_virq(virq: u32) -> Result<u32, XenError> {
    let mut arg = x::evtchn_bind_virq {
        virq,
        vcpu: 0,
        port: 0,
    };
    check(call(
        x::__HYPERVISOR_event_channel_op,
        [
            x::EVTCHNOP_bind_virq as u64,
            core::ptr::addr_of_mut!(arg) as u64,
            0,
            0,
            0,
        ],
    ))?;
    Ok(arg.port)
}

/// `set_callbacks(event, failsafe, syscall)`: where Xen delivers event
/// upcalls and reports a failed return to the guest.
pub fn set_callbacks(event: u64, failsafe: u64, syscall: u64) -> Result<(), XenError> {
    check(call(
        x::__HYPERVISOR_set_callbacks,
        [event, failsafe, syscall, 0, 0],
    ))
    .map(|_| ())
}

/// `stack_switch(FLAT_KERNEL_SS, sp)`: where Xen puts the frame of an
/// exception, event or `syscall` that interrupts guest user mode.
pub fn stack_switch(sp: u64) -> Result<(), XenError> {
    check(call(
        x::__HYPERVISOR_stack_switch,
        [x::FLAT_KERNEL_SS as u64, sp, 0, 0, 0],
    ))
    .map(|_| ())
}

/// `mmuext_op(MMUEXT_NEW_USER_BASEPTR)`: the top-level table guest user
/// mode runs on.
pub fn new_user_baseptr(l4_mfn: u64) -> Result<(), XenError> {
    let op = x::mmuext_op {
        cmd: x::MMUEXT_NEW_USER_BASEPTR,
        arg1: x::mmuext_op__bindgen_ty_1 { mfn: l4_mfn },
        arg2: x::mmuext_op__bindgen_ty_2 { src_mfn: 0 },
    };
    mmuext_op(core::slice::from_ref(&op))
        .map(|_| ())
        .map_err(|(e, _)| e)
}

/// `console_io(CONSOLEIO_read)`: console input waiting for the first
/// domain; returns how many bytes were read.
pub fn console_read(buf: &mut [u8]) -> Result<usize, XenError> {
    check(call(
        x::__HYPERVISOR_console_io,
        [
            x::CONSOLEIO_read as u64,
            buf.len() as u64,
            buf.as_mut_ptr() as u64,
            0,
            0,
        ],
    ))
    .map(|n| n as usize)
}

/// `event_channel_op(EVTCHNOP_alloc_unbound)`: a new port of ours that
/// domain `remote` may bind to.
pub fn evtchn_alloc_unbound(remote: x::DomId) -> Result<u32, XenError> {
    let mut arg = x::evtchn_alloc_unbound {
        dom: x::DOMID_SELF,
        remote_dom: remote,
        port: 0,
    };
    check(call(
        x::__HYPERVISOR_event_channel_op,
        [
            x::EVTCHNOP_alloc_unbound as u64,
            core::ptr::addr_of_mut!(arg) as u64,
            0,
            0,
            0,
        ],
    ))?;
    Ok(arg.port)
}

/// `event_channel_op(EVTCHNOP_close)`.
pub fn evtchn_close(port: u32) -> Result<(), XenError> {
    let arg = x::evtchn_close { port };
    check(call(
        x::__HYPERVISOR_event_channel_op,
        [
            x::EVTCHNOP_close as u64,
            core::ptr::addr_of!(arg) as u64,
            0,
            0,
            0,
        ],
    ))
    .map(|_| ())
}

/// `grant_table_op(GNTTABOP_setup_table)` for this domain: fills `frames`
/// with the machine frames of the first `frames.len()` pages of the grant
/// table. A failure is Xen's errno, or the operation's own status.
pub fn grant_setup_table(frames: &mut [u64]) -> Result<(), XenError> {
    let mut arg = x::grant::GnttabSetupTable {
        dom: x::DOMID_SELF,
        nr_frames: frames.len() as u32,
        frame_list: frames.as_mut_ptr() as u64,
        ..Default::default()
    };
    check(call(
        x::__HYPERVISOR_grant_table_op,
        [
            x::grant::GNTTABOP_SETUP_TABLE as u64,
            core::ptr::addr_of_mut!(arg) as u64,
            1,
            0,
            0,
        ],
    ))?;
    match arg.status {
        x::grant::GNTST_OKAY => Ok(()),
        status => Err(XenError(status as i64)),
    }
}
