/* firstreply: how long until an HTTP server that is booting answers, for
 * `make bench-net` (ci/xl/bench-net.sh runs it in dom0 right after `xl
 * create`).
 *
 *   firstreply now
 *       prints the monotonic clock in nanoseconds (busybox's date has no %N)
 *   firstreply [-s START_NS] [-t SECONDS] HOST PORT [PATH]
 *       waits (at most SECONDS, default 30) for the first "200" answer to
 *       GET PATH (default /) and prints the milliseconds since START_NS
 *       (a `firstreply now` stamp; default: its own start)
 *
 * A new non-blocking connect starts every 10 ms while fewer than 8 are
 * pending, and one still connecting after 500 ms is given up: so a SYN
 * lost while the guest comes up (whose retransmission would come a whole
 * second later) costs 10 ms of resolution, not a second. A refused or
 * unreachable attempt just ends; the next one comes 10 ms later. An attempt
 * that connected gets 3 s for its status line. Exits 0 with the time on
 * stdout, or 1 with what went wrong (attempts, the last error) on stderr.
 *
 * Built static on the host (gcc -static) and run in the xl harness's dom0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PENDING 8
#define SPACING_NS 10000000LL     /* between new attempts */
#define CONNECT_NS 500000000LL    /* an attempt's bound for connecting */
#define ANSWER_NS 3000000000LL    /* and then for its status line */

struct attempt {
    int fd;
    int connected;
    long long since; /* when it started, or connected */
    size_t got;
    char buf[128];
};

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static char last_error[160] = "none";

static void attempt_end(struct attempt *a, const char *why) {
    if (why) snprintf(last_error, sizeof last_error, "%s", why);
    close(a->fd);
    a->fd = -1;
}

/* The status line in a->buf (up to its '\n'): 1 for a 200. */
static int answered(struct attempt *a) {
    char *nl = memchr(a->buf, '\n', a->got);
    *nl = '\0';
    if (nl > a->buf && nl[-1] == '\r') nl[-1] = '\0';
    if (strncmp(a->buf, "HTTP/1.", 7) == 0 && strncmp(a->buf + 8, " 200", 4) == 0) return 1;
    snprintf(last_error, sizeof last_error, "answered \"%.100s\"", a->buf);
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: firstreply now\n"
                    "       firstreply [-s START_NS] [-t SECONDS] HOST PORT [PATH]\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "now") == 0) {
        printf("%lld\n", now_ns());
        return 0;
    }
    long long begun = now_ns(), start = begun;
    double seconds = 30;
    int opt;
    while ((opt = getopt(argc, argv, "s:t:")) != -1) {
        if (opt == 's')
            start = atoll(optarg);
        else if (opt == 't')
            seconds = atof(optarg);
        else
            return usage();
    }
    if (argc - optind < 2 || argc - optind > 3 || seconds <= 0) return usage();
    const char *host = argv[optind], *path = argc - optind == 3 ? argv[optind + 2] : "/";
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((unsigned short) atoi(argv[optind + 1]))};
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
        fprintf(stderr, "firstreply: %s: not an IPv4 address\n", host);
        return 2;
    }
    char request[512];
    int rlen = snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
    if (rlen <= 0 || rlen >= (int) sizeof request) return usage();

    struct attempt at[MAX_PENDING];
    for (int i = 0; i < MAX_PENDING; i++) at[i].fd = -1;
    long long deadline = begun + (long long) (seconds * 1e9), next = begun;
    long attempts = 0;
    for (long long now = begun; now < deadline; now = now_ns()) {
        /* Give up on the slow ones, start a new one when it is time. */
        for (int i = 0; i < MAX_PENDING; i++) {
            struct attempt *a = &at[i];
            if (a->fd >= 0 && now - a->since > (a->connected ? ANSWER_NS : CONNECT_NS))
                attempt_end(a, a->connected ? "no status line within 3 s of connecting"
                                            : "not connected within 0.5 s");
        }
        for (int i = 0; i < MAX_PENDING && now >= next; i++) {
            struct attempt *a = &at[i];
            if (a->fd >= 0) continue;
            next = now + SPACING_NS;
            attempts++;
            a->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (a->fd < 0) {
                fprintf(stderr, "firstreply: socket: %s\n", strerror(errno));
                return 1;
            }
            a->connected = 0;
            a->got = 0;
            a->since = now;
            if (connect(a->fd, (struct sockaddr *) &to, sizeof to) < 0 && errno != EINPROGRESS)
                attempt_end(a, strerror(errno));
        }
        struct pollfd p[MAX_PENDING];
        for (int i = 0; i < MAX_PENDING; i++) {
            p[i].fd = at[i].fd;
            p[i].events = at[i].connected ? POLLIN : POLLOUT;
            p[i].revents = 0;
        }
        long long wait = (next > now ? next : now + SPACING_NS) - now;
        if (deadline - now < wait) wait = deadline - now;
        if (poll(p, MAX_PENDING, (int) (wait / 1000000) + 1) < 0 && errno != EINTR) {
            fprintf(stderr, "firstreply: poll: %s\n", strerror(errno));
            return 1;
        }
        for (int i = 0; i < MAX_PENDING; i++) {
            struct attempt *a = &at[i];
            if (a->fd < 0 || !p[i].revents) continue;
            if (!a->connected) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) {
                    attempt_end(a, strerror(err));
                } else if (send(a->fd, request, (size_t) rlen, MSG_NOSIGNAL) != rlen) {
                    attempt_end(a, "the request could not be sent whole");
                } else {
                    a->connected = 1;
                    a->since = now_ns();
                }
                continue;
            }
            ssize_t n = recv(a->fd, a->buf + a->got, sizeof a->buf - 1 - a->got, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (n <= 0) {
                attempt_end(a, n < 0 ? strerror(errno) : "closed before a status line");
                continue;
            }
            a->got += (size_t) n;
            if (memchr(a->buf, '\n', a->got)) {
                if (answered(a)) {
                    printf("%.1f\n", (double) (now_ns() - start) / 1e6);
                    return 0;
                }
                attempt_end(a, NULL);
            } else if (a->got == sizeof a->buf - 1) {
                attempt_end(a, "a status line longer than 127 bytes");
            }
        }
    }
    fprintf(stderr, "firstreply: no answer from %s:%s within %g s (%ld attempts; the last error: %s)\n",
            host, argv[optind + 1], seconds, attempts, last_error);
    return 1;
}
