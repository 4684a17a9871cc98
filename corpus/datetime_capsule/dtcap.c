/* Uses the datetime C API: PyDateTime_IMPORT stores the capsule in a static global that datetime.h
 * defines. Not a blocker: on CPython 3.12-3.13 that capsule is one process-wide table (3.12 only
 * refuses to import _datetime in an own-GIL interpreter). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>

static PyObject *make_date(PyObject *Py_UNUSED(module), PyObject *args) {
    int y, m, d;
    if (!PyArg_ParseTuple(args, "iii", &y, &m, &d)) return NULL;
    return PyDate_FromDate(y, m, d);
}

static PyMethodDef dtcap_methods[] = {
    {"make_date", make_date, METH_VARARGS, "datetime.date(y, m, d) through the C API."},
    {NULL, NULL, 0, NULL},
};

static int dtcap_exec(PyObject *Py_UNUSED(module)) {
    PyDateTime_IMPORT;
    return PyDateTimeAPI == NULL ? -1 : 0;
}

static PyModuleDef_Slot dtcap_slots[] = {
    {Py_mod_exec, dtcap_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef dtcap_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "dtcap",
    .m_size = 0,
    .m_methods = dtcap_methods,
    .m_slots = dtcap_slots,
};

PyMODINIT_FUNC PyInit_dtcap(void) { return PyModuleDef_Init(&dtcap_module); }
