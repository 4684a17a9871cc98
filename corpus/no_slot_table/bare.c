/* Multi-phase init without a slot table: such a module is refused by own-GIL interpreters
 * (it does not declare per-interpreter GIL support). fix adds a table with the slots. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *double_it(PyObject *Py_UNUSED(module), PyObject *arg) {
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(2 * n);
}

static PyMethodDef bare_methods[] = {
    {"double_it", double_it, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef bare_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bare",
    .m_size = 0,
    .m_methods = bare_methods,
};

PyMODINIT_FUNC PyInit_bare(void) { return PyModuleDef_Init(&bare_module); }
