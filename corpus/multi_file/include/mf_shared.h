/* Shared between the two files of the mf module. */
#ifndef MF_SHARED_H
#define MF_SHARED_H
#include <Python.h>

extern PyObject *mf_registry;  /* defined in mf_module.c, used in mf_registry.c */

int mf_register(PyObject *key, PyObject *value);
long mf_generation(void);

#endif
