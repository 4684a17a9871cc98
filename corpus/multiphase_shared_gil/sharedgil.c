/* Multi-phase, but the slot says Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED: subinterpreters that share
 * the main GIL only. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *answer(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromLong(42);
}

static PyMethodDef sharedgil_methods[] = {
    {"answer", answer, METH_NOARGS, "The answer."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot sharedgil_slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef sharedgil_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sharedgil",
    .m_size = 0,
    .m_methods = sharedgil_methods,
    .m_slots = sharedgil_slots,
};

PyMODINIT_FUNC PyInit_sharedgil(void) { return PyModuleDef_Init(&sharedgil_module); }
