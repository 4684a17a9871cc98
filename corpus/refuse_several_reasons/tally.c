/* Four independent reasons to refuse the port, of four kinds: a global with a non-zero
 * initializer, a qsort comparator (a fixed signature) that needs the state, a global whose
 * address is kept in a pointer, and PyState_FindModule in a helper that has no module at hand.
 * owngil fix must list all of them in one run, in source order. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

static long step = 2;            /* non-zero initializer */
static int newest_first = 0;     /* read by the comparator */
static PyObject *last_label;     /* its address is kept */

static struct PyModuleDef tally_module;

static int by_order(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    int r = (x > y) - (x < y);
    return newest_first ? -r : r;
}

static PyObject *count_module(void) {
    PyObject *m = PyState_FindModule(&tally_module);
    return m == NULL ? NULL : PyModule_GetDict(m);
}

static PyObject *advance(PyObject *Py_UNUSED(module), PyObject *arg) {
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(n + step);
}

static PyObject *set_step(PyObject *Py_UNUSED(module), PyObject *arg) {
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    step = n;
    Py_RETURN_NONE;
}

static PyObject *sorted3(PyObject *Py_UNUSED(module), PyObject *args) {
    long v[3];
    if (!PyArg_ParseTuple(args, "lll|p", &v[0], &v[1], &v[2], &newest_first)) return NULL;
    qsort(v, 3, sizeof v[0], by_order);
    return Py_BuildValue("(lll)", v[0], v[1], v[2]);
}

static PyObject *label(PyObject *Py_UNUSED(module), PyObject *arg) {
    PyObject **slot = &last_label;
    if (arg != Py_None) Py_XSETREF(*slot, Py_NewRef(arg));
    return Py_NewRef(*slot ? *slot : Py_None);
}

static PyObject *names(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    PyObject *dict = count_module();
    return dict == NULL ? NULL : PyDict_Keys(dict);
}

static PyMethodDef tally_methods[] = {
    {"advance", advance, METH_O, "n + step"},
    {"set_step", set_step, METH_O, "Set the step."},
    {"sorted3", sorted3, METH_VARARGS, "Sort three integers, newest first if asked."},
    {"label", label, METH_O, "Set (unless None) and return the last label."},
    {"names", names, METH_NOARGS, "The module's names."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef tally_module = {
    PyModuleDef_HEAD_INIT, "tally", NULL, -1, tally_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_tally(void) {
    PyObject *m = PyModule_Create(&tally_module);
    if (m == NULL) return NULL;
    if (PyState_AddModule(m, &tally_module) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
