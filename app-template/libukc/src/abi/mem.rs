//! memcpy, memmove and memset in assembly: written in Rust, the compiler
//! could turn their loops back into calls to themselves. memcmp and bcmp
//! are the crate's word-at-a-time memcmp.
use core::arch::asm;

/// # Safety
/// C semantics: `n` bytes at `src` and `dst`, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller passes `n` readable bytes at `src` and `n` writable
    // bytes at `dst` that do not overlap (C's contract for memcpy). rep movsq
    // copies n / 8 words forward and rep movsb the n % 8 bytes after them:
    // exactly n bytes from rsi to rdi (the SysV ABI guarantees the direction
    // flag is clear on entry); it touches no stack and leaves the flags
    // alone, as the options state. Words, not bytes: an emulated CPU (QEMU's
    // TCG) runs each iteration of a string instruction on its own.
    unsafe {
        asm!("rep movsq", "mov rcx, {tail}", "rep movsb", tail = in(reg) n % 8,
             inout("rcx") n / 8 => _, inout("rdi") dst => _, inout("rsi") src => _,
             options(nostack, preserves_flags));
    }
    dst
}

/// # Safety
/// C semantics: `n` bytes at `src` and `dst`, which may overlap.
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) || (dst as usize) >= (src as usize) + n {
        // SAFETY: the caller passes `n` readable bytes at `src` and `n`
        // writable bytes at `dst` (C's contract for memmove); here `dst` is
        // at or below `src` or past its end, so a forward copy reads every
        // source byte before it is overwritten: memcpy's forward loop is
        // correct even though the ranges may overlap.
        return unsafe { memcpy(dst, src, n) };
    }
    // SAFETY: the caller passes `n` readable bytes at `src` and `n` writable
    // bytes at `dst` (C's contract for memmove), and here n > 0 (an empty
    // range takes the branch above), so `dst + n - 1` and `src + n - 1` are
    // the last bytes of the ranges. With dst above src the copy runs
    // backwards (std), so each source byte is read before the overlap
    // overwrites it; cld restores the clear direction flag the ABI expects
    // before returning.
    unsafe {
        asm!("std", "rep movsb", "cld",
             inout("rcx") n => _, inout("rdi") dst.add(n - 1) => _, inout("rsi") src.add(n - 1) => _,
             options(nostack));
    }
    dst
}

/// # Safety
/// C semantics: `n` writable bytes at `dst`.
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    let word = u64::from(c as u8) * 0x0101_0101_0101_0101;
    // SAFETY: the caller passes `n` writable bytes at `dst` (C's contract
    // for memset); rep stosq stores rax (the byte in all eight places) into
    // n / 8 words and rep stosb al into the n % 8 bytes after them: exactly
    // n bytes forward from rdi (the direction flag is clear on entry, per
    // the SysV ABI).
    unsafe {
        asm!("rep stosq", "mov rcx, {tail}", "rep stosb", tail = in(reg) n % 8,
             inout("rcx") n / 8 => _, inout("rdi") dst => _, in("rax") word,
             options(nostack, preserves_flags));
    }
    dst
}

/// # Safety
/// C semantics: `n` readable bytes at `a` and `b`.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller passes `n` readable bytes at `a` and at `b` (C's
    // contract for memcmp), which is what the crate's memcmp reads (eight
    // bytes at a time with early exits: not a loop the compiler turns back
    // into a call of memcmp).
    unsafe { crate::string::memcmp(a, b, n) }
}

/// # Safety
/// C semantics: `n` readable bytes at `a` and `b`.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller passes `n` readable bytes at `a` and at `b` (C's
    // contract for bcmp), which is all memcmp reads.
    unsafe { memcmp(a, b, n) }
}
