/* Single-phase init with no state at all (like many small speedup modules): the module only needs
 * multi-phase init and the per-interpreter GIL slot. Its init has the usual error paths. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
plain_add(PyObject *Py_UNUSED(module), PyObject *args)
{
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b))
        return NULL;
    return PyLong_FromLong(a + b);
}

static PyMethodDef plain_methods[] = {
    {"add", plain_add, METH_VARARGS, "Add two integers."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef plain_module = {
    PyModuleDef_HEAD_INIT,
    "plain",
    "A stateless module.",
    -1,
    plain_methods,
    NULL,
    NULL,
    NULL,
    NULL
};

PyMODINIT_FUNC
PyInit_plain(void)
{
    PyObject *m = PyModule_Create(&plain_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddStringConstant(m, "VERSION", "1.0") < 0) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "ANSWER", 42) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
