// Each repair of rewriter/repairs/ alone: a snippet's plan, that one repair's edits applied, and
// what they must (and must not) change.
#include <algorithm>
#include <random>

#include <catch2/catch.hpp>

#include "planned.h"

using namespace owngil;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }


// Multi-phase, without the interpreter slot, PyState_FindModule in a method and exec.
const char* kMultiPhase = R"(#include <Python.h>
static struct PyModuleDef d;
static PyObject *me(PyObject *module, PyObject *Py_UNUSED(arg)) {
    (void)module;
    return Py_NewRef(PyState_FindModule(&d));
}
static int ex(PyObject *module) {
    if (PyState_AddModule(module, &d) < 0) return -1;
    return 0;
}
static PyMethodDef methods[] = {{"me", me, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, ex},
    {0, NULL},
};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, .m_name = "m", .m_size = 0, .m_methods = methods, .m_slots = slots};
PyMODINIT_FUNC PyInit_m(void) { return PyModuleDef_Init(&d); }
)";

}  // namespace

TEST_CASE("repair module-parameters: a Py_UNUSED module parameter that is now read gets its name", "[repair]") {
  Planned p = planned(kTypedModule);
  std::string out = applied(p, run_repair(p, repair_module_parameters));
  CHECK(has(out, "static PyObject *fail(PyObject *module, PyObject *arg)"));
  CHECK(has(out, "make_box(PyObject *module, PyObject *Py_UNUSED(arg))"));  // reads the state for the type
  CHECK(has(out, "static PyObject *box_repr(PyObject *self)"));
}

TEST_CASE("repair state-fetch: module functions from their module, slots from their type", "[repair]") {
  Planned p = planned(kTypedModule);
  RepairResult r = run_repair(p, repair_state_fetch);
  std::string out = applied(p, r);
  CHECK(has(out, "arg) {\n    m_state *st = get_m_state(module); (void)arg;"));
  CHECK(has(out, "box_repr(PyObject *self) {\n    m_state *st = m_state_of_type(Py_TYPE(self));\n    if (st == NULL) {\n"
                 "        return NULL;\n    }"));
  CHECK_FALSE(has(out, "raise_error(m_state"));  // parameters are another repair's
  CHECK(r.repaired == std::set<std::string>{"OG101", "OG201"});
}

TEST_CASE("repair state-parameters: helpers get the state first, in prototypes too, callers pass it", "[repair]") {
  Planned p = planned(R"(#include <Python.h>
static long hits;
static long bump(long by);
static long twice(void) { bump(1); return bump (1); }
static long bump(long by) { hits += by; return hits; }
static PyObject *get(PyObject *module, PyObject *Py_UNUSED(arg)) { (void)module; return PyLong_FromLong(twice()); }
static PyMethodDef methods[] = {{"get", get, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&d); }
)");
  std::string out = applied(p, run_repair(p, repair_state_parameters));
  CHECK(has(out, "static long bump(m_state *st, long by);"));
  CHECK(has(out, "static long twice(m_state *st) { bump(st, 1); return bump (st, 1); }"));  // also after a blank
  CHECK(has(out, "static long bump(m_state *st, long by) { hits += by; return hits; }"));  // uses: moved-globals
  CHECK(has(out, "PyLong_FromLong(twice(st))"));
}

TEST_CASE("repair defining-class: a METH_METHOD entry point before the table, the row points to it", "[repair]") {
  Planned p = planned(kTypedModule);
  std::string out = applied(p, run_repair(p, repair_defining_class));
  CHECK(has(out, "static PyObject *box_grow_method(BoxObject *self, PyTypeObject *defining_class,\n"));
  CHECK(has(out, "owngil_unpack_varargs(\"Box.grow\", args, nargs, kwnames, &tuple, NULL)"));
  CHECK(has(out, "result = box_grow((m_state *)PyType_GetModuleState(defining_class), self, tuple);"));
  CHECK(has(out, "{\"grow\", (PyCFunction)(void (*)(void))box_grow_method, METH_METHOD | METH_FASTCALL | METH_KEYWORDS, NULL}"));
  CHECK(out.find("box_grow_method(BoxObject") < out.find("static PyMethodDef box_methods[]"));
}

TEST_CASE("repair compat-header: included after <Python.h>, added beside the file", "[repair]") {
  Planned p = planned(kTypedModule);
  RepairResult r = run_repair(p, repair_compat_header);
  CHECK(applied(p, r).rfind("#include <Python.h>\n#include \"owngil_compat.h\"\n", 0) == 0);
  REQUIRE(r.new_files.size() == 1);  // (the snippet's path is absolute: the header goes beside it)
  CHECK(has(r.new_files.begin()->first, "/owngil_compat.h"));
  CHECK(has(r.new_files.begin()->second, "owngil_unpack_varargs"));
}

TEST_CASE("repair state-struct: the struct, its accessor, type helpers and GC hooks before first use", "[repair]") {
  Planned p = planned(kTypedModule);
  std::string out = applied(p, run_repair(p, repair_state_struct));
  size_t block = out.find("typedef struct {\n    PyObject *Error;\n    PyTypeObject *BoxType;\n} m_state;");
  REQUIRE(block != std::string::npos);
  CHECK(block < out.find("static PyObject *raise_error"));
  CHECK(has(out, "static struct PyModuleDef d;\n\ntypedef struct {"));  // named before its definition
  CHECK(has(out, "PyType_GetModuleByDef(type, &d)"));
  CHECK(has(out, "static int m_traverse(PyObject *module, visitproc visit, void *arg)\n{\n    m_state *st = get_m_state(module);\n"
                 "    Py_VISIT(st->Error);\n    Py_VISIT(st->BoxType);\n"));
  CHECK(has(out, "static PyObject *Error;"));  // the global's removal is moved-globals'
}

TEST_CASE("repair heap-types: spec in place of the static type, created in exec, type owned by instances", "[repair]") {
  Planned p = planned(kTypedModule);
  std::string out = applied(p, run_repair(p, repair_heap_types));
  CHECK_FALSE(has(out, "static PyTypeObject BoxType"));
  CHECK(has(out, "static PyType_Spec BoxType_spec = {"));
  CHECK(has(out, "if (m_create_type(module, &BoxType_spec, NULL, &st->BoxType) < 0) return NULL;"));
  CHECK(has(out, "PyObject_New(BoxObject, st->BoxType)"));
  CHECK(has(out, "static void box_dealloc(PyObject *self) {\n    PyTypeObject *tp = Py_TYPE(self);\n    PyObject_GC_UnTrack(self);\n"));
  CHECK(has(out, "    Py_DECREF(tp);\n}"));
}

TEST_CASE("repair gc-allocation: a type that becomes GC-tracked allocates and frees GC objects", "[repair]") {
  Planned p = planned(kTypedModule);
  REQUIRE(p.plan().types.at(0).text.adds_gc);
  std::string out = applied(p, run_repair(p, repair_gc_allocation));
  CHECK(has(out, "PyObject_GC_New(BoxObject, &BoxType)"));
  CHECK(has(out, "    PyObject_GC_Del(self);\n"));
}

TEST_CASE("repair moved-globals: declarations go, every use reads the state", "[repair]") {
  Planned p = planned(kTypedModule);
  RepairResult r = run_repair(p, repair_moved_globals);
  std::string out = applied(p, r);
  CHECK_FALSE(has(out, "static PyObject *Error;"));
  CHECK(has(out, "PyErr_SetString(st->Error, what)"));
  CHECK(has(out, "st->Error = PyErr_NewException"));
  CHECK(has(out, "static PyTypeObject BoxType"));  // types are heap-types'
  CHECK(r.repaired == std::set<std::string>{"OG101"});
}

TEST_CASE("repair find-module: the module at hand for PyState_FindModule, no PyState_AddModule", "[repair]") {
  Planned p = planned(kMultiPhase);
  RepairResult r = run_repair(p, repair_find_module);
  std::string out = applied(p, r);
  CHECK(has(out, "return Py_NewRef(module);"));  // the call inside the macro's argument, not the macro
  CHECK_FALSE(has(out, "PyState_AddModule"));
  CHECK(r.repaired == std::set<std::string>{"OG302"});
}

TEST_CASE("repair init-to-exec: PyInit's body becomes the exec function of a new slot table", "[repair]") {
  Planned p = planned(kTypedModule);
  std::string out = applied(p, run_repair(p, repair_init_to_exec));
  CHECK(has(out, "static int m_exec(PyObject *module);\n\nstatic PyModuleDef_Slot m_slots[] = {\n    {Py_mod_exec, m_exec},\n"));
  CHECK(has(out, "static int m_exec(PyObject *module) {\n    if (PyType_Ready(&BoxType) < 0) return -1;\n    PyObject *m = module;"));
  CHECK_FALSE(has(out, "Py_DECREF(m)"));
  CHECK(has(out, "    return 0;\n}\n\nPyMODINIT_FUNC PyInit_m(void) {\n    return PyModuleDef_Init(&d);\n}"));
  CHECK(has(out, "Py_MOD_PER_INTERPRETER_GIL_SUPPORTED"));
  CHECK(has(out, "{PyModuleDef_HEAD_INIT, \"m\", NULL, -1, methods, NULL, NULL, NULL, NULL}"));  // fields: def-fields
}

TEST_CASE("repair interpreter-slots: a multi-phase table gains both slots, each under #ifdef", "[repair]") {
  Planned p = planned(kMultiPhase);
  REQUIRE(p.plan().declare_support);
  std::string out = applied(p, run_repair(p, repair_interpreter_slots));
  CHECK(has(out, "    {Py_mod_exec, ex},\n#ifdef Py_mod_multiple_interpreters\n"
                 "    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},\n#endif\n"
                 "#ifdef Py_mod_gil\n    {Py_mod_gil, Py_MOD_GIL_USED},\n#endif\n    {0, NULL},\n"));
}

TEST_CASE("repair def-fields: positional fields rewritten where written, added after the last", "[repair]") {
  Planned p = planned(kTypedModule);
  std::string out = applied(p, run_repair(p, repair_def_fields));
  CHECK(has(out, "{PyModuleDef_HEAD_INIT, \"m\", NULL, sizeof(m_state), methods, m_slots, m_traverse, m_clear, m_free}"));
  Planned multi = planned(kMultiPhase);
  CHECK(run_repair(multi, repair_def_fields).edits.empty());  // nothing to set there
}

TEST_CASE("the repairs together make the port that fix prints", "[repair]") {
  Planned p = planned(kTypedModule);
  std::vector<Edit> all;
  for (Repair repair : kRepairs) {
    RepairResult one = run_repair(p, repair);
    CHECK(one.refusals.empty());
    all.insert(all.end(), one.edits.begin(), one.edits.end());
  }
  std::vector<ModulePlan> plans = plan_fixes(*p.model, run_rules(*p.model), {}, [&](const std::string&) { return p.code; });
  REQUIRE(plans.size() == 1);
  REQUIRE(plans[0].refusals.empty());
  drop_redundant_edits(all);
  take_blank_line_after_removed_runs(all, [&](const std::string&) -> const std::string& { return p.code; });
  REQUIRE(all.size() == plans[0].edits.size());
  for (size_t i = 0; i < all.size(); ++i) CHECK((all[i].begin == plans[0].edits[i].begin && all[i].text == plans[0].edits[i].text));
}

namespace {

// drop_redundant_edits by its definition, in quadratic time: later copies of a change (not of
// an insertion) go, then every edit that a removal other than itself covers (an insertion only
// strictly inside it).
void drop_redundant_edits_by_definition(std::vector<Edit>& edits) {
  auto same = [](const Edit& a, const Edit& b) {
    return a.file == b.file && a.begin == b.begin && a.end == b.end && a.text == b.text;
  };
  for (size_t i = 0; i < edits.size(); ++i)
    for (size_t j = edits.size(); j-- > i + 1;)
      if (same(edits[i], edits[j]) && edits[i].end > edits[i].begin) edits.erase(edits.begin() + static_cast<long>(j));
  std::vector<Edit> removals;
  for (const Edit& e : edits)
    if (e.text.empty() && e.end > e.begin) removals.push_back(e);
  auto inside = [&](const Edit& e) {
    return std::any_of(removals.begin(), removals.end(), [&](const Edit& r) {
      if (r.file != e.file || (r.begin == e.begin && r.end == e.end && e.text.empty())) return false;
      if (e.begin == e.end) return r.begin < e.begin && e.begin < r.end;
      return r.begin <= e.begin && e.end <= r.end;
    });
  };
  edits.erase(std::remove_if(edits.begin(), edits.end(), inside), edits.end());
}

}  // namespace

TEST_CASE("drop_redundant_edits keeps what its definition keeps, in order, on random edits", "[repair][edits]") {
  // Small ranges over few bytes and two files, so copies, nesting and shared ends are frequent.
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    std::vector<Edit> edits(rng() % 12);
    for (Edit& e : edits) {
      e.file = rng() % 4 == 0 ? "b.c" : "a.c";
      e.begin = rng() % 10;
      e.end = e.begin + (rng() % 3 == 0 ? 0 : rng() % 5);
      e.text = std::string(rng() % 3 == 0 ? 0 : 1, rng() % 2 ? 'x' : 'y');
    }
    std::vector<Edit> fast = edits, reference = edits;
    drop_redundant_edits(fast);
    drop_redundant_edits_by_definition(reference);
    REQUIRE(fast.size() == reference.size());
    for (size_t i = 0; i < fast.size(); ++i) {
      INFO("round " << round << ", edit " << i);
      REQUIRE(fast[i].file == reference[i].file);
      REQUIRE(fast[i].begin == reference[i].begin);
      REQUIRE(fast[i].end == reference[i].end);
      REQUIRE(fast[i].text == reference[i].text);
    }
  }
}

namespace {
// A module whose thread calls back into Python; `worker_body` is the entry point's body.
std::string thread_module(const std::string& worker_body) {
  return std::string(R"(#include <Python.h>
#include <pthread.h>
static void *worker(void *arg) {
)") + worker_body + R"(}
static PyObject *run(PyObject *module, PyObject *arg) {
    pthread_t t;
    (void)module;
    Py_BEGIN_ALLOW_THREADS
    if (pthread_create(&t, NULL, worker, arg) == 0) pthread_join(t, NULL);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}
static PyMethodDef methods[] = {{"run", run, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static PyModuleDef_Slot slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, methods, slots, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { return PyModuleDef_Init(&d); }
)";
}
}  // namespace

TEST_CASE("thread_handoff: the start records the interpreter, the thread enters it or returns its error", "[repairs]") {
  Planned p = planned(thread_module(R"(    PyGILState_STATE g = PyGILState_Ensure();
    PyObject_CallNoArgs((PyObject *)arg);
    PyGILState_Release(g);
    return NULL;
)"));
  REQUIRE(p.plan().refusals.empty());
  REQUIRE(p.plan().thread_starts.size() == 1);
  REQUIRE(p.plan().thread_entries.size() == 1);
  CHECK(p.plan().thread_entries[0].failure == "return NULL;");
  CHECK(p.plan().compat_files.size() == 1);  // the file gets owngil_compat.h
  RepairResult r = run_repair(p, repair_thread_handoff);
  CHECK(r.repaired == std::set<std::string>{"OG301"});
  std::string out = applied(p, r);
  CHECK(out.find("    PyGILState_STATE g = owngil_thread_ensure(\"worker\");\n"
                 "    if (owngil_thread_ensure_failed()) return NULL;  /* the interpreter that started this thread is gone */\n"
                 "    PyObject_CallNoArgs") != std::string::npos);
  CHECK(out.find("    owngil_thread_release(g);\n") != std::string::npos);
  CHECK(out.find("if (owngil_pthread_create(&t, NULL, worker, arg) == 0)") != std::string::npos);
  CHECK(out.find("PyGILState") == out.rfind("PyGILState_STATE g"));  // no PyGILState call left
}

TEST_CASE("thread_handoff: refused where the early return would skip something", "[repairs]") {
  // Called before the entry, after the release, and a library call in the Python part.
  Planned before = planned(thread_module(R"(    PyObject *o = (PyObject *)arg;
    fflush(stdout);
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject_CallNoArgs(o);
    PyGILState_Release(g);
    return NULL;
)"));
  REQUIRE(before.plan().refusals.size() == 1);
  CHECK(before.plan().refusals[0].reason.find("comes after a call of fflush") != std::string::npos);
  Planned after = planned(thread_module(R"(    PyGILState_STATE g = PyGILState_Ensure();
    PyObject_CallNoArgs((PyObject *)arg);
    PyGILState_Release(g);
    fflush(stdout);
    return NULL;
)"));
  REQUIRE(after.plan().refusals.size() == 1);
  CHECK(after.plan().refusals[0].reason.find("calls fflush after PyGILState_Release") != std::string::npos);
  Planned inside = planned(thread_module(R"(    PyGILState_STATE g = PyGILState_Ensure();
    PyObject_CallNoArgs((PyObject *)arg);
    pthread_cond_signal((pthread_cond_t *)arg);
    PyGILState_Release(g);
    return NULL;
)"));
  REQUIRE(inside.plan().refusals.size() == 1);
  CHECK(inside.plan().refusals[0].reason.find("the Python part calls pthread_cond_signal") != std::string::npos);
  CHECK(inside.plan().thread_entries.empty());
}
