/* limits.h for ukrt apps (libukc): POSIX's limits as glibc has them on
   x86_64 Linux, then gcc's own limits.h for the integer types (INT_MAX,
   LONG_MAX, CHAR_BIT, ...). Defining _LIBC_LIMITS_H_ stops gcc's header
   from looking for a C library's limits.h after itself, which under
   -nostdinc does not exist. */
#ifndef _UKC_LIMITS_H
#define _UKC_LIMITS_H

#define _LIBC_LIMITS_H_ 1

#define PATH_MAX 4096
#define NAME_MAX 255
#define PIPE_BUF 4096
#define IOV_MAX 1024
#define HOST_NAME_MAX 64
#define LOGIN_NAME_MAX 256
#define ARG_MAX 131072
#define NGROUPS_MAX 65536
#define LINE_MAX 2048
#define RE_DUP_MAX 0x7fff
#define NZERO 20
#define TZNAME_MAX 6
#define _POSIX_PATH_MAX 256
#define _POSIX_NAME_MAX 14
#define _POSIX_PIPE_BUF 512
#define _POSIX_ARG_MAX 4096
#define _POSIX_OPEN_MAX 20
#define _POSIX_SSIZE_MAX 32767
#define _POSIX2_LINE_MAX 2048
#define SSIZE_MAX __LONG_MAX__
#define PTHREAD_STACK_MIN 16384
#define PAGESIZE 4096
#define PAGE_SIZE 4096

#include_next <limits.h>

#endif
