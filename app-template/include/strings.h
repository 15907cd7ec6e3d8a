/* strings.h for ukrt apps (libukc). */
#ifndef _UKC_STRINGS_H
#define _UKC_STRINGS_H

#include <stddef.h>

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

#endif
