/* A C thread calls back into Python with PyGILState_Ensure, and a helper finds the module with
 * PyState_FindModule: both only work for the main interpreter. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>

static struct PyModuleDef gilcb_module;

typedef struct {
    PyObject *callback;
    long value;
} job;

static void *worker(void *arg) {
    job *j = (job *)arg;
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *result = PyObject_CallFunction(j->callback, "l", j->value);
    Py_XDECREF(result);
    if (result == NULL) PyErr_Clear();
    PyGILState_Release(gil);
    return NULL;
}

static PyObject *call_in_thread(PyObject *Py_UNUSED(module), PyObject *args) {
    job j;
    if (!PyArg_ParseTuple(args, "Ol", &j.callback, &j.value)) return NULL;
    pthread_t thread;
    Py_BEGIN_ALLOW_THREADS
    if (pthread_create(&thread, NULL, worker, &j) == 0) pthread_join(thread, NULL);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *module_name(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    PyObject *m = PyState_FindModule(&gilcb_module);
    if (m == NULL) Py_RETURN_NONE;
    return PyModule_GetNameObject(m);
}

static PyMethodDef gilcb_methods[] = {
    {"call_in_thread", call_in_thread, METH_VARARGS, "Call f(value) from a new C thread."},
    {"module_name", module_name, METH_NOARGS, "This module's name, found through PyState."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef gilcb_module = {
    PyModuleDef_HEAD_INIT, "gilcb", NULL, 0, gilcb_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_gilcb(void) {
    PyObject *m = PyModule_Create(&gilcb_module);
    if (m == NULL) return NULL;
    if (PyState_AddModule(m, &gilcb_module) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
