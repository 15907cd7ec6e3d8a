/* math.h for ukrt apps (libukc): C99's math library in double and float
   (no long double). Each function is bound to libukc's ukc_<name> symbol
   (see libukc/src/abi/math.rs). Results are compared with glibc's in
   libukc/tests/math_vs_glibc.rs (docs/libc-math.md). No function sets
   errno: math_errhandling is MATH_ERREXCEPT. */
#ifndef _UKC_MATH_H
#define _UKC_MATH_H

#ifdef __cplusplus
extern "C" {
#endif

typedef float float_t;
typedef double double_t;

#define HUGE_VAL (__builtin_huge_val())
#define HUGE_VALF (__builtin_huge_valf())
#define HUGE_VALL (__builtin_huge_vall())
#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))

#define FP_NAN 0
#define FP_INFINITE 1
#define FP_ZERO 2
#define FP_SUBNORMAL 3
#define FP_NORMAL 4

#define FP_ILOGB0 (-2147483647 - 1)
#define FP_ILOGBNAN (-2147483647 - 1)

#define MATH_ERRNO 1
#define MATH_ERREXCEPT 2
#define math_errhandling MATH_ERREXCEPT

/* The classification macros, as glibc defines them for gcc (isinf gives
   -1 for -inf). */
#define fpclassify(x) __builtin_fpclassify(FP_NAN, FP_INFINITE, FP_NORMAL, FP_SUBNORMAL, FP_ZERO, x)
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf_sign(x)
#define isfinite(x) __builtin_isfinite(x)
#define isnormal(x) __builtin_isnormal(x)
#define signbit(x) __builtin_signbit(x)
#define isgreater(x, y) __builtin_isgreater(x, y)
#define isgreaterequal(x, y) __builtin_isgreaterequal(x, y)
#define isless(x, y) __builtin_isless(x, y)
#define islessequal(x, y) __builtin_islessequal(x, y)
#define islessgreater(x, y) __builtin_islessgreater(x, y)
#define isunordered(x, y) __builtin_isunordered(x, y)

/* The constants glibc has unless a strict standard mode hides them. */
#if !defined(__STRICT_ANSI__) || defined(_DEFAULT_SOURCE) || defined(_GNU_SOURCE) || \
    defined(_BSD_SOURCE) || defined(_XOPEN_SOURCE)
#define M_E 2.7182818284590452353602874713526625
#define M_LOG2E 1.4426950408889634073599246810018921
#define M_LOG10E 0.43429448190325182765112891891660508
#define M_LN2 0.69314718055994530941723212145817657
#define M_LN10 2.3025850929940456840179914546843642
#define M_PI 3.1415926535897932384626433832795029
#define M_PI_2 1.5707963267948966192313216916397514
#define M_PI_4 0.78539816339744830961566084581987572
#define M_1_PI 0.31830988618379067153776752674502872
#define M_2_PI 0.63661977236758134307553505349005745
#define M_2_SQRTPI 1.1283791670955125738961589031215452
#define M_SQRT2 1.4142135623730950488016887242096981
#define M_SQRT1_2 0.70710678118654752440084436210484904
#endif

#define _UKC_F1(name) double name(double) __asm__("ukc_" #name); \
    float name##f(float) __asm__("ukc_" #name "f");
#define _UKC_F2(name) double name(double, double) __asm__("ukc_" #name); \
    float name##f(float, float) __asm__("ukc_" #name "f");

_UKC_F1(sqrt) _UKC_F1(fabs) _UKC_F1(floor) _UKC_F1(ceil) _UKC_F1(trunc) _UKC_F1(round)
_UKC_F1(rint) _UKC_F1(nearbyint)
_UKC_F1(exp) _UKC_F1(exp2) _UKC_F1(exp10) _UKC_F1(expm1)
_UKC_F1(log) _UKC_F1(log2) _UKC_F1(log10) _UKC_F1(log1p) _UKC_F1(logb)
_UKC_F1(cbrt) _UKC_F1(sin) _UKC_F1(cos) _UKC_F1(tan) _UKC_F1(asin) _UKC_F1(acos) _UKC_F1(atan)
_UKC_F1(sinh) _UKC_F1(cosh) _UKC_F1(tanh) _UKC_F1(asinh) _UKC_F1(acosh) _UKC_F1(atanh)
_UKC_F1(erf) _UKC_F1(erfc) _UKC_F1(tgamma) _UKC_F1(lgamma)
_UKC_F1(j0) _UKC_F1(j1) _UKC_F1(y0) _UKC_F1(y1)
_UKC_F2(fmod) _UKC_F2(pow) _UKC_F2(atan2) _UKC_F2(hypot) _UKC_F2(fmin) _UKC_F2(fmax)
_UKC_F2(fdim) _UKC_F2(copysign) _UKC_F2(nextafter) _UKC_F2(remainder)

#undef _UKC_F1
#undef _UKC_F2

double fma(double, double, double) __asm__("ukc_fma");
float fmaf(float, float, float) __asm__("ukc_fmaf");
double ldexp(double, int) __asm__("ukc_ldexp");
float ldexpf(float, int) __asm__("ukc_ldexpf");
double scalbn(double, int) __asm__("ukc_scalbn");
float scalbnf(float, int) __asm__("ukc_scalbnf");
double scalbln(double, long) __asm__("ukc_scalbln");
float scalblnf(float, long) __asm__("ukc_scalblnf");
double frexp(double, int *) __asm__("ukc_frexp");
float frexpf(float, int *) __asm__("ukc_frexpf");
double modf(double, double *) __asm__("ukc_modf");
float modff(float, float *) __asm__("ukc_modff");
double remquo(double, double, int *) __asm__("ukc_remquo");
float remquof(float, float, int *) __asm__("ukc_remquof");
int ilogb(double) __asm__("ukc_ilogb");
int ilogbf(float) __asm__("ukc_ilogbf");
long lrint(double) __asm__("ukc_lrint");
long lrintf(float) __asm__("ukc_lrintf");
long long llrint(double) __asm__("ukc_llrint");
long long llrintf(float) __asm__("ukc_llrintf");
long lround(double) __asm__("ukc_lround");
long lroundf(float) __asm__("ukc_lroundf");
long long llround(double) __asm__("ukc_llround");
long long llroundf(float) __asm__("ukc_llroundf");
double nan(const char *) __asm__("ukc_nan");
float nanf(const char *) __asm__("ukc_nanf");
double jn(int, double) __asm__("ukc_jn");
float jnf(int, float) __asm__("ukc_jnf");
double yn(int, double) __asm__("ukc_yn");
float ynf(int, float) __asm__("ukc_ynf");
double lgamma_r(double, int *) __asm__("ukc_lgamma_r");
float lgammaf_r(float, int *) __asm__("ukc_lgammaf_r");
void sincos(double, double *, double *) __asm__("ukc_sincos");
void sincosf(float, float *, float *) __asm__("ukc_sincosf");
/* The sign of the Gamma function at lgamma's last argument. */
extern int signgam __asm__("ukc_signgam");

#ifdef __cplusplus
}
#endif

#endif
