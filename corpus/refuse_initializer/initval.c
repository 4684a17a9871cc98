/* A counter that starts at 100: module state starts zeroed, so moving it would change behaviour.
 * owngil fix must refuse, naming the initializer. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static long next_id = 100;

static PyObject *new_id(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromLong(next_id++);
}

static PyMethodDef initval_methods[] = {
    {"new_id", new_id, METH_NOARGS, "A fresh id."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef initval_module = {
    PyModuleDef_HEAD_INIT, "initval", NULL, -1, initval_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_initval(void) { return PyModule_Create(&initval_module); }
