/* net-client: the guest as a TCP client, for the network boot tests.

   Arguments: HOST PORT BYTES. Connects to HOST:PORT (retrying while the
   connection is refused, up to 30 s, since the server in dom0 starts
   after this prints its first line), sends BYTES bytes of a fixed pattern
   (byte i is (i * 7 + i / 251) & 0xff), half-closes, reads until the
   server closes, and prints how many bytes went each way with an FNV-1a
   hash of each, then "match" or "differ". Exit status 0 when what came
   back is what was sent. Also tries one connection to port 1 of HOST
   first and prints the errno name it got (a closed port: ECONNREFUSED). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static uint8_t pattern(size_t i) { return (uint8_t) ((i * 7 + i / 251) & 0xff); }

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static const char *errno_name(int e) {
    switch (e) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENETUNREACH: return "ENETUNREACH";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ECONNRESET: return "ECONNRESET";
    case ENETDOWN: return "ENETDOWN";
    default: return "other";
    }
}

static int connect_to(const struct sockaddr_in *sa) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (connect(fd, (const struct sockaddr *) sa, sizeof *sa) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: net-client HOST PORT BYTES\n");
        return 2;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
        fprintf(stderr, "net-client: %s: not an IPv4 address\n", argv[1]);
        return 2;
    }
    size_t total = strtoul(argv[3], NULL, 10);

    struct sockaddr_in closed = sa;
    closed.sin_port = htons(1);
    int fd = connect_to(&closed);
    printf("net-client: port 1: %s\n", fd < 0 ? errno_name(errno) : "connected");
    if (fd >= 0) close(fd);

    sa.sin_port = htons((uint16_t) atoi(argv[2]));
    printf("net-client: connecting to %s:%s\n", argv[1], argv[2]);
    fflush(stdout);
    for (int tries = 0; tries < 150; tries++) {
        fd = connect_to(&sa);
        if (fd >= 0 || errno != ECONNREFUSED) break;
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (fd < 0) {
        printf("net-client: connect: %s (%s)\n", strerror(errno), errno_name(errno));
        return 1;
    }

    /* Send and receive at once, so neither side's buffers fill up. */
    uint8_t out[4096], in[4096];
    size_t sent = 0, got = 0;
    uint64_t h_sent = 0xcbf29ce484222325ULL, h_got = h_sent;
    int match = 1;
    struct timeval tv = {0, 100 * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int shut = 0;
    for (;;) {
        if (sent < total) {
            size_t n = total - sent < sizeof out ? total - sent : sizeof out;
            for (size_t i = 0; i < n; i++) out[i] = pattern(sent + i);
            ssize_t w = send(fd, out, n, MSG_DONTWAIT);
            if (w < 0 && errno != EAGAIN) {
                printf("net-client: send: %s\n", strerror(errno));
                return 1;
            }
            if (w > 0) {
                h_sent = fnv(h_sent, out, (size_t) w);
                sent += (size_t) w;
            }
        } else if (!shut) {
            shutdown(fd, SHUT_WR);
            shut = 1;
        }
        ssize_t r = recv(fd, in, sizeof in, 0);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EAGAIN) continue;
            printf("net-client: recv: %s\n", strerror(errno));
            return 1;
        }
        for (ssize_t i = 0; i < r; i++)
            if (in[i] != pattern(got + (size_t) i)) match = 0;
        h_got = fnv(h_got, in, (size_t) r);
        got += (size_t) r;
    }
    close(fd);
    match = match && got == sent && sent == total;
    printf("net-client: sent %zu bytes fnv %016llx, got %zu bytes fnv %016llx: %s\n", sent,
           (unsigned long long) h_sent, got, (unsigned long long) h_got,
           match ? "match" : "differ");
    return match ? 0 : 1;
}
