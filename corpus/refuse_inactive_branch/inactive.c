/* A global is used in an #if branch the preprocessor skips with the build's defines. Rewriting the
 * active uses and leaving the skipped one would break the other configuration: owngil fix refuses,
 * pointing at the branch. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static long lookups;

static PyObject *lookup(PyObject *Py_UNUSED(module), PyObject *key) {
    lookups++;
#ifdef INACTIVE_TRACE_LOOKUPS
    fprintf(stderr, "lookup %ld\n", lookups);
#endif
    return Py_NewRef(key);
}

static PyObject *lookup_count(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromLong(lookups);
}

static PyMethodDef inactive_methods[] = {
    {"lookup", lookup, METH_O, "Return the key, counting lookups."},
    {"lookup_count", lookup_count, METH_NOARGS, "How many lookups were made."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef inactive_module = {
    PyModuleDef_HEAD_INIT, "inactive", NULL, 0, inactive_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_inactive(void) { return PyModule_Create(&inactive_module); }
