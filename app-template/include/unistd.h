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

/* The app is process 1 of its own world, user and group 0; there is no
   shell and no other program to start (these fail with ENOSYS). */
pid_t getpid(void);
pid_t getppid(void);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
_Noreturn void _exit(int status);
pid_t fork(void);
int execv(const char *path, char *const argv[]);
int execvp(const char *file, char *const argv[]);
int execve(const char *path, char *const argv[], char *const envp[]);
int pipe(int fds[2]);
int gethostname(char *name, size_t len);
int getpagesize(void);

/* Files have no owners and there are no symbolic links: chown and fchown
   check that the file exists and succeed; readlink fails with EINVAL. */
int chown(const char *path, uid_t uid, gid_t gid);
int fchown(int fd, uid_t uid, gid_t gid);
ssize_t readlink(const char *path, char *buf, size_t len);

#define _SC_ARG_MAX 0
#define _SC_CHILD_MAX 1
#define _SC_CLK_TCK 2
#define _SC_OPEN_MAX 4
#define _SC_PAGESIZE 30
#define _SC_PAGE_SIZE _SC_PAGESIZE
#define _SC_LINE_MAX 43
#define _SC_NPROCESSORS_CONF 83
#define _SC_NPROCESSORS_ONLN 84
#define _SC_HOST_NAME_MAX 180
long sysconf(int name);

/* getopt (getopt.h has getopt_long). */
extern char *optarg;
extern int optind, opterr, optopt;
int getopt(int argc, char *const argv[], const char *optstring);

#endif
