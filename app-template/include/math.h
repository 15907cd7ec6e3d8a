/* math.h for ukrt apps (libukc): a subset, from the libm crate. Each
   function is bound to libukc's ukc_<name> symbol (see src/abi/math.rs). */
#ifndef _UKC_MATH_H
#define _UKC_MATH_H

#define HUGE_VAL (__builtin_huge_val())
#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))
#define M_PI 3.14159265358979323846
#define M_E 2.7182818284590452354
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf(x)
#define isfinite(x) __builtin_isfinite(x)
#define signbit(x) __builtin_signbit(x)

double sqrt(double x) __asm__("ukc_sqrt");
double fabs(double x) __asm__("ukc_fabs");
double floor(double x) __asm__("ukc_floor");
double ceil(double x) __asm__("ukc_ceil");
double round(double x) __asm__("ukc_round");
double trunc(double x) __asm__("ukc_trunc");
double fmod(double x, double y) __asm__("ukc_fmod");
double pow(double x, double y) __asm__("ukc_pow");
double exp(double x) __asm__("ukc_exp");
double log(double x) __asm__("ukc_log");
double log10(double x) __asm__("ukc_log10");
double log2(double x) __asm__("ukc_log2");
double sin(double x) __asm__("ukc_sin");
double cos(double x) __asm__("ukc_cos");
double tan(double x) __asm__("ukc_tan");
double asin(double x) __asm__("ukc_asin");
double acos(double x) __asm__("ukc_acos");
double atan(double x) __asm__("ukc_atan");
double atan2(double y, double x) __asm__("ukc_atan2");
double sinh(double x) __asm__("ukc_sinh");
double cosh(double x) __asm__("ukc_cosh");
double tanh(double x) __asm__("ukc_tanh");
double hypot(double x, double y) __asm__("ukc_hypot");
double cbrt(double x) __asm__("ukc_cbrt");
double fmin(double x, double y) __asm__("ukc_fmin");
double fmax(double x, double y) __asm__("ukc_fmax");

#endif
