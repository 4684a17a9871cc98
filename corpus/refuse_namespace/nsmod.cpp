// A single-phase C++ module whose PyModuleDef lives in an anonymous namespace while PyInit is
// outside it: the exec function fix would declare beside the definition and define in place of
// PyInit would be two different functions, so fix refuses.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace {

PyObject *answer(PyObject *, PyObject *) { return PyLong_FromLong(42); }

PyMethodDef nsmod_methods[] = {
    {"answer", answer, METH_NOARGS, "42."},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef nsmod_module = {
    PyModuleDef_HEAD_INIT, "nsmod", nullptr, -1, nsmod_methods, nullptr, nullptr, nullptr, nullptr,
};

}  // namespace

PyMODINIT_FUNC PyInit_nsmod(void) { return PyModule_Create(&nsmod_module); }
