/* Globals that borrow what they point to: the module's dict, and an object read from another
 * global's structure. The old code never released them; in the state, the hooks release what
 * it holds, so the state must own a reference of its own (Py_XNewRef). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *module_dict;
static PyObject *builtins;

static PyObject *lookup(PyObject *Py_UNUSED(module), PyObject *name) {
    PyObject *value = PyDict_GetItemWithError(module_dict, name);
    if (value == NULL && !PyErr_Occurred()) value = PyDict_GetItemWithError(builtins, name);
    if (value == NULL) {
        if (!PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, name);
        return NULL;
    }
    return Py_NewRef(value);
}

static PyMethodDef borrow_methods[] = {
    {"lookup", lookup, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef borrow_module = {
    PyModuleDef_HEAD_INIT, "borrow", NULL, -1, borrow_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_borrow(void) {
    PyObject *m = PyModule_Create(&borrow_module);
    if (m == NULL) return NULL;
    module_dict = PyModule_GetDict(m);
    builtins = PyEval_GetBuiltins();
    if (PyModule_AddIntConstant(m, "ANSWER", 42) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
