/* arpa/inet.h for ukrt apps (libukc): address text, as glibc converts it. */
#ifndef _UKC_ARPA_INET_H
#define _UKC_ARPA_INET_H

#include <netinet/in.h>

in_addr_t inet_addr(const char *cp);
int inet_aton(const char *cp, struct in_addr *inp);
/* Returns a static buffer, overwritten by the next call. */
char *inet_ntoa(struct in_addr in);
/* AF_INET and AF_INET6. */
int inet_pton(int af, const char *src, void *dst);
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);

#endif
