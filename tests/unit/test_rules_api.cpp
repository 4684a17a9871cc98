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

// A module with one method, `run`, around `body` (which defines it).
static std::string with_method(const std::string& body) {
  return "#include <Python.h>\n#include <pthread.h>\n#include <stdlib.h>\n" + body +
         "\nstatic PyMethodDef snip_methods[] = {{\"run\", run, METH_O, NULL}, {NULL, NULL, 0, NULL}};\n"
         "static PyModuleDef_Slot snip_slots[] = {\n"
         "    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},\n    {0, NULL}};\n"
         "static struct PyModuleDef snip_def = {PyModuleDef_HEAD_INIT, .m_name = \"snip\", .m_size = 0,\n"
         "    .m_methods = snip_methods, .m_slots = snip_slots};\n"
         "PyMODINIT_FUNC PyInit_snip(void) { return PyModuleDef_Init(&snip_def); }\n";
}

TEST_CASE("OG301: a callback run during a call from Python is a note, not an error", "[OG301]") {
  // The hook runs on the caller's thread (an engine of the tree calls it back, a library's
  // qsort_r calls the comparator), also with the GIL released around the call.
  auto f = findings_of("OG301", with_method(R"(
typedef void (*hook_fn)(void *);
static void engine_run(hook_fn hook, void *ctx) { hook(ctx); }
static void on_hook(void *ctx) {
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject_CallNoArgs((PyObject *)ctx);
    PyGILState_Release(g);
}
static int compare(const void *a, const void *b, void *ctx) {
    PyGILState_STATE g = PyGILState_Ensure();
    (void)a; (void)b; (void)ctx;
    PyGILState_Release(g);
    return 0;
}
static PyObject *run(PyObject *module, PyObject *arg) {
    long items[2] = {2, 1};
    (void)module;
    Py_BEGIN_ALLOW_THREADS
    engine_run(on_hook, arg);
    qsort_r(items, 2, sizeof(long), compare, arg);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}
)"));
  REQUIRE(f.size() == 4);
  for (const owngil::Finding& x : f) {
    CHECK(x.severity == owngil::Severity::Note);
    CHECK(x.message.find("runs only on the thread of a call from Python") != std::string::npos);
    CHECK(x.message.find("a thread pool") != std::string::npos);  // what would break it
  }
}

TEST_CASE("OG301: code run by a thread the module starts is an error naming the entry and the start", "[OG301]") {
  // Directly, and through a helper that passes its parameter on to pthread_create.
  auto f = findings_of("OG301", with_method(R"(
static void call_back(void *ctx) {
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject_CallNoArgs((PyObject *)ctx);
    PyGILState_Release(g);
}
static void *worker(void *ctx) { call_back(ctx); return NULL; }
static int start(void *(*entry)(void *), void *arg, pthread_t *t) { return pthread_create(t, NULL, entry, arg); }
static void *other(void *ctx) {
    PyGILState_STATE g = PyGILState_Ensure();
    (void)ctx;
    PyGILState_Release(g);
    return NULL;
}
static PyObject *run(PyObject *module, PyObject *arg) {
    pthread_t a, b;
    (void)module;
    Py_BEGIN_ALLOW_THREADS
    if (pthread_create(&a, NULL, worker, arg) == 0) pthread_join(a, NULL);
    if (start(other, arg, &b) == 0) pthread_join(b, NULL);
    Py_END_ALLOW_THREADS
    call_back(arg);
    Py_RETURN_NONE;
}
)"));
  REQUIRE(f.size() == 4);
  for (const owngil::Finding& x : f) {
    CHECK(x.severity == owngil::Severity::Error);
    CHECK(x.fixable);
    REQUIRE(x.notes.size() == 1);
  }
  // call_back also runs synchronously from run: the thread makes it an error all the same.
  CHECK(f[0].message.find("entry point 'worker', started by pthread_create in 'run' at ") != std::string::npos);
  CHECK(f[0].message.find("snippet.c:22:") != std::string::npos);
  CHECK(f[0].notes[0].loc.line == 22);
  CHECK(f[2].message.find("snippet.c:23:") != std::string::npos);
  CHECK(f[2].message.find("entry point 'other', started by pthread_create in 'run' at ") != std::string::npos);
}

TEST_CASE("OG301: a thread owngil_compat.h does not wrap, or a stored callback, is not fixable", "[OG301]") {
  auto f = findings_of("OG301", with_method(R"(
typedef struct { void (*fn)(void *); } holder;
static holder keep;
static void stored(void *ctx) {
    PyGILState_STATE g = PyGILState_Ensure();
    (void)ctx;
    PyGILState_Release(g);
}
static int entry(void *ctx) {
    PyGILState_STATE g = PyGILState_Ensure();
    (void)ctx;
    PyGILState_Release(g);
    return 0;
}
static PyObject *run(PyObject *module, PyObject *arg) {
    thrd_t t;
    (void)module; (void)arg;
    keep.fn = stored;
    thrd_create(&t, entry, NULL);
    Py_RETURN_NONE;
}
)").insert(0, "#include <threads.h>\n"));
  REQUIRE(f.size() == 4);
  CHECK(f[0].message.find("cannot tell which thread runs 'stored'") != std::string::npos);
  CHECK(f[2].message.find("started by thrd_create") != std::string::npos);
  for (const owngil::Finding& x : f) {
    CHECK(x.severity == owngil::Severity::Error);
    CHECK_FALSE(x.fixable);
  }
}

TEST_CASE("OG301 and OG304: a callback registered process-wide is an error naming the registration", "[OG301][OG304]") {
  std::string code = with_method(R"(
static void flush(int status, void *ctx) {
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject_CallFunction((PyObject *)ctx, "i", status);
    PyGILState_Release(g);
}
static void plain(void) {}
static PyObject *run(PyObject *module, PyObject *arg) {
    (void)module;
    on_exit(flush, (void *)arg);
    atexit(plain);
    Py_RETURN_NONE;
}
)");
  auto gil = findings_of("OG301", code);
  REQUIRE(gil.size() == 2);
  CHECK(gil[0].severity == owngil::Severity::Error);
  CHECK(gil[0].message.find("runs in 'flush', registered process-wide with on_exit in 'run' at ") !=
        std::string::npos);
  auto reg = findings_of("OG304", code);
  REQUIRE(reg.size() == 1);  // atexit(plain) holds nothing of an interpreter
  CHECK(gil[0].message.find("snippet.c:13:") != std::string::npos);
  CHECK(reg[0].loc.line == 13);
  CHECK(reg[0].message.find("'flush' is registered process-wide with on_exit in 'run', with a Python object") == 0);
  CHECK_FALSE(reg[0].fixable);
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
