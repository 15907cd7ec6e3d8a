/* At the edges: an object with 100,000 relocations, heap growth that
   cannot be satisfied or would wrap, a heap filled to its end, and
   pointers that are not the app's passed to the runtime. Prints key=value
   results that the boot tests check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *ukrt_heap_grow(size_t increment);
int ukrt_mem_stats(unsigned long out[2]);
long ukrt_console_write(const void *buf, size_t len);
long ukrt_write(int fd, const void *buf, size_t len);
long ukrt_read(int fd, void *buf, size_t len);
long ukrt_open(const char *path, int flags, unsigned mode);
long ukrt_stat(const char *path, void *out);
long ukrt_fstat(int fd, void *out);
long ukrt_getcwd(char *buf, size_t size);

extern int pointee;
extern int *const pointers[100000];

static unsigned long frames_free(void) {
    unsigned long s[2];
    ukrt_mem_stats(s);
    return s[1];
}

/* Every relocated pointer points where it should. */
static int relocs(void) {
    int good = 0;
    for (int i = 0; i < 100000; i++) good += pointers[i] == &pointee;
    printf("relocs: pointers=100000 relocated=%d\n", good);
    return 0;
}

/* ukrt_heap_grow: a request memory cannot satisfy fails and leaves no page
   behind; sizes that would wrap fail; then a small one still works. */
static int heap_grow(void) {
    unsigned long before = frames_free();
    void *too_much = ukrt_heap_grow((before + 1024) * 4096);
    unsigned long after_fail = frames_free();
    void *wraps = ukrt_heap_grow(SIZE_MAX - 100);
    void *huge = ukrt_heap_grow((size_t)1 << 63);
    unsigned long after_huge = frames_free();
    char *small = ukrt_heap_grow(1 << 20);
    int small_ok = small != NULL;
    if (small) memset(small, 0x5a, 1 << 20);
    printf("heap-grow: too_much=%s wraps=%s huge=%s frames_kept_by_failure=%ld "
           "frames_kept_by_huge=%ld small=%s\n",
           too_much ? "mapped" : "null", wraps ? "mapped" : "null", huge ? "mapped" : "null",
           (long)before - (long)after_fail, (long)after_fail - (long)after_huge,
           small_ok ? "ok" : "null");
    return 0;
}

/* Fills the whole heap region with 1 MiB blocks and exits without freeing
   them: the runtime's teardown returns it all. */
static int fill_heap(void) {
    long blocks = 0;
    char *p;
    while ((p = malloc(1 << 20)) != NULL) {
        for (int i = 0; i < (1 << 20); i += 4096) p[i] = 1;
        blocks++;
    }
    printf("fill-heap: blocks=%ld\n", blocks);
    return 0;
}

/* Pointers into nothing, into the runtime and across the end of the app's
   memory: each call fails with EFAULT (-14) and nothing crashes. */
static int bad_pointers(void) {
    static const char tmp[] = "/tmp";
    char *runtime = (char *)0xffff800000001000UL;
    char *null = 0;
    char *past_end = (char *)((1UL << 47) - 2);
    long stat_buf[18];
    printf("bad-pointers: console_null=%ld write_null=%ld write_runtime=%ld "
           "read_runtime=%ld open_null=%ld open_runtime=%ld open_past_end=%ld "
           "stat_out_runtime=%ld fstat_out_null=%ld getcwd_null=%ld stat_ok=%ld\n",
           ukrt_console_write(null, 10), ukrt_write(1, null, 10), ukrt_write(1, runtime, 10),
           ukrt_read(0, runtime, 10), ukrt_open(null, 0, 0), ukrt_open(runtime, 0, 0),
           ukrt_open(past_end, 0, 0), ukrt_stat(tmp, runtime), ukrt_fstat(1, null),
           ukrt_getcwd(null, 100), ukrt_stat(tmp, stat_buf));
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "relocs")) return relocs();
    if (!strcmp(mode, "heap-grow")) return heap_grow();
    if (!strcmp(mode, "fill-heap")) return fill_heap();
    if (!strcmp(mode, "bad-pointers")) return bad_pointers();
    printf("limits: unknown mode \"%s\" (relocs, heap-grow, fill-heap, bad-pointers)\n", mode);
    return 2;
}
