/* A process-wide registration holding one interpreter's object: on_exit keeps one handler and its
 * user data (a Python callable) for the whole process. Every interpreter importing the module
 * registers its own callable there, the last ones run at process exit from the main thread, with
 * PyGILState_Ensure, long after their interpreters are gone. owngil reports the registration and
 * the PyGILState call it leads to; there is no automatic repair. */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

static void flush_at_exit(int status, void *ctx) {
    PyObject *callable = (PyObject *)ctx;
    if (!Py_IsInitialized()) return;  /* too late: Python is finalized (always, from the main interpreter) */
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *result = PyObject_CallFunction(callable, "i", status);
    Py_XDECREF(result);
    PyGILState_Release(gil);
}

/* at_exit(f): f(status) when the process exits. */
static PyObject *at_exit(PyObject *Py_UNUSED(module), PyObject *callable) {
    Py_INCREF(callable);
    if (on_exit(flush_at_exit, (void *)callable) != 0) {
        Py_DECREF(callable);
        return PyErr_Format(PyExc_RuntimeError, "on_exit failed");
    }
    Py_RETURN_NONE;
}

static PyMethodDef exitlog_methods[] = {
    {"at_exit", at_exit, METH_O, "Call f(status) when the process exits."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot exitlog_slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef exitlog_module = {
    PyModuleDef_HEAD_INIT, "exitlog", NULL, 0, exitlog_methods, exitlog_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_exitlog(void) { return PyModuleDef_Init(&exitlog_module); }
