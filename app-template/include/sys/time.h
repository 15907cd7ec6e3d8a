/* sys/time.h for ukrt apps (libukc). */
#ifndef _UKC_SYS_TIME_H
#define _UKC_SYS_TIME_H

#include <sys/types.h>
#include <time.h>

struct timeval {
    time_t tv_sec;
    suseconds_t tv_usec;
};
int gettimeofday(struct timeval *tv, void *tz);

/* As in glibc, sys/time.h gives select() too. */
#include <sys/select.h>

#endif
