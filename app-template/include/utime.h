/* utime.h for ukrt apps (libukc): accepted and not applied (the
   filesystems set a file's time when it is written). */
#ifndef _UKC_UTIME_H
#define _UKC_UTIME_H

#include <sys/types.h>

struct utimbuf {
    time_t actime;
    time_t modtime;
};

int utime(const char *path, const struct utimbuf *times);

#endif
