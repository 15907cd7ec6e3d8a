/* string.h for ukrt apps (libukc), C locale (strcoll is strcmp, strxfrm
   a copy). strerror_r is the XSI one unless _GNU_SOURCE is defined, as
   with glibc. */
#ifndef _UKC_STRING_H
#define _UKC_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
void *memrchr(const void *s, int c, size_t n);
void *memccpy(void *dst, const void *src, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t n);
char *strcpy(char *dst, const char *src);
char *stpcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *stpncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strncat(char *dst, const char *src, size_t n);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int strcoll(const char *a, const char *b);
size_t strxfrm(char *dst, const char *src, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strchrnul(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strpbrk(const char *s, const char *accept);
char *strtok(char *s, const char *delim);
char *strtok_r(char *s, const char *delim, char **save);
char *strsep(char **s, const char *delim);
char *strdup(const char *s);
char *strndup(const char *s, size_t n);
char *strcasestr(const char *haystack, const char *needle);
void *memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen);
void *mempcpy(void *dst, const void *src, size_t n);
char *strerror(int errnum);
#ifdef _GNU_SOURCE
char *strerror_r(int errnum, char *buf, size_t n);
#else
int strerror_r(int errnum, char *buf, size_t n) __asm__("__xpg_strerror_r");
#endif
char *strsignal(int sig);
void explicit_bzero(void *p, size_t n);
/* As glibc's string.h does (by default), give strings.h's functions. */
#include <strings.h>

#endif
