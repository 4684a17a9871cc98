/* PyGILState_Ensure in callbacks that only ever run on the thread of a call from Python: a hook a
 * library (here, a small engine in the module) calls before returning, and qsort_r's comparator,
 * both with the GIL released around the library call, as database and parser bindings do. On
 * CPython 3.12 and 3.13 the thread's last thread state belongs to the caller's interpreter, so
 * both run there: owngil notes why they are fine, and ports the module (single-phase init). */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

typedef void (*hook_fn)(void *ctx);

static void engine_run(hook_fn hook, void *ctx, int times) {
    for (int i = 0; i < times; i++) hook(ctx);
}

static void on_hook(void *ctx) {
    PyObject *callable = (PyObject *)ctx;
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *result = PyObject_CallNoArgs(callable);
    if (result == NULL) PyErr_WriteUnraisable(callable);
    Py_XDECREF(result);
    PyGILState_Release(gil);
}

/* run(f, times): the engine calls f() `times` times, the GIL released around it. */
static PyObject *run(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *callable;
    int times;
    if (!PyArg_ParseTuple(args, "Oi", &callable, &times)) return NULL;
    Py_BEGIN_ALLOW_THREADS
    engine_run(on_hook, callable, times);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static int compare(const void *a, const void *b, void *ctx) {
    PyObject *key = (PyObject *)ctx;
    long x = *(const long *)a, y = *(const long *)b;
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *kx = PyObject_CallFunction(key, "l", x), *ky = PyObject_CallFunction(key, "l", y);
    int order = (kx && ky) ? PyObject_RichCompareBool(kx, ky, Py_LT) ? -1 : PyObject_RichCompareBool(ky, kx, Py_LT) : 0;
    if (PyErr_Occurred()) PyErr_Clear();
    Py_XDECREF(kx);
    Py_XDECREF(ky);
    PyGILState_Release(gil);
    return order;
}

/* sort_by(list_of_ints, key): a new list sorted by key(x), compared in C with the GIL released. */
static PyObject *sort_by(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *list, *key;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &list, &key)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(list);
    long *items = PyMem_Malloc(sizeof(long) * (size_t)(n ? n : 1));
    if (items == NULL) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) items[i] = PyLong_AsLong(PyList_GET_ITEM(list, i));
    Py_BEGIN_ALLOW_THREADS
    qsort_r(items, (size_t)n, sizeof(long), compare, key);
    Py_END_ALLOW_THREADS
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) PyList_SET_ITEM(out, i, PyLong_FromLong(items[i]));
    PyMem_Free(items);
    return out;
}

static PyMethodDef hooks_methods[] = {
    {"run", run, METH_VARARGS, "Call f() from the engine, `times` times."},
    {"sort_by", sort_by, METH_VARARGS, "Sort ints by key(x), compared in C."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef hooks_module = {
    PyModuleDef_HEAD_INIT, "hooks", NULL, -1, hooks_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_hooks(void) { return PyModule_Create(&hooks_module); }
