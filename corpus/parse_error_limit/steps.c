/* A module written against an old API: 24 calls to functions no current header declares, so
 * clang reports more than its default limit of 20 errors. The analysis has no limit: the rest of the
 * file is still seen (the cached object, the single-phase init), every error is counted. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *steps_cache = NULL;

static PyObject *run_steps(PyObject *Py_UNUSED(module), PyObject *arg) {
    long n = PyLong_AsLong(arg), sum = 0;
    sum += legacy_step_0(n);
    sum += legacy_step_1(n);
    sum += legacy_step_2(n);
    sum += legacy_step_3(n);
    sum += legacy_step_4(n);
    sum += legacy_step_5(n);
    sum += legacy_step_6(n);
    sum += legacy_step_7(n);
    sum += legacy_step_8(n);
    sum += legacy_step_9(n);
    sum += legacy_step_10(n);
    sum += legacy_step_11(n);
    sum += legacy_step_12(n);
    sum += legacy_step_13(n);
    sum += legacy_step_14(n);
    sum += legacy_step_15(n);
    sum += legacy_step_16(n);
    sum += legacy_step_17(n);
    sum += legacy_step_18(n);
    sum += legacy_step_19(n);
    sum += legacy_step_20(n);
    sum += legacy_step_21(n);
    sum += legacy_step_22(n);
    sum += legacy_step_23(n);
    return PyLong_FromLong(sum);
}

static PyObject *cached(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return Py_NewRef(steps_cache);
}

static PyMethodDef steps_methods[] = {
    {"run_steps", run_steps, METH_O, NULL},
    {"cached", cached, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef steps_module = {
    PyModuleDef_HEAD_INIT, "steps", NULL, -1, steps_methods,
};

PyMODINIT_FUNC PyInit_steps(void) {
    PyObject *m = PyModule_Create(&steps_module);
    if (m == NULL) return NULL;
    steps_cache = PyList_New(0);
    if (steps_cache == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
