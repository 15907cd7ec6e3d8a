/* badframes: sends malformed Ethernet frames to a guest from dom0, for the
 * network boot tests (the guest must drop and count them, and keep
 * serving).
 *
 *   badframes IFACE GUEST_MAC SRC_IP DST_IP [RANDOM_COUNT]
 *
 * IFACE is dom0's side of the guest's vif (vifN.0), the addresses those of
 * dom0 and the guest. It sends one frame of each kind below, then
 * RANDOM_COUNT (default 0) frames of random bytes after a valid Ethernet
 * header, and prints "badframes: sent N" with the number of malformed
 * frames it sent (the random ones are not counted: some may be valid).
 * Exit status 0, or 1 with a message naming what failed.
 *
 * Built static on the host (gcc -static) and run in the xl harness's dom0.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static uint8_t dst_mac[6], src_mac[6];
static uint32_t src_ip, dst_ip; /* network order */

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t acc) {
    for (size_t i = 0; i + 1 < n; i += 2) acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1) acc += (uint32_t)p[n - 1] << 8;
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* A good frame: Ethernet, IPv4 (protocol `proto`), `l4` bytes of transport
 * header and payload with their checksum filled in. Returns its length. */
static size_t build(uint8_t *f, uint8_t proto, const uint8_t *l4, size_t l4len) {
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, src_mac, 6);
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    uint16_t total = (uint16_t)(20 + l4len);
    ip[2] = total >> 8, ip[3] = total & 0xff;
    ip[8] = 64, ip[9] = proto;
    memcpy(ip + 12, &src_ip, 4);
    memcpy(ip + 16, &dst_ip, 4);
    uint16_t c = sum16(ip, 20, 0);
    ip[10] = c >> 8, ip[11] = c & 0xff;
    uint8_t *t = ip + 20;
    memcpy(t, l4, l4len);
    /* The pseudo-header sum, then the transport checksum field. */
    uint32_t pseudo = 0;
    const uint8_t *s = (const uint8_t *)&src_ip, *d = (const uint8_t *)&dst_ip;
    pseudo += (uint32_t)s[0] << 8 | s[1];
    pseudo += (uint32_t)s[2] << 8 | s[3];
    pseudo += (uint32_t)d[0] << 8 | d[1];
    pseudo += (uint32_t)d[2] << 8 | d[3];
    pseudo += proto + (uint32_t)l4len;
    size_t at = proto == 6 ? 16 : proto == 17 ? 6 : 2;
    t[at] = t[at + 1] = 0;
    c = sum16(t, l4len, proto == 1 ? 0 : pseudo);
    t[at] = c >> 8, t[at + 1] = c & 0xff;
    return 14 + 20 + l4len;
}

static size_t tcp_syn(uint8_t *f) {
    uint8_t l4[25] = {0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x03, 0xe8};
    memcpy(l4 + 20, "hello", 5);
    return build(f, 6, l4, sizeof l4);
}

static size_t udp(uint8_t *f) {
    uint8_t l4[9] = {0x9c, 0x40, 0x00, 0x07, 0x00, 0x09, 0, 0, 'x'};
    return build(f, 17, l4, sizeof l4);
}

static size_t icmp(uint8_t *f) {
    uint8_t l4[12] = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};
    return build(f, 1, l4, sizeof l4);
}

static int parse_mac(const char *s, uint8_t *mac) {
    unsigned v[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return -1;
    for (int i = 0; i < 6; i++) mac[i] = (uint8_t)v[i];
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: badframes IFACE GUEST_MAC SRC_IP DST_IP [RANDOM_COUNT]\n");
        return 1;
    }
    if (parse_mac(argv[2], dst_mac) || inet_pton(AF_INET, argv[3], &src_ip) != 1 ||
        inet_pton(AF_INET, argv[4], &dst_ip) != 1) {
        fprintf(stderr, "badframes: bad MAC or address\n");
        return 1;
    }
    long randoms = argc > 5 ? atol(argv[5]) : 0;
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) {
        perror("badframes: socket(AF_PACKET)");
        return 1;
    }
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", argv[1]);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        perror("badframes: SIOCGIFINDEX");
        return 1;
    }
    struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifr.ifr_ifindex, .sll_halen = 6};
    memcpy(to.sll_addr, dst_mac, 6);
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);

    uint8_t f[1514];
    size_t n;
    int sent = 0;
#define SEND(len)                                                                      \
    do {                                                                               \
        if (sendto(fd, f, (len), 0, (struct sockaddr *)&to, sizeof to) < 0) {          \
            perror("badframes: sendto");                                               \
            return 1;                                                                  \
        }                                                                              \
        sent++;                                                                        \
    } while (0)

    n = tcp_syn(f); SEND(14 + 12);                         /* half an IP header */
    n = tcp_syn(f); f[14] = 0x65; SEND(n);                 /* IP version 6 */
    n = tcp_syn(f); f[14] = 0x43; SEND(n);                 /* header length 12 */
    n = tcp_syn(f); f[16] = 0x07, f[17] = 0xd0; SEND(n);   /* total length 2000 */
    n = tcp_syn(f); f[24] ^= 0xff; SEND(n);                /* IP checksum */
    n = tcp_syn(f); f[20] |= 0x20;                         /* more fragments, */
    {
        uint8_t *ip = f + 14;
        ip[10] = ip[11] = 0;
        uint16_t c = sum16(ip, 20, 0);                     /* checksum right */
        ip[10] = c >> 8, ip[11] = c & 0xff;
    }
    SEND(n);
    n = tcp_syn(f); f[n - 1] ^= 1; SEND(n);                /* TCP checksum */
    n = tcp_syn(f); f[34 + 12] = 0xf0; SEND(n);            /* TCP offset 60 */
    n = udp(f); f[n - 1] ^= 1; SEND(n);                    /* UDP checksum */
    n = icmp(f); f[n - 1] ^= 1; SEND(n);                   /* ICMP checksum */
    n = tcp_syn(f); f[12] = 0x08, f[13] = 0x06; SEND(20);  /* short ARP */
    int malformed = sent;
    srand(12345);
    for (long i = 0; i < randoms; i++) {
        size_t len = 14 + (size_t)rand() % 200;
        n = tcp_syn(f);
        for (size_t j = 14; j < len; j++) f[j] = (uint8_t)rand();
        SEND(len);
    }
    printf("badframes: sent %d\n", malformed);
    return 0;
}
