/* Stand-in for the C library headers the fuzz target's inputs include (stddef.h, stdlib.h,
 * string.h, stdio.h, ...: each is this file). Declarations only, enough for extension code to
 * parse; nothing here is analysed (it is a system header). */
#ifndef OWNGIL_FUZZ_LIBC_H
#define OWNGIL_FUZZ_LIBC_H

#ifdef __cplusplus
extern "C" {
#endif

typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef long ssize_t;
typedef __WCHAR_TYPE__ wchar_t_standin;
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;
typedef long intptr_t;
typedef unsigned long uintptr_t;
typedef long long intmax_t;
typedef unsigned long long uintmax_t;
typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_end(ap) __builtin_va_end(ap)
#define va_arg(ap, type) __builtin_va_arg(ap, type)

#ifndef __cplusplus
#define bool _Bool
#define true 1
#define false 0
#endif

#ifdef __cplusplus
#define NULL nullptr
#else
#define NULL ((void *)0)
#endif
#define offsetof(type, member) __builtin_offsetof(type, member)

#define INT_MAX 2147483647
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX 4294967295U
#define LONG_MAX 9223372036854775807L
#define LONG_MIN (-LONG_MAX - 1L)
#define ULONG_MAX 18446744073709551615UL
#define LLONG_MAX 9223372036854775807LL
#define SIZE_MAX 18446744073709551615UL
#define CHAR_BIT 8
#define INT64_MAX 9223372036854775807LL
#define UINT64_MAX 18446744073709551615ULL
#define UINT32_MAX 4294967295U
#define DBL_MAX 1.79769313486231570815e+308
#define HUGE_VAL __builtin_huge_val()
#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define EINVAL 22
#define ENOMEM 12
#define ERANGE 34
#define EOF (-1)
extern int errno;

#define assert(e) ((void)0)

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
void abort(void);
void exit(int status);
int atoi(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
double strtod(const char *s, char **end);
char *getenv(const char *name);
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void qsort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *), void *arg);
int on_exit(void (*fn)(int status, void *arg), void *arg);
int abs(int x);
long labs(long x);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *s, const char *sub);
char *strdup(const char *s);
char *strerror(int err);

typedef struct owngil_fuzz_FILE FILE;
extern FILE *stdin, *stdout, *stderr;
int printf(const char *fmt, ...);
int fprintf(FILE *f, const char *fmt, ...);
int sprintf(char *buf, const char *fmt, ...);
int snprintf(char *buf, size_t n, const char *fmt, ...);
int puts(const char *s);
int fputs(const char *s, FILE *f);
int fflush(FILE *f);

double sqrt(double x);
double floor(double x);
double ceil(double x);
double fabs(double x);
double pow(double x, double y);
double fmod(double x, double y);
double log(double x);
double exp(double x);

int isdigit(int c);
int isalpha(int c);
int isspace(int c);
int toupper(int c);
int tolower(int c);

typedef long time_t;
time_t time(time_t *t);

#ifdef __cplusplus
}
#endif

#endif
