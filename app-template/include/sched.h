/* sched.h for ukrt apps (libukc): apps are cooperative threads. */
#ifndef _UKC_SCHED_H
#define _UKC_SCHED_H

int sched_yield(void);

#endif
