//! The shared info page: per-vCPU time and event state, written by Xen.
//!
//! Xen gives its machine address in `start_info`; it is mapped over a
//! reserved page of the image and then reached only through
//! [`SharedInfo`]'s accessors, which read it as a [`SharedPage`].
use super::abi::{shared_info, vcpu_info, vcpu_time_info, PAGE_SIZE};
use super::hypercall::{update_va_mapping, XenError};
use super::shared_page::SharedPage;
use crate::mm::pte::{ACCESSED, DIRTY, NO_EXECUTE, PRESENT, WRITABLE};
use core::mem::offset_of;
use core::sync::atomic::{fence, AtomicU64, AtomicU8, Ordering};

#[repr(C, align(4096))]
struct Page([u8; PAGE_SIZE]);

/// The virtual page the shared info frame is mapped at. Its original backing
/// frame stays allocated to the domain but unused.
static mut SHARED_INFO_PAGE: Page = Page([0; PAGE_SIZE]);

static SHARED: spin::Once<SharedInfo> = spin::Once::new();

/// The mapping's flags: data, writable, never executable.
const PTE_DATA: u64 = PRESENT | WRITABLE | ACCESSED | DIRTY | NO_EXECUTE;

const VCPU0: usize = offset_of!(shared_info, vcpu_info);
const TIME: usize = VCPU0 + offset_of!(vcpu_info, time);
/// Words in each event bitmap (`sizeof(xen_ulong_t) * 8` ports each).
const EVTCHN_WORDS: usize =
    (offset_of!(shared_info, evtchn_mask) - offset_of!(shared_info, evtchn_pending)) / 8;

/// A consistent copy of a vCPU's time record.
#[derive(Debug, Clone, Copy)]
pub struct VcpuTime {
    pub tsc_timestamp: u64,
    pub system_time: u64,
    pub tsc_to_system_mul: u32,
    pub tsc_shift: i8,
}

/// Maps the shared info page. Call once, early in boot.
pub fn map(machine_address: u64) -> Result<(), XenError> {
    let va = core::ptr::addr_of!(SHARED_INFO_PAGE) as u64;
    let frame = machine_address & !(PAGE_SIZE as u64 - 1);
    update_va_mapping(va, frame | PTE_DATA)?;
    SHARED.call_once(|| {
        let base = core::ptr::NonNull::new(va as *mut u8).expect("a static is not null");
        // SAFETY: the page is now Xen's shared info frame, mapped writable
        // for the life of the domain; the static is never accessed as Rust
        // data (only its address is taken).
        SharedInfo(unsafe { SharedPage::new(base) })
    });
    Ok(())
}

/// The shared info page, once mapped.
pub fn get() -> Option<&'static SharedInfo> {
    SHARED.get()
}

/// Typed access to the shared info page (vCPU 0's fields: the runtime runs
/// on one vCPU).
pub struct SharedInfo(SharedPage);

impl SharedInfo {
    fn u32_at(&self, offset: usize) -> u32 {
        self.0.atomic_u32(offset).load(Ordering::Relaxed)
    }

    fn u64_at(&self, offset: usize) -> u64 {
        self.0.atomic_u64(offset).load(Ordering::Relaxed)
    }

    /// vCPU 0's time record, copied out with Xen's version protocol: the
    /// version is odd while Xen updates the record, and changes if it
    /// updated meanwhile.
    pub fn vcpu0_time(&self) -> VcpuTime {
        let field = |f: usize| TIME + f;
        // Xen updates the record while the vCPU is not running guest code,
        // so a retry is rare; a version that stays odd means a broken
        // hypervisor, reported rather than waited on forever.
        for _ in 0..1000 {
            let version = self.u32_at(field(offset_of!(vcpu_time_info, version)));
            fence(Ordering::Acquire);
            let copy = VcpuTime {
                tsc_timestamp: self.u64_at(field(offset_of!(vcpu_time_info, tsc_timestamp))),
                system_time: self.u64_at(field(offset_of!(vcpu_time_info, system_time))),
                tsc_to_system_mul: self
                    .u32_at(field(offset_of!(vcpu_time_info, tsc_to_system_mul))),
                tsc_shift: self
                    .0
                    .atomic_u8(field(offset_of!(vcpu_time_info, tsc_shift)))
                    .load(Ordering::Relaxed) as i8,
            };
            fence(Ordering::Acquire);
            let again = self.u32_at(field(offset_of!(vcpu_time_info, version)));
            if version & 1 == 0 && version == again {
                return copy;
            }
            core::hint::spin_loop();
        }
        panic!("vcpu_time_info: version stayed odd for 1000 reads");
    }

    /// The faulting address of the last page fault on vCPU 0. A PV guest
    /// cannot read CR2; Xen stores it in `vcpu_info.arch.cr2`.
    pub fn cr2(&self) -> u64 {
        self.u64_at(VCPU0 + offset_of!(vcpu_info, arch.cr2))
    }

    /// Xen's wall clock at system time 0: (seconds, nanoseconds), read with
    /// the `wc_version` protocol (odd while Xen updates it).
    pub fn wall_clock(&self) -> (u64, u32) {
        let version = offset_of!(shared_info, wc_version);
        for _ in 0..1000 {
            let v = self.u32_at(version);
            fence(Ordering::Acquire);
            let lo = self.u32_at(offset_of!(shared_info, wc_sec)) as u64;
            let hi = self.u32_at(offset_of!(shared_info, wc_sec_hi)) as u64;
            let nsec = self.u32_at(offset_of!(shared_info, wc_nsec));
            fence(Ordering::Acquire);
            if v & 1 == 0 && v == self.u32_at(version) {
                return (hi << 32 | lo, nsec);
            }
            core::hint::spin_loop();
        }
        panic!("shared_info: wc_version stayed odd for 1000 reads");
    }

    /// vCPU 0's `evtchn_upcall_mask`: non-zero masks event delivery.
    pub fn upcall_mask(&self) -> &AtomicU8 {
        self.0
            .atomic_u8(VCPU0 + offset_of!(vcpu_info, evtchn_upcall_mask))
    }

    /// vCPU 0's `evtchn_upcall_pending`.
    pub fn upcall_pending(&self) -> &AtomicU8 {
        self.0
            .atomic_u8(VCPU0 + offset_of!(vcpu_info, evtchn_upcall_pending))
    }

    /// vCPU 0's `evtchn_pending_sel`: which words of the pending bitmap to
    /// look at.
    pub fn pending_selector(&self) -> &AtomicU64 {
        self.0
            .atomic_u64(VCPU0 + offset_of!(vcpu_info, evtchn_pending_sel))
    }

    /// The `evtchn_pending` bitmap (64 words of 64 ports).
    pub fn pending(&self) -> &[AtomicU64] {
        self.0
            .atomic_u64s(offset_of!(shared_info, evtchn_pending), EVTCHN_WORDS)
    }

    /// The `evtchn_mask` bitmap.
    pub fn mask(&self) -> &[AtomicU64] {
        self.0
            .atomic_u64s(offset_of!(shared_info, evtchn_mask), EVTCHN_WORDS)
    }
}
