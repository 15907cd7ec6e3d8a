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
#include <time.h>
#include <sys/time.h>
#include <locale.h>
#include <getopt.h>

/* GNU extensions glibc declares only with _GNU_SOURCE (which would also
   give the GNU strerror_r). */
void *memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen);
char *strcasestr(const char *haystack, const char *needle);

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

static void check_time(void) {
    section("time");
    /* The boot test sets TZ=CET-1CEST,M3.5.0,M10.5.0/3 on both sides. */
    tzset();
    printf("tzname=%s/%s timezone=%ld daylight=%d CLOCKS_PER_SEC=%ld\n", tzname[0], tzname[1],
           timezone, daylight, (long)CLOCKS_PER_SEC);
    time_t ts[] = {0, 1, -1, 951782400, 1711846799, 1711846800, 1729990799, 1729990800,
                   2147483647, -2147483648L, 253402300799L, -62135596800L, 1234567890};
    const char *fmts[] = {"%a %A %b %B %h %c", "%C %d %D %e %F %g %G %H %I %j %k %l",
                          "%m %M %n%p %P %r %R %s %S %t%T %u %U %V %w %W",
                          "%x %X %y %Y %z %Z %% %Ec %EY %Od %Oy", "%_d|%-d|%05d|%^a|%#p|%#Z|%10Y|%-10B|%q"};
    for (unsigned i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        struct tm g, l;
        gmtime_r(&ts[i], &g);
        localtime_r(&ts[i], &l);
        printf("%ld: gm %d-%d-%d %d:%d:%d wday=%d yday=%d isdst=%d off=%ld %s\n", (long)ts[i],
               g.tm_year, g.tm_mon, g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec, g.tm_wday, g.tm_yday,
               g.tm_isdst, g.tm_gmtoff, g.tm_zone);
        printf("  local %d-%d-%d %d:%d:%d isdst=%d off=%ld %s\n", l.tm_year, l.tm_mon, l.tm_mday,
               l.tm_hour, l.tm_min, l.tm_sec, l.tm_isdst, l.tm_gmtoff, l.tm_zone);
        for (unsigned f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
            char buf[200];
            size_t n = strftime(buf, sizeof buf, fmts[f], &l);
            printf("  [%zu] %s\n", n, buf);
        }
        char a[26], c[26];
        printf("  asctime_r=%s  ctime_r=%s", asctime_r(&g, a), ctime_r(&ts[i], c));
        struct tm back = l;
        printf("  mktime=%ld timegm=%ld\n", (long)mktime(&back), (long)timegm(&g));
    }
    char small[8];
    struct tm *g = gmtime(&ts[3]);
    printf("strftime too small=%zu asctime=%s", strftime(small, sizeof small, "%c", g), asctime(g));
    int fields[][7] = {{124, 0, 15, 12, 0, 0, -1}, {124, 6, 15, 12, 0, 0, -1}, {124, 0, 15, 12, 0, 0, 1},
                       {124, 6, 15, 12, 0, 0, 0}, {124, 13, 0, 25, -1, 61, -1}, {70, 0, 1, 0, 0, -1, 0},
                       {124, 2, 31, 2, 30, 0, -1}, {124, 2, 31, 2, 30, 0, 1}, {-5, 0, 1, 0, 0, 0, -1}};
    for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        struct tm t = {0};
        t.tm_year = fields[i][0];
        t.tm_mon = fields[i][1];
        t.tm_mday = fields[i][2];
        t.tm_hour = fields[i][3];
        t.tm_min = fields[i][4];
        t.tm_sec = fields[i][5];
        t.tm_isdst = fields[i][6];
        time_t r = mktime(&t);
        char buf[80];
        strftime(buf, sizeof buf, "%F %T %Z %z", &t);
        printf("mktime %u: %ld %s wday=%d yday=%d isdst=%d\n", i, (long)r, buf, t.tm_wday, t.tm_yday,
               t.tm_isdst);
    }
    printf("difftime=%g %g\n", difftime(10, 3), difftime(-5, 1000000000000L));
    struct timeval tv;
    printf("clock>=0: %d gettimeofday=%d usec<1e6: %d\n", clock() >= 0, gettimeofday(&tv, NULL),
           tv.tv_usec < 1000000);
}

static void check_scanf(void) {
    section("scanf");
    int i = -1, j = -1, n = -1;
    unsigned u = 0;
    long l = 0;
    short h = 0;
    signed char hh = 0;
    double d = 0;
    float f = 0;
    char s1[32] = "", s2[32] = "", c3[4] = "";
    void *p = (void *)1;
    int r = sscanf("  42 -17 0x1f 077", "%d %i %x %lo%n", &i, &j, &u, &l, &n);
    printf("r=%d %d %d %u %ld n=%d\n", r, i, j, u, l, n);
    r = sscanf("3.25 -1e-3 inf nan(x)", "%lf %f %s %s", &d, &f, s1, s2);
    printf("r=%d %g %g %s %s\n", r, d, f, s1, s2);
    r = sscanf("name=value;rest", "%31[^=]=%31[^;];%3c", s1, s2, c3);
    printf("r=%d %s %s %.3s\n", r, s1, s2, c3);
    r = sscanf("70000 300 (nil)", "%hd %hhd %p", &h, &hh, &p);
    printf("r=%d %d %d %s\n", r, h, hh, p == NULL ? "null" : "non-null");
    const char *inputs[] = {"", "   ", "abc", "12abc", "1e", "0x", "-", "+5", "99999999999999999999", "1.5e+x"};
    for (unsigned k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
        i = -1;
        d = -1;
        s1[0] = 0;
        n = -1;
        int r1 = sscanf(inputs[k], "%d%n", &i, &n);
        int r2 = sscanf(inputs[k], "%lf%s", &d, s1);
        int r3 = sscanf(inputs[k], " %n", &n);
        printf("'%s': %d i=%d n=%d | %d d=%g s=%s | %d\n", inputs[k], r1, i, n, r2, d, s1, r3);
    }
    char *m = NULL;
    r = sscanf("allocated words", "%ms", &m);
    printf("%%ms: r=%d %s\n", r, m ? m : "(null)");
    free(m);
    r = sscanf("7 8", "%2$d %1$d", &i, &j);
    printf("positional: r=%d %d %d\n", r, i, j);
    char name[L_tmpnam];
    char *tn = tmpnam(name);
    printf("tmpnam: %d %zu %d\n", tn == name, strlen(name), strncmp(name, "/tmp/file", 9) == 0);
    FILE *t = tmpfile();
    if (t) {
        fputs("10 20 thirty 4.5\nline two\n", t);
        rewind(t);
        int a = 0, b = 0;
        char w[16];
        double x = 0;
        r = fscanf(t, "%d %d %15s %lf", &a, &b, w, &x);
        int next = fgetc(t);
        printf("fscanf r=%d %d %d %s %g next=%d\n", r, a, b, w, x, next);
        r = fscanf(t, "%15s %15s", w, s1);
        printf("fscanf r=%d %s %s then %d\n", r, w, s1, fscanf(t, "%d", &a));
        fclose(t);
    } else {
        printf("no tmpfile\n");
    }
}

static void check_getopt(void) {
    section("getopt");
    static struct option longs[] = {{"verbose", no_argument, NULL, 'v'},
                                    {"output", required_argument, NULL, 'o'},
                                    {"level", optional_argument, NULL, 'l'},
                                    {"version", no_argument, NULL, 'V'},
                                    {0, 0, 0, 0}};
    const char *sets[][8] = {{"prog", "-v", "file", "-o", "out", "--lev=3", "--", "-x"},
                             {"prog", "--verb", "-ofile", "a", "b", "--output", "o2", "-q"},
                             {"prog", "--ver", "--output", "--level", "x", "-lv", "-o", NULL},
                             {"prog", "+", "-", "--unknown", "-vvv", "--verbose=1", "z", NULL}};
    opterr = 0;
    for (unsigned k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        char *argv[9];
        int argc = 0;
        while (argc < 8 && sets[k][argc]) {
            argv[argc] = (char *)sets[k][argc];
            argc++;
        }
        argv[argc] = NULL;
        optind = 0;
        int c, li;
        printf("set %u:", k);
        while ((c = getopt_long(argc, argv, "vo:l::", longs, &li)) != -1)
            printf(" %c(%s,%d,%d)", c, optarg ? optarg : "-", optind, c == '?' ? optopt : 0);
        printf(" | optind=%d:", optind);
        for (int a = 0; a < argc; a++) printf(" %s", argv[a]);
        printf("\n");
    }
    char *argv[] = {"prog", "-ab", "x", "-c", NULL};
    optind = 1;
    int c;
    printf("getopt:");
    while ((c = getopt(4, argv, "+ab:c")) != -1) printf(" %c=%s", c, optarg ? optarg : "-");
    printf(" optind=%d\n", optind);
}

static void check_locale(void) {
    section("locale");
    const char *names[] = {"C", "POSIX", "xx_YY.none"};
    for (unsigned k = 0; k < 3; k++) {
        char *r = setlocale(LC_ALL, names[k]);
        printf("setlocale(%s)=%s\n", names[k], r ? r : "(null)");
    }
    printf("query=%s numeric=%s bad category=%s\n", setlocale(LC_ALL, NULL), setlocale(LC_NUMERIC, NULL),
           setlocale(99, "C") ? "ok" : "(null)");
    struct lconv *lc = localeconv();
    printf("decimal_point='%s' thousands_sep='%s' grouping='%s' frac_digits=%d\n", lc->decimal_point,
           lc->thousands_sep, lc->grouping, lc->frac_digits);
}

static void check_string_more(void) {
    section("string more");
    for (int sig = 0; sig <= 66; sig += 3) printf("%d:%s\n", sig, strsignal(sig));
    char buf[12];
    for (int e = 0; e < 140; e += 17) {
        int r = strerror_r(e, buf, sizeof buf);
        printf("strerror_r(%d)=%d '%s'\n", e, r, buf);
    }
    printf("memmem=%s strcasestr=%s\n", (char *)memmem("haystack", 8, "st", 2), strcasestr("HayStack", "sta"));
    char line[] = "a:b::c", *rest = line, *tok;
    while ((tok = strsep(&rest, ":")) != NULL) printf("<%s>", tok);
    printf("\nffs=%d %d %d index=%s rindex=%s\n", ffs(0), ffs(0x50), ffsll(1LL << 40), index("abcabc", 'b'),
           rindex("abcabc", 'b'));
    char z[6] = "zzzzz";
    bzero(z + 1, 2);
    printf("bzero=%d%d%d%d\n", z[0], z[1], z[2], z[3]);
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
    check_time();
    check_scanf();
    check_getopt();
    check_locale();
    check_string_more();
    assert(argc >= 1);
    fflush(stdout);
    fprintf(stderr, "stderr: this line goes to stderr\n");
    atexit(bye);
    atexit(bye2);
    printf("=== libc-check end\n");
    exit(3);
}
