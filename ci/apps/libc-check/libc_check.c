/* Exercises every function of libukc and prints what it got. The boot
   tests run it under Xen and compare its stdout byte for byte with the
   same program built natively against glibc (so: no addresses printed).
   Run natively with GREETING=hello in the environment and the arguments
   "one two". */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void section(const char *name) { printf("--- %s\n", name); }

static void check_printf(void) {
    section("printf");
    printf("[%d] [%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%ld] [%lld] [%hhd] [%hd]\n", 42, 42, 42, 42,
           42, 42, 7, -1234567890123L, 9223372036854775807LL, 300, 70000);
    printf("[%u] [%x] [%X] [%#x] [%o] [%#o] [%lu] [%zu] [%10.4x]\n", 3000000000u, 48879, 48879, 255,
           8, 8, 18446744073709551615UL, (size_t)12345, 255);
    printf("[%c] [%5c] [%-3c] [%s] [%10s] [%-10s] [%.3s] [%%]\n", 'x', 'y', 'z', "str", "right",
           "left", "truncate");
    printf("[%*d] [%-*d] [%.*f] [%*.*e]\n", 6, 1, 6, 2, 3, 3.14159, 12, 2, 12345.678);
    double v[] = {0.0, -0.0, 1.0, -1.5, 0.1, 2.5, 1e23, 123456789.125, 1e-310, 1e308, 0.000123456};
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++)
        printf("%f %.0f %.3f %e %.2E %g %G %.12g %#g %10.3f|%-12.4e|\n", v[i], v[i], v[i], v[i],
               v[i], v[i], v[i], v[i], v[i], v[i], v[i]);
    printf("%f %e %g %F %E %G\n", INFINITY, -INFINITY, NAN, INFINITY, -INFINITY, NAN);
    for (int p = 0; p <= 17; p++) printf("%.*e %.*f %.*g\n", p, 1.0 / 3, p, 2.0 / 3, p, 1e5 / 7);
    printf("%p %s\n", (void *)0, "(nil pointer)");
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%s-%d-%s", "abcdefgh", 123456, "xyz");
    printf("snprintf=%d buf=%s\n", n, buf);
    n = snprintf(NULL, 0, "%d", 1234567);
    printf("snprintf(NULL)=%d\n", n);
    n = sprintf(buf, "%05.1f", 3.14159);
    printf("sprintf=%d buf=%s\n", n, buf);
    puts("puts line");
    putchar('p');
    putchar('\n');
    fputs("fputs line\n", stdout);
    fwrite("fwrite line\n", 1, 12, stdout);
    fprintf(stdout, "fprintf %s %d\n", "stdout", 1);
    fflush(stdout);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void check_stdlib(void) {
    section("stdlib");
    const char *nums[] = {"42", "  -17xyz", "0x1fg", "0777", "99999999999999999999", "-", "z", "+0",
                          "  \t\n 12"};
    for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char *end;
        errno = 0;
        long l = strtol(nums[i], &end, 0);
        int e1 = errno;
        errno = 0;
        unsigned long ul = strtoul(nums[i], NULL, 10);
        int e2 = errno;
        long long ll = strtoll(nums[i], NULL, 16);
        unsigned long long ull = strtoull(nums[i], NULL, 36);
        printf("%-24s strtol=%ld end=%d errno=%d strtoul=%lu errno=%d strtoll16=%lld strtoull36=%llu atoi=%d atol=%ld\n",
               nums[i], l, (int)(end - nums[i]), e1, ul, e2, ll, ull, atoi(nums[i]), atol(nums[i]));
    }
    const char *floats[] = {"3.14159", "-2.5e-3", "1e400", "1e-400", "0x1.8p3", "inf", "-Infinity",
                            "nan", ".5", "1e", "abc", "  +7.0e+2xyz", "4.9406564584124654e-324"};
    for (unsigned i = 0; i < sizeof floats / sizeof floats[0]; i++) {
        char *end;
        errno = 0;
        double d = strtod(floats[i], &end);
        printf("%-24s strtod=%.17g end=%d errno=%d atof=%g\n", floats[i], d, (int)(end - floats[i]),
               errno, atof(floats[i]));
    }
    int a[20];
    for (int i = 0; i < 20; i++) a[i] = (i * 7919) % 101 - 50;
    qsort(a, 20, sizeof a[0], cmp_int);
    for (int i = 0; i < 20; i++) printf("%d ", a[i]);
    printf("\n");
    int key = a[13];
    int *found = bsearch(&key, a, 20, sizeof a[0], cmp_int);
    int missing = 1000;
    printf("bsearch: %d at %d, 1000: %s\n", key, found ? (int)(found - a) : -1,
           bsearch(&missing, a, 20, sizeof a[0], cmp_int) ? "found" : "absent");
    srand(1);
    for (int i = 0; i < 5; i++) printf("%d ", rand());
    srand(12345);
    for (int i = 0; i < 5; i++) printf("%d ", rand());
    printf("\n");
    printf("abs=%d labs=%ld llabs=%lld\n", abs(-5), labs(-6L), llabs(-7LL));
    const char *g = getenv("GREETING");
    printf("getenv(GREETING)=%s getenv(NOPE)=%s\n", g ? g : "(null)", getenv("NOPE") ? "set" : "(null)");
}

static void check_malloc(void) {
    section("malloc");
    char *p = malloc(100);
    memset(p, 'a', 99);
    p[99] = 0;
    p = realloc(p, 10000);
    printf("realloc kept: %zu\n", strlen(p));
    int *z = calloc(1000, sizeof(int));
    int sum = 0;
    for (int i = 0; i < 1000; i++) sum += z[i];
    printf("calloc sum=%d\n", sum);
    void *al = aligned_alloc(4096, 100);
    printf("aligned_alloc 4096: %s\n", ((unsigned long)al % 4096) == 0 ? "aligned" : "misaligned");
    free(al);
    free(z);
    free(p);
    free(NULL);
    void *ptrs[200];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 200; i++) {
            ptrs[i] = malloc((size_t)(i * 37 % 3000) + 1);
            memset(ptrs[i], i, (size_t)(i * 37 % 3000) + 1);
        }
        int bad = 0;
        for (int i = 0; i < 200; i++)
            if (((unsigned char *)ptrs[i])[(i * 37 % 3000)] != (unsigned char)i) bad++;
        for (int i = 0; i < 200; i++) free(ptrs[i]);
        printf("round %d: bad=%d\n", round, bad);
    }
}

static void check_string(void) {
    section("string");
    char a[64] = "hello";
    strcat(a, ", world");
    strncat(a, "!!!", 1);
    printf("%s %zu %zu\n", a, strlen(a), strnlen(a, 3));
    char b[64];
    strcpy(b, a);
    strncpy(b, "HE", 2);
    printf("%s %d %d %d %d\n", b, strcmp(a, b) > 0, strncmp(a, b, 0), strcasecmp("AbC", "aBc"),
           strncasecmp("abcd", "ABCE", 3));
    printf("%s|%s|%s|%s\n", strchr(a, 'o'), strrchr(a, 'o'), strstr(a, "wor"), strpbrk(a, ",!"));
    printf("%zu %zu %d\n", strspn("aabbcc", "ab"), strcspn("aabbcc", "c"), strchr(a, 'q') == NULL);
    char c[32] = "a,b,,c";
    for (char *t = strtok(c, ","); t; t = strtok(NULL, ",")) printf("[%s]", t);
    printf("\n");
    char d[32] = "x;y;z", *save;
    for (char *t = strtok_r(d, ";", &save); t; t = strtok_r(NULL, ";", &save)) printf("<%s>", t);
    printf("\n");
    char *dup = strdup("duplicate"), *ndup = strndup("duplicate", 3);
    printf("%s %s\n", dup, ndup);
    free(dup);
    free(ndup);
    char m[16];
    memset(m, 'x', sizeof m);
    memcpy(m, "abcdef", 6);
    memmove(m + 2, m, 6);
    m[8] = 0;
    printf("%s %d %s\n", m, memcmp("abc", "abd", 3) < 0, (char *)memchr("abcdef", 'd', 6));
    char e[16] = "1234567890";
    memmove(e, e + 3, 5);
    printf("%s\n", e);
    for (int i = 0; i <= 40; i += 4) printf("%d:%s\n", i, strerror(i));
    printf("%s\n", strerror(ENOMEM));
}

static void check_ctype(void) {
    section("ctype");
    for (int c = -1; c < 256; c += 7)
        printf("%d:%d%d%d%d%d%d%d%d%d%d%d%d %d %d\n", c, !!isalnum(c), !!isalpha(c), !!isblank(c),
               !!iscntrl(c), !!isdigit(c), !!isgraph(c), !!islower(c), !!isprint(c),
               !!ispunct(c), !!isspace(c), !!isupper(c), !!isxdigit(c), tolower(c), toupper(c));
}

static jmp_buf env;
static int depth;

static void deep(int n) {
    if (n == 0) longjmp(env, 42);
    depth++;
    deep(n - 1);
}

static void check_setjmp(void) {
    section("setjmp");
    volatile int runs = 0;
    int r = setjmp(env);
    runs++;
    if (r == 0) deep(10);
    printf("setjmp returned %d after %d frames, runs=%d\n", r, depth, runs);
    r = setjmp(env);
    if (r == 0) longjmp(env, 0);
    printf("longjmp(0) gives %d\n", r);
}

static void check_math(void) {
    section("math");
    double xs[] = {0.5, 1.0, 2.0, 10.0, -3.25};
    for (int i = 0; i < 5; i++) {
        double x = xs[i];
        printf("%g: sqrt=%.10g fabs=%g floor=%g ceil=%g fmod=%.10g pow=%.10g exp=%.10g log=%.10g sin=%.10g cos=%.10g tan=%.10g atan2=%.10g\n",
               x, sqrt(fabs(x)), fabs(x), floor(x), ceil(x), fmod(x, 0.75), pow(fabs(x), 1.5), exp(x),
               log(fabs(x)), sin(x), cos(x), tan(x), atan2(x, 2.0));
    }
}

static void bye(void) { printf("atexit handler 1\n"); }
static void bye2(void) { printf("atexit handler 2\n"); }

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "assert") == 0) {
        printf("about to fail an assertion\n");
        assert(argc == 100);
    }
    printf("=== libc-check begin\n");
    printf("argc=%d argv[1]=%s argv[2]=%s\n", argc, argc > 1 ? argv[1] : "-", argc > 2 ? argv[2] : "-");
    check_printf();
    check_stdlib();
    check_malloc();
    check_string();
    check_ctype();
    check_setjmp();
    check_math();
    assert(argc >= 1);
    fflush(stdout);
    fprintf(stderr, "stderr: this line goes to stderr\n");
    atexit(bye);
    atexit(bye2);
    printf("=== libc-check end\n");
    exit(3);
}
