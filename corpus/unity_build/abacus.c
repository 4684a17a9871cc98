/* A unity build: the module is one translation unit made of .c parts it includes, and no compile
 * database says so. The parts only compile here, after Python.h and after each other. The bead
 * type is forward-declared (a tentative definition) in one part and defined in another. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "abacus_beads.c"
#include "abacus_rods.c"

static PyMethodDef abacus_methods[] = {
    {"new_bead", new_bead, METH_NOARGS, "A fresh Bead."},
    {"is_bead", is_bead, METH_O, "Whether the object is a Bead."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef abacus_module = {
    PyModuleDef_HEAD_INIT, "abacus", NULL, -1, abacus_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_abacus(void) {
    if (PyType_Ready(&Bead_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&abacus_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Bead", (PyObject *)&Bead_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
