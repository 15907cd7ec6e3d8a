/* udp-echo: sends every datagram back to its sender (RFC 862, UDP).
   Plain POSIX C (it builds against glibc too).

   Arguments: [PORT] or port=N (default 7), addr=A.B.C.D (default any).
   Prints "udp-echo: listening on port N" once it is bound. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "udp-echo: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int parse_args(int argc, char **argv, struct sockaddr_in *sa) {
    int port = 7;
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_ANY);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "port=", 5) == 0) a += 5;
        if (strncmp(argv[i], "addr=", 5) == 0) {
            if (inet_pton(AF_INET, argv[i] + 5, &sa->sin_addr) != 1) return -1;
        } else if (*a >= '0' && *a <= '9') {
            char *end;
            long p = strtol(a, &end, 10);
            if (*end || p < 0 || p > 65535) return -1;
            port = (int) p;
        } else {
            return -1;
        }
    }
    sa->sin_port = htons((uint16_t) port);
    return 0;
}

int main(int argc, char **argv) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    if (parse_args(argc, argv, &sa) < 0) {
        fprintf(stderr, "usage: udp-echo [PORT | port=N] [addr=A.B.C.D]\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) die("socket");
    if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) die("bind");
    socklen_t sl = sizeof sa;
    if (getsockname(fd, (struct sockaddr *) &sa, &sl) < 0) die("getsockname");
    printf("udp-echo: listening on port %d\n", ntohs(sa.sin_port));
    fflush(stdout);

    static char buf[65536];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &fl);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die("recvfrom");
        }
        if (sendto(fd, buf, (size_t) n, 0, (struct sockaddr *) &from, fl) < 0 && errno != EAGAIN)
            fprintf(stderr, "udp-echo: sendto: %s\n", strerror(errno));
    }
}
