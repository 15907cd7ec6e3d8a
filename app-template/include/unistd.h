/* unistd.h for ukrt apps (libukc): sleeping and console input. */
#ifndef _UKC_UNISTD_H
#define _UKC_UNISTD_H

#include <stddef.h>

typedef long ssize_t;
unsigned sleep(unsigned seconds);
int usleep(unsigned usec);
ssize_t read(int fd, void *buf, size_t n);

#endif
