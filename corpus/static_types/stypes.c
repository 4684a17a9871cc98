/* Static types: a plain class with methods and a number sub-table, and a struct sequence type
 * filled at init time. Single-phase init. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    double x, y;
} PointObject;

static PyTypeObject PointType;

static PyObject *point_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"x", "y", NULL};
    double x = 0, y = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|dd", kwlist, &x, &y)) return NULL;
    PointObject *self = (PointObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->x = x;
    self->y = y;
    return (PyObject *)self;
}

static PyObject *point_norm1(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    PointObject *p = (PointObject *)self;
    return PyFloat_FromDouble((p->x < 0 ? -p->x : p->x) + (p->y < 0 ? -p->y : p->y));
}

static PyObject *point_add(PyObject *a, PyObject *b) {
    if (!PyObject_TypeCheck(a, &PointType) || !PyObject_TypeCheck(b, &PointType)) Py_RETURN_NOTIMPLEMENTED;
    PointObject *p = (PointObject *)a, *q = (PointObject *)b;
    PointObject *r = PyObject_New(PointObject, &PointType);
    if (r == NULL) return NULL;
    r->x = p->x + q->x;
    r->y = p->y + q->y;
    return (PyObject *)r;
}

static PyMethodDef point_methods[] = {
    {"norm1", point_norm1, METH_NOARGS, "Manhattan norm."},
    {NULL, NULL, 0, NULL},
};

static PyNumberMethods point_as_number = {
    .nb_add = point_add,
};

static PyTypeObject PointType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "stypes.Point",
    .tp_basicsize = sizeof(PointObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_new = point_new,
    .tp_methods = point_methods,
    .tp_as_number = &point_as_number,
};

static PyStructSequence_Field pair_fields[] = {
    {"first", "the first item"},
    {"second", "the second item"},
    {NULL, NULL},
};

static PyStructSequence_Desc pair_desc = {"stypes.Pair", "A pair.", pair_fields, 2};

static PyTypeObject PairType;

static PyObject *make_pair(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *a, *b;
    if (!PyArg_ParseTuple(args, "OO", &a, &b)) return NULL;
    PyObject *pair = PyStructSequence_New(&PairType);
    if (pair == NULL) return NULL;
    PyStructSequence_SetItem(pair, 0, Py_NewRef(a));
    PyStructSequence_SetItem(pair, 1, Py_NewRef(b));
    return pair;
}

static PyMethodDef stypes_methods[] = {
    {"make_pair", make_pair, METH_VARARGS, "Build a Pair."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef stypes_module = {
    PyModuleDef_HEAD_INIT, "stypes", NULL, 0, stypes_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_stypes(void) {
    if (PyType_Ready(&PointType) < 0) return NULL;
    if (PyStructSequence_InitType2(&PairType, &pair_desc) < 0) return NULL;
    PyObject *m = PyModule_Create(&stypes_module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Point", (PyObject *)&PointType) < 0 ||
        PyModule_AddObjectRef(m, "Pair", (PyObject *)&PairType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
