/* http-server: a small HTTP/1.1 server for ukrt, in plain POSIX C (it
   builds against glibc too, which is how its host test runs it).

   GET and HEAD of:
     /, /index.html   an embedded index page
     /bytes/N         N bytes (at most 1 GiB) of a fixed pattern: byte i is
                      (i ^ i>>8 ^ i>>16 ^ i>>24) & 0xff, for checksum tests
   anything else is 404, other methods 405. Keep-alive is HTTP/1.1's
   default (HTTP/1.0 asks with Connection: keep-alive); Connection: close
   is honoured, pipelined requests are answered in order. All connections
   are served by one poll() loop with non-blocking sockets; a response is
   generated as the socket takes it, so a 1 GiB body costs no memory.

   Arguments: [PORT] or port=N (default 80), addr=A.B.C.D (default any).
   Prints "http-server: listening on port N" once it listens. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 256
#define IN_BUF 8192
#define HEAD_BUF 512
#define CHUNK 16384
#define MAX_BYTES (1UL << 30)

static const char INDEX[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>ukrt http-server</title></head>\n"
    "<body>\n"
    "<h1>Hello from ukrt</h1>\n"
    "<p>A unikernel app on Xen, serving HTTP/1.1 from C over libukc's sockets.</p>\n"
    "<ul>\n"
    "<li><a href=\"/\">/</a>: this page</li>\n"
    "<li><a href=\"/bytes/1024\">/bytes/N</a>: N bytes of a fixed pattern "
    "(byte i is (i ^ i&gt;&gt;8 ^ i&gt;&gt;16 ^ i&gt;&gt;24) &amp; 0xff)</li>\n"
    "</ul>\n"
    "</body></html>\n";

enum body { BODY_NONE, BODY_STATIC, BODY_PATTERN };

struct conn {
    int fd;
    int eof;            /* the client sent FIN */
    int writing;        /* a response is being sent */
    int close_after;    /* close once it is sent */
    unsigned long skip; /* request body bytes still to discard */
    size_t in_len;
    char in[IN_BUF];
    char head[HEAD_BUF];
    size_t head_len, head_off;
    char text[64]; /* an error response's body */
    enum body body;
    const char *static_body;
    unsigned long body_len, body_off;
};

static struct conn *conns[MAX_CONNS];
static int nconns;

static unsigned char pattern_byte(unsigned long i) {
    return (unsigned char) ((i ^ (i >> 8) ^ (i >> 16) ^ (i >> 24)) & 0xff);
}

static void die(const char *what) {
    fprintf(stderr, "http-server: %s: %s\n", what, strerror(errno));
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

/* Sends what the socket takes now. Returns -1 when the connection broke,
   0 when the response is not all sent yet, 1 when it is. */
static int flush(struct conn *c) {
    while (c->head_off < c->head_len) {
        ssize_t n = send(c->fd, c->head + c->head_off, c->head_len - c->head_off, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        c->head_off += (size_t) n;
    }
    while (c->body_off < c->body_len) {
        unsigned long left = c->body_len - c->body_off;
        size_t len = left < CHUNK ? (size_t) left : CHUNK;
        const char *p;
        char chunk[CHUNK];
        if (c->body == BODY_STATIC) {
            p = c->static_body + c->body_off;
        } else {
            for (size_t k = 0; k < len; k++) chunk[k] = (char) pattern_byte(c->body_off + k);
            p = chunk;
        }
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        c->body_off += (unsigned long) n;
    }
    c->writing = 0;
    return 1;
}

static void respond(struct conn *c, int status, const char *reason, const char *type,
                    enum body body, const char *static_body, unsigned long len, int head_only,
                    int keep_alive) {
    int n = snprintf(c->head, sizeof c->head,
                     "HTTP/1.1 %d %s\r\n"
                     "Server: ukrt-http-server\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %lu\r\n"
                     "%s"
                     "Connection: %s\r\n"
                     "\r\n",
                     status, reason, type, len, status == 405 ? "Allow: GET, HEAD\r\n" : "",
                     keep_alive ? "keep-alive" : "close");
    c->head_len = (size_t) n;
    c->head_off = 0;
    c->body = head_only ? BODY_NONE : body;
    c->static_body = static_body;
    c->body_len = head_only ? 0 : len;
    c->body_off = 0;
    c->writing = 1;
    c->close_after = !keep_alive;
}

static void error_response(struct conn *c, int status, const char *reason, int keep_alive,
                           int head_only) {
    snprintf(c->text, sizeof c->text, "%d %s\n", status, reason);
    respond(c, status, reason, "text/plain", BODY_STATIC, c->text, strlen(c->text), head_only,
            keep_alive);
}

/* Case-insensitive: does the comma-separated list `v` (length n) hold
   `token`? */
static int has_token(const char *v, size_t n, const char *token) {
    size_t t = strlen(token), i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
        size_t start = i;
        while (i < n && v[i] != ',') i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t')) end--;
        if (end - start == t && strncasecmp(v + start, token, t) == 0) return 1;
    }
    return 0;
}

/* Answers the request whose head is the first `len` bytes of c->in. */
static void handle(struct conn *c, size_t len) {
    char *p = c->in, *end = c->in + len;
    char *line_end = memchr(p, '\n', len);
    char *method = p, *sp1 = memchr(p, ' ', (size_t) (line_end - p));
    if (!sp1) {
        error_response(c, 400, "Bad Request", 0, 0);
        return;
    }
    char *target = sp1 + 1;
    char *sp2 = memchr(target, ' ', (size_t) (line_end - target));
    if (!sp2) {
        error_response(c, 400, "Bad Request", 0, 0);
        return;
    }
    char *version = sp2 + 1;
    size_t vlen = (size_t) (line_end - version);
    if (vlen > 0 && version[vlen - 1] == '\r') vlen--;
    int http11;
    if (vlen == 8 && memcmp(version, "HTTP/1.1", 8) == 0)
        http11 = 1;
    else if (vlen == 8 && memcmp(version, "HTTP/1.0", 8) == 0)
        http11 = 0;
    else {
        error_response(c, 400, "Bad Request", 0, 0);
        return;
    }
    size_t mlen = (size_t) (sp1 - method), tlen = (size_t) (sp2 - target);

    int conn_close_tok = 0, conn_keep_tok = 0, chunked = 0;
    unsigned long content_length = 0;
    for (char *h = line_end + 1; h < end;) {
        char *e = memchr(h, '\n', (size_t) (end - h));
        if (!e) break;
        size_t hl = (size_t) (e - h);
        if (hl > 0 && h[hl - 1] == '\r') hl--;
        char *colon = memchr(h, ':', hl);
        if (colon) {
            size_t nl = (size_t) (colon - h);
            char *v = colon + 1;
            size_t vl = hl - nl - 1;
            while (vl > 0 && (*v == ' ' || *v == '\t')) v++, vl--;
            if (nl == 10 && strncasecmp(h, "Connection", 10) == 0) {
                conn_close_tok |= has_token(v, vl, "close");
                conn_keep_tok |= has_token(v, vl, "keep-alive");
            } else if (nl == 14 && strncasecmp(h, "Content-Length", 14) == 0) {
                content_length = 0;
                for (size_t k = 0; k < vl && v[k] >= '0' && v[k] <= '9'; k++)
                    content_length = content_length * 10 + (unsigned long) (v[k] - '0');
            } else if (nl == 17 && strncasecmp(h, "Transfer-Encoding", 17) == 0) {
                chunked = 1;
            }
        }
        h = e + 1;
    }
    int keep_alive = http11 ? !conn_close_tok : conn_keep_tok;
    /* A body we cannot frame: answer, then close. */
    if (chunked) keep_alive = 0;
    c->skip = content_length;

    int get = mlen == 3 && memcmp(method, "GET", 3) == 0;
    int head = mlen == 4 && memcmp(method, "HEAD", 4) == 0;
    if (!get && !head) {
        error_response(c, 405, "Method Not Allowed", keep_alive, 0);
        return;
    }
    /* The path: absolute-form targets lose their scheme and host, the
       query goes. */
    char *path = target;
    size_t plen = tlen;
    if (plen > 7 && strncasecmp(path, "http://", 7) == 0) {
        char *slash = memchr(path + 7, '/', plen - 7);
        plen = slash ? plen - (size_t) (slash - path) : 1;
        path = slash ? slash : "/";
    }
    char *q = memchr(path, '?', plen);
    if (q) plen = (size_t) (q - path);

    if ((plen == 1 && path[0] == '/') || (plen == 11 && memcmp(path, "/index.html", 11) == 0)) {
        respond(c, 200, "OK", "text/html; charset=utf-8", BODY_STATIC, INDEX, sizeof INDEX - 1,
                head, keep_alive);
        return;
    }
    if (plen > 7 && memcmp(path, "/bytes/", 7) == 0) {
        unsigned long n = 0;
        size_t k = 7;
        int too_big = 0;
        for (; k < plen && path[k] >= '0' && path[k] <= '9'; k++) {
            n = n * 10 + (unsigned long) (path[k] - '0');
            if (n > MAX_BYTES) too_big = 1;
        }
        if (k == plen && plen - 7 <= 12) {
            if (too_big) {
                error_response(c, 400, "Bad Request", keep_alive, head);
                return;
            }
            respond(c, 200, "OK", "application/octet-stream", BODY_PATTERN, NULL, n, head,
                    keep_alive);
            return;
        }
    }
    error_response(c, 404, "Not Found", keep_alive, head);
}

/* Answers the requests buffered on connection i, in order, while each
   response goes out at once. Returns -1 when the connection was closed. */
static int process(int i) {
    struct conn *c = conns[i];
    while (!c->writing) {
        if (c->skip > 0) {
            size_t n = c->skip < c->in_len ? (size_t) c->skip : c->in_len;
            memmove(c->in, c->in + n, c->in_len - n);
            c->in_len -= n;
            c->skip -= n;
            if (c->skip > 0) break;
        }
        /* The end of the request head. */
        size_t len = 0;
        for (size_t k = 0; k + 1 < c->in_len; k++) {
            if (c->in[k] == '\n' && (c->in[k + 1] == '\n' ||
                                     (c->in[k + 1] == '\r' && k + 2 < c->in_len && c->in[k + 2] == '\n'))) {
                len = k + (c->in[k + 1] == '\n' ? 2 : 3);
                break;
            }
        }
        if (len == 0) {
            if (c->in_len == IN_BUF) {
                error_response(c, 431, "Request Header Fields Too Large", 0, 0);
                c->in_len = 0;
            } else {
                break;
            }
        } else {
            handle(c, len);
            memmove(c->in, c->in + len, c->in_len - len);
            c->in_len -= len;
        }
        int r = flush(c);
        if (r < 0 || (r > 0 && c->close_after)) {
            conn_close(i);
            return -1;
        }
    }
    if (!c->writing && c->eof) {
        conn_close(i);
        return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct sockaddr_in *sa) {
    int port = 80;
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
        fprintf(stderr, "usage: http-server [PORT | port=N] [addr=A.B.C.D]\n");
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
    printf("http-server: listening on port %d\n", ntohs(sa.sin_port));
    fflush(stdout);

    static struct pollfd pfds[MAX_CONNS + 1];
    for (;;) {
        pfds[0].fd = lfd;
        pfds[0].events = nconns < MAX_CONNS ? POLLIN : 0;
        for (int i = 0; i < nconns; i++) {
            pfds[i + 1].fd = conns[i]->fd;
            pfds[i + 1].events = conns[i]->writing ? POLLOUT : POLLIN;
            pfds[i + 1].revents = 0;
        }
        int n = nconns;
        if (poll(pfds, (nfds_t) n + 1, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        /* Connections from the end, so that closing one (which moves the
           last into its place) leaves the rest of this round intact. */
        for (int i = n - 1; i >= 0; i--) {
            short re = pfds[i + 1].revents;
            if (!re) continue;
            struct conn *c = conns[i];
            if (c->writing) {
                int r = flush(c);
                if (r < 0 || (r > 0 && c->close_after)) {
                    conn_close(i);
                    continue;
                }
                if (r > 0) process(i);
                continue;
            }
            ssize_t got = recv(c->fd, c->in + c->in_len, IN_BUF - c->in_len, 0);
            if (got < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
                conn_close(i);
                continue;
            }
            if (got == 0) c->eof = 1;
            c->in_len += (size_t) got;
            process(i);
        }
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
