#define PY_SSIZE_T_CLEAN
#include "registry.h"

static PyObject *size(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromSsize_t(registry == NULL ? 0 : PyDict_Size(registry));
}

static PyObject *add(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *key, *value;
    if (!PyArg_ParseTuple(args, "OO", &key, &value)) return NULL;
    if (registry_add(key, value) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef consumer_methods[] = {
    {"size", size, METH_NOARGS, "How many entries the registry has."},
    {"add", add, METH_VARARGS, "Add key and value to the registry."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef consumer_module = {
    PyModuleDef_HEAD_INIT, "consumer", NULL, 0, consumer_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_consumer(void) { return PyModule_Create(&consumer_module); }
