/* owngil.h: own-GIL subinterpreters for C and C++ hosts and extensions (CPython 3.12+).
 *
 * Interpreters are named by ids that are never reused, so a thread holding the id of an
 * interpreter that is gone gets OWNGIL_GONE, not a crash. Any native thread can enter an
 * interpreter (owngil_enter / owngil_leave): this is what ported code uses instead of
 * PyGILState_Ensure, which always picks the main interpreter. Thread states are cached per
 * (thread, interpreter); an interpreter is kept alive while a thread is inside it, and closing
 * it waits for those threads to leave and refuses new ones (OWNGIL_CLOSING).
 *
 * Threads: owngil_create and owngil_destroy need the calling thread to be attached to some
 * interpreter (hold its GIL, e.g. the main one after Py_Initialize) or to none; they return with
 * the thread attached as it was. owngil_enter may be called attached or not; owngil_leave restores.
 * owngil_destroy refuses (OWNGIL_FAILED) from a thread inside that interpreter, nested too.
 */
#ifndef OWNGIL_H
#define OWNGIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t owngil_id;

enum owngil_status {
    OWNGIL_OK = 0,
    OWNGIL_GONE = 1,       /* no interpreter with this id (never created, or destroyed) */
    OWNGIL_CLOSING = 2,    /* being destroyed: no new thread may enter */
    OWNGIL_FAILED = 3,     /* CPython reported an error; see the message */
    OWNGIL_PYTHON_ERROR = 4 /* the code run raised; see the message */
};

typedef struct {
    int allow_threads;        /* threading module in the interpreter (default 1) */
    int allow_daemon_threads; /* default 0 */
} owngil_config;

/* A thread inside an interpreter; fill by owngil_enter, give back to owngil_leave on the same thread. */
typedef struct {
    owngil_id id;
    void *previous; /* the thread state the thread was attached to, restored by owngil_leave */
    void *mine;
    int nested;     /* already inside this interpreter: leave does nothing */
} owngil_guard;

/* Creates an interpreter with its own GIL. `config` may be NULL. Writes the id. */
int owngil_create(const owngil_config *config, owngil_id *id, char *message, size_t message_size);

/* Waits for threads inside to leave, then ends the interpreter. */
int owngil_destroy(owngil_id id, char *message, size_t message_size);

/* Attaches the calling thread to the interpreter (creating its thread state once). */
int owngil_enter(owngil_id id, owngil_guard *guard);
void owngil_leave(owngil_guard *guard);

/* Runs source code in the interpreter (enter, run, leave). On an exception: OWNGIL_PYTHON_ERROR
 * and "Type: message" in `message`. */
int owngil_run(owngil_id id, const char *source, char *message, size_t message_size);

/* Interpreters still alive when the main interpreter finalizes (Py_FinalizeEx, the end of a
 * script) are destroyed by an atexit callback of the main interpreter, as owngil_destroy does
 * (waiting for threads inside). owngil_create installs it when called attached to the main
 * interpreter; this installs it now (attached to the main interpreter, with its GIL), so that
 * atexit callbacks registered later, which run before it, still find their interpreters.
 * OWNGIL_FAILED when not attached to the main interpreter. */
int owngil_install_exit_hook(void);

/* How many interpreters exist now (created and not destroyed). */
size_t owngil_count(void);

/* A text for a status code. */
const char *owngil_status_text(int status);

#ifdef __cplusplus
}
#endif

#endif /* OWNGIL_H */
