/* One registry shared by two extension modules built from this tree; each .so links its own copy
 * of registry.c, but the source has one global for both modules. */
#ifndef REGISTRY_H
#define REGISTRY_H
#include <Python.h>

extern PyObject *registry;

int registry_add(PyObject *key, PyObject *value);
#endif
