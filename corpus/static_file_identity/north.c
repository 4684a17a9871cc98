/* Two modules of one tree, each written as if it were alone: the same `static` names in both files
 * (a PyModuleDef, a method table, an exception, a helper) are different objects, one per file.
 * python-lz4 has four files with `static struct PyModuleDef moduledef`. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *error = NULL;

/* Needs nothing from the module here; south.c's helper of the same name needs its exception. */
static PyObject *compass(PyObject *value) {
    return PyUnicode_FromFormat("north:%S", value);
}

static PyObject *point(PyObject *Py_UNUSED(module), PyObject *arg) {
    return compass(arg);
}

static PyObject *refuse(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    PyErr_SetString(error, "no way north");
    return NULL;
}

static PyMethodDef methods[] = {
    {"point", point, METH_O, "Points north."},
    {"refuse", refuse, METH_NOARGS, "Raises north.Error."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "north", "The north half.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_north(void) {
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL) return NULL;
    error = PyErr_NewException("north.Error", NULL, NULL);
    if (PyModule_AddObjectRef(m, "Error", error) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
