/* The classic pre-isolation module: single-phase init, m_size -1, a module-level object in a C
 * global, a lazily interned string in a function-local static, and a C counter bumped by a method. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *SpError = NULL;
static long calls = 0;
static const char greeting[] = "hello";

static PyObject *greet(PyObject *Py_UNUSED(module), PyObject *arg) {
    static PyObject *separator = NULL;
    if (separator == NULL) {
        separator = PyUnicode_InternFromString(", ");
        if (separator == NULL) return NULL;
    }
    calls++;
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(SpError, "name must be a str");
        return NULL;
    }
    return PyUnicode_FromFormat("%s%U%U", greeting, separator, arg);
}

static PyObject *call_count(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromLong(calls);
}

static PyMethodDef spglobals_methods[] = {
    {"greet", greet, METH_O, "Greet someone."},
    {"call_count", call_count, METH_NOARGS, "How often greet ran."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef spglobals_module = {
    PyModuleDef_HEAD_INIT, "spglobals", "Single-phase module with globals.", -1, spglobals_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_spglobals(void) {
    PyObject *m = PyModule_Create(&spglobals_module);
    if (m == NULL) return NULL;
    SpError = PyErr_NewException("spglobals.Error", NULL, NULL);
    if (SpError == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(SpError);
    if (PyModule_AddObject(m, "Error", SpError) < 0) {
        Py_DECREF(SpError);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
