/* The exception classes are made from a table local to the helper init calls: it holds the
 * address of each global (`&ParseError`) and writes the new class through it. The address never
 * leaves that call of the helper, so after the port it may point into the module state: fix
 * writes `&st->ParseError` there and passes the state to the helper. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *ParseError;
static PyObject *LimitError;

static int
add_exceptions(PyObject *module)
{
    struct {
        PyObject **target;
        const char *dotted;
        PyObject *base;
    } exceptions[] = {
        {&ParseError, "exctable.ParseError", NULL},
        {&LimitError, "exctable.LimitError", PyExc_ValueError},
    };
    size_t n = sizeof(exceptions) / sizeof(exceptions[0]);

    for (size_t i = 0; i < n; i++) {
        const char *name = strrchr(exceptions[i].dotted, '.') + 1;
        *exceptions[i].target = PyErr_NewException(exceptions[i].dotted, exceptions[i].base, NULL);
        if (*exceptions[i].target == NULL)
            return -1;
        if (PyModule_AddObjectRef(module, name, *exceptions[i].target) < 0)
            return -1;
    }
    return 0;
}

static PyObject *
parse(PyObject *Py_UNUSED(module), PyObject *arg)
{
    long value;

    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(ParseError, "expected a str");
        return NULL;
    }
    value = PyLong_AsLong(arg = PyLong_FromUnicodeObject(arg, 10));
    Py_XDECREF(arg);
    if (value == -1 && PyErr_Occurred())
        return NULL;
    if (value > 1000) {
        PyErr_Format(LimitError, "%ld is over the limit", value);
        return NULL;
    }
    return PyLong_FromLong(value);
}

static PyMethodDef exctable_methods[] = {
    {"parse", parse, METH_O, "parse(text) -> int, at most 1000"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef exctable_def = {
    PyModuleDef_HEAD_INIT, "exctable", NULL, -1, exctable_methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC
PyInit_exctable(void)
{
    PyObject *m = PyModule_Create(&exctable_def);
    if (m == NULL)
        return NULL;
    if (add_exceptions(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
