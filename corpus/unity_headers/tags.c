/* One translation unit built from private headers (multidict's layout): the state is spread over
 * the headers in lib/, types are readied by a helper, and an m_free already releases the module's global. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "lib/defs.h"
#include "lib/tag.h"

static PyObject *pin(PyObject *Py_UNUSED(module), PyObject *tag) {
    return holder_new(&pin_type, tag);
}

static PyObject *badge(PyObject *Py_UNUSED(module), PyObject *tag) {
    return holder_new(&badge_type, tag);
}

static PyMethodDef tags_methods[] = {
    {"pin", pin, METH_O, "A Pin holding the tag."},
    {"badge", badge, METH_O, "A Badge holding the tag."},
    {NULL, NULL, 0, NULL},
};

static void tags_free(void *Py_UNUSED(module)) {
    Py_CLEAR(tags_str_lower);
}

static struct PyModuleDef tags_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "tags",
    .m_size = -1,
    .m_methods = tags_methods,
    .m_free = tags_free,
};

PyMODINIT_FUNC PyInit_tags(void) {
    tags_str_lower = PyUnicode_InternFromString("lower");
    if (tags_str_lower == NULL) return NULL;
    if (tag_init() < 0) return NULL;
    PyObject *module = PyModule_Create(&tags_module);
    if (module == NULL) return NULL;
    if (PyModule_AddObjectRef(module, "Tag", (PyObject *)&tag_type) < 0 ||
        PyModule_AddObjectRef(module, "Pin", (PyObject *)&pin_type) < 0 ||
        PyModule_AddObjectRef(module, "Badge", (PyObject *)&badge_type) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
