/* Multi-phase init and module state, but no Py_mod_multiple_interpreters slot: CPython then allows
 * the module only in interpreters that share the main GIL. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long hits;
} noslot_state;

static PyObject *hit(PyObject *module, PyObject *Py_UNUSED(ignored)) {
    noslot_state *state = PyModule_GetState(module);
    return PyLong_FromLong(++state->hits);
}

static PyMethodDef noslot_methods[] = {
    {"hit", hit, METH_NOARGS, "Count a hit."},
    {NULL, NULL, 0, NULL},
};

static int noslot_exec(PyObject *module) {
    noslot_state *state = PyModule_GetState(module);
    state->hits = 0;
    return 0;
}

static PyModuleDef_Slot noslot_slots[] = {
    {Py_mod_exec, noslot_exec},
    {0, NULL},
};

static struct PyModuleDef noslot_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "noslot",
    .m_size = sizeof(noslot_state),
    .m_methods = noslot_methods,
    .m_slots = noslot_slots,
};

PyMODINIT_FUNC PyInit_noslot(void) { return PyModuleDef_Init(&noslot_module); }
