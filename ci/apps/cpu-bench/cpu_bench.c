/* CPU-bound kernels of ours (make bench-cpu, ci/bench_cpu.py): the same
   source as a ukrt app and as a Linux process in the xl harness's dom0,
   under the same Xen. Each kernel runs ROUNDS times; the best time is
   printed with a checksum that says both did the same work:

       cpu-bench: NAME BEST_US CHECKSUM

   Compiled code (matrix, sort, crc, sieve) and libc-heavy work (qsort,
   strings, malloc, printf) are separate lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 3

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* CPU time: on Linux the process's, on ukrt the domain's (the time its
   vCPU ran); either leaves out the time other domains' vCPUs had. */
static uint64_t cpu_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define N 160
static double A[N][N], B[N][N], C[N][N];
static uint64_t matrix(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (double)((i * 7 + j * 3) % 17) / 7.0;
            B[i][j] = (double)((i * 5 + j * 11) % 13) / 3.0;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += A[i][k] * B[k][j];
            C[i][j] = s;
        }
    double t = 0;
    for (int i = 0; i < N; i++) t += C[i][(i * 3) % N];
    return (uint64_t)(t * 1000);
}

#define SORT_N 200000
static int32_t keys[SORT_N];
static void fill(void) {
    rng = 88172645463325252ull;
    for (int i = 0; i < SORT_N; i++) keys[i] = (int32_t)(next() >> 33);
}
static void quicksort(int32_t *a, long lo, long hi) {
    while (lo < hi) {
        int32_t p = a[(lo + hi) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}
static uint64_t sorted_sum(void) {
    uint64_t s = 0;
    for (int i = 0; i < SORT_N; i += 97) s = s * 31 + (uint64_t)keys[i];
    return s;
}
static uint64_t sort(void) {
    fill();
    quicksort(keys, 0, SORT_N - 1);
    return sorted_sum();
}
static int cmp(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}
static uint64_t libc_qsort(void) {
    fill();
    qsort(keys, SORT_N, sizeof keys[0], cmp);
    return sorted_sum();
}

static uint32_t table[256];
static uint64_t crc(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    static uint8_t buf[1 << 20];
    for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (uint8_t)(i * 131 + (i >> 8));
    uint32_t c = 0xFFFFFFFFu;
    for (int r = 0; r < 8; r++)
        for (size_t i = 0; i < sizeof buf; i++) c = table[(c ^ buf[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static uint64_t sieve(void) {
    static uint8_t composite[2000000];
    memset(composite, 0, sizeof composite);
    uint64_t count = 0;
    for (long i = 2; i < (long)sizeof composite; i++) {
        if (composite[i]) continue;
        count++;
        for (long j = i * i; j < (long)sizeof composite; j += i) composite[j] = 1;
    }
    return count;
}

static uint64_t strings(void) {
    static char a[4096], b[4096];
    uint64_t s = 0;
    for (int i = 0; i < 4095; i++) a[i] = (char)('a' + i % 26);
    for (int r = 0; r < 3000; r++) {
        memcpy(b, a, sizeof a);
        b[r % 4095] = '#';
        s += strlen(b) + (uint64_t)(memcmp(a, b, sizeof a) < 0) + (uint64_t)(strchr(b, '#') - b);
    }
    return s;
}

static uint64_t allocations(void) {
    static void *live[4096];
    uint64_t s = 0;
    rng = 7;
    for (int i = 0; i < 200000; i++) {
        int k = (int)(next() % 4096);
        free(live[k]);
        size_t n = 16 + next() % 2000;
        live[k] = malloc(n);
        ((char *)live[k])[0] = (char)i;
        s += n;
    }
    for (int k = 0; k < 4096; k++) {
        free(live[k]);
        live[k] = NULL;
    }
    return s;
}

static uint64_t formatting(void) {
    char buf[128];
    uint64_t s = 0;
    for (int i = 0; i < 20000; i++) s += (uint64_t)snprintf(buf, sizeof buf, "%d %08x %.6f %s", i, i * 7, i / 3.0, "x");
    return s;
}

int main(int argc, char **argv) {
    /* cpu-bench [ROUNDS [KERNEL...]]: more rounds, or only the kernels named. */
    int rounds = argc > 1 ? atoi(argv[1]) : ROUNDS;
    if (rounds < 1) rounds = ROUNDS;
    static const struct {
        const char *name;
        uint64_t (*run)(void);
    } kernels[] = {
        {"matrix", matrix}, {"sort", sort}, {"crc32", crc}, {"sieve", sieve},
        {"libc-qsort", libc_qsort}, {"libc-strings", strings}, {"libc-malloc", allocations},
        {"libc-printf", formatting},
    };
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        int wanted = argc <= 2;
        for (int a = 2; a < argc; a++) wanted |= strcmp(argv[a], kernels[k].name) == 0;
        if (!wanted) continue;
        uint64_t best = UINT64_MAX, sum = 0, times[64], cpu[64];
        for (int r = 0; r < rounds; r++) {
            uint64_t c0 = cpu_us(), t0 = now_us();
            sum = kernels[k].run();
            uint64_t t = now_us() - t0, c = cpu_us() - c0;
            if (t < best) best = t;
            if (r < 64) times[r] = t, cpu[r] = c;
        }
        printf("cpu-bench: %s %llu %llu\n", kernels[k].name, (unsigned long long)best, (unsigned long long)sum);
        printf("cpu-bench-rounds: %s", kernels[k].name);
        for (int r = 0; r < rounds && r < 64; r++) printf(" %llu", (unsigned long long)times[r]);
        printf("\ncpu-bench-cpu: %s", kernels[k].name);
        for (int r = 0; r < rounds && r < 64; r++) printf(" %llu", (unsigned long long)cpu[r]);
        printf("\n");
    }
    return 0;
}
