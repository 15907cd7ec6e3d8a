/* Time, sleeping, concurrency and input, driven by its arguments:
     sleep MS...                 measure each sleep with the monotonic clock
     tick NAME FIRST PERIOD N    print "NAME i" at FIRST, FIRST+PERIOD, ... ms
     timers N                    N sleeps of 1 ms
     clock                       the wall clock and the calendar functions
     echo                        read lines from the console and print them
     forever                     sleep until stopped (for shutdown requests) */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void goodbye(void) { printf("atexit handler ran\n"); }

static long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *mode = argv[1];
    if (strcmp(mode, "sleep") == 0) {
        for (int i = 2; i < argc; i++) {
            long ms = atol(argv[i]);
            long long t0 = now_us();
            if (i % 2) {
                struct timespec req = {ms / 1000, (ms % 1000) * 1000000L};
                nanosleep(&req, NULL);
            } else {
                usleep((unsigned)(ms * 1000));
            }
            printf("slept requested_ms=%ld measured_us=%lld\n", ms, now_us() - t0);
        }
    } else if (strcmp(mode, "tick") == 0 && argc == 6) {
        long first = atol(argv[3]), period = atol(argv[4]), n = atol(argv[5]);
        long long t0 = now_us();
        usleep((unsigned)(first * 1000));
        for (long i = 0; i < n; i++) {
            printf("%s %ld at_ms=%lld\n", argv[2], i, (now_us() - t0) / 1000);
            if (i + 1 < n) usleep((unsigned)(period * 1000));
        }
    } else if (strcmp(mode, "timers") == 0 && argc == 3) {
        long n = atol(argv[2]);
        long long t0 = now_us();
        for (long i = 0; i < n; i++) usleep(1000);
        printf("timers n=%ld elapsed_us=%lld\n", n, now_us() - t0);
    } else if (strcmp(mode, "clock") == 0) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        time_t t = time(NULL);
        printf("clock time=%ld gettimeofday=%ld same_second=%d\n", (long)t, (long)tv.tv_sec,
               (long)tv.tv_sec - (long)t <= 1);
        sched_yield();
        printf("clock yielded\n");
    } else if (strcmp(mode, "echo") == 0) {
        char line[128];
        printf("ready for input\n");
        fflush(stdout);
        while (fgets(line, sizeof line, stdin)) {
            line[strcspn(line, "\r\n")] = 0;
            printf("got: %s\n", line);
            if (strcmp(line, "quit") == 0) break;
        }
    } else if (strcmp(mode, "forever") == 0) {
        atexit(goodbye);
        printf("sleeping until stopped\n");
        for (;;) sleep(1);
    } else {
        return 2;
    }
    return 0;
}
