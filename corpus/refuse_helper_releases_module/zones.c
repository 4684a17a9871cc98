/* A single-phase module whose helper owns the module it is handed: on an error it releases the
 * module itself, and PyInit then only returns NULL (ciso8601's timezone.c does this). Made an exec
 * function, PyInit would receive the module borrowed, and the helper's release would free it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int add_offsets(PyObject *module) {
    if (PyModule_AddIntConstant(module, "UTC", 0) < 0) {
        Py_DECREF(module);
        return -1;
    }
    if (PyModule_AddIntConstant(module, "CET", 3600) < 0) {
        Py_DECREF(module);
        return -1;
    }
    return 0;
}

static PyObject *offset_of(PyObject *module, PyObject *name) {
    return PyObject_GetAttr(module, name);
}

static PyMethodDef zones_methods[] = {
    {"offset_of", offset_of, METH_O, "The offset of a zone, in seconds."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef zones_module = {
    PyModuleDef_HEAD_INIT, "zones", NULL, -1, zones_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_zones(void) {
    PyObject *m = PyModule_Create(&zones_module);
    if (m == NULL) return NULL;
    if (add_offsets(m) < 0) return NULL;
    return m;
}
