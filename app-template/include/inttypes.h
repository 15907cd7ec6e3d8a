/* inttypes.h for ukrt apps (libukc): stdint.h and the printf/scanf
   macros for its types, as glibc has them on x86_64 (long is 64 bits). */
#ifndef _UKC_INTTYPES_H
#define _UKC_INTTYPES_H

#include <stdint.h>

typedef struct {
    intmax_t quot;
    intmax_t rem;
} imaxdiv_t;

intmax_t imaxabs(intmax_t n);
imaxdiv_t imaxdiv(intmax_t num, intmax_t den);
intmax_t strtoimax(const char *s, char **end, int base);
uintmax_t strtoumax(const char *s, char **end, int base);

#define __UKC_PRI64 "l"
#define __UKC_PRIPTR "l"

#define PRId8 "d"
#define PRId16 "d"
#define PRId32 "d"
#define PRId64 __UKC_PRI64 "d"
#define PRIi8 "i"
#define PRIi16 "i"
#define PRIi32 "i"
#define PRIi64 __UKC_PRI64 "i"
#define PRIo8 "o"
#define PRIo16 "o"
#define PRIo32 "o"
#define PRIo64 __UKC_PRI64 "o"
#define PRIu8 "u"
#define PRIu16 "u"
#define PRIu32 "u"
#define PRIu64 __UKC_PRI64 "u"
#define PRIx8 "x"
#define PRIx16 "x"
#define PRIx32 "x"
#define PRIx64 __UKC_PRI64 "x"
#define PRIX8 "X"
#define PRIX16 "X"
#define PRIX32 "X"
#define PRIX64 __UKC_PRI64 "X"

#define PRIdLEAST8 "d"
#define PRIdLEAST16 "d"
#define PRIdLEAST32 "d"
#define PRIdLEAST64 __UKC_PRI64 "d"
#define PRIuLEAST8 "u"
#define PRIuLEAST16 "u"
#define PRIuLEAST32 "u"
#define PRIuLEAST64 __UKC_PRI64 "u"
#define PRIxLEAST8 "x"
#define PRIxLEAST16 "x"
#define PRIxLEAST32 "x"
#define PRIxLEAST64 __UKC_PRI64 "x"
#define PRIdFAST8 "d"
#define PRIdFAST16 __UKC_PRIPTR "d"
#define PRIdFAST32 __UKC_PRIPTR "d"
#define PRIdFAST64 __UKC_PRI64 "d"
#define PRIuFAST8 "u"
#define PRIuFAST16 __UKC_PRIPTR "u"
#define PRIuFAST32 __UKC_PRIPTR "u"
#define PRIuFAST64 __UKC_PRI64 "u"
#define PRIxFAST8 "x"
#define PRIxFAST16 __UKC_PRIPTR "x"
#define PRIxFAST32 __UKC_PRIPTR "x"
#define PRIxFAST64 __UKC_PRI64 "x"

#define PRIdMAX __UKC_PRI64 "d"
#define PRIiMAX __UKC_PRI64 "i"
#define PRIoMAX __UKC_PRI64 "o"
#define PRIuMAX __UKC_PRI64 "u"
#define PRIxMAX __UKC_PRI64 "x"
#define PRIXMAX __UKC_PRI64 "X"
#define PRIdPTR __UKC_PRIPTR "d"
#define PRIiPTR __UKC_PRIPTR "i"
#define PRIoPTR __UKC_PRIPTR "o"
#define PRIuPTR __UKC_PRIPTR "u"
#define PRIxPTR __UKC_PRIPTR "x"
#define PRIXPTR __UKC_PRIPTR "X"

#define SCNd8 "hhd"
#define SCNd16 "hd"
#define SCNd32 "d"
#define SCNd64 __UKC_PRI64 "d"
#define SCNi8 "hhi"
#define SCNi16 "hi"
#define SCNi32 "i"
#define SCNi64 __UKC_PRI64 "i"
#define SCNu8 "hhu"
#define SCNu16 "hu"
#define SCNu32 "u"
#define SCNu64 __UKC_PRI64 "u"
#define SCNo8 "hho"
#define SCNo16 "ho"
#define SCNo32 "o"
#define SCNo64 __UKC_PRI64 "o"
#define SCNx8 "hhx"
#define SCNx16 "hx"
#define SCNx32 "x"
#define SCNx64 __UKC_PRI64 "x"
#define SCNdMAX __UKC_PRI64 "d"
#define SCNiMAX __UKC_PRI64 "i"
#define SCNuMAX __UKC_PRI64 "u"
#define SCNxMAX __UKC_PRI64 "x"
#define SCNdPTR __UKC_PRIPTR "d"
#define SCNuPTR __UKC_PRIPTR "u"
#define SCNxPTR __UKC_PRIPTR "x"

#endif
