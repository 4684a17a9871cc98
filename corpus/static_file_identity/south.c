/* The other module of the tree (see north.c): same static names, other objects, other methods. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *error = NULL;

static PyObject *compass(PyObject *value) {
    if (!PyLong_Check(value)) {
        PyErr_SetString(error, "south wants a number");
        return NULL;
    }
    return PyUnicode_FromFormat("south:%S", value);
}

static PyObject *heading(PyObject *Py_UNUSED(module), PyObject *arg) {
    return compass(arg);
}

static PyMethodDef methods[] = {
    {"heading", heading, METH_O, "Heads south."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "south", "The south half.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_south(void) {
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL) return NULL;
    error = PyErr_NewException("south.Error", PyExc_ValueError, NULL);
    if (PyModule_AddObjectRef(m, "Error", error) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
