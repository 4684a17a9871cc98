/* A subtype whose dealloc and traverse hand the object on to its base type's: the heap types'
 * duties (visit the type in traverse, release it in dealloc) must happen exactly once per object,
 * in the base's functions, not in both. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *payload;
} LayerObject;

typedef struct {
    LayerObject layer;
    PyObject *extra;
} TopObject;

static int layer_traverse(LayerObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->payload);
    return 0;
}

static int layer_clear(LayerObject *self) {
    Py_CLEAR(self->payload);
    return 0;
}

static void layer_dealloc(LayerObject *self) {
    PyObject_GC_UnTrack(self);
    layer_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int top_traverse(TopObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->extra);
    return layer_traverse((LayerObject *)self, visit, arg);
}

static int top_clear(TopObject *self) {
    Py_CLEAR(self->extra);
    return layer_clear((LayerObject *)self);
}

static void top_dealloc(TopObject *self) {
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->extra);
    layer_dealloc((LayerObject *)self);
}

static int layer_init(LayerObject *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *payload = Py_None;
    if (!PyArg_ParseTuple(args, "|O", &payload)) return -1;
    Py_XSETREF(self->payload, Py_NewRef(payload));
    return 0;
}

static PyObject *layer_get_payload(LayerObject *self, void *Py_UNUSED(closure)) {
    return Py_NewRef(self->payload ? self->payload : Py_None);
}

static PyObject *top_get_extra(TopObject *self, void *Py_UNUSED(closure)) {
    return Py_NewRef(self->extra ? self->extra : Py_None);
}

static int top_set_extra(TopObject *self, PyObject *value, void *Py_UNUSED(closure)) {
    Py_XSETREF(self->extra, Py_XNewRef(value));
    return 0;
}

static PyGetSetDef layer_getset[] = {
    {"payload", (getter)layer_get_payload, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyGetSetDef top_getset[] = {
    {"extra", (getter)top_get_extra, (setter)top_set_extra, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject LayerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "layers.Layer",
    .tp_basicsize = sizeof(LayerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)layer_init,
    .tp_traverse = (traverseproc)layer_traverse,
    .tp_clear = (inquiry)layer_clear,
    .tp_dealloc = (destructor)layer_dealloc,
    .tp_getset = layer_getset,
};

static PyTypeObject TopType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "layers.Top",
    .tp_basicsize = sizeof(TopObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_base = &LayerType,
    .tp_traverse = (traverseproc)top_traverse,
    .tp_clear = (inquiry)top_clear,
    .tp_dealloc = (destructor)top_dealloc,
    .tp_getset = top_getset,
};

static struct PyModuleDef layers_module = {
    PyModuleDef_HEAD_INIT, "layers", NULL, -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_layers(void) {
    if (PyType_Ready(&LayerType) < 0 || PyType_Ready(&TopType) < 0) return NULL;
    PyObject *m = PyModule_Create(&layers_module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Layer", (PyObject *)&LayerType) < 0 ||
        PyModule_AddObjectRef(m, "Top", (PyObject *)&TopType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
