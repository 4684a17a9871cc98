/* A static type exported through a C API capsule: other extensions import the capsule and use the
 * type object directly, so fix leaves the type (and the module) for a hand port. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    long value;
} CountObject;

static PyTypeObject CountType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "capsty.Count",
    .tp_basicsize = sizeof(CountObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
};

typedef struct {
    PyTypeObject *count_type;
} CapstyCAPI;

static CapstyCAPI capi = {&CountType};

static struct PyModuleDef capsty_module = {
    PyModuleDef_HEAD_INIT, "capsty", NULL, -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_capsty(void) {
    if (PyType_Ready(&CountType) < 0) return NULL;
    PyObject *m = PyModule_Create(&capsty_module);
    if (m == NULL) return NULL;
    PyObject *capsule = PyCapsule_New(&capi, "capsty._C_API", NULL);
    if (capsule == NULL || PyModule_AddObject(m, "_C_API", capsule) < 0) {
        Py_XDECREF(capsule);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "Count", (PyObject *)&CountType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
