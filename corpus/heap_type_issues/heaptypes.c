/* Half-way isolation: heap types and module state are there, but the details are wrong.
 *   Box: no Py_TPFLAGS_HAVE_GC.          Cell: dealloc does not release the type.
 *   Cell.peek reaches the state through Py_TYPE(self).   State holds objects, no m_traverse/m_clear. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject *box_type;
    PyObject *cell_type;
    PyObject *default_value;
} heaptypes_state;

typedef struct {
    PyObject_HEAD
    PyObject *content;
} BoxObject;

static void box_dealloc(PyObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    Py_XDECREF(((BoxObject *)self)->content);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot box_slots[] = {
    {Py_tp_dealloc, box_dealloc},
    {0, NULL},
};

static PyType_Spec box_spec = {
    .name = "heaptypes.Box",
    .basicsize = sizeof(BoxObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = box_slots,
};

static int cell_traverse(PyObject *self, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(self));
    return 0;
}

static void cell_dealloc(PyObject *self) {
    PyObject_GC_UnTrack(self);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *cell_peek(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    heaptypes_state *state = PyType_GetModuleState(Py_TYPE(self));
    if (state == NULL) return NULL;
    return Py_NewRef(state->default_value);
}

static PyMethodDef cell_methods[] = {
    {"peek", cell_peek, METH_NOARGS, "The module's default value."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot cell_slots[] = {
    {Py_tp_traverse, cell_traverse},
    {Py_tp_dealloc, cell_dealloc},
    {Py_tp_methods, cell_methods},
    {0, NULL},
};

static PyType_Spec cell_spec = {
    .name = "heaptypes.Cell",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = cell_slots,
};

static int heaptypes_exec(PyObject *module) {
    heaptypes_state *state = PyModule_GetState(module);
    state->box_type = PyType_FromModuleAndSpec(module, &box_spec, NULL);
    if (state->box_type == NULL || PyModule_AddObjectRef(module, "Box", state->box_type) < 0) return -1;
    state->cell_type = PyType_FromModuleAndSpec(module, &cell_spec, NULL);
    if (state->cell_type == NULL || PyModule_AddObjectRef(module, "Cell", state->cell_type) < 0) return -1;
    state->default_value = PyUnicode_FromString("empty");
    return state->default_value == NULL ? -1 : 0;
}

static PyModuleDef_Slot heaptypes_slots[] = {
    {Py_mod_exec, heaptypes_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef heaptypes_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "heaptypes",
    .m_size = sizeof(heaptypes_state),
    .m_slots = heaptypes_slots,
};

PyMODINIT_FUNC PyInit_heaptypes(void) { return PyModuleDef_Init(&heaptypes_module); }
