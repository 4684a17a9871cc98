/* Interned strings declared and filled through macros that paste their names together (cbor2 does
 * this for ~60 strings): no single place in the source spells `str_lower`, so fix cannot rewrite
 * its uses and refuses the module, saying why. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define STR(name) str_##name
#define INTERN(name) (STR(name) = PyUnicode_InternFromString(#name))

static PyObject *STR(lower);

static PyObject *lowered(PyObject *Py_UNUSED(module), PyObject *arg) {
    return PyObject_CallMethodNoArgs(arg, STR(lower));
}

static PyMethodDef pasted_methods[] = {
    {"lowered", lowered, METH_O, "arg.lower()"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef pasted_module = {
    PyModuleDef_HEAD_INIT, "pasted", NULL, -1, pasted_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_pasted(void) {
    if (INTERN(lower) == NULL) return NULL;
    return PyModule_Create(&pasted_module);
}
