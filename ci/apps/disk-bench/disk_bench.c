/* Disk benchmark, the same source for ukrt (an app) and Linux (gcc -static):
     disk-bench DIR [MIB [RANDOM_READS [FSYNCS [SECONDS]]]]
   on the mounted directory DIR (default /data, 64 MiB, 2000 random reads,
   200 fsyncs, 30 s bound per random/fsync phase):
     write    MIB MiB sequentially in 64 KiB writes to DIR/bench.bin, then
              fsync: MB/s over the writes and the fsync
     read     drop the page cache when there is one (Linux:
              /proc/sys/vm/drop_caches; ukrt has none: the FAT layer's
              256 KiB sector cache), then read the file back in 64 KiB reads
     random   drop caches again, then 4 KiB preads at random 4 KiB-aligned
              offsets of the file, RANDOM_READS of them or SECONDS, whichever
              ends first: IOPS
     fsync    FSYNCS times: append 4 KiB to DIR/fsync.bin and fsync; the
              latency of each write+fsync pair: p50, p99, mean, max
   Every 4 KiB block of bench.bin starts with its own offset, so each read
   is checked (bad=N counts blocks that came back wrong). The files are
   removed at the end, so the next run starts with the same filesystem.
   Figures are printed as "disk-bench: PHASE key=value ..." lines (MB/s is
   10^6 bytes per second); the exit status is 0 when every call worked and
   every block read back right. Timing: clock_gettime(CLOCK_MONOTONIC). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536
#define BLOCK 4096

static unsigned char buf[CHUNK];
static char path[512], fpath[512];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what) {
    printf("disk-bench: error what=\"%s\" errno=%d reason=\"%s\"\n", what, errno, strerror(errno));
    unlink(path);
    unlink(fpath);
    return 1;
}

/* The block at offset off: its offset in the first 8 bytes, then a pattern. */
static void fill_block(unsigned char *b, unsigned long off) {
    memcpy(b, &off, sizeof off);
}

static int block_ok(const unsigned char *b, unsigned long off) {
    unsigned long got;
    memcpy(&got, b, sizeof got);
    return got == off && b[BLOCK - 1] == (unsigned char)((BLOCK - 1) * 7);
}

/* Page cache: Linux drops its clean pages (the file was fsync'd, so all of
   it is clean); ukrt has no such file. */
static void drop_caches(const char *phase) {
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0) {
        printf("disk-bench: drop-caches before=%s done=no reason=\"%s\"\n", phase, strerror(errno));
        return;
    }
    int ok = write(fd, "3\n", 2) == 2;
    int e = errno;
    close(fd);
    printf("disk-bench: drop-caches before=%s done=%s%s%s\n", phase, ok ? "yes" : "no",
           ok ? "" : " reason=", ok ? "" : strerror(e));
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *sorted, int n, int p) {
    /* Nearest rank. */
    int i = (p * n + 99) / 100 - 1;
    if (i < 0) i = 0;
    if (i >= n) i = n - 1;
    return sorted[i];
}

static unsigned long rng = 0x9e3779b97f4a7c15UL;
static unsigned long next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/data";
    long mib = argc > 2 ? atol(argv[2]) : 64;
    long nrand = argc > 3 ? atol(argv[3]) : 2000;
    long nsync = argc > 4 ? atol(argv[4]) : 200;
    double bound = argc > 5 ? atof(argv[5]) : 30.0;
    if (mib < 1 || nrand < 1 || nsync < 1 || nsync > 100000 || !(bound > 0)) {
        printf("disk-bench: error what=\"arguments\" reason=\"usage: disk-bench DIR [MIB "
               "[RANDOM_READS [FSYNCS [SECONDS]]]]\"\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/bench.bin", dir);
    snprintf(fpath, sizeof fpath, "%s/fsync.bin", dir);
    unsigned long total = (unsigned long)mib << 20;
    for (int i = 0; i < CHUNK; i++) buf[i] = (unsigned char)((i % BLOCK) * 7);
    printf("disk-bench: start dir=%s mib=%ld chunk=%d random_reads=%ld fsyncs=%ld bound_s=%g\n",
           dir, mib, CHUNK, nrand, nsync, bound);
    unlink(path);
    unlink(fpath);

    /* Sequential write + fsync. */
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) return fail("open bench.bin for writing");
    double t0 = now();
    for (unsigned long off = 0; off < total; off += CHUNK) {
        for (int b = 0; b < CHUNK; b += BLOCK) fill_block(buf + b, off + b);
        if (write(fd, buf, CHUNK) != CHUNK) return fail("sequential write");
    }
    double t1 = now();
    if (fsync(fd)) return fail("fsync after the sequential write");
    double t2 = now();
    if (close(fd)) return fail("close after the sequential write");
    printf("disk-bench: write bytes=%lu seconds=%.3f write_s=%.3f fsync_s=%.3f mb_per_s=%.3f\n",
           total, t2 - t0, t1 - t0, t2 - t1, total / (t2 - t0) / 1e6);

    /* Sequential read. */
    drop_caches("read");
    fd = open(path, O_RDONLY);
    if (fd < 0) return fail("open bench.bin for reading");
    unsigned long got = 0, bad = 0;
    long n;
    t0 = now();
    while ((n = read(fd, buf, CHUNK)) > 0) {
        for (long b = 0; b + BLOCK <= n; b += BLOCK) bad += !block_ok(buf + b, got + b);
        got += n;
    }
    t1 = now();
    if (n < 0) return fail("sequential read");
    close(fd);
    printf("disk-bench: read bytes=%lu seconds=%.3f mb_per_s=%.3f bad=%lu\n", got, t1 - t0,
           got / (t1 - t0) / 1e6, bad);
    if (got != total) bad++;

    /* 4 KiB random reads. */
    drop_caches("random");
    fd = open(path, O_RDONLY);
    if (fd < 0) return fail("open bench.bin for random reads");
#ifdef POSIX_FADV_RANDOM
    /* Linux: no readahead around each read (ukrt's headers have no fadvise). */
    posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
    const char *advice = "random";
#else
    const char *advice = "none";
#endif
    unsigned long blocks = total / BLOCK, rbad = 0;
    long done = 0;
    t0 = now();
    double end = t0 + bound;
    t1 = t0;
    while (done < nrand && t1 < end) {
        unsigned long off = next_random() % blocks * BLOCK;
        if (pread(fd, buf, BLOCK, off) != BLOCK) return fail("random pread");
        rbad += !block_ok(buf, off);
        done++;
        t1 = now();
    }
    close(fd);
    printf("disk-bench: random reads=%ld seconds=%.3f iops=%.1f bad=%lu ended_by=%s fadvise=%s\n",
           done, t1 - t0, done / (t1 - t0), rbad, done < nrand ? "time" : "count", advice);
    bad += rbad;

    /* write 4 KiB + fsync latency. */
    static double lat[100000];
    fd = open(fpath, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) return fail("open fsync.bin");
    long k = 0;
    double sum = 0;
    t0 = now();
    end = t0 + bound;
    for (t1 = t0; k < nsync && t1 < end; k++) {
        fill_block(buf, (unsigned long)k * BLOCK);
        double a = now();
        if (write(fd, buf, BLOCK) != BLOCK) return fail("fsync phase write");
        if (fsync(fd)) return fail("fsync phase fsync");
        t1 = now();
        lat[k] = (t1 - a) * 1e3;
        sum += lat[k];
    }
    close(fd);
    qsort(lat, k, sizeof lat[0], cmp_double);
    printf("disk-bench: fsync count=%ld seconds=%.3f p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f "
           "min_ms=%.3f max_ms=%.3f ended_by=%s\n",
           k, t1 - t0, pct(lat, k, 50), pct(lat, k, 99), sum / k, lat[0], lat[k - 1],
           k < nsync ? "time" : "count");

    if (unlink(path) || unlink(fpath)) return fail("unlink the files");
    printf("disk-bench: done bad=%lu status=%d\n", bad, bad ? 1 : 0);
    return bad ? 1 : 0;
}
