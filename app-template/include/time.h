/* time.h for ukrt apps (libukc): the runtime's clocks, and the calendar.
   CLOCK_MONOTONIC counts from the domain's start; CLOCK_REALTIME is Xen's
   wall clock; CLOCK_PROCESS_CPUTIME_ID is the domain's CPU time, the time
   its vCPU ran (Xen's runstate), shared by all apps in the image. Local time follows the app's TZ, a POSIX TZ string (EST5,
   CET-1CEST,M3.5.0,M10.5.0/3); unset means UTC. There is no time zone
   database. clock() is elapsed time since the domain started (the runtime
   keeps no CPU time per app), in microseconds. */
#ifndef _UKC_TIME_H
#define _UKC_TIME_H

#include <stddef.h>

#ifndef _UKC_TIME_T
#define _UKC_TIME_T
typedef long time_t;
#endif
typedef long clock_t;
typedef int clockid_t;
struct timespec {
    time_t tv_sec;
    long tv_nsec;
};
struct tm {
    int tm_sec;
    int tm_min;
    int tm_hour;
    int tm_mday;
    int tm_mon;
    int tm_year;
    int tm_wday;
    int tm_yday;
    int tm_isdst;
    long tm_gmtoff;
    const char *tm_zone;
};
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCKS_PER_SEC ((clock_t)1000000)

int clock_gettime(clockid_t clock, struct timespec *ts);
time_t time(time_t *t);
int nanosleep(const struct timespec *req, struct timespec *rem);
clock_t clock(void);
double difftime(time_t t1, time_t t0);

struct tm *gmtime(const time_t *t);
struct tm *gmtime_r(const time_t *t, struct tm *out);
struct tm *localtime(const time_t *t);
struct tm *localtime_r(const time_t *t, struct tm *out);
time_t mktime(struct tm *tm);
time_t timegm(struct tm *tm);
size_t strftime(char *s, size_t max, const char *fmt, const struct tm *tm)
    __attribute__((format(strftime, 3, 0)));
char *asctime(const struct tm *tm);
char *asctime_r(const struct tm *tm, char *buf);
char *ctime(const time_t *t);
char *ctime_r(const time_t *t, char *buf);

extern char *tzname[2];
extern long timezone;
extern int daylight;
void tzset(void);

#endif
