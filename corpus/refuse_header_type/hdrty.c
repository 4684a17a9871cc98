/* A static type declared in a public header: fix leaves it (and the module) for a hand port. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "hdrty.h"

PyTypeObject HdrtyBoxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "hdrty.Box",
    .tp_basicsize = sizeof(HdrtyBoxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
};

static PyObject *is_box(PyObject *Py_UNUSED(module), PyObject *arg) {
    return PyBool_FromLong(HdrtyBox_Check(arg));
}

static PyMethodDef hdrty_methods[] = {
    {"is_box", is_box, METH_O, "Whether the argument is a Box."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef hdrty_module = {
    PyModuleDef_HEAD_INIT, "hdrty", NULL, -1, hdrty_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_hdrty(void) {
    if (PyType_Ready(&HdrtyBoxType) < 0) return NULL;
    PyObject *m = PyModule_Create(&hdrty_module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Box", (PyObject *)&HdrtyBoxType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
