/* sys/types.h for ukrt apps (libukc): the integer types of the POSIX
   interfaces libukc has, as glibc defines them on x86_64 Linux. */
#ifndef _UKC_SYS_TYPES_H
#define _UKC_SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifndef _UKC_SSIZE_T
#define _UKC_SSIZE_T
typedef long ssize_t;
#endif
#ifndef _UKC_TIME_T
#define _UKC_TIME_T
typedef long time_t;
#endif
#ifndef _UKC_OFF_T
#define _UKC_OFF_T
typedef long off_t;
#endif
typedef long off64_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
#ifndef _UKC_MODE_T
#define _UKC_MODE_T
typedef unsigned int mode_t;
#endif
typedef unsigned long ino_t;
typedef unsigned long dev_t;
typedef unsigned long nlink_t;
typedef long blksize_t;
typedef long blkcnt_t;
typedef long suseconds_t;
typedef unsigned int useconds_t;
#ifndef _UKC_SOCKLEN_T
#define _UKC_SOCKLEN_T
typedef unsigned int socklen_t;
#endif

#endif
