/* A module that looks isolated (multi-phase, per-interpreter GIL slot, no globals) but defers work
 * with Py_AddPendingCall: CPython runs the callback in the main interpreter's main thread, so a
 * callable created in a subinterpreter is called from the wrong interpreter. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int call_deferred(void *arg) {
    PyObject *callable = (PyObject *)arg;
    PyObject *result = PyObject_CallNoArgs(callable);
    Py_DECREF(callable);
    Py_XDECREF(result);
    return result == NULL ? -1 : 0;
}

static PyObject *call_soon(PyObject *Py_UNUSED(module), PyObject *callable) {
    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_TypeError, "call_soon() needs a callable");
        return NULL;
    }
    if (Py_AddPendingCall(call_deferred, Py_NewRef(callable)) < 0) {
        Py_DECREF(callable);
        PyErr_SetString(PyExc_RuntimeError, "too many pending calls");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef soonish_methods[] = {
    {"call_soon", call_soon, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot soonish_slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef soonish_module = {
    PyModuleDef_HEAD_INIT, "soonish", NULL, 0, soonish_methods, soonish_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_soonish(void) { return PyModuleDef_Init(&soonish_module); }
