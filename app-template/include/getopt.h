/* getopt.h for ukrt apps (libukc): getopt, getopt_long and
   getopt_long_only as glibc's, permuting argv by default (a leading '+'
   in the optstring or POSIXLY_CORRECT in the environment stops at the
   first non-option; a leading '-' returns non-options as option 1). */
#ifndef _UKC_GETOPT_H
#define _UKC_GETOPT_H

extern char *optarg;
extern int optind;
extern int opterr;
extern int optopt;

struct option {
    const char *name;
    int has_arg;
    int *flag;
    int val;
};
#define no_argument 0
#define required_argument 1
#define optional_argument 2

int getopt(int argc, char *const argv[], const char *optstring);
int getopt_long(int argc, char *const argv[], const char *optstring,
                const struct option *longopts, int *longindex);
int getopt_long_only(int argc, char *const argv[], const char *optstring,
                     const struct option *longopts, int *longindex);

#endif
