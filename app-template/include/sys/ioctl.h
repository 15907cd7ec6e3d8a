/* sys/ioctl.h for ukrt apps (libukc): ioctl exists so that code written
   for Linux compiles and runs; no descriptor takes requests, so a call on
   an open descriptor fails with ENOTTY (and on another with EBADF). Use
   fcntl(O_NONBLOCK) for non-blocking sockets. */
#ifndef _UKC_SYS_IOCTL_H
#define _UKC_SYS_IOCTL_H

#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define TIOCGWINSZ 0x5413

struct winsize {
    unsigned short ws_row;
    unsigned short ws_col;
    unsigned short ws_xpixel;
    unsigned short ws_ypixel;
};

int ioctl(int fd, unsigned long request, ...);

#endif
