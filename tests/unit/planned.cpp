#include "planned.h"

#include <catch2/catch.hpp>

#include "helpers.h"

using namespace owngil;

Planned planned(const std::string& code, const FixOptions& options) {
  Planned p;
  p.model = std::make_unique<Model>(analyze_snippet(code, "snippet.c"));
  p.code = code;
  for (const TranslationUnit& tu : p.model->units)
    for (const ParseError& e : tu.errors) FAIL_CHECK("the code does not compile: line " << e.loc.line << ": " << e.message);
  p.plans = plan_ports(*p.model, run_rules(*p.model), options, [code](const std::string&) { return code; });
  REQUIRE(!p.plans.empty());
  return p;
}

RepairResult run_repair(const Planned& p, Repair repair) {
  RepairContext ctx{*p.model, p.plan(), [&](const std::string&) -> const std::string& { return p.code; },
                    [](const std::string&) { return false; }};
  RepairResult out;
  repair(ctx, out);
  return out;
}

std::string applied(const Planned& p, const RepairResult& r) {
  std::string out, error;
  REQUIRE(apply_edits(p.code, r.edits, &out, &error));
  return out;
}

// Single-phase: a global, a helper that uses it, module functions, and a static type whose slot
// and methods (METH_VARARGS and METH_NOARGS) need the state.
const char* const kTypedModule = R"(#include <Python.h>
typedef struct { PyObject_HEAD long n; } BoxObject;
static PyObject *Error;
static PyObject *raise_error(const char *what) { PyErr_SetString(Error, what); return NULL; }
static PyObject *fail(PyObject *Py_UNUSED(module), PyObject *arg) { (void)arg; return raise_error("fail"); }
static PyObject *box_repr(PyObject *self) { (void)self; return raise_error("repr"); }
static void box_dealloc(PyObject *self) {
    PyObject_Free(self);
}
static PyObject *box_grow(BoxObject *self, PyObject *args) {
    long by;
    if (!PyArg_ParseTuple(args, "l", &by)) return NULL;
    if (by < 0) return raise_error("negative");
    self->n += by;
    return PyLong_FromLong(self->n);
}
static PyObject *box_peek(BoxObject *self, PyObject *Py_UNUSED(arg)) {
    if (self->n < 0) return raise_error("peek");
    return PyLong_FromLong(self->n);
}
static PyMethodDef box_methods[] = {
    {"grow", (PyCFunction)box_grow, METH_VARARGS, NULL},
    {"peek", (PyCFunction)box_peek, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};
static PyTypeObject BoxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "m.Box",
    .tp_basicsize = sizeof(BoxObject),
    .tp_dealloc = box_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_repr = box_repr,
    .tp_methods = box_methods,
};
static PyObject *make_box(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return (PyObject *)PyObject_New(BoxObject, &BoxType);
}
static PyMethodDef methods[] = {
    {"fail", fail, METH_O, NULL},
    {"make_box", make_box, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) {
    if (PyType_Ready(&BoxType) < 0) return NULL;
    PyObject *m = PyModule_Create(&d);
    if (m == NULL) return NULL;
    Error = PyErr_NewException("m.Error", NULL, NULL);
    if (PyModule_AddObjectRef(m, "Error", Error) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
)";

