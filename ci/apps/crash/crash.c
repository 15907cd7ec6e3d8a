/* Fault containment (ci/boot_tests.py, class Containment): each app of
   the manifest but the last ends by a fault of its own, of the kind its
   argument names, after a short sleep; the last ("survive N") prints N
   ticks meanwhile, checks that its own memory is intact and ends with 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int zero, seven = 7;

/* Recursion that uses about `kib` KiB of stack (1 KiB a level). */
static int deep(int kib) {
    volatile char frame[1000];
    frame[0] = (char)kib;
    return kib <= 0 ? frame[0] : deep(kib - 1) + frame[0];
}

int main(int argc, char **argv);

static void crash(const char *kind) {
    if (!strcmp(kind, "null")) {
        *(volatile int *)0 = 1;
    } else if (!strcmp(kind, "wild")) {
        *(volatile int *)0x7dead0000000ul = 1; /* above the application region */
    } else if (!strcmp(kind, "write-code")) {
        *(volatile char *)(void *)main = 0;
    } else if (!strcmp(kind, "ud2")) {
        __builtin_trap();
    } else if (!strcmp(kind, "div0")) {
        printf("%d\n", seven / zero);
    } else if (!strcmp(kind, "call-null")) {
        void (*volatile f)(void) = 0;
        f();
    } else if (!strcmp(kind, "abort")) {
        abort();
    } else if (!strcmp(kind, "raise-segv")) {
        raise(SIGSEGV);
    } else if (!strcmp(kind, "stack-overflow")) {
        printf("%d\n", deep(1 << 30));
    }
    printf("crash: unknown kind %s\n", kind);
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "deep")) {
        /* 6 MiB of an 8 MiB stack: only what is touched is mapped. */
        int kib = atoi(argv[2]);
        printf("deep: %d KiB of stack, result %d\n", kib, deep(kib));
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "survive")) {
        int n = atoi(argv[2]);
        char *mine = malloc(1 << 20);
        memset(mine, 0x5a, 1 << 20);
        for (int i = 0; i < n; i++) {
            printf("survivor: tick %d\n", i);
            usleep(20000);
        }
        for (int i = 0; i < 1 << 20; i++) {
            if (mine[i] != 0x5a) {
                printf("survivor: byte %d changed\n", i);
                return 1;
            }
        }
        printf("survivor: done, memory intact\n");
        return 0;
    }
    if (argc != 3) {
        printf("usage: crash KIND DELAY_MS | crash survive N\n");
        return 2;
    }
    usleep(atoi(argv[2]) * 1000);
    printf("%s: crashing now\n", argv[0]);
    fflush(stdout);
    crash(argv[1]);
    return 3;
}
