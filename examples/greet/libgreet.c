/* A shared library two apps link. It carries about 1.2 MiB of code so the
   sharing of its code pages and page tables shows in the counters. */
#include <ukrt.h>

static size_t length(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

int greet_calls;

void greet(const char *who) {
    greet_calls++;
    ukrt_console_write("greetings, ", 11);
    ukrt_console_write(who, length(who));
    ukrt_console_write("\n", 1);
}

/* 1.2 MiB of code the apps walk through, page by page. */
__asm__(".pushsection .text.greet_bulk, \"ax\"\n"
        ".globl greet_bulk\n"
        "greet_bulk: .fill 1228800, 1, 0xc3\n"
        ".globl greet_bulk_end\n"
        "greet_bulk_end:\n"
        ".popsection\n");
extern const unsigned char greet_bulk[], greet_bulk_end[];

/* Reads one byte of every page of the library's bulk code. */
unsigned long greet_touch_code(void) {
    unsigned long sum = 0;
    for (const volatile unsigned char *p = greet_bulk; p < greet_bulk_end; p += 4096) sum += *p;
    return sum;
}
