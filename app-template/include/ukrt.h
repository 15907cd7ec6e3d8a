/* ukrt.h: the runtime's own interface, which apps and the libc-like layer
   import. Resolved by the runtime's loader when the app is loaded. */
#ifndef UKRT_H
#define UKRT_H

#include <stddef.h>

/* Writes len bytes to the console; returns len, or -1 if buf is NULL. */
long ukrt_console_write(const char *buf, size_t len);

/* Ends the calling app with status (its fini functions still run). */
_Noreturn void ukrt_exit(int status);

#endif
