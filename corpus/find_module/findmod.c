/* Single-phase module that registers itself with PyState_AddModule and finds itself again with
 * PyState_FindModule, the pre-PEP 489 way to reach "this module" from a function. With
 * multi-phase init the registry is gone: the module is the function's own first argument. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef findmod_module;

static PyObject *calls;

static PyObject *module_name(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(ignored)) {
    PyObject *m = PyState_FindModule(&findmod_module);
    if (m == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "findmod is not loaded");
        return NULL;
    }
    return PyModule_GetNameObject(m);
}

static PyObject *count_call(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    PyObject *one = PyLong_FromLong(1), *total;
    if (one == NULL) return NULL;
    total = PyNumber_Add(calls, one);
    Py_DECREF(one);
    if (total == NULL) return NULL;
    Py_SETREF(calls, total);
    (void)self;
    return Py_NewRef(calls);
}

static PyObject *set_attribute(PyObject *Py_UNUSED(self), PyObject *value) {
    if (PyObject_SetAttrString(PyState_FindModule(&findmod_module), "last", value) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef findmod_methods[] = {
    {"module_name", module_name, METH_NOARGS, "This module's name, found through the module itself."},
    {"count_call", count_call, METH_NOARGS, "How many times this was called in this interpreter."},
    {"set_attribute", set_attribute, METH_O, "Store a value as the module attribute 'last'."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef findmod_module = {
    PyModuleDef_HEAD_INIT, "findmod", NULL, -1, findmod_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_findmod(void) {
    PyObject *m = PyModule_Create(&findmod_module);
    if (m == NULL) return NULL;
    calls = PyLong_FromLong(0);
    if (calls == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyState_AddModule(m, &findmod_module) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
