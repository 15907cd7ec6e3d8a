//! setjmp/longjmp: `jmp_buf` holds rbx, rbp, r12-r15, the stack pointer
//! after setjmp returns, the return address, and MXCSR with the x87
//! control word (callee-saved under the SysV ABI). Naked functions, so that
//! no compiler-made prologue disturbs the registers they save.

/// # Safety
/// `env` must point at a writable `jmp_buf` (9 words).
// SAFETY: naked, so the body is the whole function: it only reads the
// callee-saved registers, rsp and the return address, stores them in the
// caller's jmp_buf (rdi), returns 0 in eax and `ret`s, as the SysV ABI
// expects of a function returning int.
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn setjmp(env: *mut u64) -> i32 {
    core::arch::naked_asm!(
        "mov [rdi], rbx",
        "mov [rdi + 8], rbp",
        "mov [rdi + 16], r12",
        "mov [rdi + 24], r13",
        "mov [rdi + 32], r14",
        "mov [rdi + 40], r15",
        "lea rdx, [rsp + 8]", // the caller's rsp once setjmp has returned
        "mov [rdi + 48], rdx",
        "mov rdx, [rsp]", // the return address
        "mov [rdi + 56], rdx",
        "stmxcsr [rdi + 64]",
        "fnstcw [rdi + 68]",
        "xor eax, eax",
        "ret",
    )
}

/// # Safety
/// `env` must have been filled by `setjmp` in a function that has not
/// returned since.
// SAFETY: naked, so the body is the whole function: it reloads the
// registers that setjmp saved in `env` (rdi) and jumps to setjmp's return
// address with rsp as it was there, which the caller's contract makes a
// live frame; no compiler-made prologue or epilogue runs.
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn longjmp(env: *const u64, val: i32) -> ! {
    core::arch::naked_asm!(
        "mov eax, esi",
        "test eax, eax",
        "jnz 2f",
        "inc eax", // longjmp(env, 0) makes setjmp return 1
        "2:",
        "ldmxcsr [rdi + 64]",
        "fldcw [rdi + 68]",
        "mov rbx, [rdi]",
        "mov rbp, [rdi + 8]",
        "mov r12, [rdi + 16]",
        "mov r13, [rdi + 24]",
        "mov r14, [rdi + 32]",
        "mov r15, [rdi + 40]",
        "mov rsp, [rdi + 48]",
        "jmp qword ptr [rdi + 56]",
    )
}

/// glibc's names for the same (no signal mask to save here).
///
/// # Safety
/// `env` must point at a writable `jmp_buf` (9 words).
// SAFETY: naked, so the only instruction is a tail jump to setjmp with the
// registers and stack untouched: setjmp sees this function's caller and
// arguments as its own.
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn _setjmp(env: *mut u64) -> i32 {
    core::arch::naked_asm!("jmp {}", sym setjmp)
}

/// # Safety
/// `env` must have been filled by `setjmp` (or `_setjmp`) in a function that
/// has not returned since.
#[no_mangle]
pub unsafe extern "C" fn _longjmp(env: *const u64, val: i32) -> ! {
    // SAFETY: the caller passes a jmp_buf filled by setjmp in a function
    // that is still running (C's contract for longjmp), which is exactly
    // what longjmp requires.
    unsafe { longjmp(env, val) }
}
