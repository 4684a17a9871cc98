/* A global object reached through a macro of the module's own, which a skipped #if branch expands
 * too. fix could rewrite the macro's body for the active expansions, but the skipped one, compiled
 * in another configuration, would have no module state at hand: it refuses, naming the branch. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *sentinel = NULL;

#define RETURN_SENTINEL() return Py_NewRef(sentinel)

static PyObject *get_sentinel(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    RETURN_SENTINEL();
}

#ifdef MACROGLOB_DEBUG
static PyObject *debug_sentinel(void) {
    fprintf(stderr, "returning the sentinel\n");
    RETURN_SENTINEL();
}
#endif

static PyMethodDef macroglob_methods[] = {
    {"get_sentinel", get_sentinel, METH_NOARGS, "The sentinel."},
    {NULL, NULL, 0, NULL},
};

static int macroglob_exec(PyObject *module) {
    sentinel = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
    if (sentinel == NULL) return -1;
    return PyModule_AddObjectRef(module, "SENTINEL", sentinel);
}

static PyModuleDef_Slot macroglob_slots[] = {
    {Py_mod_exec, macroglob_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef macroglob_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "macroglob",
    .m_size = 0,
    .m_methods = macroglob_methods,
    .m_slots = macroglob_slots,
};

PyMODINIT_FUNC PyInit_macroglob(void) { return PyModuleDef_Init(&macroglob_module); }
