/* malloc.h for ukrt apps (libukc): stdlib.h's allocator and the two
   glibc extras libukc has. */
#ifndef _UKC_MALLOC_H
#define _UKC_MALLOC_H

#include <stdlib.h>

void *memalign(size_t align, size_t size);
size_t malloc_usable_size(void *p);

#endif
