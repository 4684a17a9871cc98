/* Writes to the registry that the consumer module also reads: moving it into one module's state
 * would leave the other module's uses behind, so owngil fix refuses both. */
#define PY_SSIZE_T_CLEAN
#include "registry.h"

static PyObject *publish(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *key, *value;
    if (!PyArg_ParseTuple(args, "OO", &key, &value)) return NULL;
    if (registry_add(key, value) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef producer_methods[] = {
    {"publish", publish, METH_VARARGS, "Add key and value to the registry."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef producer_module = {
    PyModuleDef_HEAD_INIT, "producer", NULL, 0, producer_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_producer(void) { return PyModule_Create(&producer_module); }
