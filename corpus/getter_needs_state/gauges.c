/* Getters and setters of a static type need the module state (a cached string and a counter,
 * directly and through a helper): like slots, they receive the object and reach the state
 * through its type. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *reading;
} GaugeObject;

static long updates;

static int missing(void) {
    static PyObject *what = NULL;
    if (what == NULL) {
        what = PyUnicode_InternFromString("reading");
        if (what == NULL) return -1;
    }
    PyErr_SetObject(PyExc_AttributeError, what);
    return -1;
}

static PyObject *gauge_get_reading(GaugeObject *self, void *Py_UNUSED(closure)) {
    if (self->reading == NULL) {
        missing();
        return NULL;
    }
    return Py_NewRef(self->reading);
}

static int gauge_set_reading(GaugeObject *self, PyObject *value, void *Py_UNUSED(closure)) {
    if (value == NULL) return missing();
    Py_XSETREF(self->reading, Py_NewRef(value));
    updates++;
    return 0;
}

static PyObject *gauge_get_updates(GaugeObject *Py_UNUSED(self), void *Py_UNUSED(closure)) {
    return PyLong_FromLong(updates);
}

static void gauge_dealloc(GaugeObject *self) {
    Py_CLEAR(self->reading);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyGetSetDef gauge_getset[] = {
    {"reading", (getter)gauge_get_reading, (setter)gauge_set_reading, NULL, NULL},
    {"updates", (getter)gauge_get_updates, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject GaugeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gauges.Gauge",
    .tp_basicsize = sizeof(GaugeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)gauge_dealloc,
    .tp_getset = gauge_getset,
};

static struct PyModuleDef gauges_module = {
    PyModuleDef_HEAD_INIT, "gauges", NULL, -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_gauges(void) {
    if (PyType_Ready(&GaugeType) < 0) return NULL;
    PyObject *m = PyModule_Create(&gauges_module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Gauge", (PyObject *)&GaugeType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
