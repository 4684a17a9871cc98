/* A module whose object is an instance of a ModuleType subclass, so that attribute look-ups the
 * module's dict misses are computed (`answer`, and one counted per module). The subclass is a
 * static type and the module object gets it with Py_SET_TYPE after PyModule_Create. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *lazy_getattro(PyObject *self, PyObject *name) {
    PyObject *found = PyObject_GenericGetAttr(self, name);
    if (found != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) return found;
    if (PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, "answer") == 0) {
        PyErr_Clear();
        return PyLong_FromLong(42);
    }
    return NULL;
}

static PyTypeObject LazyModuleType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lazyattrs.LazyModule",
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_getattro = lazy_getattro,
};

static PyObject *kind(PyObject *module, PyObject *Py_UNUSED(ignored)) {
    return Py_NewRef((PyObject *)Py_TYPE(module));
}

static PyMethodDef lazy_methods[] = {
    {"kind", kind, METH_NOARGS, "The module's own type."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef lazy_module = {
    PyModuleDef_HEAD_INIT, "lazyattrs", NULL, -1, lazy_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_lazyattrs(void) {
    if (LazyModuleType.tp_base == NULL) {
        LazyModuleType.tp_base = &PyModule_Type;
        LazyModuleType.tp_basicsize = PyModule_Type.tp_basicsize;
        if (PyType_Ready(&LazyModuleType) < 0) return NULL;
    }
    PyObject *m = PyModule_Create(&lazy_module);
    if (m == NULL) return NULL;
    Py_SET_TYPE(m, &LazyModuleType);
    if (PyModule_AddIntConstant(m, "stored", 1) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
