/* Threads the module starts call back into Python with PyGILState_Ensure: one started through a
 * helper that passes its entry point on to pthread_create, one started by PyThread_start_new_thread.
 * Those threads never ran Python, so PyGILState_Ensure gives them a thread state of the main
 * interpreter: owngil reports each with its entry point and where it starts, and fix makes the
 * threads enter the interpreter that started them (owngil_compat.h). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>

typedef struct {
    PyObject *callback;
    long value;
} job;

static int start_worker(void *(*entry)(void *), void *arg, pthread_t *thread) {
    return pthread_create(thread, NULL, entry, arg);
}

static void call_back(job *j) {
    PyObject *result = PyObject_CallFunction(j->callback, "l", j->value);
    if (result == NULL) PyErr_WriteUnraisable(j->callback);
    Py_XDECREF(result);
}

static void *worker(void *arg) {
    job *j = (job *)arg;
    PyGILState_STATE gil = PyGILState_Ensure();
    call_back(j);
    PyGILState_Release(gil);
    return NULL;
}

/* call_in_thread(f, value): f(value) from a new C thread, joined before returning. */
static PyObject *call_in_thread(PyObject *Py_UNUSED(module), PyObject *args) {
    job j;
    pthread_t thread;
    int rc;
    if (!PyArg_ParseTuple(args, "Ol", &j.callback, &j.value)) return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = start_worker(worker, &j, &thread);
    if (rc == 0) pthread_join(thread, NULL);
    Py_END_ALLOW_THREADS
    if (rc != 0) return PyErr_Format(PyExc_OSError, "cannot start a thread (%d)", rc);
    Py_RETURN_NONE;
}

/* A detached thread owns its job: it releases the callback and frees the job in the Python part. */
static void notify(void *arg) {
    job *j = (job *)arg;
    PyGILState_STATE gil = PyGILState_Ensure();
    call_back(j);
    Py_DECREF(j->callback);
    PyMem_RawFree(j);
    PyGILState_Release(gil);
}

/* notify_from_thread(f, value): f(value) soon, from a detached thread of PyThread_start_new_thread. */
static PyObject *notify_from_thread(PyObject *Py_UNUSED(module), PyObject *args) {
    job *j = PyMem_RawCalloc(1, sizeof(job));
    if (j == NULL) return PyErr_NoMemory();
    if (!PyArg_ParseTuple(args, "Ol", &j->callback, &j->value)) {
        PyMem_RawFree(j);
        return NULL;
    }
    Py_INCREF(j->callback);
    if (PyThread_start_new_thread(notify, j) == PYTHREAD_INVALID_THREAD_ID) {
        Py_DECREF(j->callback);
        PyMem_RawFree(j);
        return PyErr_Format(PyExc_RuntimeError, "cannot start a thread");
    }
    Py_RETURN_NONE;
}

static PyMethodDef spawn_methods[] = {
    {"call_in_thread", call_in_thread, METH_VARARGS, "Call f(value) from a new C thread."},
    {"notify_from_thread", notify_from_thread, METH_VARARGS, "Call f(value) from a PyThread thread."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot spawn_slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef spawn_module = {
    PyModuleDef_HEAD_INIT, "spawn", NULL, 0, spawn_methods, spawn_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_spawn(void) { return PyModuleDef_Init(&spawn_module); }
