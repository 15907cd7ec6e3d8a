/* The smallest C app: print a line, report the arguments, exit. */
#include <ukrt.h>

static size_t length(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static void say(const char *s) { ukrt_console_write(s, length(s)); }

int main(int argc, char **argv) {
    say("Hello from C!\n");
    for (int i = 0; i < argc; i++) {
        say("arg: ");
        say(argv[i]);
        say("\n");
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == 'e' && a[1] == 'x' && a[2] == 'i' && a[3] == 't' && a[4] == '=') {
            int n = 0;
            for (const char *p = a + 5; *p >= '0' && *p <= '9'; p++) n = n * 10 + (*p - '0');
            ukrt_exit(n);
        }
    }
    return 0;
}
