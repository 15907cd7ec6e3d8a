/* The gdb session test (ci/boot_tests.py, class Gdb): gdb breaks in
   `scale`, reads `factor` (a local) and `counter` (a global), steps, sets
   `counter`, and the app prints what it then sees. With the argument
   "crash" it writes through a null pointer in `crash_here` instead, for
   uk.gdb=crash. With "spin" it says so and spins until gdb, having
   interrupted it, clears `spinning`. */
#include <stdio.h>
#include <string.h>

int counter = 7;
volatile int spinning = 1;
volatile unsigned long spins;

int scale(int n) {
    int factor = n * 3;
    factor = factor + 1;
    counter = counter + factor;
    return factor;
}

void crash_here(volatile int *p) {
    *p = 1;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "crash")) {
        crash_here(0);
        return 1;
    }
    if (argc > 1 && !strcmp(argv[1], "spin")) {
        printf("spinning\n");
        while (spinning)
            spins++;
        printf("spun\n");
        return 0;
    }
    int r = scale(5);
    printf("scale=%d counter=%d\n", r, counter);
    return 0;
}
