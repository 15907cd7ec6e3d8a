/* tcp-echo: sends every byte each client sends back to it (RFC 862), for
   many clients at once through one poll() loop with non-blocking sockets.
   A client's half-close is honoured: what it sent is echoed, then the
   connection closes. Plain POSIX C (it builds against glibc too).

   Arguments: [PORT] or port=N (default 7), addr=A.B.C.D (default any).
   Prints "tcp-echo: listening on port N" once it listens. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 256
#define BUF 16384

struct conn {
    int fd;
    int eof;         /* the client sent FIN */
    size_t len, off; /* buf[off..len] is still to be sent back */
    char buf[BUF];
};

static struct conn *conns[MAX_CONNS];
static int nconns;

static void die(const char *what) {
    fprintf(stderr, "tcp-echo: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int set_nonblocking(int fd) {
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void conn_close(int i) {
    close(conns[i]->fd);
    free(conns[i]);
    conns[i] = conns[--nconns];
}

/* Reads when the buffer is empty, sends back what it holds. Returns -1
   when the connection is done (closed). */
static int serve(int i) {
    struct conn *c = conns[i];
    if (c->off == c->len && !c->eof) {
        ssize_t n = recv(c->fd, c->buf, BUF, 0);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            conn_close(i);
            return -1;
        }
        if (n == 0) c->eof = 1;
        c->off = 0;
        c->len = n > 0 ? (size_t) n : 0;
    }
    while (c->off < c->len) {
        ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
            conn_close(i);
            return -1;
        }
        c->off += (size_t) n;
    }
    if (c->eof) {
        conn_close(i);
        return -1;
    }
    return 0;
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
        fprintf(stderr, "usage: tcp-echo [PORT | port=N] [addr=A.B.C.D]\n");
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *) &sa, sizeof sa) < 0) die("bind");
    if (listen(lfd, 128) < 0) die("listen");
    if (set_nonblocking(lfd) < 0) die("fcntl");
    socklen_t sl = sizeof sa;
    if (getsockname(lfd, (struct sockaddr *) &sa, &sl) < 0) die("getsockname");
    printf("tcp-echo: listening on port %d\n", ntohs(sa.sin_port));
    fflush(stdout);

    static struct pollfd pfds[MAX_CONNS + 1];
    for (;;) {
        pfds[0].fd = lfd;
        pfds[0].events = nconns < MAX_CONNS ? POLLIN : 0;
        for (int i = 0; i < nconns; i++) {
            struct conn *c = conns[i];
            pfds[i + 1].fd = c->fd;
            pfds[i + 1].events = c->off < c->len ? POLLOUT : POLLIN;
            pfds[i + 1].revents = 0;
        }
        int n = nconns;
        if (poll(pfds, (nfds_t) n + 1, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        /* From the end: closing one moves the last into its place. */
        for (int i = n - 1; i >= 0; i--)
            if (pfds[i + 1].revents) serve(i);
        if (pfds[0].revents & POLLIN) {
            for (;;) {
                int fd = accept(lfd, NULL, NULL);
                if (fd < 0) break;
                struct conn *c = nconns < MAX_CONNS ? calloc(1, sizeof *c) : NULL;
                if (!c || set_nonblocking(fd) < 0) {
                    free(c);
                    close(fd);
                    break;
                }
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                c->fd = fd;
                conns[nconns++] = c;
            }
        }
    }
}
