/* A helper of init fills a global and releases it on its error path: after the port the global
 * is a state member, so the release must also clear it, or the state's m_clear releases it a
 * second time when the failed module is freed. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

static PyObject *aliases;
static PyObject *fallback;

static int fill_tables(void) {
    aliases = PyDict_New();
    if (aliases == NULL) goto error;
    if (PyDict_SetItemString(aliases, "yes", Py_True) < 0) goto error;
    fallback = PyUnicode_FromString("unknown");
    if (fallback == NULL) goto error;
    if (getenv("LOOKUP_FAIL_INIT")) {
        PyErr_SetString(PyExc_RuntimeError, "forced failure");
        goto error;
    }
    return 0;
error:
    Py_XDECREF(aliases);
    Py_XDECREF(fallback);
    return -1;
}

static PyObject *resolve(PyObject *Py_UNUSED(module), PyObject *name) {
    PyObject *value = PyDict_GetItemWithError(aliases, name);
    if (value == NULL && PyErr_Occurred()) return NULL;
    return Py_NewRef(value ? value : fallback);
}

static PyObject *forget(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    Py_DECREF(fallback);
    fallback = PyUnicode_FromString("forgotten");
    if (fallback == NULL) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef lookup_methods[] = {
    {"resolve", resolve, METH_O, NULL},
    {"forget", forget, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef lookup_module = {
    PyModuleDef_HEAD_INIT, "lookup", NULL, -1, lookup_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_lookup(void) {
    PyObject *m = PyModule_Create(&lookup_module);
    if (m == NULL) return NULL;
    if (fill_tables() < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
