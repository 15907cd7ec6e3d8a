/* malloc under stress, then out of memory. Prints key=value results that
   the boot tests check. With an argument it misuses the heap instead
   (double-free, bad-free, overrun, bad-realloc), which libukc reports
   before ending the app with status 134. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ukrt_mem_stats(unsigned long out[2]);
/* glibc declares these in malloc.h. */
size_t malloc_usable_size(void *p);
void *memalign(size_t align, size_t size);

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

/* 160k blocks of mixed small sizes live at once, half freed and made
   again, some grown, then all freed; every block's bytes checked. */
static int many_blocks(int *made, int *freed) {
    enum { N = 160000 };
    static unsigned char *b[N];
    static unsigned short len[N];
    int bad = 0;
    *made = *freed = 0;
    for (int i = 0; i < N; i++) {
        len[i] = (unsigned short)(8 + next() % (i % 50 == 0 ? 4000 : 200));
        if (!(b[i] = malloc(len[i]))) return -1;
        memset(b[i], i & 0xff, len[i]);
        (*made)++;
    }
    for (int i = 0; i < N; i += 2) {
        if (b[i][len[i] - 1] != (unsigned char)(i & 0xff)) bad++;
        free(b[i]);
        (*freed)++;
    }
    for (int i = 0; i < N; i += 2) {
        len[i] = (unsigned short)(8 + next() % 300);
        if (!(b[i] = malloc(len[i]))) return -1;
        memset(b[i], i & 0xff, len[i]);
        (*made)++;
    }
    for (int i = 1; i < N; i += 7) {
        unsigned char *q = realloc(b[i], len[i] + 500u);
        if (!q) return -1;
        if (q[len[i] - 1] != (unsigned char)(i & 0xff)) bad++;
        memset(q, i & 0xff, len[i] + 500u);
        b[i] = q;
        len[i] = (unsigned short)(len[i] + 500);
    }
    for (int i = 0; i < N; i++) {
        if (b[i][0] != (unsigned char)(i & 0xff) || b[i][len[i] - 1] != (unsigned char)(i & 0xff)) bad++;
        free(b[i]);
        (*freed)++;
    }
    return bad;
}

/* The calls' edges, as glibc has them. */
static void api(void) {
    void *p = malloc(100);
    int usable = malloc_usable_size(p) >= 100 && malloc_usable_size(NULL) == 0;
    int aligned = 1;
    for (size_t a = 32; a <= 65536; a *= 2) {
        void *q = memalign(a, 10), *r = aligned_alloc(a, 10), *s = NULL;
        int rc = posix_memalign(&s, a, 10);
        aligned &= q && r && rc == 0 && (uintptr_t)q % a == 0 && (uintptr_t)r % a == 0 && (uintptr_t)s % a == 0;
        free(q);
        free(r);
        free(s);
    }
    void *odd = memalign(48, 10); /* rounds up to 64 */
    aligned &= odd && (uintptr_t)odd % 64 == 0;
    free(odd);
    void *s = (void *)1;
    int einval = posix_memalign(&s, 24, 10) == EINVAL && s == (void *)1;
    errno = 0;
    einval &= aligned_alloc(24, 10) == NULL && errno == EINVAL;
    errno = 0;
    int calloc_overflow = calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM;
    errno = 0;
    int huge = malloc(SIZE_MAX - 64) == NULL && errno == ENOMEM;
    int realloc0 = realloc(p, 0) == NULL;
    void *fresh = realloc(NULL, 10);
    int realloc_null = fresh != NULL;
    free(fresh);
    free(NULL);
    void *zero = malloc(0);
    int malloc0 = zero != NULL;
    free(zero);
    printf("malloc-api: usable=%d aligned=%d einval=%d calloc_overflow=%d huge=%d realloc0=%d "
           "realloc_null=%d malloc0=%d\n",
           usable, aligned, einval, calloc_overflow, huge, realloc0, realloc_null, malloc0);
}

/* Misuse that libukc must catch: it prints and ends the app (134). */
static int misuse(const char *how) {
    char *p = malloc(40);
    char local[32];
    printf("malloc-misuse: %s %p\n", how, (void *)p);
    if (strcmp(how, "double-free") == 0) {
        free(p);
        free(p);
    } else if (strcmp(how, "bad-free") == 0) {
        free(local + 16);
    } else if (strcmp(how, "interior-free") == 0) {
        free(p + 16);
    } else if (strcmp(how, "overrun") == 0) {
        memset(p, 'x', malloc_usable_size(p) + 1);
        free(p);
    } else if (strcmp(how, "bad-realloc") == 0) {
        free(p);
        p = realloc(p, 100);
    }
    printf("malloc-misuse: not caught\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1) return misuse(argv[1]);
    api();
    int made, freed;
    int bad_many = many_blocks(&made, &freed);
    printf("malloc-many: bad=%d made=%d freed=%d\n", bad_many, made, freed);
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
