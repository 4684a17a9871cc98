/* The module is also kept in a global, set by a chained assignment (`m = registry_module =
 * PyModule_Create(...)`), and init's error path releases the module right after a label. Such a
 * global is no state (the module owns itself: the state's hooks would release it once more): fix
 * reads the module at hand wherever it was read, drops the global, and moves the real state. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *registry_module = NULL;
static PyObject *entries;  /* name -> value, also exposed as `chainreg.entries` */

static PyObject *
register_name(PyObject *Py_UNUSED(module), PyObject *args)
{
    const char *name;
    PyObject *value;

    if (!PyArg_ParseTuple(args, "sO", &name, &value))
        return NULL;
    if (PyDict_SetItemString(entries, name, value) < 0)
        return NULL;
    if (PyObject_SetAttrString(registry_module, name, value) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
owner(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(ignored))
{
    if (registry_module == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "no module");
        return NULL;
    }
    return Py_NewRef(registry_module);
}

static PyMethodDef chainreg_methods[] = {
    {"register", register_name, METH_VARARGS, "register(name, value): remember value as name"},
    {"owner", owner, METH_NOARGS, "the module itself"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef chainreg_def = {
    PyModuleDef_HEAD_INIT,
    "chainreg",
    NULL,
    -1,
    chainreg_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit_chainreg(void)
{
    PyObject *m = NULL;

    m = registry_module = PyModule_Create(&chainreg_def);
    if (m == NULL)
        goto error;
    entries = PyDict_New();
    if (entries == NULL)
        goto error;
    if (PyModule_AddObjectRef(m, "entries", entries) < 0)
        goto error;
    return m;

error:
    Py_XDECREF(m);
    return NULL;
}
