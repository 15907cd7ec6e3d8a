/* time.h for ukrt apps (libukc): the runtime's clocks. CLOCK_MONOTONIC
   counts from the domain's start; CLOCK_REALTIME is Xen's wall clock. */
#ifndef _UKC_TIME_H
#define _UKC_TIME_H

#include <stddef.h>

#ifndef _UKC_TIME_T
#define _UKC_TIME_T
typedef long time_t;
#endif
typedef int clockid_t;
struct timespec {
    time_t tv_sec;
    long tv_nsec;
};
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

int clock_gettime(clockid_t clock, struct timespec *ts);
time_t time(time_t *t);
int nanosleep(const struct timespec *req, struct timespec *rem);

#endif
