/* fcntl.h for ukrt apps (libukc), with glibc's numbers on x86_64 Linux.
   open() and creat() for files and directories; fcntl() has F_GETFL/
   F_SETFL (O_NONBLOCK), F_GETFD/F_SETFD (FD_CLOEXEC), F_DUPFD,
   F_DUPFD_CLOEXEC and the record locks (below). */
#ifndef _UKC_FCNTL_H
#define _UKC_FCNTL_H

#include <sys/types.h>

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_SETOWN 8
#define F_GETOWN 9
#define F_DUPFD_CLOEXEC 1030
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define FD_CLOEXEC 1

/* Record locks: every app is the only process using its files, so each
   lock is granted at once and F_GETLK reports F_UNLCK. Apps of one image
   do not exclude each other with them. */
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
struct flock {
    short l_type;
    short l_whence;
    off_t l_start;
    off_t l_len;
    pid_t l_pid;
};

#define O_ACCMODE 0003
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_NDELAY O_NONBLOCK
#define O_DSYNC 010000
#define O_ASYNC 020000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000
#define O_RSYNC O_SYNC
#define AT_FDCWD -100

#define O_TMPFILE (020000000 | O_DIRECTORY)
#define O_LARGEFILE 0

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif

int fcntl(int fd, int cmd, ...);
int open(const char *path, int flags, ...);
int creat(const char *path, mode_t mode);

#endif
