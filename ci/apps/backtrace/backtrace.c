/* Crash backtraces (ci/boot_tests.py, class Backtraces): each app of the
   manifest crashes in a known chain of calls, and its crash report must
   list every frame up to main. Built with -O2 -fomit-frame-pointer: no
   frame pointers, so only the unwind tables can find the callers. */
#include <stdio.h>
#include <string.h>

static volatile int sink;

/* A leaf: writes through the pointer it is given (NULL). */
__attribute__((noinline)) void bt_leaf(int *p, int v) {
    *(volatile int *)p = v;
}

/* Not tail calls: each does work after its call returns. */
__attribute__((noinline)) int bt_middle(int *p, int v) {
    bt_leaf(p, v * 3);
    sink = v;
    return v + 1;
}

__attribute__((noinline)) int bt_outer(int *p, int v) {
    int r = bt_middle(p, v + 2);
    sink = r;
    return r * 2;
}

/* strlen(NULL): the fault is inside libukc. */
__attribute__((noinline)) size_t bt_measure(const char *s) {
    size_t n = strlen(s);
    sink = (int)n;
    return n + 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        printf("usage: backtrace leaf|strlen\n");
        return 2;
    }
    const char *volatile none = NULL;
    printf("%s: crashing now\n", argv[0]);
    fflush(stdout);
    if (!strcmp(argv[1], "leaf")) {
        printf("%d\n", bt_outer((int *)none, 1));
    } else if (!strcmp(argv[1], "strlen")) {
        printf("%zu\n", bt_measure(none));
    }
    return 3;
}
