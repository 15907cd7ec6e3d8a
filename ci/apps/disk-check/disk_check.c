/* Storage checks the boot tests drive, one mode per run:
     all DIR             big DIR 64, tree DIR 1000, put DIR
     get+fill DIR        get DIR, fill DIR
     big DIR MIB         write MIB MiB of a pattern, fsync, read it back
     tree DIR N          N small files in nested folders: list, rename, remove
     put DIR / get DIR   write a file this boot, read it the next
     fill DIR            write until ENOSPC; what was written before stays
     readonly DIR        every change refused with EROFS, reads work
     append DIR N        append N records, fsync each, say each one synced
     records DIR         count the records that are there and check them
     image PATH          read a file of the image and print its checksum
   Each prints "disk-check: key=value ..." lines and returns 0 when every
   check held. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned pattern(unsigned long i) { return (unsigned)((i * 7 + i / 251) & 0xff); }

/* FNV-1a, 64-bit. */
static unsigned long fnv(unsigned long h, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3UL;
    return h;
}
#define FNV0 0xcbf29ce484222325UL

static char path[512];
static const char *at(const char *dir, const char *name) {
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static int big(const char *dir, long mib) {
    static unsigned char buf[65536];
    int fd = open(at(dir, "big.bin"), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) { printf("disk-check: big open: %s\n", strerror(errno)); return 1; }
    unsigned long h = FNV0, total = (unsigned long)mib << 20;
    for (unsigned long off = 0; off < total; off += sizeof buf) {
        for (size_t i = 0; i < sizeof buf; i++) buf[i] = pattern(off + i);
        if (write(fd, buf, sizeof buf) != (long)sizeof buf) {
            printf("disk-check: big write at %lu: %s\n", off, strerror(errno));
            return 1;
        }
        h = fnv(h, buf, sizeof buf);
    }
    if (fsync(fd) || close(fd)) { printf("disk-check: big fsync: %s\n", strerror(errno)); return 1; }
    fd = open(at(dir, "big.bin"), O_RDONLY);
    unsigned long back = FNV0, got = 0;
    long n;
    while ((n = read(fd, buf, sizeof buf)) > 0) { back = fnv(back, buf, n); got += n; }
    close(fd);
    struct stat st;
    stat(at(dir, "big.bin"), &st);
    printf("disk-check: big bytes=%lu read=%lu size=%ld written=%016lx read_back=%016lx\n",
           total, got, (long)st.st_size, h, back);
    return !(got == total && h == back && st.st_size == (long)total);
}

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static int tree(const char *dir, int n) {
    char top[256], sub[300], name[400], to[400];
    snprintf(top, sizeof top, "%s/tree", dir);
    if (mkdir(top, 0755)) { printf("disk-check: tree mkdir: %s\n", strerror(errno)); return 1; }
    for (int d = 0; d < 10; d++) {
        snprintf(sub, sizeof sub, "%s/folder-%d", top, d);
        mkdir(sub, 0755);
        snprintf(sub, sizeof sub, "%s/folder-%d/inner", top, d);
        mkdir(sub, 0755);
    }
    int made = 0, listed = 0, renamed = 0, removed = 0, content_ok = 0;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s/folder-%d/inner/file-number-%04d.txt", top, i % 10, i);
        FILE *f = fopen(name, "w");
        if (!f) continue;
        made += fprintf(f, "file %d\n", i) > 0;
        fclose(f);
    }
    for (int d = 0; d < 10; d++) {
        snprintf(sub, sizeof sub, "%s/folder-%d/inner", top, d);
        listed += count_entries(sub);
    }
    for (int i = 0; i < n; i += 2) {
        snprintf(name, sizeof name, "%s/folder-%d/inner/file-number-%04d.txt", top, i % 10, i);
        snprintf(to, sizeof to, "%s/folder-%d/renamed-%04d", top, i % 10, i);
        renamed += rename(name, to) == 0;
    }
    for (int i = 0; i < n; i++) {
        if (i % 2 == 0)
            snprintf(name, sizeof name, "%s/folder-%d/renamed-%04d", top, i % 10, i);
        else
            snprintf(name, sizeof name, "%s/folder-%d/inner/file-number-%04d.txt", top, i % 10, i);
        char line[64] = "", want[64];
        FILE *f = fopen(name, "r");
        if (f) { fgets(line, sizeof line, f); fclose(f); }
        snprintf(want, sizeof want, "file %d\n", i);
        content_ok += strcmp(line, want) == 0;
        removed += unlink(name) == 0;
    }
    int rmdirs = 0;
    for (int d = 0; d < 10; d++) {
        snprintf(sub, sizeof sub, "%s/folder-%d/inner", top, d);
        rmdirs += rmdir(sub) == 0;
        snprintf(sub, sizeof sub, "%s/folder-%d", top, d);
        rmdirs += rmdir(sub) == 0;
    }
    rmdirs += rmdir(top) == 0;
    printf("disk-check: tree made=%d listed=%d renamed=%d content_ok=%d removed=%d rmdirs=%d left=%d\n",
           made, listed, renamed, content_ok, removed, rmdirs, count_entries(dir));
    return !(made == n && listed == n && renamed == (n + 1) / 2 && content_ok == n && removed == n &&
             rmdirs == 21);
}

static const char message[] = "written by the first boot, read by the next\n";

static int put(const char *dir) {
    FILE *f = fopen(at(dir, "kept.txt"), "w");
    int ok = f && fputs(message, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f) fclose(f);
    printf("disk-check: put %s\n", ok ? "ok" : strerror(errno));
    return !ok;
}

static int get(const char *dir) {
    char line[128] = "";
    FILE *f = fopen(at(dir, "kept.txt"), "r");
    if (f) { fgets(line, sizeof line, f); fclose(f); }
    int ok = strcmp(line, message) == 0;
    printf("disk-check: get %s\n", ok ? "ok" : f ? "different" : strerror(errno));
    return !ok;
}

static int fill(const char *dir) {
    static unsigned char buf[65536];
    FILE *f = fopen(at(dir, "before.txt"), "w");
    fputs(message, f);
    fclose(f);
    int fd = open(at(dir, "filler.bin"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    long total = 0, n;
    memset(buf, 0xab, sizeof buf);
    while ((n = write(fd, buf, sizeof buf)) > 0) total += n;
    int err = errno;
    close(fd);
    int small = open(at(dir, "more.txt"), O_CREAT | O_WRONLY, 0644);
    long more = small >= 0 ? write(small, "x", 1) : -1;
    int more_err = errno;
    if (small >= 0) close(small);
    char line[128] = "";
    f = fopen(at(dir, "before.txt"), "r");
    if (f) { fgets(line, sizeof line, f); fclose(f); }
    int kept = strcmp(line, message) == 0;
    unlink(at(dir, "filler.bin"));
    fd = open(at(dir, "after.txt"), O_CREAT | O_WRONLY, 0644);
    long after = write(fd, "y", 1);
    close(fd);
    printf("disk-check: fill written_mib=%ld error=%s more=%ld more_error=%s before_kept=%s "
           "after_removing=%ld\n",
           total >> 20, err == ENOSPC ? "ENOSPC" : strerror(err), more,
           more < 0 ? (more_err == ENOSPC ? "ENOSPC" : strerror(more_err)) : "none",
           kept ? "yes" : "no", after);
    return !(err == ENOSPC && kept && after == 1);
}

static const char *err_name(int r, int e) {
    if (r >= 0) return "allowed";
    return e == EROFS ? "EROFS" : strerror(e);
}

static int readonly(const char *dir) {
    int r;
    r = open(at(dir, "new.txt"), O_CREAT | O_WRONLY, 0644);
    const char *create = err_name(r, errno);
    r = open(at(dir, "kept.txt"), O_WRONLY);
    const char *write_open = err_name(r, errno);
    r = mkdir(at(dir, "d"), 0755);
    const char *mk = err_name(r, errno);
    r = unlink(at(dir, "kept.txt"));
    const char *rm = err_name(r, errno);
    char to[512];
    snprintf(to, sizeof to, "%s/renamed", dir);
    r = rename(at(dir, "kept.txt"), to);
    const char *mv = err_name(r, errno);
    int failed = get(dir);
    printf("disk-check: readonly create=%s open_write=%s mkdir=%s unlink=%s rename=%s\n",
           create, write_open, mk, rm, mv);
    return failed;
}

/* "record NNNNNNNN HHHHHHHHHHHHHHHH ...": the number and the checksum. */
static int parse_record(const char *line, long *i, unsigned long *h) {
    if (strncmp(line, "record ", 7)) return 0;
    char *end;
    *i = strtol(line + 7, &end, 10);
    if (end != line + 15 || *end != ' ') return 0;
    *h = strtoul(end + 1, &end, 16);
    return end == line + 32;
}

/* A record: its number and a checksum of it, on one line. */
static int append(const char *dir, long n) {
    int fd = open(at(dir, "records.log"), O_CREAT | O_WRONLY | O_APPEND, 0644);
    if (fd < 0) { printf("disk-check: append open: %s\n", strerror(errno)); return 1; }
    printf("disk-check: appending\n");
    for (long i = 0; i < n; i++) {
        char rec[96];
        unsigned long h = fnv(FNV0, (unsigned char *)&i, sizeof i);
        int len = snprintf(rec, sizeof rec, "record %08ld %016lx padding-to-make-it-longer\n", i, h);
        if (write(fd, rec, len) != len || fsync(fd)) {
            printf("disk-check: append %ld: %s\n", i, strerror(errno));
            return 1;
        }
        printf("disk-check: synced %ld\n", i);
    }
    close(fd);
    return 0;
}

static int records(const char *dir) {
    FILE *f = fopen(at(dir, "records.log"), "r");
    if (!f) { printf("disk-check: records none: %s\n", strerror(errno)); return 1; }
    char line[128];
    long good = 0, bad = 0, partial = 0;
    while (fgets(line, sizeof line, f)) {
        long i;
        unsigned long h;
        if (strchr(line, '\n') == NULL) { partial++; break; }
        if (parse_record(line, &i, &h) && i == good &&
            h == fnv(FNV0, (unsigned char *)&i, sizeof i))
            good++;
        else
            bad++;
    }
    fclose(f);
    printf("disk-check: records good=%ld bad=%ld partial=%ld\n", good, bad, partial);
    return bad != 0;
}

static int image(const char *file) {
    static unsigned char buf[4096];
    int fd = open(file, O_RDONLY);
    if (fd < 0) { printf("disk-check: image %s: %s\n", file, strerror(errno)); return 1; }
    unsigned long h = FNV0, total = 0;
    long n;
    while ((n = read(fd, buf, sizeof buf)) > 0) { h = fnv(h, buf, n); total += n; }
    close(fd);
    int w = open(file, O_WRONLY);
    printf("disk-check: image bytes=%lu fnv=%016lx write=%s\n", total, h, err_name(w, errno));
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "", *arg = argc > 2 ? argv[2] : "/data";
    long num = argc > 3 ? strtol(argv[3], 0, 10) : 0;
    if (!strcmp(mode, "all")) return big(arg, 64) | tree(arg, 1000) | put(arg);
    if (!strcmp(mode, "get+fill")) return get(arg) | fill(arg);
    if (!strcmp(mode, "big")) return big(arg, num ? num : 64);
    if (!strcmp(mode, "tree")) return tree(arg, num ? num : 1000);
    if (!strcmp(mode, "put")) return put(arg);
    if (!strcmp(mode, "get")) return get(arg);
    if (!strcmp(mode, "fill")) return fill(arg);
    if (!strcmp(mode, "readonly")) return readonly(arg);
    if (!strcmp(mode, "append")) return append(arg, num ? num : 100000);
    if (!strcmp(mode, "records")) return records(arg);
    if (!strcmp(mode, "image")) return image(arg);
    printf("disk-check: unknown mode \"%s\"\n", mode);
    return 2;
}
