/* PyInit only returns what a helper builds, and the helper is declared ahead of its definition:
 * the helper becomes the exec function, so its prototype must go with it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *make_ahead_module(void);

static PyObject *version(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return PyLong_FromLong(3);
}

static PyMethodDef ahead_methods[] = {
    {"version", version, METH_NOARGS, "The version."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef ahead_module = {
    PyModuleDef_HEAD_INIT, "ahead", NULL, -1, ahead_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_ahead(void) { return make_ahead_module(); }

static PyObject *make_ahead_module(void) {
    PyObject *m = PyModule_Create(&ahead_module);
    if (m == NULL) return NULL;
    if (PyModule_AddStringConstant(m, "NAME", "ahead") < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
