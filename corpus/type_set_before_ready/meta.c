/* The pre-3.10 idiom for static types: the metatype is set by hand before PyType_Ready. A heap type
 * gets its metatype from PyType_FromModuleAndSpec, so the statement must go (it would write
 * through a state member that is still NULL). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    int fd;
} HandleObject;

static PyObject *handle_fileno(HandleObject *self, PyObject *Py_UNUSED(arg)) {
    return PyLong_FromLong(self->fd);
}

static PyMethodDef handle_methods[] = {
    {"fileno", (PyCFunction)handle_fileno, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject HandleType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "meta.Handle",
    .tp_basicsize = sizeof(HandleObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_methods = handle_methods,
};

static struct PyModuleDef meta_module = {
    PyModuleDef_HEAD_INIT, "meta", NULL, -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_meta(void) {
    PyObject *m = PyModule_Create(&meta_module);
    if (m == NULL) return NULL;
    Py_SET_TYPE(&HandleType, &PyType_Type);
    if (PyType_Ready(&HandleType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "Handle", (PyObject *)&HandleType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
