/* unistd.h for ukrt apps (libukc): sleeping, and the descriptor and
   file functions: 0 is console input, 1 and 2 the console, files,
   directories and sockets the rest. */
#ifndef _UKC_UNISTD_H
#define _UKC_UNISTD_H

#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

unsigned sleep(unsigned seconds);
int usleep(useconds_t usec);
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int close(int fd);
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
off_t lseek(int fd, off_t off, int whence);
off64_t lseek64(int fd, off64_t off, int whence);
int dup(int fd);
int dup2(int old, int new_fd);
int access(const char *path, int mode);
int unlink(const char *path);
int rmdir(const char *path);
int fsync(int fd);
int fdatasync(int fd);
int ftruncate(int fd, off_t len);
int truncate(const char *path, off_t len);
char *getcwd(char *buf, size_t size);
int chdir(const char *path);
int isatty(int fd);

#endif
