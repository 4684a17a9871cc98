// OG301, OG302, OG303, OG401, OG402: API calls and module state.
#include <catch2/catch.hpp>

#include "helpers.h"

TEST_CASE("OG301 reports each PyGILState call", "[OG301]") {
  auto f = findings_of("OG301", isolated_module(R"(
static void callback(void) {
    PyGILState_STATE s = PyGILState_Ensure();
    PyGILState_Release(s);
}
)"));
  REQUIRE(f.size() == 2);
  CHECK(f[0].loc.line == 4);
  CHECK(f[1].loc.line == 5);
  CHECK_FALSE(f[0].fixable);
}

// These calls reach the main interpreter whichever interpreter makes them: an already isolated
// module that uses one still is not, and fix cannot choose another interpreter for it.
TEST_CASE("OG303 reports calls that only work with the main interpreter, as errors not fixable", "[OG303]") {
  auto f = findings_of("OG303", isolated_module(R"(
static int later(void *arg) { (void)arg; return 0; }
#define SCHEDULE(f) Py_AddPendingCall((f), NULL)
static PyObject *go(PyObject *m, PyObject *a) {
    (void)m; (void)a;
    if (Py_AddPendingCall(later, NULL) < 0) return NULL;
    if (SCHEDULE(later) < 0) return NULL;
    PyErr_SetInterrupt();
    (void)PyErr_SetInterruptEx(2);
    PyThreadState *ts = PyThreadState_New(PyInterpreterState_Main());
    (void)ts;
    (void)PyErr_CheckSignals();
    Py_RETURN_NONE;
}
)"));
  REQUIRE(f.size() == 5);
  CHECK(f[0].symbol == "go:Py_AddPendingCall");
  CHECK(f[0].loc.line == 7);
  CHECK(f[0].message.find("main interpreter") != std::string::npos);
  CHECK(f[1].message.find("through macro SCHEDULE") != std::string::npos);
  CHECK(f[2].symbol == "go:PyErr_SetInterrupt");
  CHECK(f[3].symbol == "go:PyErr_SetInterruptEx");
  CHECK(f[4].symbol == "go:PyInterpreterState_Main");
  for (const auto& x : f) {
    CHECK(x.severity == owngil::Severity::Error);
    CHECK_FALSE(x.fixable);
  }
}

TEST_CASE("OG303 reports main-interpreter calls in code compiled only in another configuration", "[OG303]") {
  auto f = findings_of("OG303", isolated_module(R"(
static int later(void *arg) { (void)arg; return 0; }
static PyObject *go(PyObject *m, PyObject *a) {
    (void)m; (void)a;
#ifdef USE_PENDING_CALLS
    if (Py_AddPendingCall(later, NULL) < 0) return NULL;
#endif
#if 0
    PyErr_SetInterrupt();
#endif
    Py_RETURN_NONE;
}
)"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.line == 6);
  CHECK(f[0].message.find("Py_AddPendingCall in code compiled only when defined(USE_PENDING_CALLS)") != std::string::npos);
  CHECK_FALSE(f[0].fixable);
}

TEST_CASE("OG302 reports PyState_FindModule and PyState_AddModule", "[OG302]") {
  auto f = findings_of("OG302", R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL};
static PyObject *self_module(void) { return PyState_FindModule(&d); }
PyMODINIT_FUNC PyInit_m(void) {
    PyObject *m = PyModule_Create(&d);
    if (m && PyState_AddModule(m, &d) < 0) return NULL;
    (void)self_module;
    return m;
})");
  REQUIRE(f.size() == 2);
  CHECK(f[0].symbol == "self_module:PyState_FindModule");
  CHECK(f[1].symbol == "PyInit_m:PyState_AddModule");
}

static std::string state_module(const std::string& hooks) {
  return R"(#include <Python.h>
typedef struct { PyObject *cached; long n; } st;
static int tr(PyObject *m, visitproc visit, void *arg) { Py_VISIT(((st *)PyModule_GetState(m))->cached); return 0; }
static int cl(PyObject *m) { Py_CLEAR(((st *)PyModule_GetState(m))->cached); return 0; }
static int ex(PyObject *m) { st *s = PyModule_GetState(m); s->cached = PyDict_New(); (void)tr; (void)cl; return s->cached ? 0 : -1; }
static PyModuleDef_Slot slots[] = {{Py_mod_exec, ex}, {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED}, {0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, .m_name = "m", .m_size = sizeof(st), .m_slots = slots)" +
         hooks + R"(};
PyMODINIT_FUNC PyInit_m(void) { return PyModuleDef_Init(&d); })";
}

TEST_CASE("OG401 reports module state with objects but no m_traverse/m_clear", "[OG401]") {
  auto f = findings_of("OG401", state_module(""));
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("(cached)") != std::string::npos);
  CHECK(f[0].message.find("m_traverse and m_clear") != std::string::npos);
  auto half = findings_of("OG401", state_module(", .m_traverse = tr"));
  REQUIRE(half.size() == 1);
  CHECK(half[0].message.find("no m_clear") != std::string::npos);
  CHECK(findings_of("OG401", state_module(", .m_traverse = tr, .m_clear = cl")).empty());
}

TEST_CASE("OG402 reports state fetched through Py_TYPE(self), not through PyType_GetModuleByDef", "[OG402]") {
  auto f = findings_of("OG402", isolated_module(R"(
static PyObject *a(PyObject *self, PyObject *x) { (void)x; return PyType_GetModule(Py_TYPE(self)); }
static PyObject *b(PyObject *self, PyObject *x) { (void)x; return PyType_GetModuleByDef(Py_TYPE(self), NULL); }
static PyObject *c(PyTypeObject *defining, PyObject *x) { (void)x; return PyType_GetModule(defining); }
)"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].symbol == "a:PyType_GetModule");
}
