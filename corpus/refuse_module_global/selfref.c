/* A global keeps the module object itself, a pointer the module owns: moved into the state, the
 * state's hooks would release it once more. Where it is read by a function that is given the
 * module, fix uses that module instead; a helper that is given nothing leaves no module to use:
 * fix must refuse, saying so. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *self_module;

static PyObject *name_of_module(void) {
    return PyModule_GetNameObject(self_module);
}

static PyObject *whoami(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return Py_NewRef(self_module);
}

static PyObject *name(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return name_of_module();
}

static PyMethodDef selfref_methods[] = {
    {"whoami", whoami, METH_NOARGS, NULL},
    {"name", name, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef selfref_module = {
    PyModuleDef_HEAD_INIT, "selfref", NULL, -1, selfref_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_selfref(void) {
    PyObject *m = PyModule_Create(&selfref_module);
    if (m == NULL) return NULL;
    self_module = m;
    if (PyModule_AddIntConstant(m, "ANSWER", 42) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
