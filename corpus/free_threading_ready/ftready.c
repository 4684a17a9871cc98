/* A single-phase module that already tells free-threaded builds it needs no GIL, the way many
 * projects did for 3.13t. The port keeps that promise in the Py_mod_gil slot. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *add(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "add() takes two arguments");
        return NULL;
    }
    return PyNumber_Add(args[0], args[1]);
}

static PyMethodDef ftready_methods[] = {
    {"add", (PyCFunction)(void (*)(void))add, METH_FASTCALL, "Add two objects."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef ftready_module = {
    PyModuleDef_HEAD_INIT, "ftready", NULL, 0, ftready_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_ftready(void) {
    PyObject *m = PyModule_Create(&ftready_module);
    if (m == NULL) return NULL;
#ifdef Py_GIL_DISABLED
    PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED);
#endif
    return m;
}
