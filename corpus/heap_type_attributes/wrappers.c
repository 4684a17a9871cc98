/* Static types whose attributes would read differently as heap types: a getset that forwards
 * __module__ and __doc__ to the wrapped object (the type has a docstring of its own), one named
 * __qualname__ (reads the same either way: not reported), and a type named without its module. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *wrapped;
} Wrapper;

static int wrapper_init(Wrapper *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *wrapped;
    if (!PyArg_ParseTuple(args, "O", &wrapped)) return -1;
    Py_XSETREF(self->wrapped, Py_NewRef(wrapped));
    return 0;
}

static void wrapper_dealloc(Wrapper *self) {
    Py_CLEAR(self->wrapped);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *forward(Wrapper *self, void *name) {
    if (self->wrapped == NULL) return PyUnicode_FromString("unwrapped");
    return PyObject_GetAttrString(self->wrapped, (const char *)name);
}

static PyGetSetDef wrapper_getset[] = {
    {"__module__", (getter)forward, NULL, "the wrapped object's module", "__module__"},
    {"__doc__", (getter)forward, NULL, "the wrapped object's doc", "__doc__"},
    {"__qualname__", (getter)forward, NULL, "the wrapped object's qualified name", "__qualname__"},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject WrapperType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wrappers.Wrapper",
    .tp_basicsize = sizeof(Wrapper),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Wraps an object and reads its names.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)wrapper_init,
    .tp_dealloc = (destructor)wrapper_dealloc,
    .tp_getset = wrapper_getset,
};

static PyTypeObject TokenType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "Token",
    .tp_basicsize = sizeof(PyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef wrappers_module = {
    PyModuleDef_HEAD_INIT, "wrappers", NULL, -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_wrappers(void) {
    if (PyType_Ready(&WrapperType) < 0 || PyType_Ready(&TokenType) < 0) return NULL;
    PyObject *m = PyModule_Create(&wrappers_module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Wrapper", (PyObject *)&WrapperType) < 0 ||
        PyModule_AddObjectRef(m, "Token", (PyObject *)&TokenType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
