/* owngil_compat.h: what code ported by `owngil fix` needs on CPythons that lack it.
 *
 * Header-only, C and C++, CPython 3.9 and newer. `owngil fix` copies it beside the ported module
 * and includes it right after <Python.h>; it is safe to include several times, and a newer copy
 * (a larger OWNGIL_COMPAT_VERSION) can replace an older one.
 */
#ifndef OWNGIL_COMPAT_H
#define OWNGIL_COMPAT_H

#define OWNGIL_COMPAT_VERSION 4

#ifndef Py_PYTHON_H
#error "include <Python.h> before owngil_compat.h"
#endif

#if PY_VERSION_HEX < 0x03090000
#error "owngil_compat.h needs CPython 3.9 or newer (PyType_FromModuleAndSpec)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* 3.10: immutable and non-instantiable heap types. On 3.9 the flags do not exist; a converted type
 * is then mutable from Python, and one that was not instantiable inherits object's __new__. */
#ifndef Py_TPFLAGS_IMMUTABLETYPE
#define Py_TPFLAGS_IMMUTABLETYPE 0
#endif
#ifndef Py_TPFLAGS_DISALLOW_INSTANTIATION
#define Py_TPFLAGS_DISALLOW_INSTANTIATION 0
#endif

/* 3.12: member types and flags in Python.h; before, structmember.h has the old names. Ported heap
 * types declare __weaklistoffset__ / __dictoffset__ / __vectorcalloffset__ members with them. */
#ifndef Py_T_PYSSIZET
#include <structmember.h>
#define Py_T_PYSSIZET T_PYSSIZET
#endif
#ifndef Py_READONLY
#define Py_READONLY READONLY
#endif

/* 3.10 */
#if PY_VERSION_HEX < 0x030A0000 && !defined(Py_NewRef)
static inline PyObject *owngil_Py_NewRef(PyObject *obj)
{
    Py_INCREF(obj);
    return obj;
}
#define Py_NewRef(obj) owngil_Py_NewRef((PyObject *)(obj))
#endif
#if PY_VERSION_HEX < 0x030A0000 && !defined(Py_XNewRef)
static inline PyObject *owngil_Py_XNewRef(PyObject *obj)
{
    Py_XINCREF(obj);
    return obj;
}
#define Py_XNewRef(obj) owngil_Py_XNewRef((PyObject *)(obj))
#endif

/* 3.10: fix writes PyModule_AddObjectRef where PyModule_AddObject stole the only reference of an
 * object the module state now owns too. */
#if PY_VERSION_HEX < 0x030A0000
static inline int owngil_PyModule_AddObjectRef(PyObject *module, const char *name, PyObject *value)
{
    Py_XINCREF(value);
    if (PyModule_AddObject(module, name, value) < 0) {
        Py_XDECREF(value);
        return -1;
    }
    return 0;
}
#define PyModule_AddObjectRef owngil_PyModule_AddObjectRef
#endif

/* Methods that fix rewrote to METH_METHOD | METH_FASTCALL | METH_KEYWORDS, to receive the class
 * that defines them (and so their module state), check and unpack their arguments here as CPython
 * did for their old calling convention, with CPython's messages. Each returns 0, or -1 with
 * TypeError (or MemoryError) set. `name` is "Type.method". */
static inline int owngil_no_keywords(const char *name, PyObject *kwnames)
{
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0) {
        PyErr_Format(PyExc_TypeError, "%s() takes no keyword arguments", name);
        return -1;
    }
    return 0;
}

/* METH_NOARGS and METH_O: exactly `expected` (0 or 1) positional arguments, no keywords. */
static inline int owngil_exact_arguments(const char *name, Py_ssize_t expected, Py_ssize_t nargs, PyObject *kwnames)
{
    if (owngil_no_keywords(name, kwnames) < 0) return -1;
    if (nargs != expected) {
        if (expected == 0) PyErr_Format(PyExc_TypeError, "%s() takes no arguments (%zd given)", name, nargs);
        else PyErr_Format(PyExc_TypeError, "%s() takes exactly one argument (%zd given)", name, nargs);
        return -1;
    }
    return 0;
}

static inline int owngil_no_arguments(const char *name, Py_ssize_t nargs, PyObject *kwnames)
{
    return owngil_exact_arguments(name, 0, nargs, kwnames);
}

static inline int owngil_one_argument(const char *name, Py_ssize_t nargs, PyObject *kwnames)
{
    return owngil_exact_arguments(name, 1, nargs, kwnames);
}

/* METH_VARARGS: a new tuple of the positional arguments. With METH_KEYWORDS (`kwargs` not NULL)
 * also a new dict of the keyword arguments, or NULL when there are none, as CPython passes. */
static inline int owngil_unpack_varargs(const char *name, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                                        PyObject **tuple, PyObject **kwargs)
{
    Py_ssize_t i, nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    if (kwargs == NULL && owngil_no_keywords(name, kwnames) < 0) return -1;
    *tuple = PyTuple_New(nargs);
    if (*tuple == NULL) return -1;
    for (i = 0; i < nargs; i++) PyTuple_SET_ITEM(*tuple, i, Py_NewRef(args[i]));
    if (kwargs == NULL) return 0;
    *kwargs = NULL;
    if (nkw == 0) return 0;
    *kwargs = PyDict_New();
    for (i = 0; *kwargs != NULL && i < nkw; i++)
        if (PyDict_SetItem(*kwargs, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0) Py_CLEAR(*kwargs);
    if (*kwargs == NULL) {
        Py_CLEAR(*tuple);
        return -1;
    }
    return 0;
}

/* 3.11: the module whose PyModuleDef is `def`, found along the MRO of `type`: what slots and
 * methods of a heap type use to reach their module state, also for subclasses defined in Python.
 * Same contract as CPython's: a borrowed reference, or NULL with TypeError set. */
#if PY_VERSION_HEX < 0x030B0000
static inline PyObject *owngil_PyType_GetModuleByDef(PyTypeObject *type, PyModuleDef *def)
{
    PyObject *mro = type->tp_mro;
    Py_ssize_t i, n = mro == NULL ? 0 : PyTuple_GET_SIZE(mro);
    for (i = 0; i < n; i++) {
        PyTypeObject *super = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        PyObject *module;
        if (!(super->tp_flags & Py_TPFLAGS_HEAPTYPE)) continue;
        module = ((PyHeapTypeObject *)super)->ht_module;
        if (module != NULL && PyModule_GetDef(module) == def) return module;
    }
    PyErr_Format(PyExc_TypeError, "PyType_GetModuleByDef: No superclass of '%s' has the given module",
                 type->tp_name);
    return NULL;
}
#define PyType_GetModuleByDef owngil_PyType_GetModuleByDef
#endif


/* ---- Which interpreter? Threads and callbacks (POSIX) ----------------------------------------
 *
 * A thread that never ran Python has no thread state: PyGILState_Ensure gives it a new one of the
 * main interpreter, whichever interpreter handed it the work. What follows records the interpreter
 * where the work is handed over and enters *that* one from the other thread, never the main
 * interpreter, and fails clearly when it is gone:
 *
 *   owngil_interp *where = owngil_interp_current();      (the caller's; NULL with an exception)
 *   owngil_interp_guard guard;
 *   if (owngil_interp_enter(where, &guard) < 0) ...      (from any thread: -1 when it is gone)
 *   ... Python code ...
 *   owngil_interp_leave(&guard);
 *
 * `owngil fix` uses them for the threads a module starts: owngil_pthread_create and
 * owngil_PyThread_start_new_thread record the starting interpreter for the new thread, and
 * owngil_thread_ensure / owngil_thread_release replace PyGILState_Ensure / PyGILState_Release in
 * the code that thread runs (owngil_thread_ensure_failed() right after says to return the
 * function's error value).
 *
 * How: one record per interpreter (owngil_interp), kept in a list of this header's copy (each
 * translation unit has its own; nothing is shared between modules, and nothing needs to be).
 * Entering takes the thread's own thread state when it belongs to that interpreter (nested entries
 * cost nothing), else a new one, dropped again when the outermost entry leaves, as PyGILState does
 * for a thread it does not know. Keeping it across entries is not possible: a thread state of
 * another thread cannot be deleted when the interpreter ends (3.12 unbinds the deleting thread's
 * PyGILState slot), and Py_EndInterpreter stops the process when one is left. When the
 * interpreter finalizes, a function of its atexit module marks the record gone and waits, the
 * GIL released, until no thread is inside; later entries fail. Records are never freed (a few bytes per interpreter that
 * handed work to a thread), so a pointer kept by a late thread stays valid.
 *
 * CPython 3.9-3.11 share one GIL; there the thread still enters the right interpreter. When the
 * caller has released the GIL (Py_BEGIN_ALLOW_THREADS), its interpreter is taken from the
 * thread's PyGILState thread state, which is its last one on 3.12 and newer, its first one before. */
#if !defined(_WIN32) && !defined(OWNGIL_COMPAT_NO_THREADS)
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__cplusplus)
#define OWNGIL_THREAD_LOCAL thread_local
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define OWNGIL_THREAD_LOCAL _Thread_local
#else
#define OWNGIL_THREAD_LOCAL __thread
#endif

typedef struct owngil_interp {
    PyInterpreterState *interp;
    int gone;                      /* it finalized: never entered again */
    long users;                    /* threads inside it now, through owngil_interp_enter */
    pthread_cond_t idle;           /* users dropped to 0 after it was marked gone */
    struct owngil_interp *next;
} owngil_interp;

typedef struct {
    owngil_interp *where;
    PyThreadState *created;        /* the thread state made for this entry, deleted on leave */
    PyThreadState *saved;          /* the thread's own thread state of another interpreter, detached */
} owngil_interp_guard;

/* Process-wide by design: every interpreter's records, under one lock. */
static owngil_interp *owngil_interps = NULL;  /* owngil: ignore[OG103] one list for all interpreters, under owngil_interps_lock */
static pthread_mutex_t owngil_interps_lock = PTHREAD_MUTEX_INITIALIZER;  /* owngil: ignore[OG103] guards owngil_interps */

static inline PyThreadState *owngil_attached_thread_state(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyThreadState_GetUnchecked();
#else
    return _PyThreadState_UncheckedGet();
#endif
}

/* The finalizing interpreter's exit hook: no entry after this one, and none left inside. */
static inline void owngil_interp_exit(void *data)
{
    owngil_interp *where = (owngil_interp *)data;
    int busy;
    pthread_mutex_lock(&owngil_interps_lock);
    where->gone = 1;
    busy = where->users > 0;
    pthread_mutex_unlock(&owngil_interps_lock);
    if (!busy) return;
    /* The lock is never held while waiting for the GIL: a thread holding the GIL may want it. */
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&owngil_interps_lock);
    while (where->users > 0) pthread_cond_wait(&where->idle, &owngil_interps_lock);
    pthread_mutex_unlock(&owngil_interps_lock);
    Py_END_ALLOW_THREADS
}

static inline PyObject *owngil_interp_exit_py(PyObject *capsule, PyObject *unused)
{
    (void)unused;
    owngil_interp_exit(PyCapsule_GetPointer(capsule, "owngil_interp"));
    Py_RETURN_NONE;
}
static PyMethodDef owngil_interp_exit_def = {"owngil_interp_exit", owngil_interp_exit_py, METH_NOARGS, NULL};

/* Runs owngil_interp_exit when the current interpreter finalizes: 0, or -1 with an exception.
 * Through the atexit module, whose functions run before Py_EndInterpreter requires the finalizing
 * thread to be the last one (3.12's _Py_AtExit and 3.13's PyUnstable_AtExit run later, after the
 * modules are gone: there they only mark it gone, should atexit's functions have been cleared). */
static inline int owngil_interp_on_exit(owngil_interp *where)
{
    PyObject *capsule, *hook, *atexit, *done;
#if PY_VERSION_HEX >= 0x030D0000
    if (PyUnstable_AtExit(where->interp, owngil_interp_exit, where) < 0) return -1;
#elif PY_VERSION_HEX >= 0x030C0000
    if (_Py_AtExit(where->interp, owngil_interp_exit, where) < 0) return -1;
#endif
    capsule = PyCapsule_New(where, "owngil_interp", NULL);
    if (capsule == NULL) return -1;
    hook = PyCFunction_New(&owngil_interp_exit_def, capsule);
    Py_DECREF(capsule);
    if (hook == NULL) return -1;
    atexit = PyImport_ImportModule("atexit");
    done = atexit == NULL ? NULL : PyObject_CallMethod(atexit, "register", "O", hook);
    Py_XDECREF(atexit);
    Py_DECREF(hook);
    Py_XDECREF(done);
    return done == NULL ? -1 : 0;
}

/* The record of the interpreter the calling thread runs in; the caller holds its GIL. NULL with
 * an exception set when out of memory. */
static inline owngil_interp *owngil_interp_of(PyInterpreterState *interp)
{
    owngil_interp *where;
    pthread_mutex_lock(&owngil_interps_lock);
    for (where = owngil_interps; where != NULL; where = where->next)
        if (where->interp == interp && !where->gone) break;  /* a gone one's address may be reused */
    pthread_mutex_unlock(&owngil_interps_lock);
    if (where != NULL) return where;
    where = (owngil_interp *)calloc(1, sizeof *where);
    if (where == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    where->interp = interp;
    pthread_cond_init(&where->idle, NULL);
    if (owngil_interp_on_exit(where) < 0) {
        where->gone = 1;  /* not freed: an exit hook registered before the failure may still name it */
        return NULL;
    }
    pthread_mutex_lock(&owngil_interps_lock);
    where->next = owngil_interps;
    owngil_interps = where;
    pthread_mutex_unlock(&owngil_interps_lock);
    return where;
}

/* The interpreter the caller runs in, with the GIL held: NULL with an exception when out of memory. */
static inline owngil_interp *owngil_interp_current(void)
{
    return owngil_interp_of(PyInterpreterState_Get());
}

/* The thread's interpreter when the work is handed over, also from inside Py_BEGIN_ALLOW_THREADS
 * (the GIL is taken back for the moment it needs it); NULL for a thread that never ran Python. */
static inline owngil_interp *owngil_interp_of_caller(void)
{
    PyThreadState *last;
    owngil_interp *where;
    if (owngil_attached_thread_state() != NULL) {
        where = owngil_interp_current();
        if (where == NULL) PyErr_WriteUnraisable(NULL);
        return where;
    }
    last = PyGILState_GetThisThreadState();  /* owngil: ignore[OG301] the thread's own thread state, if any */
    if (last == NULL) return NULL;
    PyEval_RestoreThread(last);
    where = owngil_interp_current();
    if (where == NULL) PyErr_WriteUnraisable(NULL);
    PyEval_SaveThread();
    return where;
}

/* Enters `where` from any thread that holds no GIL (or holds the GIL of `where` already): 0, or -1
 * when `where` is NULL or gone (nothing entered, no exception: there is no interpreter to set it
 * in). Every 0 is followed by one owngil_interp_leave on the same thread. */
static inline int owngil_interp_enter(owngil_interp *where, owngil_interp_guard *guard)
{
    PyThreadState *attached = owngil_attached_thread_state();
    guard->where = where;
    guard->created = guard->saved = NULL;
    if (where == NULL) return -1;
    pthread_mutex_lock(&owngil_interps_lock);
    if (where->gone) {
        pthread_mutex_unlock(&owngil_interps_lock);
        return -1;
    }
    where->users++;
    pthread_mutex_unlock(&owngil_interps_lock);
    if (attached != NULL && PyThreadState_GetInterpreter(attached) == where->interp) return 0;  /* already in it */
    if (attached != NULL) guard->saved = PyEval_SaveThread();
    guard->created = PyThreadState_New(where->interp);
    if (guard->created == NULL) {
        if (guard->saved != NULL) PyEval_RestoreThread(guard->saved);
        pthread_mutex_lock(&owngil_interps_lock);
        if (--where->users == 0 && where->gone) pthread_cond_broadcast(&where->idle);
        pthread_mutex_unlock(&owngil_interps_lock);
        return -1;
    }
    PyEval_RestoreThread(guard->created);
    return 0;
}

static inline void owngil_interp_leave(owngil_interp_guard *guard)
{
    owngil_interp *where = guard->where;
    if (guard->created != NULL) {
        PyThreadState_Clear(guard->created);
        PyThreadState_DeleteCurrent();
        guard->created = NULL;
        if (guard->saved != NULL) PyEval_RestoreThread(guard->saved);
        guard->saved = NULL;
    }
    pthread_mutex_lock(&owngil_interps_lock);
    if (--where->users == 0 && where->gone) pthread_cond_broadcast(&where->idle);
    pthread_mutex_unlock(&owngil_interps_lock);
}

/* What a thread the module started knows: the interpreter that started it, its entries. */
typedef struct {
    owngil_interp *home;       /* NULL: not started through owngil_pthread_create & co. */
    int started;               /* it was */
    int depth;                 /* owngil_thread_ensure calls not yet released */
    int failed;                /* the last owngil_thread_ensure entered nothing */
    owngil_interp_guard guard; /* the outermost entry's */
} owngil_thread_info;
static OWNGIL_THREAD_LOCAL owngil_thread_info owngil_thread = {NULL, 0, 0, 0, {NULL, NULL, NULL}};  /* owngil: ignore[OG103] one per thread */

typedef struct {
    void *(*entry)(void *);
    void (*entry_void)(void *);
    void *arg;
    owngil_interp *home;
} owngil_thread_start;

static inline owngil_thread_start *owngil_thread_start_new(void *(*entry)(void *), void (*entry_void)(void *), void *arg)
{
    owngil_thread_start *start = (owngil_thread_start *)malloc(sizeof *start);
    if (start == NULL) return NULL;
    start->entry = entry;
    start->entry_void = entry_void;
    start->arg = arg;
    start->home = owngil_thread.started ? owngil_thread.home : owngil_interp_of_caller();
    return start;
}

static inline void *owngil_thread_trampoline(void *data)
{
    owngil_thread_start start = *(owngil_thread_start *)data;
    free(data);
    owngil_thread.home = start.home;
    owngil_thread.started = 1;
    if (start.entry_void != NULL) {
        start.entry_void(start.arg);
        return NULL;
    }
    return start.entry(start.arg);
}

/* pthread_create, the new thread knowing the caller's interpreter. */
static inline int owngil_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*entry)(void *), void *arg)
{
    int rc;
    owngil_thread_start *start = owngil_thread_start_new(entry, NULL, arg);
    if (start == NULL) return ENOMEM;
    rc = pthread_create(thread, attr, owngil_thread_trampoline, start);
    if (rc != 0) free(start);
    return rc;
}

static inline void owngil_thread_trampoline_void(void *data) { (void)owngil_thread_trampoline(data); }

/* PyThread_start_new_thread, the new thread knowing the caller's interpreter. */
static inline unsigned long owngil_PyThread_start_new_thread(void (*entry)(void *), void *arg)
{
    unsigned long id;
    owngil_thread_start *start = owngil_thread_start_new(NULL, entry, arg);
    if (start == NULL) return PYTHREAD_INVALID_THREAD_ID;
    id = PyThread_start_new_thread(owngil_thread_trampoline_void, start);
    if (id == PYTHREAD_INVALID_THREAD_ID) free(start);
    return id;
}

static inline void owngil_thread_report(const char *who, const char *why)
{
    fprintf(stderr, "owngil: %s not run: %s\n", who, why);
}

/* In place of PyGILState_Ensure. A thread started through the wrappers above enters the
 * interpreter that started it; any other thread keeps PyGILState_Ensure's answer when it has a
 * thread state (its last one: the caller's interpreter on 3.12+), and fails when it never ran
 * Python rather than attach to the main interpreter. On failure owngil_thread_ensure_failed() is
 * true, nothing is entered, and the caller returns its error value without calling Python. */
static inline PyGILState_STATE owngil_thread_ensure(const char *who)
{
    owngil_thread_info *t = &owngil_thread;
    t->failed = 0;
    if (!t->started) {
        if (PyGILState_GetThisThreadState() != NULL) return PyGILState_Ensure();  /* owngil: ignore[OG301] a thread with its own thread state */
        owngil_thread_report(who, "this thread never ran Python and was not started through owngil_compat.h, "
                                  "so no interpreter is known for it");
        t->failed = 1;
        return PyGILState_UNLOCKED;
    }
    if (t->depth > 0) {
        t->depth++;
        return PyGILState_LOCKED;
    }
    if (owngil_interp_enter(t->home, &t->guard) < 0) {
        owngil_thread_report(who, t->home == NULL ? "the code that started this thread ran in no interpreter"
                                                  : "the interpreter that started this thread is gone");
        t->failed = 1;
        return PyGILState_UNLOCKED;
    }
    t->depth = 1;
    return PyGILState_UNLOCKED;
}

static inline int owngil_thread_ensure_failed(void) { return owngil_thread.failed; }

/* In place of PyGILState_Release, after an owngil_thread_ensure that did not fail. */
static inline void owngil_thread_release(PyGILState_STATE state)
{
    owngil_thread_info *t = &owngil_thread;
    if (!t->started) {
        PyGILState_Release(state);  /* owngil: ignore[OG301] pairs the PyGILState_Ensure above */
        return;
    }
    if (t->depth == 0) return;
    if (--t->depth == 0) owngil_interp_leave(&t->guard);
}
#endif /* threads */

#ifdef __cplusplus
}
#endif

#endif /* OWNGIL_COMPAT_H */
