/* A static type whose only mention outside its definition and init is inside assert(), through the
 * tree's own check macro. Release builds define NDEBUG (a compile database from one says -DNDEBUG,
 * fix-args.txt here): there the assert and its use of the type vanish. The port must build, and
 * be right, both with and without NDEBUG. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <assert.h>

typedef struct {
    PyObject_HEAD
    long value;
} TokenObject;

static PyTypeObject Token_Type;
#define Token_CheckExact(op) Py_IS_TYPE((op), &Token_Type)

static PyObject *token_repr(PyObject *self) {
    assert(Token_CheckExact(self));
    return PyUnicode_FromFormat("<token %ld>", ((TokenObject *)self)->value);
}

static PyObject *token_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    long value = 0;
    static char *kwlist[] = {"value", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|l", kwlist, &value)) return NULL;
    TokenObject *self = (TokenObject *)type->tp_alloc(type, 0);
    if (self != NULL) self->value = value;
    return (PyObject *)self;
}

static PyTypeObject Token_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tokens.Token",
    .tp_basicsize = sizeof(TokenObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = token_new,
    .tp_repr = token_repr,
};

static struct PyModuleDef tokens_module = {
    PyModuleDef_HEAD_INIT, "tokens", NULL, -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_tokens(void) {
    if (PyType_Ready(&Token_Type) < 0) return NULL;
    PyObject *m = PyModule_Create(&tokens_module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Token", (PyObject *)&Token_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
