//! The shared info page: per-vCPU time and event state, written by Xen.
//!
//! Xen gives its machine address in `start_info`; we map it over a reserved
//! page of our image and only ever read it with volatile loads.
use super::hypercall::{update_va_mapping, XenError};
use xen_sys as x;

#[repr(C, align(4096))]
struct Page([u8; 4096]);

/// The virtual page the shared info frame is mapped at. Its original backing
/// frame stays allocated to the domain but unused.
static mut SHARED_INFO_PAGE: Page = Page([0; 4096]);

static MAPPED: spin::Once<()> = spin::Once::new();

/// PTE flags: present, writable, accessed, dirty, no-execute.
const PTE_DATA: u64 = 0x1 | 0x2 | 0x20 | 0x40 | (1 << 63);

/// Maps the shared info page. Call once, early in boot.
pub fn map(machine_address: u64) -> Result<(), XenError> {
    let va = core::ptr::addr_of!(SHARED_INFO_PAGE) as u64;
    update_va_mapping(va, (machine_address & !0xfff) | PTE_DATA)?;
    MAPPED.call_once(|| ());
    Ok(())
}

/// The shared info structure, once mapped.
pub fn get() -> Option<*const x::shared_info> {
    MAPPED
        .get()
        .map(|_| core::ptr::addr_of!(SHARED_INFO_PAGE).cast())
}

/// vCPU 0's time record, copied out with Xen's version protocol: the version
/// is odd while Xen updates the record, and changes if it updated meanwhile.
pub fn vcpu0_time() -> Option<x::vcpu_time_info> {
    let shared = get()?;
    // SAFETY: the page is mapped (checked above); the field is plain data that
    // Xen updates concurrently, so it is read with volatile loads.
    let t = unsafe { core::ptr::addr_of!((*shared).vcpu_info[0].time) };
    // Xen updates the record of a vCPU while that vCPU is not running guest
    // code, so a retry is rare; a version that stays odd means a broken
    // hypervisor, and that is reported rather than waited on forever.
    for _ in 0..1000 {
        // SAFETY: as above.
        let version = unsafe { core::ptr::addr_of!((*t).version).read_volatile() };
        core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
        // SAFETY: as above.
        let copy = unsafe { t.read_volatile() };
        core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
        // SAFETY: as above.
        let again = unsafe { core::ptr::addr_of!((*t).version).read_volatile() };
        if version & 1 == 0 && version == again {
            return Some(copy);
        }
        core::hint::spin_loop();
    }
    panic!("vcpu_time_info: version stayed odd for 1000 reads");
}

/// The faulting address of the last page fault on vCPU 0. A PV guest cannot
/// read CR2; Xen stores it in `vcpu_info.arch.cr2`.
pub fn cr2() -> u64 {
    match get() {
        // SAFETY: the page is mapped; Xen writes cr2 before delivering #PF.
        Some(s) => unsafe { core::ptr::addr_of!((*s).vcpu_info[0].arch.cr2).read_volatile() },
        None => 0,
    }
}

/// Xen's wall clock at system time 0: (seconds, nanoseconds), read with the
/// `wc_version` protocol (odd while Xen updates it).
pub fn wall_clock() -> (u64, u32) {
    let Some(s) = get() else { return (0, 0) };
    for _ in 0..1000 {
        // SAFETY: the page is mapped; Xen updates these fields concurrently,
        // so they are read with volatile loads between version checks.
        unsafe {
            let v = core::ptr::addr_of!((*s).wc_version).read_volatile();
            core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
            let lo = core::ptr::addr_of!((*s).wc_sec).read_volatile() as u64;
            let hi = core::ptr::addr_of!((*s).wc_sec_hi).read_volatile() as u64;
            let nsec = core::ptr::addr_of!((*s).wc_nsec).read_volatile();
            core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
            if v & 1 == 0 && v == core::ptr::addr_of!((*s).wc_version).read_volatile() {
                return (hi << 32 | lo, nsec);
            }
        }
        core::hint::spin_loop();
    }
    panic!("shared_info: wc_version stayed odd for 1000 reads");
}
