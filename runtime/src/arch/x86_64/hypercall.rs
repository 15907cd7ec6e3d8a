//! The raw PV hypercall: a `call` into one 32-byte stub of the hypercall page.
//!
//! Arguments go in rdi, rsi, rdx, r10, r8 and the result comes back in rax.
//! The stub ends in `syscall`, which clobbers rcx and r11; a debug build of
//! Xen also scribbles over the argument registers it did not use. All of them
//! are declared clobbered here, so nothing the compiler keeps in a register
//! can be lost across a hypercall. (xen-sys' own wrappers miss rcx/r11 and put
//! a 5th argument in r9, which is why this module exists.)

/// Size of one stub in the hypercall page.
pub const STUB_SIZE: usize = 32;

/// Calls hypercall `nr` through the hypercall page at `page`.
///
/// # Safety
/// `page` must be a hypercall page filled in by Xen (or, in tests, a page of
/// stubs with the same calling convention), and the arguments must be valid
/// for hypercall `nr`: pointers must point at memory of the right type.
#[inline]
pub unsafe fn hypercall(page: *const u8, nr: u32, args: [u64; 5]) -> i64 {
    let ret: i64;
    // SAFETY: the caller guarantees `page` holds valid stubs and `args` suit
    // hypercall `nr`. The stub may push to the stack (no `nostack`), reads and
    // writes guest memory through the arguments (no `nomem`), and changes
    // flags (no `preserves_flags`).
    unsafe {
        core::arch::asm!(
            "call {stub}",
            stub = in(reg) page.add(nr as usize * STUB_SIZE),
            inlateout("rdi") args[0] => _,
            inlateout("rsi") args[1] => _,
            inlateout("rdx") args[2] => _,
            inlateout("r10") args[3] => _,
            inlateout("r8") args[4] => _,
            lateout("rax") ret,
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
    ret
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::hint::black_box;

    // A stand-in hypercall page with two stubs. Stub 0 returns a weighted sum
    // of the five argument registers, so a wrong register shows up in the
    // result. Stub 1 does the same and then trashes every register a real
    // hypercall may clobber, as syscall and a debug Xen do.
    core::arch::global_asm!(
        ".pushsection .text.fake_hypercall_page, \"ax\"",
        ".balign 4096",
        ".globl ukrt_fake_hypercall_page",
        "ukrt_fake_hypercall_page:",
        // stub 0
        "lea rax, [rdi + 2*rsi]",
        "lea rax, [rax + 4*rdx]",
        "lea rax, [rax + 8*r10]",
        "imul r8, r8, 16",
        "add rax, r8",
        "ret",
        ".balign 32",
        // stub 1
        "lea rax, [rdi + 2*rsi]",
        "lea rax, [rax + 4*rdx]",
        "lea rax, [rax + 8*r10]",
        "imul r8, r8, 16",
        "add rax, r8",
        "mov rcx, 0xdeadbeefdeadbeef",
        "mov r11, rcx",
        "mov rdi, rcx",
        "mov rsi, rcx",
        "mov rdx, rcx",
        "mov r10, rcx",
        "mov r8, rcx",
        "ret",
        ".balign 32",
        ".popsection",
    );

    extern "C" {
        static ukrt_fake_hypercall_page: u8;
    }

    fn page() -> *const u8 {
        core::ptr::addr_of!(ukrt_fake_hypercall_page)
    }

    #[test]
    fn arguments_go_in_the_pv_registers() {
        // SAFETY: stub 0 only reads registers.
        let r = unsafe { hypercall(page(), 0, [1, 10, 100, 1000, 10000]) };
        assert_eq!(r, 1 + 2 * 10 + 4 * 100 + 8 * 1000 + 16 * 10000);
    }

    #[test]
    fn clobbered_registers_do_not_corrupt_live_values() {
        // More live values than there are callee-saved registers, so the
        // optimiser keeps some in caller-saved ones across the call; if rcx,
        // r11 or an argument register were not declared clobbered, one of
        // these sums would come out wrong.
        let v: [u64; 14] = black_box([3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]);
        let before: [u64; 14] = core::array::from_fn(|i| v[i] * (i as u64 + 1));
        for round in 0..64u64 {
            let x: [u64; 14] = core::array::from_fn(|i| v[i] * (i as u64 + 1) + round);
            // SAFETY: stub 1 only reads and writes registers.
            let r = unsafe { hypercall(page(), 1, [round, x[0], x[1], x[2], x[3]]) };
            let expect = round + 2 * x[0] + 4 * x[1] + 8 * x[2] + 16 * x[3];
            assert_eq!(r as u64, black_box(expect));
            for i in 0..14 {
                assert_eq!(black_box(x[i]), before[i] + round);
            }
        }
    }
}
