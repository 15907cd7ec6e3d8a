/* netinet/tcp.h for ukrt apps (libukc): TCP options (level IPPROTO_TCP).
   The runtime supports TCP_NODELAY. */
#ifndef _UKC_NETINET_TCP_H
#define _UKC_NETINET_TCP_H

#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6

#endif
