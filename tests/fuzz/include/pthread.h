/* Stand-in for pthread.h (fuzz target only). */
#ifndef OWNGIL_FUZZ_PTHREAD_H
#define OWNGIL_FUZZ_PTHREAD_H
#include <owngil_fuzz_libc.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef unsigned long pthread_t;
typedef struct { long _opaque[5]; } pthread_mutex_t;
typedef struct { long _opaque[6]; } pthread_cond_t;
typedef int pthread_once_t;
typedef struct { long _opaque[7]; } pthread_attr_t;
#define PTHREAD_MUTEX_INITIALIZER {{0}}
#define PTHREAD_COND_INITIALIZER {{0}}
#define PTHREAD_ONCE_INIT 0
int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *), void *arg);
int pthread_join(pthread_t t, void **result);
int pthread_detach(pthread_t t);
pthread_t pthread_self(void);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_unlock(pthread_mutex_t *m);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_once(pthread_once_t *once, void (*init)(void));
#ifdef __cplusplus
}
#endif
#endif
