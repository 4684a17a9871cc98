/* An isolated module done by hand: module state, a GC heap type, multi-phase init, and the
 * per-interpreter GIL slot. owngil check must report nothing here. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject *counter_type;
    PyObject *error;
    long created;
} clean_state;

static inline clean_state *get_clean_state(PyObject *module) {
    return (clean_state *)PyModule_GetState(module);
}

typedef struct {
    PyObject_HEAD
    long value;
} CounterObject;

static struct PyModuleDef clean_module;

static PyObject *counter_new(PyTypeObject *type, PyObject *Py_UNUSED(args), PyObject *Py_UNUSED(kwds)) {
    CounterObject *self = (CounterObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    PyObject *module = PyType_GetModuleByDef(type, &clean_module);
    if (module != NULL) get_clean_state(module)->created++;
    self->value = 0;
    return (PyObject *)self;
}

static int counter_traverse(PyObject *self, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(self));
    return 0;
}

static void counter_dealloc(PyObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *counter_increment(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromLong(++((CounterObject *)self)->value);
}

static PyMethodDef counter_methods[] = {
    {"increment", counter_increment, METH_NOARGS, "Add one and return the value."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot counter_slots[] = {
    {Py_tp_new, counter_new},
    {Py_tp_traverse, counter_traverse},
    {Py_tp_dealloc, counter_dealloc},
    {Py_tp_methods, counter_methods},
    {0, NULL},
};

static PyType_Spec counter_spec = {
    .name = "clean.Counter",
    .basicsize = sizeof(CounterObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = counter_slots,
};

static PyObject *created(PyObject *module, PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromLong(get_clean_state(module)->created);
}

static PyMethodDef clean_methods[] = {
    {"created", created, METH_NOARGS, "How many counters this interpreter's module made."},
    {NULL, NULL, 0, NULL},
};

static int clean_exec(PyObject *module) {
    clean_state *state = get_clean_state(module);
    state->counter_type = PyType_FromModuleAndSpec(module, &counter_spec, NULL);
    if (state->counter_type == NULL) return -1;
    if (PyModule_AddObjectRef(module, "Counter", state->counter_type) < 0) return -1;
    state->error = PyErr_NewException("clean.Error", NULL, NULL);
    if (state->error == NULL) return -1;
    if (PyModule_AddObjectRef(module, "Error", state->error) < 0) return -1;
    state->created = 0;
    return 0;
}

static int clean_traverse(PyObject *module, visitproc visit, void *arg) {
    clean_state *state = get_clean_state(module);
    Py_VISIT(state->counter_type);
    Py_VISIT(state->error);
    return 0;
}

static int clean_clear(PyObject *module) {
    clean_state *state = get_clean_state(module);
    Py_CLEAR(state->counter_type);
    Py_CLEAR(state->error);
    return 0;
}

static void clean_free(void *module) { clean_clear((PyObject *)module); }

static PyModuleDef_Slot clean_slots[] = {
    {Py_mod_exec, clean_exec},
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    {Py_mod_gil, Py_MOD_GIL_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef clean_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "clean",
    .m_size = sizeof(clean_state),
    .m_methods = clean_methods,
    .m_slots = clean_slots,
    .m_traverse = clean_traverse,
    .m_clear = clean_clear,
    .m_free = clean_free,
};

PyMODINIT_FUNC PyInit_clean(void) { return PyModuleDef_Init(&clean_module); }
