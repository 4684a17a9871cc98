/* Static types as most real extensions write them: a GC container with traverse, clear and
 * dealloc, members, getters and setters, sequence slots, rich comparison, pickling through
 * __reduce__, a subclass defined in C (tp_base), and an iterator type that Python cannot
 * instantiate. Methods and slots use a module-level default object and check types. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

static PyObject *default_label;

typedef struct {
    PyObject_HEAD
    PyObject *items; /* a list */
    PyObject *label;
} BagObject;

typedef struct {
    BagObject bag;
    Py_ssize_t adds;
} CountedBagObject;

typedef struct {
    PyObject_HEAD
    BagObject *bag;
    Py_ssize_t next;
} BagIterObject;

static PyTypeObject BagType;
static PyTypeObject CountedBagType;
static PyTypeObject BagIterType;

#define CountedBag_Check(op) PyObject_TypeCheck((PyObject *)(op), &CountedBagType)

static int bag_traverse(BagObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->items);
    Py_VISIT(self->label);
    return 0;
}

static int bag_clear(BagObject *self) {
    Py_CLEAR(self->items);
    Py_CLEAR(self->label);
    return 0;
}

static void bag_dealloc(BagObject *self) {
    PyObject_GC_UnTrack(self);
    bag_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *bag_new(PyTypeObject *type, PyObject *Py_UNUSED(args), PyObject *Py_UNUSED(kwds)) {
    BagObject *self = (BagObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->items = PyList_New(0);
    if (self->items == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    self->label = Py_NewRef(default_label);
    return (PyObject *)self;
}

static int bag_init(BagObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"items", NULL};
    PyObject *items = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O", kwlist, &items)) return -1;
    if (items == NULL) return 0;
    PyObject *list = PySequence_List(items);
    if (list == NULL) return -1;
    Py_SETREF(self->items, list);
    return 0;
}

static Py_ssize_t bag_length(BagObject *self) {
    return PyList_GET_SIZE(self->items);
}

static PyObject *bag_item(BagObject *self, Py_ssize_t i) {
    if (i < 0 || i >= PyList_GET_SIZE(self->items)) {
        PyErr_SetString(PyExc_IndexError, "bag index out of range");
        return NULL;
    }
    return Py_NewRef(PyList_GET_ITEM(self->items, i));
}

static PyObject *bag_add(BagObject *self, PyObject *item) {
    if (PyList_Append(self->items, item) < 0) return NULL;
    if (CountedBag_Check(self)) ((CountedBagObject *)self)->adds++;
    Py_RETURN_NONE;
}

/* METH_VARARGS | METH_KEYWORDS: add_all(*items, times=1). */
static PyObject *bag_add_all(BagObject *self, PyObject *args, PyObject *kwds) {
    long times = 1;
    if (kwds != NULL && PyDict_GET_SIZE(kwds) > 0) {
        PyObject *value = PyDict_GetItemString(kwds, "times");
        if (value == NULL || PyDict_GET_SIZE(kwds) != 1) {
            PyErr_SetString(PyExc_TypeError, "add_all() takes only the keyword argument 'times'");
            return NULL;
        }
        times = PyLong_AsLong(value);
        if (times == -1 && PyErr_Occurred()) return NULL;
    }
    for (long n = 0; n < times; n++) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args); i++) {
            if (PyList_Append(self->items, PyTuple_GET_ITEM(args, i)) < 0) return NULL;
            if (CountedBag_Check(self)) ((CountedBagObject *)self)->adds++;
        }
    }
    Py_RETURN_NONE;
}

static PyObject *bag_merge(BagObject *self, PyObject *other) {
    if (!PyObject_TypeCheck(other, &BagType)) {
        PyErr_SetString(PyExc_TypeError, "merge() needs a Bag");
        return NULL;
    }
    BagObject *out = (BagObject *)bag_new(&BagType, NULL, NULL);
    if (out == NULL) return NULL;
    PyObject *joined = PySequence_Concat(self->items, ((BagObject *)other)->items);
    if (joined == NULL) {
        Py_DECREF(out);
        return NULL;
    }
    Py_SETREF(out->items, joined);
    return (PyObject *)out;
}

static PyObject *bag_reduce(BagObject *self, PyObject *Py_UNUSED(ignored)) {
    return Py_BuildValue("O(O)", (PyObject *)Py_TYPE(self), self->items);
}

static PyObject *bag_richcompare(PyObject *a, PyObject *b, int op) {
    if (!PyObject_TypeCheck(b, &BagType) || (op != Py_EQ && op != Py_NE)) Py_RETURN_NOTIMPLEMENTED;
    return PyObject_RichCompare(((BagObject *)a)->items, ((BagObject *)b)->items, op);
}

static PyObject *bag_get_label(BagObject *self, void *Py_UNUSED(closure)) {
    return Py_NewRef(self->label);
}

static int bag_set_label(BagObject *self, PyObject *value, void *Py_UNUSED(closure)) {
    if (value == NULL || !PyUnicode_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "label must be a str");
        return -1;
    }
    Py_SETREF(self->label, Py_NewRef(value));
    return 0;
}

static PyObject *bag_iter(BagObject *self) {
    BagIterObject *it = PyObject_GC_New(BagIterObject, &BagIterType);
    if (it == NULL) return NULL;
    it->bag = (BagObject *)Py_NewRef(self);
    it->next = 0;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

static PyMethodDef bag_methods[] = {
    {"add", (PyCFunction)bag_add, METH_O, "Add an item."},
    {"merge", (PyCFunction)bag_merge, METH_O, "A new bag with the items of both."},
    {"add_all", (PyCFunction)(void (*)(void))bag_add_all, METH_VARARGS | METH_KEYWORDS, "add_all(*items, times=1)"},
    {"__reduce__", (PyCFunction)bag_reduce, METH_NOARGS, "Pickle support."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef bag_members[] = {
    {"items", T_OBJECT_EX, offsetof(BagObject, items), READONLY, "The items, as a list."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef bag_getset[] = {
    {"label", (getter)bag_get_label, (setter)bag_set_label, "A label.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods bag_as_sequence = {
    .sq_length = (lenfunc)bag_length,
    .sq_item = (ssizeargfunc)bag_item,
};

static PyTypeObject BagType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gctypes.Bag",
    .tp_basicsize = sizeof(BagObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = PyDoc_STR("A bag of items."),
    .tp_new = bag_new,
    .tp_init = (initproc)bag_init,
    .tp_dealloc = (destructor)bag_dealloc,
    .tp_traverse = (traverseproc)bag_traverse,
    .tp_clear = (inquiry)bag_clear,
    .tp_richcompare = bag_richcompare,
    .tp_iter = (getiterfunc)bag_iter,
    .tp_methods = bag_methods,
    .tp_members = bag_members,
    .tp_getset = bag_getset,
    .tp_as_sequence = &bag_as_sequence,
};

static PyObject *counted_adds(CountedBagObject *self, PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromSsize_t(self->adds);
}

static PyMethodDef counted_methods[] = {
    {"adds", (PyCFunction)counted_adds, METH_NOARGS, "How many add() calls."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CountedBagType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gctypes.CountedBag",
    .tp_basicsize = sizeof(CountedBagObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, /* GC and traverse come from Bag */
    .tp_doc = PyDoc_STR("A bag that counts add() calls."),
    .tp_base = &BagType,
    .tp_methods = counted_methods,
};

static int bagiter_traverse(BagIterObject *it, visitproc visit, void *arg) {
    Py_VISIT(it->bag);
    return 0;
}

static void bagiter_dealloc(BagIterObject *it) {
    PyObject_GC_UnTrack(it);
    Py_XDECREF(it->bag);
    PyObject_GC_Del(it);
}

static PyObject *bagiter_next(BagIterObject *it) {
    if (it->next >= PyList_GET_SIZE(it->bag->items)) return NULL;
    return Py_NewRef(PyList_GET_ITEM(it->bag->items, it->next++));
}

static PyTypeObject BagIterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gctypes.BagIterator",
    .tp_basicsize = sizeof(BagIterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)bagiter_dealloc,
    .tp_traverse = (traverseproc)bagiter_traverse,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)bagiter_next,
};

static PyObject *make_bag(PyObject *Py_UNUSED(module), PyObject *items) {
    PyObject *bag = bag_new(&BagType, NULL, NULL);
    if (bag == NULL) return NULL;
    PyObject *list = PySequence_List(items);
    if (list == NULL) {
        Py_DECREF(bag);
        return NULL;
    }
    Py_SETREF(((BagObject *)bag)->items, list);
    return bag;
}

static PyMethodDef gctypes_methods[] = {
    {"make_bag", make_bag, METH_O, "A Bag with the given items."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef gctypes_module = {
    PyModuleDef_HEAD_INIT, "gctypes", NULL, -1, gctypes_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_gctypes(void) {
    if (PyType_Ready(&BagType) < 0) return NULL;
    if (PyType_Ready(&CountedBagType) < 0) return NULL;
    if (PyType_Ready(&BagIterType) < 0) return NULL;
    PyObject *m = PyModule_Create(&gctypes_module);
    if (m == NULL) return NULL;
    default_label = PyUnicode_FromString("unlabelled");
    if (default_label == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "Bag", (PyObject *)&BagType) < 0 ||
        PyModule_AddObjectRef(m, "CountedBag", (PyObject *)&CountedBagType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
