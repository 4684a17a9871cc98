/* C globals that only the init function writes, read later by methods: a "ready" flag and a count
 * of how many times init ran. With a GIL per interpreter each import writes them again while other
 * interpreters read them, and every interpreter sees the last importer's values: they are per
 * interpreter, so they belong in the module state. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int warmed;
static long init_runs;

static PyObject *is_warm(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return PyBool_FromLong(warmed);
}

static PyObject *runs(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromLong(init_runs);
}

static PyMethodDef warmup_methods[] = {
    {"is_warm", is_warm, METH_NOARGS, "Whether this module finished its initialization."},
    {"runs", runs, METH_NOARGS, "How many times this module was initialized."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef warmup_module = {
    PyModuleDef_HEAD_INIT, "warmup", NULL, -1, warmup_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_warmup(void) {
    PyObject *m = PyModule_Create(&warmup_module);
    if (m == NULL) return NULL;
    init_runs++;
    warmed = 1;
    return m;
}
