/* sys/select.h for ukrt apps (libukc): select over poll, with glibc's
   fd_set (FD_SETSIZE 1024 bits in 16 longs). */
#ifndef _UKC_SYS_SELECT_H
#define _UKC_SYS_SELECT_H

#include <sys/time.h>
#include <sys/types.h>

#define FD_SETSIZE 1024
typedef long int fd_mask;
#define NFDBITS (8 * (int) sizeof(fd_mask))

typedef struct {
    fd_mask fds_bits[FD_SETSIZE / NFDBITS];
} fd_set;

#define __FD_ELT(d) ((d) / NFDBITS)
#define __FD_MASK(d) ((fd_mask) (1UL << ((d) % NFDBITS)))
#define FD_SET(d, set) ((void) ((set)->fds_bits[__FD_ELT(d)] |= __FD_MASK(d)))
#define FD_CLR(d, set) ((void) ((set)->fds_bits[__FD_ELT(d)] &= ~__FD_MASK(d)))
#define FD_ISSET(d, set) (((set)->fds_bits[__FD_ELT(d)] & __FD_MASK(d)) != 0)
#define FD_ZERO(set)                                                          \
    do {                                                                      \
        unsigned int __i;                                                     \
        fd_set *__arr = (set);                                                \
        for (__i = 0; __i < sizeof(fd_set) / sizeof(fd_mask); ++__i)          \
            __arr->fds_bits[__i] = 0;                                         \
    } while (0)

int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
           struct timeval *timeout);

#endif
