/* An app that links libgreet.so. Built twice (greet-a, greet-b). */
#include <ukrt.h>

void greet(const char *who);
unsigned long greet_touch_code(void);
extern int greet_calls;

int main(int argc, char **argv) {
    (void)argc;
    greet(argv[0]);
    unsigned long pages = greet_touch_code() / 0xc3;
    ukrt_console_write(pages >= 300 ? "touched the library's code\n" : "short library?\n", pages >= 300 ? 27 : 15);
    /* Each instance has its own copy of the library's data. */
    return greet_calls == 1 ? 0 : 10;
}
