/* Findings the maintainers accepted, each with a reason in an owngil: ignore comment. The module
 * still has one finding that nobody suppressed (the counter). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The version string is created once and never changes; sharing it is accepted for now. */
/* owngil: ignore[OG101] immortal string, reviewed */
static PyObject *version_string = NULL;

static long lookups = 0;

static PyObject *version(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    lookups++;
    return Py_NewRef(version_string);
}

static PyMethodDef quiet_methods[] = {
    {"version", version, METH_NOARGS, "The version."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot quiet_slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef quiet_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "quiet",
    .m_size = 0,
    .m_methods = quiet_methods,
    .m_slots = quiet_slots,
};

PyMODINIT_FUNC PyInit_quiet(void) {
    if (version_string == NULL) version_string = PyUnicode_FromString("1.0");  // owngil: ignore[OG101]
    return version_string == NULL ? NULL : PyModuleDef_Init(&quiet_module);
}
