// A C++ extension with a static type filled the C++ way: before C++20 there are no designated
// initializers, so the type starts empty and PyInit sets its fields before PyType_Ready.
// Single-phase init.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // the empty type below

struct CounterObject {
    PyObject_HEAD
    long value;
};

static PyTypeObject CounterType = {PyVarObject_HEAD_INIT(nullptr, 0)};

static PyObject *counter_new(PyTypeObject *type, PyObject *, PyObject *) {
    auto *self = reinterpret_cast<CounterObject *>(type->tp_alloc(type, 0));
    if (self != nullptr) self->value = 0;
    return reinterpret_cast<PyObject *>(self);
}

static PyObject *counter_increment(PyObject *self, PyObject *) {
    return PyLong_FromLong(++reinterpret_cast<CounterObject *>(self)->value);
}

// A copy of the counter: needs the type, so the state.
static PyObject *counter_copy(PyObject *self, PyObject *) {
    PyObject *copy = counter_new(&CounterType, nullptr, nullptr);
    if (copy != nullptr) reinterpret_cast<CounterObject *>(copy)->value = reinterpret_cast<CounterObject *>(self)->value;
    return copy;
}

static PyMethodDef counter_methods[] = {
    {"increment", counter_increment, METH_NOARGS, "Add one; return the new value."},
    {"copy", counter_copy, METH_NOARGS, "A new Counter with the same value."},
    {nullptr, nullptr, 0, nullptr},
};

static PyObject *is_counter(PyObject *, PyObject *arg) {
    return PyBool_FromLong(PyObject_TypeCheck(arg, &CounterType));
}

static PyMethodDef module_methods[] = {
    {"is_counter", is_counter, METH_O, "Whether the argument is a Counter."},
    {nullptr, nullptr, 0, nullptr},
};

static PyModuleDef counter_module = {
    PyModuleDef_HEAD_INIT, "counter", nullptr, -1, module_methods, nullptr, nullptr, nullptr, nullptr,
};

extern "C" PyMODINIT_FUNC PyInit_counter(void) {
    CounterType.tp_name = "counter.Counter";
    CounterType.tp_basicsize = sizeof(CounterObject);
    CounterType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE;
    CounterType.tp_doc = "Counts.";
    CounterType.tp_new = counter_new;
    CounterType.tp_methods = counter_methods;
    if (PyType_Ready(&CounterType) < 0) return nullptr;
    PyObject *m = PyModule_Create(&counter_module);
    if (m == nullptr) return nullptr;
    if (PyModule_AddObjectRef(m, "Counter", reinterpret_cast<PyObject *>(&CounterType)) < 0) {
        Py_DECREF(m);
        return nullptr;
    }
    return m;
}
