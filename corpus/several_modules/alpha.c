/* Two modules in one tree. alpha is single-phase with a cached object; beta (beta.c) is isolated. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *alpha_default = NULL;

static PyObject *default_value(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return Py_NewRef(alpha_default);
}

static PyMethodDef alpha_methods[] = {
    {"default_value", default_value, METH_NOARGS, "The default."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef alpha_module = {
    PyModuleDef_HEAD_INIT, "alpha", NULL, 0, alpha_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_alpha(void) {
    alpha_default = PyUnicode_FromString("a");
    if (alpha_default == NULL) return NULL;
    return PyModule_Create(&alpha_module);
}
