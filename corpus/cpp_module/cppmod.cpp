// A C++ extension: multi-phase and declares per-interpreter GIL support, but keeps a Python object
// in a namespace-scope variable and a C++ counter in a static member.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>

namespace {

PyObject *empty_tuple = nullptr;

struct Stats {
    static long calls;
};
long Stats::calls = 0;

PyObject *describe(PyObject *, PyObject *arg) {
    ++Stats::calls;
    std::string text = "object of type ";
    text += Py_TYPE(arg)->tp_name;
    return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

PyObject *empty(PyObject *, PyObject *) { return Py_NewRef(empty_tuple); }

PyMethodDef cppmod_methods[] = {
    {"describe", describe, METH_O, "Describe an object."},
    {"empty", empty, METH_NOARGS, "A cached empty tuple."},
    {nullptr, nullptr, 0, nullptr},
};

int cppmod_exec(PyObject *) {
    if (empty_tuple == nullptr) empty_tuple = PyTuple_New(0);
    return empty_tuple == nullptr ? -1 : 0;
}

PyModuleDef_Slot cppmod_slots[] = {
    {Py_mod_exec, reinterpret_cast<void *>(cppmod_exec)},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, nullptr},
};

PyModuleDef cppmod_module = {
    PyModuleDef_HEAD_INIT, "cppmod", nullptr, 0, cppmod_methods, cppmod_slots, nullptr, nullptr, nullptr,
};

}  // namespace

extern "C" PyMODINIT_FUNC PyInit_cppmod(void) { return PyModuleDef_Init(&cppmod_module); }
