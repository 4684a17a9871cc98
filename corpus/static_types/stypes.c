/* Static types: a plain class with methods and a number sub-table, and a struct sequence type
 * filled at init time. Single-phase init. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

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

static PyObject *new_point(PyTypeObject *type, double x, double y) {
    PointObject *r = PyObject_New(PointObject, type);
    if (r == NULL) return NULL;
    r->x = x;
    r->y = y;
    return (PyObject *)r;
}

/* Methods that make Points need the type: one per calling convention. This METH_NOARGS one is
 * written without the unused second parameter, as many are. */
static PyObject *point_swapped(PyObject *self) {
    PointObject *p = (PointObject *)self;
    return new_point(&PointType, p->y, p->x);
}

static PyObject *point_scaled(PyObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"factor", "offset", NULL};
    double factor, offset = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "d|$d", kwlist, &factor, &offset)) return NULL;
    PointObject *p = (PointObject *)self;
    return new_point(&PointType, p->x * factor + offset, p->y * factor + offset);
}

static PyObject *point_shifted(PyObject *self, PyObject *args) {
    double dx, dy;
    if (!PyArg_ParseTuple(args, "dd", &dx, &dy)) return NULL;
    PointObject *p = (PointObject *)self;
    return new_point(&PointType, p->x + dx, p->y + dy);
}

static PyObject *point_moved_to(PyObject *Py_UNUSED(self), PyObject *other) {
    if (!PyObject_TypeCheck(other, &PointType)) {
        PyErr_SetString(PyExc_TypeError, "moved_to() needs a Point");
        return NULL;
    }
    PointObject *q = (PointObject *)other;
    return new_point(&PointType, q->x, q->y);
}

static PyObject *point_midpoint(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 1 || !PyObject_TypeCheck(args[0], &PointType)) {
        PyErr_SetString(PyExc_TypeError, "midpoint() takes one Point");
        return NULL;
    }
    PointObject *p = (PointObject *)self, *q = (PointObject *)args[0];
    return new_point(&PointType, (p->x + q->x) / 2, (p->y + q->y) / 2);
}

static PyObject *point_replace(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PointObject *p = (PointObject *)self;
    double xy[2] = {p->x, p->y};
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    if (nargs != 0) {
        PyErr_SetString(PyExc_TypeError, "replace() takes keyword arguments only");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nkw; i++) {
        const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, i));
        if (name == NULL) return NULL;
        int which = strcmp(name, "x") == 0 ? 0 : strcmp(name, "y") == 0 ? 1 : -1;
        if (which < 0) {
            PyErr_Format(PyExc_TypeError, "replace() got an unexpected keyword argument '%s'", name);
            return NULL;
        }
        xy[which] = PyFloat_AsDouble(args[i]);
        if (xy[which] == -1.0 && PyErr_Occurred()) return NULL;
    }
    return new_point(&PointType, xy[0], xy[1]);
}

/* A class method: its first argument is the class (or a subclass defined in Python). */
static PyObject *point_origin(PyObject *cls, PyObject *Py_UNUSED(ignored)) {
    if (!PyType_IsSubtype((PyTypeObject *)cls, &PointType)) {
        PyErr_SetString(PyExc_TypeError, "origin() needs a Point class");
        return NULL;
    }
    return new_point(&PointType, 0, 0);
}

static PyMethodDef point_methods[] = {
    {"norm1", point_norm1, METH_NOARGS, "Manhattan norm."},
    {"swapped", (PyCFunction)(void (*)(void))point_swapped, METH_NOARGS, "The point with x and y swapped."},
    {"scaled", (PyCFunction)(void (*)(void))point_scaled, METH_VARARGS | METH_KEYWORDS, "scaled(factor, *, offset=0)"},
    {"shifted", point_shifted, METH_VARARGS, "shifted(dx, dy)"},
    {"moved_to", point_moved_to, METH_O, "A copy of another point."},
    {"midpoint", (PyCFunction)(void (*)(void))point_midpoint, METH_FASTCALL, "midpoint(other)"},
    {"replace", (PyCFunction)(void (*)(void))point_replace, METH_FASTCALL | METH_KEYWORDS, "replace(*, x, y)"},
    {"origin", point_origin, METH_CLASS | METH_NOARGS, "The point (0, 0)."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef point_members[] = {
    {"x", T_DOUBLE, offsetof(PointObject, x), READONLY, "x coordinate"},
    {"y", T_DOUBLE, offsetof(PointObject, y), READONLY, "y coordinate"},
    {NULL, 0, 0, 0, NULL},
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
    .tp_members = point_members,
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
