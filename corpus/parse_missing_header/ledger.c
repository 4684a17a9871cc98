/* A module whose generated header is absent (the build writes it; the analysed tree lacks it).
 * Clang recovers from the missing include: everything after it is still analysed, so the shared
 * counter object and the static type are found, and the missing header is reported with its line. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "ledger_version_generated.h"

static PyObject *ledger_totals = NULL;

static PyTypeObject Entry_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ledger.Entry",
    .tp_basicsize = sizeof(PyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
};

static PyObject *version(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return PyUnicode_FromString(LEDGER_VERSION);
}

static PyObject *totals(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return Py_NewRef(ledger_totals);
}

static PyMethodDef ledger_methods[] = {
    {"version", version, METH_NOARGS, NULL},
    {"totals", totals, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef ledger_module = {
    PyModuleDef_HEAD_INIT, "ledger", NULL, -1, ledger_methods,
};

PyMODINIT_FUNC PyInit_ledger(void) {
    if (PyType_Ready(&Entry_Type) < 0) return NULL;
    PyObject *m = PyModule_Create(&ledger_module);
    if (m == NULL) return NULL;
    ledger_totals = PyDict_New();
    if (ledger_totals == NULL || PyModule_AddObjectRef(m, "Entry", (PyObject *)&Entry_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
