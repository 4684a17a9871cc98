/* PyModule_AddObject steals the only reference of the exception a global points to: the old code
 * never released the global, so that was fine. Once the global is a state member that m_clear
 * releases, the state must own a reference of its own (PyModule_AddObjectRef). The second object
 * is incremented first, the older idiom: its reference count is right already. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *StolenError;
static PyObject *Sentinel;

static PyObject *fail(PyObject *Py_UNUSED(module), PyObject *arg) {
    PyErr_SetObject(StolenError, arg);
    return NULL;
}

static PyObject *sentinel(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return Py_NewRef(Sentinel);
}

static PyMethodDef stolen_methods[] = {
    {"fail", fail, METH_O, NULL},
    {"sentinel", sentinel, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef stolen_module = {
    PyModuleDef_HEAD_INIT, "stolen", NULL, -1, stolen_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_stolen(void) {
    PyObject *m = PyModule_Create(&stolen_module);
    if (m == NULL) return NULL;
    StolenError = PyErr_NewException("stolen.StolenError", NULL, NULL);
    if (StolenError == NULL || PyModule_AddObject(m, "StolenError", StolenError) < 0) {
        Py_XDECREF(StolenError);
        Py_DECREF(m);
        return NULL;
    }
    Sentinel = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
    if (Sentinel == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(Sentinel);
    if (PyModule_AddObject(m, "SENTINEL", Sentinel) < 0) {
        Py_DECREF(Sentinel);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
