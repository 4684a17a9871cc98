/* The tree's own macro calls a helper that needs the state (it raises the module's exception):
 * fix rewrites the call in the macro's definition, so every function that expands the macro
 * passes the state it now has. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *ArgumentError;

static PyObject *
raise_argument_error(const char *function, const char *expected)
{
    PyErr_Format(ArgumentError, "%s() expects %s", function, expected);
    return NULL;
}

#define EXPECT(condition, function, expected) \
    do { \
        if (!(condition)) \
            return raise_argument_error(function, expected); \
    } while (0)

static PyObject *
negate(PyObject *Py_UNUSED(module), PyObject *arg)
{
    EXPECT(PyLong_Check(arg), "negate", "an int");
    return PyNumber_Negative(arg);
}

static PyObject *
first_char(PyObject *Py_UNUSED(module), PyObject *arg)
{
    EXPECT(PyUnicode_Check(arg), "first_char", "a str");
    EXPECT(PyUnicode_GET_LENGTH(arg) > 0, "first_char", "a non-empty str");
    return PyUnicode_Substring(arg, 0, 1);
}

static PyMethodDef argcheck_methods[] = {
    {"negate", negate, METH_O, NULL},
    {"first_char", first_char, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef argcheck_def = {
    PyModuleDef_HEAD_INIT, "argcheck", NULL, -1, argcheck_methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC
PyInit_argcheck(void)
{
    PyObject *m = PyModule_Create(&argcheck_def);
    if (m == NULL)
        return NULL;
    ArgumentError = PyErr_NewException("argcheck.ArgumentError", PyExc_TypeError, NULL);
    if (PyModule_AddObjectRef(m, "ArgumentError", ArgumentError) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
