/* setjmp.h for ukrt apps (libukc). */
#ifndef _UKC_SETJMP_H
#define _UKC_SETJMP_H

/* rbx, rbp, r12-r15, rsp, rip, then MXCSR and the x87 control word. */
typedef long jmp_buf[9];

int setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf env, int val);

#endif
