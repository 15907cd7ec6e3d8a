/* Exercises libukc's files: the POSIX calls, directories and stdio
   streams on files, in a directory of its own (argv[1], default
   /tmp/files-check), and prints one line per check: its name and "ok", or
   "FAIL" with the line and errno. The output is the same wherever it
   runs (no inode numbers, times or addresses), so the native build
   against glibc gives the transcript the ukrt build must match
   (expected.txt). It leaves one file, left-open.txt, written through a
   stream it never closes: exit must flush it. */
#define _GNU_SOURCE /* glibc's lseek64 (libukc's headers have it anyway) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int failures;
static char base[1024];

static void check(const char *name, int ok, int line) {
    if (ok) {
        printf("%s: ok\n", name);
    } else {
        printf("%s: FAIL (line %d, errno %d)\n", name, line, errno);
        failures++;
    }
}
#define CHECK(name, cond) check(name, (cond), __LINE__)

static const char *at(const char *name) {
    static char bufs[4][1200];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, 1200, "%s/%s", base, name);
    return b;
}

static long size_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int fails_with(int r, int e) { return r == -1 && errno == e; }

static void posix_files(void) {
    char p[1200];
    snprintf(p, sizeof p, "%s", at("a.txt"));
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK("open O_CREAT|O_EXCL", fd >= 3);
    CHECK("write", write(fd, "hello, world\n", 13) == 13);
    CHECK("close", close(fd) == 0);
    CHECK("close twice EBADF", fails_with(close(fd), EBADF));
    CHECK("open O_EXCL existing EEXIST", fails_with(open(p, O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST));
    CHECK("open missing ENOENT", fails_with(open(at("nope"), O_RDONLY), ENOENT));
    CHECK("open missing dir ENOENT", fails_with(open(at("nodir/x"), O_WRONLY | O_CREAT, 0644), ENOENT));

    fd = open(p, O_RDWR);
    char buf[64] = {0};
    CHECK("read", read(fd, buf, sizeof buf) == 13 && memcmp(buf, "hello, world\n", 13) == 0);
    CHECK("read at end 0", read(fd, buf, sizeof buf) == 0);
    CHECK("lseek SEEK_SET", lseek(fd, 7, SEEK_SET) == 7);
    CHECK("read after seek", read(fd, buf, 5) == 5 && memcmp(buf, "world", 5) == 0);
    CHECK("lseek SEEK_CUR", lseek(fd, -5, SEEK_CUR) == 7);
    CHECK("lseek SEEK_END", lseek(fd, 0, SEEK_END) == 13);
    CHECK("lseek negative EINVAL", fails_with(lseek(fd, -100, SEEK_SET), EINVAL));
    CHECK("lseek64", lseek64(fd, 2, SEEK_SET) == 2);
    CHECK("pwrite", pwrite(fd, "W", 1, 7) == 1);
    memset(buf, 0, sizeof buf);
    CHECK("pread", pread(fd, buf, 5, 7) == 5 && memcmp(buf, "World", 5) == 0);
    CHECK("pread keeps offset", lseek(fd, 0, SEEK_CUR) == 2);
    CHECK("lseek past end", lseek(fd, 20, SEEK_SET) == 20);
    CHECK("write past end", write(fd, "!", 1) == 1);
    memset(buf, 'x', sizeof buf);
    CHECK("hole reads zeros", pread(fd, buf, 8, 13) == 8 && buf[0] == 0 && buf[6] == 0 && buf[7] == '!');

    struct stat st, st2;
    CHECK("fstat", fstat(fd, &st) == 0 && st.st_size == 21 && S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode));
    CHECK("fstat nlink", st.st_nlink >= 1);
    CHECK("stat", stat(p, &st2) == 0 && st2.st_size == 21 && st2.st_ino == st.st_ino);
    CHECK("lstat", lstat(p, &st2) == 0 && st2.st_size == 21);
    CHECK("stat dir", stat(base, &st2) == 0 && S_ISDIR(st2.st_mode));
    CHECK("stat missing ENOENT", fails_with(stat(at("nope"), &st2), ENOENT));
    CHECK("stat through file ENOTDIR", fails_with(stat(at("a.txt/x"), &st2), ENOTDIR));
    CHECK("fstat bad fd EBADF", fails_with(fstat(999, &st2), EBADF));

    CHECK("access F_OK", access(p, F_OK) == 0);
    CHECK("access R_OK|W_OK", access(p, R_OK | W_OK) == 0);
    CHECK("access missing ENOENT", fails_with(access(at("nope"), F_OK), ENOENT));

    int d = dup(fd);
    CHECK("dup", d > fd);
    CHECK("dup shares offset", lseek(d, 3, SEEK_SET) == 3 && lseek(fd, 0, SEEK_CUR) == 3);
    int d2 = dup2(fd, 40);
    CHECK("dup2", d2 == 40 && lseek(40, 0, SEEK_CUR) == 3);
    CHECK("dup2 same fd", dup2(fd, fd) == fd);
    CHECK("dup bad fd EBADF", fails_with(dup(999), EBADF));
    int d3 = fcntl(fd, F_DUPFD, 50);
    CHECK("F_DUPFD", d3 == 50);
    int d4 = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    CHECK("F_DUPFD_CLOEXEC lowest free", d4 == d + 1);
    CHECK("F_GETFD cloexec", fcntl(d4, F_GETFD) == FD_CLOEXEC);
    CHECK("F_GETFL O_RDWR", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    close(d);
    close(d2);
    close(d3);
    close(d4);
    int d5 = dup(fd);
    CHECK("lowest free fd reused", d5 == d);
    close(d5);

    CHECK("fsync", fsync(fd) == 0);
    CHECK("fdatasync", fdatasync(fd) == 0);
    CHECK("ftruncate shrink", ftruncate(fd, 5) == 0 && size_of(p) == 5);
    CHECK("ftruncate grow", ftruncate(fd, 10) == 0 && size_of(p) == 10);
    CHECK("truncate", truncate(p, 4) == 0 && size_of(p) == 4);
    CHECK("truncate missing ENOENT", fails_with(truncate(at("nope"), 0), ENOENT));
    CHECK("isatty file ENOTTY", isatty(fd) == 0 && errno == ENOTTY);
    CHECK("isatty bad fd EBADF", isatty(999) == 0 && errno == EBADF);
    close(fd);

    fd = open(p, O_WRONLY | O_APPEND);
    CHECK("F_GETFL O_APPEND", (fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND)) == (O_WRONLY | O_APPEND));
    lseek(fd, 0, SEEK_SET);
    CHECK("O_APPEND writes at end", write(fd, "tail", 4) == 4 && size_of(p) == 8);
    CHECK("read on O_WRONLY EBADF", fails_with(read(fd, buf, 1), EBADF));
    close(fd);
    fd = open(p, O_RDONLY);
    CHECK("write on O_RDONLY EBADF", fails_with(write(fd, "x", 1), EBADF));
    close(fd);
    fd = open(p, O_WRONLY | O_TRUNC);
    CHECK("O_TRUNC", fd >= 0 && size_of(p) == 0);
    close(fd);
    fd = creat(at("c.txt"), 0600);
    CHECK("creat", fd >= 0 && write(fd, "c", 1) == 1 && size_of(at("c.txt")) == 1);
    close(fd);
    fd = open(base, O_RDONLY | O_DIRECTORY);
    CHECK("open dir O_DIRECTORY", fd >= 0);
    CHECK("read dir EISDIR", fails_with(read(fd, buf, 1), EISDIR));
    close(fd);
    CHECK("open file O_DIRECTORY ENOTDIR", fails_with(open(p, O_RDONLY | O_DIRECTORY), ENOTDIR));
    CHECK("open dir for writing EISDIR", fails_with(open(base, O_WRONLY), EISDIR));
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in `path` (sorted, without . and ..) as "name/type ...". */
static void list(const char *label, DIR *d) {
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *s = malloc(strlen(e->d_name) + 3);
        sprintf(s, "%s/%c", e->d_name, e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : '?');
        names[n++] = s;
    }
    qsort(names, n, sizeof names[0], cmp_str);
    printf("%s:", label);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void directories(void) {
    CHECK("mkdir", mkdir(at("sub"), 0755) == 0);
    CHECK("mkdir existing EEXIST", fails_with(mkdir(at("sub"), 0755), EEXIST));
    CHECK("mkdir missing parent ENOENT", fails_with(mkdir(at("no/sub"), 0755), ENOENT));
    int fd = open(at("sub/inner.txt"), O_WRONLY | O_CREAT, 0644);
    CHECK("create in subdir", fd >= 0 && write(fd, "inner", 5) == 5);
    close(fd);
    CHECK("mkdir nested", mkdir(at("sub/deeper"), 0700) == 0);
    CHECK("rmdir non-empty ENOTEMPTY", fails_with(rmdir(at("sub")), ENOTEMPTY));
    CHECK("rmdir file ENOTDIR", fails_with(rmdir(at("c.txt")), ENOTDIR));
    CHECK("unlink dir EISDIR", fails_with(unlink(at("sub/deeper")), EISDIR));
    CHECK("unlink missing ENOENT", fails_with(unlink(at("nope")), ENOENT));

    DIR *d = opendir(base);
    CHECK("opendir", d != NULL);
    list("readdir", d);
    rewinddir(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n++;
    CHECK("rewinddir lists again (with . and ..)", n == 5);
    CHECK("dirfd", dirfd(d) >= 3);
    CHECK("closedir", closedir(d) == 0);
    CHECK("opendir file ENOTDIR", opendir(at("c.txt")) == NULL && errno == ENOTDIR);
    CHECK("opendir missing ENOENT", opendir(at("nope")) == NULL && errno == ENOENT);
    fd = open(at("sub"), O_RDONLY | O_DIRECTORY);
    d = fdopendir(fd);
    CHECK("fdopendir", d != NULL);
    list("fdopendir sub", d);
    closedir(d);
    fd = open(at("c.txt"), O_RDONLY);
    CHECK("fdopendir file ENOTDIR", fdopendir(fd) == NULL && errno == ENOTDIR);
    close(fd);

    CHECK("rename", rename(at("c.txt"), at("sub/c2.txt")) == 0 && size_of(at("sub/c2.txt")) == 1 &&
                        access(at("c.txt"), F_OK) == -1);
    CHECK("rename over existing", rename(at("sub/c2.txt"), at("sub/inner.txt")) == 0 &&
                                      size_of(at("sub/inner.txt")) == 1);
    CHECK("rename missing ENOENT", fails_with(rename(at("nope"), at("nope2")), ENOENT));
    CHECK("rename dir", rename(at("sub/deeper"), at("deep")) == 0);
    d = opendir(base);
    list("after renames", d);
    closedir(d);
    CHECK("rmdir", rmdir(at("deep")) == 0 && access(at("deep"), F_OK) == -1);
    CHECK("remove file", remove(at("sub/inner.txt")) == 0);
    CHECK("remove empty dir", remove(at("sub")) == 0 && access(at("sub"), F_OK) == -1);
    CHECK("remove missing ENOENT", fails_with(remove(at("sub")), ENOENT));
}

static void cwd(void) {
    char old[1024], buf[1024];
    CHECK("getcwd", getcwd(old, sizeof old) == old && old[0] == '/');
    CHECK("mkdir for chdir", mkdir(at("wd"), 0755) == 0);
    CHECK("chdir", chdir(at("wd")) == 0);
    CHECK("getcwd after chdir", getcwd(buf, sizeof buf) == buf && strcmp(buf, at("wd")) == 0);
    int fd = open("rel.txt", O_WRONLY | O_CREAT, 0644);
    CHECK("relative open", fd >= 0 && access(at("wd/rel.txt"), F_OK) == 0);
    close(fd);
    CHECK("relative ..", access("../a.txt", F_OK) == 0);
    char *m = getcwd(NULL, 0);
    CHECK("getcwd(NULL, 0) mallocs", m != NULL && strcmp(m, at("wd")) == 0);
    free(m);
    CHECK("getcwd too small ERANGE", getcwd(buf, 2) == NULL && errno == ERANGE);
    CHECK("chdir missing ENOENT", fails_with(chdir("nope"), ENOENT));
    CHECK("chdir file ENOTDIR", fails_with(chdir("rel.txt"), ENOTDIR));
    CHECK("chdir back", chdir(old) == 0);
    unlink(at("wd/rel.txt"));
    rmdir(at("wd"));
    mode_t was = umask(022);
    CHECK("umask", umask(077) == 022);
    umask(was);
}

static void streams(void) {
    char p[1200];
    snprintf(p, sizeof p, "%s", at("s.txt"));
    FILE *f = fopen(p, "w");
    CHECK("fopen w", f != NULL);
    CHECK("fprintf", fprintf(f, "line %d\n", 1) == 7);
    CHECK("fputs", fputs("line 2\n", f) >= 0);
    CHECK("fputc", fputc('x', f) == 'x' && putc('\n', f) == '\n');
    CHECK("fwrite", fwrite("abc\n", 1, 4, f) == 4);
    CHECK("full buffering: nothing written yet", size_of(p) == 0);
    CHECK("ftell while writing", ftell(f) == 20);
    CHECK("fflush", fflush(f) == 0 && size_of(p) == 20);
    CHECK("fileno", fileno(f) >= 3);
    CHECK("fclose", fclose(f) == 0);

    f = fopen(p, "r");
    char line[64];
    CHECK("fopen r", f != NULL);
    CHECK("fgets", fgets(line, sizeof line, f) == line && strcmp(line, "line 1\n") == 0);
    CHECK("fgets short buffer", fgets(line, 4, f) == line && strcmp(line, "lin") == 0);
    CHECK("fgets rest of line", fgets(line, sizeof line, f) == line && strcmp(line, "e 2\n") == 0);
    CHECK("fgetc", fgetc(f) == 'x' && getc(f) == '\n');
    CHECK("ungetc", ungetc('Z', f) == 'Z' && fgetc(f) == 'Z');
    CHECK("ungetc then ftell", ungetc('a', f) == 'a' && ftell(f) == 15 && fgetc(f) == 'a');
    CHECK("fread", fread(line, 1, 10, f) == 4 && memcmp(line, "abc\n", 4) == 0);
    CHECK("feof", feof(f) != 0 && ferror(f) == 0);
    CHECK("fgetc at end EOF", fgetc(f) == EOF);
    CHECK("fgets at end NULL", fgets(line, sizeof line, f) == NULL);
    clearerr(f);
    CHECK("clearerr", feof(f) == 0);
    CHECK("fseek SEEK_SET", fseek(f, 5, SEEK_SET) == 0 && fgetc(f) == '1' && ftell(f) == 6);
    CHECK("fseek SEEK_CUR", fseek(f, 1, SEEK_CUR) == 0 && fgetc(f) == 'l');
    CHECK("fseek SEEK_END", fseek(f, -2, SEEK_END) == 0 && fgetc(f) == 'c');
    CHECK("fseek bad whence EINVAL", fseek(f, 0, 9) == -1 && errno == EINVAL);
    CHECK("fseek negative EINVAL", fseek(f, -1, SEEK_SET) == -1 && errno == EINVAL);
    CHECK("fseeko/ftello", fseeko(f, 7, SEEK_SET) == 0 && ftello(f) == 7);
    CHECK("fputc on read-only stream fails", fputc('q', f) == EOF && ferror(f) != 0);
    rewind(f);
    CHECK("rewind clears the error", ferror(f) == 0 && ftell(f) == 0 && fgetc(f) == 'l');
    fclose(f);

    f = fopen(p, "a");
    CHECK("fopen a starts at the end", f != NULL && ftell(f) == 20);
    fseek(f, 0, SEEK_SET);
    CHECK("append writes go to the end", fputs("end\n", f) >= 0 && fclose(f) == 0 && size_of(p) == 24);
    f = fopen(p, "a+");
    CHECK("fopen a+ reads from the start", f != NULL && fgetc(f) == 'l');
    CHECK("a+ write goes to the end", fputs("more\n", f) >= 0 && fflush(f) == 0 && size_of(p) == 29);
    fseek(f, -5, SEEK_END);
    CHECK("a+ read back", fgets(line, sizeof line, f) == line && strcmp(line, "more\n") == 0);
    fclose(f);

    f = fopen(p, "r+");
    CHECK("fopen r+ keeps contents", f != NULL && size_of(p) == 29);
    fseek(f, 5, SEEK_SET);
    fputc('9', f);
    fseek(f, 0, SEEK_SET);
    CHECK("r+ overwrite in place", fgets(line, sizeof line, f) == line && strcmp(line, "line 9\n") == 0);
    fseek(f, 0, SEEK_CUR);
    fputs("LINE", f);
    fflush(f);
    fseek(f, 7, SEEK_SET);
    CHECK("r+ write after read", fgets(line, sizeof line, f) == line && strcmp(line, "LINE 2\n") == 0);
    fclose(f);

    f = fopen(p, "w+");
    CHECK("fopen w+ truncates", f != NULL && size_of(p) == 0);
    fputs("first\nsecond\n", f);
    rewind(f);
    CHECK("w+ read back", fgets(line, sizeof line, f) == line && strcmp(line, "first\n") == 0);
    fclose(f);
    CHECK("fopen wx existing EEXIST", fopen(p, "wx") == NULL && errno == EEXIST);
    f = fopen(at("x.txt"), "wxe");
    CHECK("fopen wxe new", f != NULL);
    fclose(f);
    f = fopen(p, "rb");
    CHECK("fopen rb", f != NULL && fgetc(f) == 'f');
    fclose(f);
    CHECK("fopen bad mode EINVAL", fopen(p, "z") == NULL && errno == EINVAL);
    CHECK("fopen missing ENOENT", fopen(at("nope"), "r") == NULL && errno == ENOENT);
    CHECK("fopen dir for writing EISDIR", fopen(base, "w") == NULL && errno == EISDIR);

    f = fopen(p, "w");
    setvbuf(f, NULL, _IONBF, 0);
    fputs("abc", f);
    CHECK("_IONBF writes at once", size_of(p) == 3);
    fclose(f);
    f = fopen(p, "w");
    setvbuf(f, NULL, _IOLBF, 0);
    fputs("abc", f);
    CHECK("_IOLBF holds a partial line", size_of(p) == 0);
    fputs("\nde", f);
    CHECK("_IOLBF writes through the newline", size_of(p) == 4);
    fclose(f);
    CHECK("fclose writes the rest", size_of(p) == 6);
    static char mybuf[64];
    f = fopen(p, "w");
    CHECK("setvbuf _IOFBF 64", setvbuf(f, mybuf, _IOFBF, sizeof mybuf) == 0);
    for (int i = 0; i < 10; i++) fputs("0123456789", f);
    CHECK("a 64-byte buffer writes when full", size_of(p) >= 64 && size_of(p) < 100);
    fclose(f);
    f = fopen(p, "w");
    setbuf(f, NULL);
    fputc('u', f);
    CHECK("setbuf NULL unbuffered", size_of(p) == 1);
    fclose(f);

    FILE *a = fopen(at("f1.txt"), "w"), *b = fopen(at("f2.txt"), "w");
    fputs("one", a);
    fputs("two", b);
    CHECK("fflush(NULL) flushes every stream", fflush(NULL) == 0 && size_of(at("f1.txt")) == 3 &&
                                                    size_of(at("f2.txt")) == 3);
    FILE *r = freopen(at("f3.txt"), "w", a);
    CHECK("freopen", r == a && size_of(at("f1.txt")) == 3);
    fputs("three", a);
    fclose(a);
    CHECK("freopen writes to the new file", size_of(at("f3.txt")) == 5);
    fclose(b);

    int fd = open(at("f1.txt"), O_RDWR);
    f = fdopen(fd, "r+");
    CHECK("fdopen", f != NULL && fileno(f) == fd && fgetc(f) == 'o');
    fclose(f);
    CHECK("fclose closes the descriptor", fails_with(close(fd), EBADF));
    fd = open(at("f1.txt"), O_RDONLY);
    CHECK("fdopen w on O_RDONLY EINVAL", fdopen(fd, "w") == NULL && errno == EINVAL);
    close(fd);

    f = tmpfile();
    CHECK("tmpfile", f != NULL);
    fputs("scratch", f);
    rewind(f);
    CHECK("tmpfile read back", fgets(line, sizeof line, f) == line && strcmp(line, "scratch") == 0);
    fclose(f);

    /* A large file through stdio, in uneven pieces. */
    f = fopen(at("big.bin"), "w+");
    unsigned long sum = 0, sum2 = 0;
    static unsigned char chunk[7001];
    long total = 0;
    for (int i = 0; i < 40; i++) {
        size_t n = 1 + (size_t)(i * 997) % 7000;
        for (size_t k = 0; k < n; k++) {
            chunk[k] = (unsigned char)(k * 31 + i);
            sum = sum * 31 + chunk[k];
        }
        total += (long)fwrite(chunk, 1, n, f);
    }
    CHECK("big write", ftell(f) == total);
    rewind(f);
    size_t got, all = 0;
    while ((got = fread(chunk, 1, 4093, f)) > 0) {
        for (size_t k = 0; k < got; k++) sum2 = sum2 * 31 + chunk[k];
        all += got;
    }
    CHECK("big read back", (long)all == total && sum == sum2 && feof(f));
    fclose(f);
    CHECK("big file size", size_of(at("big.bin")) == total);
    printf("big file: %ld bytes\n", total);

    remove(at("f1.txt"));
    remove(at("f2.txt"));
    remove(at("f3.txt"));
    remove(at("x.txt"));
    remove(at("s.txt"));
    remove(at("big.bin"));
}

int main(int argc, char **argv) {
    snprintf(base, sizeof base, "%s", argc > 1 ? argv[1] : "/tmp/files-check");
    printf("=== files-check begin\n");
    if (mkdir(base, 0755) != 0) {
        printf("cannot make the directory (errno %d)\n", errno);
        return 1;
    }
    posix_files();
    directories();
    cwd();
    streams();
    unlink(at("a.txt"));
    /* Left open on purpose: exit flushes it. */
    FILE *left = fopen(at("left-open.txt"), "w");
    fputs("flushed at exit\n", left);
    printf("=== files-check end: %d failures\n", failures);
    return failures != 0;
}
