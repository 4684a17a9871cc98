#include "registry.h"

PyObject *registry;

int registry_add(PyObject *key, PyObject *value) {
    if (registry == NULL && (registry = PyDict_New()) == NULL) return -1;
    return PyDict_SetItem(registry, key, value);
}
