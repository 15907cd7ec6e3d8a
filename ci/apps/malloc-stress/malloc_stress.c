/* malloc under stress, then out of memory. Prints key=value results that
   the boot tests check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ukrt_mem_stats(unsigned long out[2]);

static unsigned long frames_used(void) {
    unsigned long s[2];
    ukrt_mem_stats(s);
    return s[0];
}

static unsigned seed = 1;
static unsigned next(void) { return seed = seed * 1103515245u + 12345u; }

/* Many sizes, realloc growth, check contents, free everything. */
static int stress_round(void) {
    enum { N = 2000 };
    static unsigned char *blocks[N];
    static size_t sizes[N];
    int bad = 0;
    for (int i = 0; i < N; i++) {
        sizes[i] = 1 + next() % (i % 10 == 0 ? 65536 : 512);
        blocks[i] = malloc(sizes[i]);
        if (!blocks[i]) return -1;
        memset(blocks[i], i & 0xff, sizes[i]);
    }
    for (int i = 0; i < N; i += 3) {
        size_t grow = sizes[i] * 3 + 100;
        blocks[i] = realloc(blocks[i], grow);
        if (!blocks[i]) return -1;
        for (size_t j = 0; j < sizes[i]; j++)
            if (blocks[i][j] != (unsigned char)(i & 0xff)) { bad++; break; }
        memset(blocks[i], i & 0xff, grow);
        sizes[i] = grow;
    }
    for (int i = 0; i < N; i++) {
        if (blocks[i][sizes[i] - 1] != (unsigned char)(i & 0xff)) bad++;
        free(blocks[i]);
    }
    return bad;
}

int main(void) {
    int bad1 = stress_round();
    unsigned long after1 = frames_used();
    int bad2 = stress_round();
    unsigned long after2 = frames_used();
    printf("malloc-stress: bad_first=%d bad_second=%d frames_after_first=%lu frames_after_second=%lu\n",
           bad1, bad2, after1, after2);

    /* Out of memory: 1 MiB blocks until malloc says no. */
    enum { MAX = 4096 };
    static void *big[MAX];
    int n = 0;
    errno = 0;
    while (n < MAX && (big[n] = malloc(1 << 20)) != NULL) {
        memset(big[n], 1, 1 << 20);
        n++;
    }
    int oom_errno = errno;
    for (int i = 0; i < n; i++) free(big[i]);
    void *again = malloc(1 << 20);
    printf("malloc-oom: blocks=%d null_errno=%d enomem=%d again=%s\n", n, oom_errno, ENOMEM,
           again ? "ok" : "null");
    free(again);
    return 0;
}
