#include <Python.h>
static PyObject *f(int)(PyObject *a, PyObject *b) { return a; }
static PyObject *ok(PyObject *m, PyObject *a) { return a; }
static PyTypeObject T = { PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "x", .tp_repr = f };
static struct PyModuleDef d = { PyModuleDef_HEAD_INIT, "x", NULL, -1, NULL };
PyMODINIT_FUNC PyInit_x(void) { if (PyType_Ready(&T) < 0) return NULL; return PyModule_Create(&d); }
