/* unistd.h for ukrt apps (libukc): sleeping, and read/write/close on
   descriptors: 0 is console input, 1 and 2 the console, sockets the
   rest. */
#ifndef _UKC_UNISTD_H
#define _UKC_UNISTD_H

#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

unsigned sleep(unsigned seconds);
int usleep(useconds_t usec);
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int close(int fd);

#endif
