/* A global object reached through a macro of the module's own: the use is spelled inside the
 * macro's body, so a rewrite of the global cannot be done at the use site. An inactive #if branch
 * mentions it too. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *sentinel = NULL;

#define RETURN_SENTINEL() return Py_NewRef(sentinel)

static PyObject *get_sentinel(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
#ifdef MACROGLOB_DEBUG
    fprintf(stderr, "sentinel at %p\n", (void *)sentinel);
#endif
    RETURN_SENTINEL();
}

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
