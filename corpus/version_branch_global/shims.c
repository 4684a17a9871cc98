/* A cached object that exists only in the branch for old Pythons (before 3.10 the module interns
 * the name once and keeps it). Analysed only against the newest headers, the global and its uses
 * are skipped; analysed against 3.9 too, they are found (and named "only with Python 3.9"). fix
 * cannot rewrite a branch the analysed build does not compile: it refuses, naming the branch. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if PY_VERSION_HEX < 0x030A0000
static PyObject *shims_name = NULL;
#endif

static PyObject *name_of(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
#if PY_VERSION_HEX < 0x030A0000
    if (shims_name == NULL) {
        shims_name = PyUnicode_InternFromString("shims");
        if (shims_name == NULL) return NULL;
    }
    Py_INCREF(shims_name);
    return shims_name;
#else
    return PyUnicode_FromString("shims");
#endif
}

static PyMethodDef shims_methods[] = {
    {"name_of", name_of, METH_NOARGS, "The module's name."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot shims_slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef shims_module = {
    PyModuleDef_HEAD_INIT, "shims", NULL, 0, shims_methods, shims_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_shims(void) { return PyModuleDef_Init(&shims_module); }
