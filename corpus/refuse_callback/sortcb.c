/* A comparator for qsort reaches a global through a helper: its signature is fixed by qsort, so it
 * cannot be given the module state as a parameter. owngil fix must refuse, naming the callback and
 * the chain of calls that makes it need the state. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

static int descending = 0;

static int apply_direction(int order) {
    return descending ? -order : order;
}

static int compare_longs(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return apply_direction((x > y) - (x < y));
}

static PyObject *sort3(PyObject *Py_UNUSED(module), PyObject *args) {
    long v[3];
    int reverse = 0;
    if (!PyArg_ParseTuple(args, "lll|p", &v[0], &v[1], &v[2], &reverse)) return NULL;
    descending = reverse;
    qsort(v, 3, sizeof v[0], compare_longs);
    return Py_BuildValue("(lll)", v[0], v[1], v[2]);
}

static PyMethodDef sortcb_methods[] = {
    {"sort3", sort3, METH_VARARGS, "Sort three integers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef sortcb_module = {
    PyModuleDef_HEAD_INIT, "sortcb", NULL, -1, sortcb_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_sortcb(void) { return PyModule_Create(&sortcb_module); }
