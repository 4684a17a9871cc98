/* Python objects kept inside aggregates: a struct of interned attribute names, an array of structs
 * holding one exception class per errno-like code, and a nested struct with a callback. Each is as
 * process-wide as a `static PyObject *`, so every interpreter would raise the classes (and call the
 * hook) that the first one created; fix does not move aggregates yet and refuses the module. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef PyObject *ObjRef;

static struct {
    ObjRef read;
    ObjRef write;
} attr_names;

typedef struct {
    int code;
    const char *qualname;
    PyObject *exc_type;
} ErrorSpec;

static ErrorSpec error_specs[] = {
    {11, "errtab.RetryLater", NULL},
    {28, "errtab.NoSpace", NULL},
    {0, NULL, NULL},
};

static struct {
    long calls;
    struct {
        PyObject *hook;
    } on_error;
} registry;

static PyObject *error_for(PyObject *Py_UNUSED(module), PyObject *arg) {
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred()) return NULL;
    for (ErrorSpec *s = error_specs; s->qualname != NULL; s++)
        if (s->code == code) return Py_NewRef(s->exc_type);
    Py_RETURN_NONE;
}

static PyObject *read_from(PyObject *Py_UNUSED(module), PyObject *obj) {
    return PyObject_CallMethodNoArgs(obj, attr_names.read);
}

static PyObject *set_hook(PyObject *Py_UNUSED(module), PyObject *hook) {
    Py_XSETREF(registry.on_error.hook, Py_NewRef(hook));
    registry.calls = 0;
    Py_RETURN_NONE;
}

static PyObject *fire(PyObject *Py_UNUSED(module), PyObject *arg) {
    if (registry.on_error.hook == NULL) Py_RETURN_NONE;
    registry.calls++;
    return PyObject_CallOneArg(registry.on_error.hook, arg);
}

static PyMethodDef errtab_methods[] = {
    {"error_for", error_for, METH_O, NULL},
    {"read_from", read_from, METH_O, NULL},
    {"set_hook", set_hook, METH_O, NULL},
    {"fire", fire, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef errtab_module = {
    PyModuleDef_HEAD_INIT, "errtab", NULL, -1, errtab_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_errtab(void) {
    PyObject *m = PyModule_Create(&errtab_module);
    if (m == NULL) return NULL;
    attr_names.read = PyUnicode_InternFromString("read");
    attr_names.write = PyUnicode_InternFromString("write");
    if (attr_names.read == NULL || attr_names.write == NULL) goto error;
    for (ErrorSpec *s = error_specs; s->qualname != NULL; s++) {
        s->exc_type = PyErr_NewException(s->qualname, NULL, NULL);
        if (s->exc_type == NULL) goto error;
    }
    return m;
error:
    Py_DECREF(m);
    return NULL;
}
