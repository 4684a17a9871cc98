#include <Python.h>
static PyObject *f(int)(PyObject *a, PyObject *b) { return a; }
static PyObject *ok(PyObject *m, PyObject *a) { return a; }
static PyModuleDef d = { PyModuleDef_HEAD_INIT, .m_name = "x", .m_traverse = f };
PyMODINIT_FUNC PyInit_x(void) { return PyModule_Create(&d); }
