/* The isolated one of the pair: nothing to report. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *twice(PyObject *Py_UNUSED(module), PyObject *arg) {
    return PyNumber_Add(arg, arg);
}

static PyMethodDef beta_methods[] = {
    {"twice", twice, METH_O, "arg + arg"},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot beta_slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef beta_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "beta",
    .m_size = 0,
    .m_methods = beta_methods,
    .m_slots = beta_slots,
};

PyMODINIT_FUNC PyInit_beta(void) { return PyModuleDef_Init(&beta_module); }
