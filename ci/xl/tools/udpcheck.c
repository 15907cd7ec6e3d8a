/* udpcheck: a UDP echo client for the network boot tests (busybox's nc
 * has no UDP in Debian's build).
 *
 *   udpcheck HOST PORT COUNT [SIZE]
 *
 * Sends COUNT datagrams of SIZE bytes (default 512), each numbered and
 * filled from its number, to HOST:PORT, one at a time, and waits up to
 * 2 s for each one's echo (resending once). Prints "udpcheck: N of COUNT
 * echoed intact" and exits 0 when all were, else 1.
 *
 * Built static on the host (gcc -static) and run in the xl harness's dom0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void fill(uint8_t *buf, size_t size, uint32_t n) {
    memcpy(buf, &n, sizeof n);
    for (size_t i = sizeof n; i < size; i++) buf[i] = (uint8_t) (n * 31 + i);
}

/* Waits up to ms for a datagram equal to want; 1 if it came. */
static int await_echo(int fd, const uint8_t *want, size_t size, int ms) {
    uint8_t got[65536];
    struct pollfd p = {fd, POLLIN, 0};
    while (poll(&p, 1, ms) == 1) {
        ssize_t n = recv(fd, got, sizeof got, 0);
        if (n == (ssize_t) size && memcmp(got, want, size) == 0) return 1;
        /* A late echo of an earlier datagram: keep waiting. */
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: udpcheck HOST PORT COUNT [SIZE]\n");
        return 2;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        fprintf(stderr, "udpcheck: %s: not an IPv4 address\n", argv[1]);
        return 2;
    }
    long count = atol(argv[3]);
    size_t size = argc == 5 ? (size_t) atol(argv[4]) : 512;
    if (size < 4 || size > 65507) {
        fprintf(stderr, "udpcheck: size must be 4 to 65507\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &to, sizeof to) < 0) {
        fprintf(stderr, "udpcheck: socket: %s\n", strerror(errno));
        return 1;
    }
    static uint8_t buf[65536];
    long ok = 0;
    for (long i = 0; i < count; i++) {
        fill(buf, size, (uint32_t) i);
        for (int attempt = 0; attempt < 2; attempt++) {
            if (send(fd, buf, size, 0) != (ssize_t) size) {
                fprintf(stderr, "udpcheck: send: %s\n", strerror(errno));
                break;
            }
            if (await_echo(fd, buf, size, 2000)) {
                ok++;
                break;
            }
        }
    }
    printf("udpcheck: %ld of %ld echoed intact\n", ok, count);
    return ok == count ? 0 : 1;
}
