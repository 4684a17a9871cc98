/* A str subclass and its iterator-like companion, readied by a helper the init function calls. */
#ifndef TAGS_TAG_H
#define TAGS_TAG_H

typedef struct {
    PyUnicodeObject str;
    PyObject *canonical;
} TagObject;

typedef struct {
    PyObject_HEAD
    PyObject *tag;
} PinObject;

static PyTypeObject tag_type;
static PyTypeObject pin_type;

static PyObject *tag_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *self = PyUnicode_Type.tp_new(type, args, kwds);
    if (self == NULL) return NULL;
    ((TagObject *)self)->canonical = PyObject_CallMethodNoArgs(self, tags_str_lower);
    if (((TagObject *)self)->canonical == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return self;
}

static void tag_dealloc(TagObject *self) {
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->canonical);
    PyUnicode_Type.tp_dealloc((PyObject *)self);
}

static int tag_traverse(TagObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->canonical);
    return 0;
}

static PyObject *tag_canonical(TagObject *self, void *Py_UNUSED(closure)) {
    return Py_NewRef(self->canonical);
}

static PyGetSetDef tag_getset[] = {
    {"canonical", (getter)tag_canonical, NULL, "The lower-case form.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* `tag | tag`: the instance may be on either side. */
static PyObject *tag_or(TagObject *self, PyObject *other) {
    if (!PyObject_TypeCheck((PyObject *)self, &tag_type) || !PyObject_TypeCheck(other, &tag_type))
        Py_RETURN_NOTIMPLEMENTED;
    return PyUnicode_Concat(self->canonical, ((TagObject *)other)->canonical);
}

static PyNumberMethods tag_as_number = {
    .nb_or = (binaryfunc)tag_or,
};

static PyTypeObject tag_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tags.Tag",
    .tp_basicsize = sizeof(TagObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_UNICODE_SUBCLASS | Py_TPFLAGS_HAVE_GC,
    .tp_new = tag_new,
    .tp_dealloc = (destructor)tag_dealloc,
    .tp_traverse = (traverseproc)tag_traverse,
    .tp_getset = tag_getset,
    .tp_as_number = &tag_as_number,
};

/* Two types share one dealloc and one traverse. */
static void holder_dealloc(PinObject *self) {
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->tag);
    PyObject_GC_Del(self);
}

static int holder_traverse(PinObject *self, visitproc visit, void *arg) {
    Py_VISIT(self->tag);
    return 0;
}

static PyTypeObject pin_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tags.Pin",
    .tp_basicsize = sizeof(PinObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)holder_dealloc,
    .tp_traverse = (traverseproc)holder_traverse,
};

static PyTypeObject badge_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tags.Badge",
    .tp_basicsize = sizeof(PinObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)holder_dealloc,
    .tp_traverse = (traverseproc)holder_traverse,
};

static PyObject *holder_new(PyTypeObject *type, PyObject *tag) {
    PinObject *p = PyObject_GC_New(PinObject, type);
    if (p == NULL) return NULL;
    p->tag = Py_NewRef(tag);
    PyObject_GC_Track(p);
    return (PyObject *)p;
}

static int tag_init(void) {
    tag_type.tp_base = &PyUnicode_Type;
    if (PyType_Ready(&tag_type) < 0) return -1;
    if (PyType_Ready(&pin_type) < 0) return -1;
    if (PyType_Ready(&badge_type) < 0) return -1;
    return 0;
}

#endif
