/* A module built with owngil_compat.h only (it does not link owngil's runtime): threads it starts
 * call back into the interpreter that started them, and a thread that is none of its own enters
 * the interpreter an object came from. Used by test_thread_home.py, also under ThreadSanitizer. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "owngil_compat.h"

#include <stdatomic.h>
#include <time.h>

static atomic_int not_run;  /* callbacks skipped because their interpreter was gone */

typedef struct {
    PyObject *callback;
    long value;
    long delay_ms;
    owngil_interp *where;  /* enter_from_foreign: recorded by the caller */
} job;

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Run by a thread this module starts: what `owngil fix` writes in place of PyGILState_Ensure. */
static void *call_back(void *arg)
{
    job *j = (job *)arg;
    PyGILState_STATE gil;
    PyObject *result;
    if (j->delay_ms) sleep_ms(j->delay_ms);
    gil = owngil_thread_ensure("call_back");
    if (owngil_thread_ensure_failed()) {
        atomic_fetch_add(&not_run, 1);
        return NULL;  /* the job and its reference belong to the gone interpreter: left as they are */
    }
    result = PyObject_CallFunction(j->callback, "l", j->value);
    if (result == NULL) PyErr_WriteUnraisable(j->callback);
    Py_XDECREF(result);
    if (j->delay_ms) {  /* a detached thread owns its job */
        Py_DECREF(j->callback);
        PyMem_RawFree(j);
    }
    owngil_thread_release(gil);
    return NULL;
}

/* call_in_thread(f, value): f(value) from a new C thread, joined before returning. */
static PyObject *call_in_thread(PyObject *module, PyObject *args)
{
    job j = {NULL, 0, 0, NULL};
    pthread_t thread;
    int rc;
    (void)module;
    if (!PyArg_ParseTuple(args, "Ol", &j.callback, &j.value)) return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = owngil_pthread_create(&thread, NULL, call_back, &j);
    if (rc == 0) pthread_join(thread, NULL);
    Py_END_ALLOW_THREADS
    if (rc != 0) return PyErr_Format(PyExc_OSError, "pthread_create: %d", rc);
    Py_RETURN_NONE;
}

static void call_back_void(void *arg) { (void)call_back(arg); }

/* call_later(f, value, delay_ms): f(value) from a detached thread after delay_ms. */
static PyObject *call_later(PyObject *module, PyObject *args)
{
    job *j;
    (void)module;
    j = (job *)PyMem_RawCalloc(1, sizeof *j);
    if (j == NULL) return PyErr_NoMemory();
    if (!PyArg_ParseTuple(args, "Oll", &j->callback, &j->value, &j->delay_ms)) {
        PyMem_RawFree(j);
        return NULL;
    }
    if (j->delay_ms <= 0) j->delay_ms = 1;
    Py_INCREF(j->callback);
    if (owngil_PyThread_start_new_thread(call_back_void, j) == PYTHREAD_INVALID_THREAD_ID) {
        Py_DECREF(j->callback);
        PyMem_RawFree(j);
        return PyErr_Format(PyExc_RuntimeError, "cannot start a thread");
    }
    Py_RETURN_NONE;
}

/* Run by a plain pthread (not started through owngil_compat.h): enters the recorded interpreter. */
static void *enter_and_call(void *arg)
{
    job *j = (job *)arg;
    owngil_interp_guard guard;
    PyObject *result;
    if (owngil_interp_enter(j->where, &guard) < 0) {
        atomic_fetch_add(&not_run, 1);
        return NULL;
    }
    result = PyObject_CallFunction(j->callback, "l", j->value);
    if (result == NULL) PyErr_WriteUnraisable(j->callback);
    Py_XDECREF(result);
    owngil_interp_leave(&guard);
    return NULL;
}

/* enter_from_foreign(f, value): f(value) from a plain C thread that enters the interpreter f was
 * handed over in (the caller's), joined before returning. */
static PyObject *enter_from_foreign(PyObject *module, PyObject *args)
{
    job j = {NULL, 0, 0, NULL};
    pthread_t thread;
    int rc;
    (void)module;
    if (!PyArg_ParseTuple(args, "Ol", &j.callback, &j.value)) return NULL;
    j.where = owngil_interp_current();
    if (j.where == NULL) return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = pthread_create(&thread, NULL, enter_and_call, &j);
    if (rc == 0) pthread_join(thread, NULL);
    Py_END_ALLOW_THREADS
    if (rc != 0) return PyErr_Format(PyExc_OSError, "pthread_create: %d", rc);
    Py_RETURN_NONE;
}

/* Without owngil_compat.h: a plain C thread calls back with PyGILState_Ensure (what fix replaces). */
static void *call_back_gilstate(void *arg)
{
    job *j = (job *)arg;
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *result = PyObject_CallFunction(j->callback, "l", j->value);
    if (result == NULL) PyErr_WriteUnraisable(j->callback);
    Py_XDECREF(result);
    PyGILState_Release(gil);
    return NULL;
}

/* interp_of_gilstate_thread(): the id of the interpreter PyGILState_Ensure attaches a new C thread to. */
static void *gilstate_interp(void *arg)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    *(long long *)arg = PyInterpreterState_GetID(PyInterpreterState_Get());
    PyGILState_Release(gil);
    return NULL;
}

static PyObject *interp_of_gilstate_thread(PyObject *module, PyObject *unused)
{
    long long id = -1;
    pthread_t thread;
    (void)module; (void)unused; (void)call_back_gilstate;
    Py_BEGIN_ALLOW_THREADS
    if (pthread_create(&thread, NULL, gilstate_interp, &id) == 0) pthread_join(thread, NULL);
    Py_END_ALLOW_THREADS
    return PyLong_FromLongLong(id);
}

static PyObject *skipped(PyObject *module, PyObject *unused)
{
    (void)module; (void)unused;
    return PyLong_FromLong(atomic_load(&not_run));
}

static PyMethodDef functions[] = {
    {"call_in_thread", call_in_thread, METH_VARARGS, NULL},
    {"call_later", call_later, METH_VARARGS, NULL},
    {"enter_from_foreign", enter_from_foreign, METH_VARARGS, NULL},
    {"interp_of_gilstate_thread", interp_of_gilstate_thread, METH_NOARGS, NULL},
    {"skipped", skipped, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef threadhome_module = {
    PyModuleDef_HEAD_INIT, "threadhome", NULL, 0, functions, slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_threadhome(void) { return PyModuleDef_Init(&threadhome_module); }
