/* A module spread over two files: the init file owns a global dict declared in a shared header. */
#define PY_SSIZE_T_CLEAN
#include "mf_shared.h"

PyObject *mf_registry = NULL;

static PyObject *add(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *key, *value;
    if (!PyArg_ParseTuple(args, "OO", &key, &value)) return NULL;
    if (mf_register(key, value) < 0) return NULL;
    return PyLong_FromLong(mf_generation());
}

static PyObject *get(PyObject *Py_UNUSED(module), PyObject *key) {
    PyObject *value = PyDict_GetItemWithError(mf_registry, key);
    if (value == NULL) {
        if (!PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    return Py_NewRef(value);
}

static PyMethodDef mf_methods[] = {
    {"add", add, METH_VARARGS, "Register a value; returns the generation."},
    {"get", get, METH_O, "Look a value up."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef mf_module = {
    PyModuleDef_HEAD_INIT, "mf", NULL, 0, mf_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_mf(void) {
    mf_registry = PyDict_New();
    if (mf_registry == NULL) return NULL;
    return PyModule_Create(&mf_module);
}
