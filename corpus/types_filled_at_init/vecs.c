/* The shapes of a persistent-vector extension: a PyInit that only returns what a helper builds,
 * type fields set at init time before PyType_Ready, a weakref offset beside a members table, a
 * C free list used by the dealloc, and a global of the object type declared after that type
 * (pyrsistent's pvectorc has all of these).
 * Single-phase init, static types. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <structmember.h>

#define CACHE_MAX 8

typedef struct {
    long *blocks[CACHE_MAX];
    int size;
} BlockCache;

static BlockCache cache;

typedef struct {
    PyObject_HEAD
    long *block; /* one number, in a block that is recycled through the cache */
    PyObject *weakrefs;
} Vec;

static Vec *EMPTY;

static PyTypeObject VecType;

static long *take_block(void) {
    if (cache.size > 0) return cache.blocks[--cache.size];
    return PyMem_Malloc(sizeof(long));
}

static void give_block(long *block) {
    if (cache.size < CACHE_MAX) cache.blocks[cache.size++] = block;
    else PyMem_Free(block);
}

static PyObject *vec_of(long value) {
    Vec *v = PyObject_New(Vec, &VecType);
    if (v == NULL) return NULL;
    v->weakrefs = NULL;
    v->block = take_block();
    if (v->block == NULL) {
        v->block = NULL;
        Py_DECREF(v);
        return PyErr_NoMemory();
    }
    *v->block = value;
    return (PyObject *)v;
}

static void vec_dealloc(Vec *self) {
    if (self->weakrefs != NULL) PyObject_ClearWeakRefs((PyObject *)self);
    if (self->block != NULL) give_block(self->block);
    PyObject_Del(self);
}

static PyObject *vec_plus(Vec *self, PyObject *arg) {
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    if (n == 0) return Py_NewRef(self);
    return vec_of(*self->block + n);
}

static PyObject *vec_value(Vec *self, PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromLong(*self->block);
}

static PyMethodDef vec_methods[] = {
    {"plus", (PyCFunction)vec_plus, METH_O, "A Vec with n added."},
    {"value", (PyCFunction)vec_value, METH_NOARGS, "The number."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef vec_members[] = {
    {NULL, 0, 0, 0, NULL}  /* Sentinel */
};

static PyTypeObject VecType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "vecs.Vec",
    .tp_basicsize = sizeof(Vec),
    .tp_dealloc = (destructor)vec_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A number kept in a cached block.",
    .tp_weaklistoffset = offsetof(Vec, weakrefs),
    .tp_members = vec_members,  /* tp_methods: set at init */
};

static PyObject *vecs_vec(PyObject *Py_UNUSED(module), PyObject *args) {
    long value = 0;
    if (!PyArg_ParseTuple(args, "|l", &value)) return NULL;
    if (value == 0) return Py_NewRef(EMPTY);
    return vec_of(value);
}

static PyObject *vecs_cached_blocks(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromLong(cache.size);
}

static PyMethodDef vecs_methods[] = {
    {"vec", vecs_vec, METH_VARARGS, "vec([n]): the Vec of n (the shared empty one for 0)."},
    {"cached_blocks", vecs_cached_blocks, METH_NOARGS, "How many blocks wait for reuse."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef vecs_module = {
    PyModuleDef_HEAD_INIT, "vecs", NULL, -1, vecs_methods, NULL, NULL, NULL, NULL,
};

static PyObject *vecs_moduleinit(void) {
    /* Only vec() makes Vecs. */
    VecType.tp_init = NULL;
    VecType.tp_new = NULL;
    VecType.tp_methods = vec_methods;
    if (PyType_Ready(&VecType) < 0) return NULL;
    PyObject *m = PyModule_Create(&vecs_module);
    if (m == NULL) return NULL;
    EMPTY = (Vec *)vec_of(0);
    if (EMPTY == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "Vec", (PyObject *)&VecType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

PyMODINIT_FUNC PyInit_vecs(void) {
    return vecs_moduleinit();
}
