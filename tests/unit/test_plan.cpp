// The port plan alone: which functions get the state and how, what moves, which names, and every
// refusal of a module at once, before any text is edited.
#include <catch2/catch.hpp>
#include <cstring>

#include "planned.h"

using namespace owngil;


TEST_CASE("plan: how each function reaches the state, and why", "[plan]") {
  Planned p = planned(kTypedModule);
  const PortPlan& plan = p.plan();
  REQUIRE(plan.refusals.empty());
  CHECK(plan.convert_init);
  CHECK(plan.exec == "m_exec");
  CHECK(plan.state_type == "m_state");
  REQUIRE(plan.function("raise_error"));
  CHECK(plan.function("raise_error")->access == StateAccess::StateParameter);
  CHECK(plan.function("raise_error")->why == "uses 'Error'");
  REQUIRE(plan.function("fail"));
  CHECK(plan.function("fail")->access == StateAccess::ModuleArgument);
  CHECK(plan.function("fail")->why == "calls 'raise_error'");
  CHECK(plan.function("fail")->calls.size() == 1);
  REQUIRE(plan.function("box_repr"));
  CHECK(plan.function("box_repr")->access == StateAccess::TypeOfSelf);
  CHECK(plan.function("box_repr")->type_access == TypeAccess::Self);
  // METH_VARARGS gets its defining class; METH_NOARGS, which CPython specializes, its type.
  REQUIRE(plan.function("box_grow"));
  CHECK(plan.function("box_grow")->access == StateAccess::DefiningClass);
  CHECK(plan.function("box_grow")->entry_point == "box_grow_method");
  REQUIRE(plan.function("box_peek"));
  CHECK(plan.function("box_peek")->access == StateAccess::TypeOfSelf);
  CHECK(plan.function("PyInit_m")->access == StateAccess::ModuleArgument);
  CHECK(plan.init_needs_state);
  REQUIRE(plan.globals.size() == 2);
  CHECK(plan.globals[0].member == "Error");
  CHECK(plan.globals[0].declaration == "PyObject *Error");
  CHECK(plan.globals[1].declaration == "PyTypeObject *BoxType");
  REQUIRE(plan.types.size() == 1);
  CHECK(plan.types[0].text.spec == "BoxType_spec");
  CHECK(plan.types[0].creations.size() == 1);
  CHECK(plan.uses_type_lookup);
  CHECK_FALSE(plan.uses_operand_lookup);
  CHECK(plan.helper("traverse") == "m_traverse");
  CHECK(plan.helper("create_type") == "m_create_type");
}

TEST_CASE("plan: --method-state defining-class gives every converting method its class", "[plan]") {
  FixOptions options;
  options.method_state = MethodState::DefiningClass;
  Planned p = planned(kTypedModule, options);
  REQUIRE(p.plan().refusals.empty());
  CHECK(p.plan().function("box_peek")->access == StateAccess::DefiningClass);
}

TEST_CASE("plan: every refusal of a module at once, in source order", "[plan]") {
  Planned p = planned(R"(#include <Python.h>
#include <stdlib.h>
static long step = 2;
static int reverse;
static PyObject *last;
static struct PyModuleDef d;
static int order(const void *a, const void *b) { return reverse ? *(const int *)b - *(const int *)a : 0; }
static PyObject *lookup(void) { return PyState_FindModule(&d); }
static PyObject *run(PyObject *module, PyObject *arg) {
    (void)module;
    int v[2] = {1, 2};
    reverse = PyObject_IsTrue(arg);
    qsort(v, 2, sizeof v[0], order);
    step = v[0];
    PyObject **slot = &last;
    (void)slot;
    return lookup();
}
static PyMethodDef methods[] = {{"run", run, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&d); }
)");
  const std::vector<Refusal>& r = p.plan().refusals;
  REQUIRE(r.size() == 4);
  CHECK(r[0].reason.find("'step' has a non-zero initializer") == 0);
  CHECK(r[1].reason.find("'order' needs the module state (uses 'reverse') but cannot receive it") == 0);
  CHECK(r[2].reason.find("PyState_FindModule in 'lookup', which has no module at hand") == 0);
  CHECK(r[3].reason.find("the address of 'last' is kept in 'run'") == 0);
  for (size_t i = 1; i < r.size(); ++i) CHECK(r[i - 1].loc < r[i].loc);
}

TEST_CASE("plan: generated names are fresh in the tree", "[plan]") {
  Planned p = planned(R"(#include <Python.h>
static int m_exec;
static long hits;
static PyObject *count(PyObject *module, PyObject *arg) { (void)module; (void)arg; (void)m_exec; return PyLong_FromLong(++hits); }
static PyMethodDef methods[] = {{"count", count, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&d); }
)");
  REQUIRE(p.plan().refusals.empty());
  CHECK(p.plan().exec == "m_exec_2");
  CHECK(p.plan().slots == "m_slots");
}

TEST_CASE("plan: a module with an unrepairable finding is refused before anything is planned", "[plan]") {
  Planned p = planned(R"(#include <Python.h>
static long hits;
static int later(void *arg) { (void)arg; return 0; }
static PyObject *run(PyObject *module, PyObject *arg) {
    (void)module; (void)arg;
    hits++;
    if (Py_AddPendingCall(later, NULL) < 0) return NULL;
    Py_AddPendingCall(later, NULL);
    Py_RETURN_NONE;
}
static PyMethodDef methods[] = {{"run", run, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&d); }
)");
  REQUIRE(p.plan().refusals.size() == 2);
  CHECK(p.plan().refusals[0].reason.find("OG303 needs manual work") == 0);
  CHECK(p.plan().globals.empty());
  CHECK_FALSE(p.plan().convert_init);
}

TEST_CASE("plan: a module function called from C with something else than the caller's module is refused", "[plan]") {
  const char* tail = R"(
static PyMethodDef methods[] = {{"get", get, METH_O, NULL}, {"twice", twice, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&d); }
)";
  std::string head = R"(#include <Python.h>
static long hits;
static PyObject *get(PyObject *module, PyObject *arg) { (void)module; (void)arg; return PyLong_FromLong(++hits); }
)";
  Planned with_null = planned(head + R"(static PyObject *twice(PyObject *module, PyObject *arg) {
    (void)module; Py_XDECREF(get(NULL, arg)); return get(NULL, arg);
})" + tail);
  REQUIRE(with_null.plan().refusals.size() == 2);
  CHECK(with_null.plan().refusals[0].reason.find("'get' will read the module state from its first argument, and 'twice' "
                                                 "calls it with 'NULL'") == 0);
  Planned with_module = planned(head + R"(static PyObject *twice(PyObject *self, PyObject *arg) {
    Py_XDECREF(get(self, arg)); return get(self, arg);
})" + tail);
  CHECK(with_module.plan().refusals.empty());
}

TEST_CASE("plan: a global that only holds the module becomes the module at hand, not state", "[plan][alias]") {
  Planned p = planned(R"(#include <Python.h>
static PyObject *the_module;
static PyObject *counter;
static PyObject *whoami(PyObject *self, PyObject *unused) { (void)unused; Py_XINCREF(counter); return Py_NewRef(the_module); }
static PyMethodDef methods[] = {{"whoami", whoami, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods};
PyMODINIT_FUNC PyInit_m(void) {
    PyObject *m = NULL;
    m = the_module = PyModule_Create(&def);
    if (m == NULL)
        goto fail;
    return m;
fail:
    Py_XDECREF(m);
    return NULL;
}
)");
  const PortPlan& plan = p.plan();
  REQUIRE(plan.refusals.empty());
  // The chain's local is init's module: `return m` is the module, the labelled release goes.
  CHECK(plan.init->module_variable == "m");
  REQUIRE(plan.module_aliases.size() == 1);
  CHECK(plan.module_aliases[0].global->name == "the_module");
  CHECK(plan.module_aliases[0].writes.size() == 1);
  REQUIRE(plan.module_aliases[0].reads.size() == 1);
  CHECK(plan.module_aliases[0].reads[0].second == "self");
  REQUIRE(plan.globals.size() == 1);  // only the real state
  CHECK(plan.globals[0].member == "counter");
  std::string ported = applied(p, run_repair(p, repair_module_aliases));
  CHECK(ported.find("the_module") == std::string::npos);
  CHECK(ported.find("m = PyModule_Create(&def);") != std::string::npos);
  CHECK(ported.find("return Py_NewRef(self);") != std::string::npos);
}

TEST_CASE("plan: a global holding the module, read where no module is given, is refused", "[plan][alias]") {
  Planned p = planned(R"(#include <Python.h>
static PyObject *the_module;
static PyObject *name_of(void) { return PyModule_GetNameObject(the_module); }
static PyObject *name(PyObject *self, PyObject *unused) { (void)self; (void)unused; return name_of(); }
static PyMethodDef methods[] = {{"name", name, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods};
PyMODINIT_FUNC PyInit_m(void) {
    PyObject *m = PyModule_Create(&def);
    the_module = m;
    return m;
}
)");
  const PortPlan& plan = p.plan();
  REQUIRE(plan.refusals.size() == 1);
  CHECK(plan.refusals[0].reason.find("'name_of', which reads it, is not given the module") != std::string::npos);
  CHECK(plan.module_aliases.empty());
}

TEST_CASE("plan: an address kept in a local table that never leaves the function is followed", "[plan][local-table]") {
  const char* kept = R"(#include <Python.h>
static PyObject *E1;
static int make(PyObject *m) {
    struct { PyObject **slot; const char *name; } t[] = {{&E1, "m.E1"}};
    for (int i = 0; i < 1; i++) {
        *t[i].slot = PyErr_NewException(t[i].name, NULL, NULL);
        if (!*t[i].slot || PyModule_AddObjectRef(m, "E1", *t[i].slot) < 0) return -1;
    }
    return 0;
}
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "m", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_m(void) {
    PyObject *m = PyModule_Create(&def);
    if (m == NULL) return NULL;
    if (make(m) < 0) { Py_DECREF(m); return NULL; }
    return m;
}
)";
  Planned p = planned(kept);
  REQUIRE(p.plan().refusals.empty());
  REQUIRE(p.plan().function("make"));
  CHECK(p.plan().function("make")->access == StateAccess::StateParameter);
  // The same table handed to another function, or a pointer from it stolen, is not followed.
  std::string escapes = kept;
  escapes.replace(escapes.find("    for (int i"), 0, "    keep(t);\n");
  escapes.replace(escapes.find("static int make"), 0, "void keep(void *);\n");
  Planned e = planned(escapes);
  REQUIRE(e.plan().refusals.size() == 1);
  CHECK(e.plan().refusals[0].reason.find("the address of 'E1' is kept in 'make'") != std::string::npos);
  std::string stolen = kept;
  stolen.replace(stolen.find("PyModule_AddObjectRef"), strlen("PyModule_AddObjectRef"), "PyModule_AddObject");
  Planned s = planned(stolen);
  CHECK_FALSE(s.plan().refusals.empty());
}

TEST_CASE("plan: methods of a table assigned to tp_methods in init get their defining class too", "[plan][filled]") {
  const char* code = R"(#include <Python.h>
static PyObject *Error;
typedef struct { PyObject_HEAD long n; } Box;
static PyObject *box_fail(PyObject *self, PyObject *args) { (void)self; (void)args; PyErr_SetNone(Error); return NULL; }
static PyObject *box_peek(PyObject *self, PyObject *arg) { (void)self; (void)arg; PyErr_SetNone(Error); return NULL; }
static PyMethodDef box_methods[] = {
    {"fail", box_fail, METH_VARARGS, NULL},
    {"peek", box_peek, METH_O, NULL},
    {NULL, NULL, 0, NULL}};
static PyTypeObject BoxType = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.Box", .tp_basicsize = sizeof(Box)};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "m", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_m(void) {
    BoxType.tp_methods = box_methods;
    if (PyType_Ready(&BoxType) < 0) return NULL;
    PyObject *m = PyModule_Create(&def);
    if (m == NULL) return NULL;
    Error = PyErr_NewException("m.Error", NULL, NULL);
    return m;
}
)";
  Planned p = planned(code);
  REQUIRE(p.plan().refusals.empty());
  REQUIRE(p.plan().function("box_fail"));
  CHECK(p.plan().function("box_fail")->access == StateAccess::DefiningClass);
  CHECK(p.plan().function("box_fail")->defining_type == "BoxType");
  CHECK(p.plan().function("box_peek")->access == StateAccess::TypeOfSelf);
  FixOptions options;
  options.method_state = MethodState::DefiningClass;
  Planned d = planned(code, options);
  REQUIRE(d.plan().refusals.empty());
  CHECK(d.plan().function("box_peek")->access == StateAccess::DefiningClass);
}
