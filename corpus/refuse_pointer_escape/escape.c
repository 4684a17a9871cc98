/* The address of a global is kept in a file-level pointer set at init. Moving the global into the
 * module state would leave the pointer aimed at one interpreter's state: owngil fix refuses. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static long hits;
static long *current_counter;

static PyObject *hit(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    (*current_counter)++;
    return PyLong_FromLong(hits);
}

static PyMethodDef escape_methods[] = {
    {"hit", hit, METH_NOARGS, "Count a hit through the pointer and return the count."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef escape_module = {
    PyModuleDef_HEAD_INIT, "escape", NULL, 0, escape_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_escape(void) {
    current_counter = &hits;
    return PyModule_Create(&escape_module);
}
