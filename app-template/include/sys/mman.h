/* sys/mman.h for ukrt apps (libukc): there is no file mapping and no
   second address space to map into, so mmap of a file fails with ENODEV;
   anonymous private mappings come from malloc's heap (page-aligned,
   zero-filled) and munmap gives them back. mprotect and madvise succeed
   without doing anything; msync succeeds. See docs/writing-apps.md. */
#ifndef _UKC_SYS_MMAN_H
#define _UKC_SYS_MMAN_H

#include <sys/types.h>

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS
#define MAP_NORESERVE 0x4000
#define MAP_FAILED ((void *)-1)
#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MREMAP_MAYMOVE 1

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...);
int mprotect(void *addr, size_t len, int prot);
int msync(void *addr, size_t len, int flags);
int madvise(void *addr, size_t len, int advice);

#endif
