/* The zlib acceptance test (ci/boot_tests.py, class RealPrograms): zlib's
   unmodified sources from the libz-sys crate with this main of ours, built
   as a ukrt app and natively against glibc; both print the same bytes.

   usage: zlib TMPDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zlib.h"

#define DATA_SIZE (256 * 1024)

/* Text-like and binary-like data, the same on every run. */
static void make_data(unsigned char *buf, size_t n) {
    static const char *words[] = {"lorem", "ipsum", "dolor", "sit", "amet", "unikernel",
                                  "xen", "page", "fault", "table", "frame", "grant"};
    unsigned long x = 12345;
    size_t i = 0;
    while (i < n / 2) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        const char *w = words[(x >> 33) % 12];
        while (*w && i < n / 2) buf[i++] = (unsigned char)*w++;
        if (i < n / 2) buf[i++] = (x >> 40) % 7 ? ' ' : '\n';
    }
    while (i < n) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        buf[i++] = (unsigned char)((x >> 59) ? (x >> 24) : 0);
    }
}

static int check_levels(const unsigned char *data) {
    unsigned char *packed = malloc(compressBound(DATA_SIZE));
    unsigned char *back = malloc(DATA_SIZE);
    for (int level = -1; level <= 9; level++) {
        uLongf plen = compressBound(DATA_SIZE), blen = DATA_SIZE;
        int rc = compress2(packed, &plen, data, DATA_SIZE, level);
        int rc2 = uncompress(back, &blen, packed, plen);
        printf("level %2d: compress %d, %lu bytes, crc32 %08lx adler32 %08lx; uncompress %d, %lu bytes, %s\n",
               level, rc, (unsigned long)plen, crc32(0, packed, plen), adler32(1, packed, plen), rc2,
               (unsigned long)blen, blen == DATA_SIZE && !memcmp(back, data, DATA_SIZE) ? "same" : "DIFFERENT");
    }
    free(packed);
    free(back);
    return 0;
}

static void check_streams(const unsigned char *data) {
    static const struct { const char *name; int bits, strategy, mem; } kinds[] = {
        {"zlib", 15, Z_DEFAULT_STRATEGY, 8}, {"raw", -15, Z_DEFAULT_STRATEGY, 8},
        {"gzip", 31, Z_DEFAULT_STRATEGY, 8}, {"filtered", 15, Z_FILTERED, 9},
        {"huffman", 15, Z_HUFFMAN_ONLY, 8}, {"rle", 15, Z_RLE, 8}, {"fixed", 12, Z_FIXED, 1},
    };
    unsigned char out[4096], *packed = malloc(DATA_SIZE * 2), *back = malloc(DATA_SIZE);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        z_stream s = {0};
        deflateInit2(&s, 6, Z_DEFLATED, kinds[k].bits, kinds[k].mem, kinds[k].strategy);
        size_t total = 0;
        /* Small input and output pieces: the streaming paths, not one call. */
        for (size_t at = 0; at <= DATA_SIZE; at += 1000) {
            size_t n = DATA_SIZE - at < 1000 ? DATA_SIZE - at : 1000;
            s.next_in = (unsigned char *)data + at;
            s.avail_in = (uInt)n;
            int flush = at + 1000 >= DATA_SIZE ? Z_FINISH : (at % 50000 == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH);
            do {
                s.next_out = out;
                s.avail_out = sizeof out;
                deflate(&s, flush);
                memcpy(packed + total, out, sizeof out - s.avail_out);
                total += sizeof out - s.avail_out;
            } while (s.avail_out == 0);
            if (flush == Z_FINISH) break;
        }
        deflateEnd(&s);
        z_stream r = {0};
        inflateInit2(&r, kinds[k].bits);
        r.next_in = packed;
        r.avail_in = (uInt)total;
        r.next_out = back;
        r.avail_out = DATA_SIZE;
        int rc = inflate(&r, Z_FINISH);
        printf("%-8s: %6zu bytes, crc32 %08lx; inflate %d, %lu bytes, %s\n", kinds[k].name, total,
               crc32(0, packed, (uInt)total), rc, r.total_out,
               r.total_out == DATA_SIZE && !memcmp(back, data, DATA_SIZE) ? "same" : "DIFFERENT");
        inflateEnd(&r);
    }
    free(packed);
    free(back);
}

static void check_gz(const char *dir, const unsigned char *data) {
    char path[512];
    snprintf(path, sizeof path, "%s/zlib.gz", dir);
    for (int level = 1; level <= 9; level += 4) {
        char mode[8];
        snprintf(mode, sizeof mode, "wb%d", level);
        gzFile f = gzopen(path, mode);
        if (!f) {
            printf("gzopen %s for writing failed\n", mode);
            return;
        }
        gzprintf(f, "header line %d of %s\n", level, "zlib");
        gzputs(f, "second line\n");
        gzwrite(f, data, DATA_SIZE);
        gzputc(f, '!');
        printf("gz level %d: close %d", level, gzclose(f));
        FILE *raw = fopen(path, "rb");
        fseek(raw, 0, SEEK_END);
        printf(", file %ld bytes", ftell(raw));
        fclose(raw);
        f = gzopen(path, "rb");
        char line[128];
        printf(", [%s", gzgets(f, line, sizeof line));
        printf("%s]", gzgets(f, line, sizeof line));
        unsigned char *back = malloc(DATA_SIZE);
        int n = gzread(f, back, DATA_SIZE);
        int last = gzgetc(f);
        printf(", read %d %s, last '%c', eof %d", n, n == DATA_SIZE && !memcmp(back, data, DATA_SIZE) ? "same" : "DIFFERENT",
               last, gzgetc(f) == -1);
        gzrewind(f);
        gzseek(f, 100000, SEEK_SET);
        printf(", at 100000: %02x, tell %ld\n", gzgetc(f), (long)gztell(f));
        free(back);
        gzclose(f);
    }
    printf("remove: %d\n", remove(path));
    gzFile none = gzopen("/no/such/dir/x.gz", "rb");
    printf("gzopen of a missing file: %s\n", none ? "opened?!" : "NULL");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        printf("usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    printf("zlib %s\n", zlibVersion());
    unsigned char *data = malloc(DATA_SIZE);
    make_data(data, DATA_SIZE);
    printf("data: crc32 %08lx adler32 %08lx\n", crc32(0, data, DATA_SIZE), adler32(1, data, DATA_SIZE));
    check_levels(data);
    check_streams(data);
    check_gz(argv[1], data);
    free(data);
    return 0;
}
