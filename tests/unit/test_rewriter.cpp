// Edits, diffs and the fix plan, on small inputs.
#include <catch2/catch.hpp>

#include "helpers.h"
#include "owngil/edit.h"
#include "owngil/rewriter.h"

using namespace owngil;

TEST_CASE("apply_edits replaces and inserts, and refuses overlaps", "[rewriter]") {
  std::string out, error;
  REQUIRE(apply_edits("int a = 1;\n", {{"f.c", 8, 9, "2"}, {"f.c", 0, 0, "static "}}, &out, &error));
  CHECK(out == "static int a = 2;\n");
  CHECK_FALSE(apply_edits("abcdef", {{"f.c", 1, 4, "x"}, {"f.c", 3, 5, "y"}}, &out, &error));
  CHECK(error.find("overlapping") != std::string::npos);
  CHECK_FALSE(apply_edits("abc", {{"f.c", 2, 9, "x"}}, &out, &error));
}

// The diff of `before` and the edits, checked to be what the edits make of `before` by applying
// its hunks the way `patch` does.
static std::string diff_of(const std::string& before, const std::vector<Edit>& edits) {
  return unified_diff("f.c", before, edits);
}

TEST_CASE("unified_diff gives minimal hunks with context", "[rewriter][diff]") {
  std::string before;
  for (int i = 1; i <= 20; ++i) before += "line " + std::to_string(i) + "\n";
  unsigned five = static_cast<unsigned>(before.find("line 5\n")), eighteen = static_cast<unsigned>(before.find("line 18\n"));
  // "5" becomes "five": part of a line changes, the whole line is removed and added.
  std::vector<Edit> edits = {{"x.c", eighteen, eighteen, "new line\n"}, {"x.c", five + 5, five + 6, "five"}};
  CHECK(unified_diff("x.c", before, edits) ==
        "--- a/x.c\n+++ b/x.c\n"
        "@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n"
        "@@ -15,6 +15,7 @@\n line 15\n line 16\n line 17\n+new line\n line 18\n line 19\n line 20\n");
  CHECK(unified_diff("x.c", before, {}).empty());
  CHECK(unified_diff("x.c", before, {{"x.c", five, five + 7, "line 5\n"}}).empty());  // the same text again
  CHECK(unified_diff("y.c", "a\n", {{"y.c", 2, 2, "b"}}) ==
        "--- a/y.c\n+++ b/y.c\n@@ -1,1 +1,2 @@\n a\n+b\n\\ No newline at end of file\n");
}

TEST_CASE("unified_diff: edits within 6 lines share a hunk, further ones do not", "[rewriter][diff]") {
  std::string before;
  for (int i = 1; i <= 20; ++i) before += std::to_string(i % 10) + "\n";  // "1\n" ... each line 2 bytes
  auto at = [](int line) { return static_cast<unsigned>(2 * (line - 1)); };
  // lines 4 and 11: 6 lines between, one hunk; lines 4 and 12: two hunks.
  CHECK(diff_of(before, {{"f.c", at(4), at(4) + 1, "x"}, {"f.c", at(11), at(11) + 1, "y"}}) ==
        "--- a/f.c\n+++ b/f.c\n@@ -1,14 +1,14 @@\n 1\n 2\n 3\n-4\n+x\n 5\n 6\n 7\n 8\n 9\n 0\n-1\n+y\n 2\n 3\n 4\n");
  CHECK(diff_of(before, {{"f.c", at(4), at(4) + 1, "x"}, {"f.c", at(12), at(12) + 1, "y"}}) ==
        "--- a/f.c\n+++ b/f.c\n@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+x\n 5\n 6\n 7\n"
        "@@ -9,7 +9,7 @@\n 9\n 0\n 1\n-2\n+y\n 3\n 4\n 5\n");
}

TEST_CASE("unified_diff: two edits on one line, and edits on touching lines", "[rewriter][diff]") {
  CHECK(diff_of("int a = 1;\n", {{"f.c", 8, 9, "2"}, {"f.c", 0, 0, "static "}}) ==
        "--- a/f.c\n+++ b/f.c\n@@ -1,1 +1,1 @@\n-int a = 1;\n+static int a = 2;\n");
  // Lines 1 and 2 each changed by an edit of their own: one run, all removed then all added.
  CHECK(diff_of("a\nb\nc\n", {{"f.c", 0, 1, "A"}, {"f.c", 2, 3, "B"}}) ==
        "--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,3 @@\n-a\n-b\n+A\n+B\n c\n");
  // Two insertions at one place keep their order.
  CHECK(diff_of("a\nb\n", {{"f.c", 2, 2, "x\n"}, {"f.c", 2, 2, "y\n"}}) ==
        "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,4 @@\n a\n+x\n+y\n b\n");
}

TEST_CASE("unified_diff: insertions and deletions of whole lines, at the start and the end", "[rewriter][diff]") {
  CHECK(diff_of("a\nb\n", {{"f.c", 0, 0, "x\n"}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,3 @@\n+x\n a\n b\n");
  CHECK(diff_of("a\nb\n", {{"f.c", 4, 4, "x\n"}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,3 @@\n a\n b\n+x\n");
  CHECK(diff_of("a\nb\nc\n", {{"f.c", 2, 4, ""}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,2 @@\n a\n-b\n c\n");
  CHECK(diff_of("a\nb\n", {{"f.c", 0, 2, ""}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,1 @@\n-a\n b\n");
  // An insertion that does not end a line joins the line it is put in.
  CHECK(diff_of("a\nb\n", {{"f.c", 2, 2, "x"}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n a\n-b\n+xb\n");
  // Inside a line, "\nx" adds a line after it: the line itself stays as context.
  CHECK(diff_of("a\nb\n", {{"f.c", 1, 1, "\nx"}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,3 @@\n a\n+x\n b\n");
}

TEST_CASE("unified_diff: no newline at the end, empty files, new files", "[rewriter][diff]") {
  CHECK(diff_of("a\nb", {{"f.c", 2, 3, "c"}}) ==
        "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n");
  CHECK(diff_of("a\nb", {{"f.c", 3, 3, "\n"}}) ==
        "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
  CHECK(diff_of("a\nb\n", {{"f.c", 3, 4, ""}}) ==
        "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n");
  CHECK(diff_of("", {{"f.c", 0, 0, "a\nb\n"}}) == "--- a/f.c\n+++ b/f.c\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  CHECK(diff_of("a\nb\n", {{"f.c", 0, 4, ""}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,2 +0,0 @@\n-a\n-b\n");
  CHECK(diff_of("a", {{"f.c", 0, 1, ""}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,1 +0,0 @@\n-a\n\\ No newline at end of file\n");
  CHECK(unified_diff("n.h", "", {{"n.h", 0, 0, "x\n"}}, /*new_file=*/true) == "--- /dev/null\n+++ b/n.h\n@@ -0,0 +1,1 @@\n+x\n");
}

TEST_CASE("unified_diff: CRLF and bare-CR lines", "[rewriter][diff]") {
  // A CRLF line ends at its '\n': the '\r' is part of the line, as diff -u shows it.
  CHECK(diff_of("a\r\nb\r\n", {{"f.c", 3, 4, "c"}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n");
  CHECK(diff_of("a\r\nb\r\n", {{"f.c", 3, 3, "x\r\n"}}) == "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,3 @@\n a\r\n+x\r\n b\r\n");
  // Bare CRs end no line: the file is one line.
  CHECK(diff_of("a\rb\r", {{"f.c", 2, 3, "c"}}) ==
        "--- a/f.c\n+++ b/f.c\n@@ -1,1 +1,1 @@\n-a\rb\r\n\\ No newline at end of file\n+a\rc\r\n\\ No newline at end of file\n");
}

// Cost: the diff is read off the edits, linear in the text: no search (a Myers search on these
// had D of the order of N).
TEST_CASE("unified_diff of a 20,000-line text replaced whole", "[rewriter][diff][diff-all]") {
  std::string before, after, want = "--- a/big.c\n+++ b/big.c\n@@ -1,20000 +1,20000 @@\n";
  for (int i = 0; i < 20000; ++i) before += "old " + std::to_string(i) + "\n";
  for (int i = 0; i < 20000; ++i) after += "new " + std::to_string(i) + "\n";
  for (int i = 0; i < 20000; ++i) want += "-old " + std::to_string(i) + "\n";
  for (int i = 0; i < 20000; ++i) want += "+new " + std::to_string(i) + "\n";
  CHECK(unified_diff("big.c", before, {{"big.c", 0, static_cast<unsigned>(before.size()), after}}) == want);
}

TEST_CASE("unified_diff of 20,000 lines changed one in two", "[rewriter][diff][diff-half]") {
  std::string before, want = "--- a/big.c\n+++ b/big.c\n@@ -1,20000 +1,20000 @@\n";
  std::vector<Edit> edits;
  for (int i = 0; i < 20000; ++i) {
    std::string kept = "kept " + std::to_string(i) + "\n";
    if (i % 2) edits.push_back({"big.c", static_cast<unsigned>(before.size()), static_cast<unsigned>(before.size() + 3), "new"});
    before += i % 2 ? "old " + std::to_string(i) + "\n" : kept;
    want += i % 2 ? "-old " + std::to_string(i) + "\n+new " + std::to_string(i) + "\n" : " " + kept;
  }
  CHECK(unified_diff("big.c", before, edits) == want);
}

static std::vector<ModulePlan> plan_for(const std::string& code, const FixOptions& options = {}) {
  Model m = analyze_snippet(code, "snippet.c");
  for (const TranslationUnit& tu : m.units)
    for (const ParseError& e : tu.errors) FAIL_CHECK("the code does not compile: line " << e.loc.line << ": " << e.message);
  std::vector<Finding> findings = run_rules(m);
  return plan_fixes(m, findings, options, [&](const std::string&) { return code; });
}

// The port of a one-module snippet that fix must accept: no refusal, and the edits apply.
static std::string ported(const std::string& code, ModulePlan* plan = nullptr, const FixOptions& options = {}) {
  auto plans = plan_for(code, options);
  REQUIRE(plans.size() == 1);
  REQUIRE(plans[0].refusals.empty());
  std::string out, error;
  REQUIRE(apply_edits(code, plans[0].edits, &out, &error));
  if (plan) *plan = plans[0];
  return out;
}

// A second fix on ported code changes nothing.
static void check_nothing_left(const std::string& out) {
  auto again = plan_for(out);
  REQUIRE(again.size() == 1);
  CHECK(again[0].edits.empty());
  CHECK(again[0].refusals.empty());
}

TEST_CASE("fix plan: a single-phase module without state is ported", "[rewriter]") {
  std::string code = R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, NULL, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) {
    PyObject *m = PyModule_Create(&d);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "X", 1) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
)";
  ModulePlan plan;
  std::string out = ported(code, &plan);
  CHECK(plan.repaired == std::set<std::string>{"OG001", "OG002", "OG003"});
  CHECK(out.find("static int m_exec(PyObject *module) {") != std::string::npos);
  CHECK(out.find("PyObject *m = module;") != std::string::npos);
  CHECK(out.find("Py_DECREF(m)") == std::string::npos);
  CHECK(out.find("return NULL") == std::string::npos);
  CHECK(out.find("return PyModuleDef_Init(&d);") != std::string::npos);
  CHECK(out.find("NULL, 0, NULL, m_slots,") != std::string::npos);
  // The result has nothing left to fix.
  check_nothing_left(out);
}

TEST_CASE("fix plan refuses: other blockers, a module made in a helper, odd returns", "[rewriter]") {
  auto with_type = plan_for(R"(#include <Python.h>
static PyObject *take(PyObject *self, PyObject *arg) { (void)self; return Py_NewRef(arg); }
static PyMethodDef methods[] = {{"take", take, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods, NULL, NULL, NULL, NULL};
static int later(void *arg) { (void)arg; return 0; }
PyMODINIT_FUNC PyInit_m(void) { Py_AddPendingCall(later, NULL); Py_AddPendingCall(later, NULL); return PyModule_Create(&d); })");
  REQUIRE(with_type[0].refusals.size() == 2);
  CHECK(with_type[0].refusals[0].reason.find("OG303 needs manual work") == 0);
  CHECK(with_type[0].edits.empty());

  auto helper = plan_for(R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL, NULL, NULL, NULL, NULL};
static PyObject *make(void) { return PyModule_Create(&d); }
PyMODINIT_FUNC PyInit_m(void) { PyObject *m = make(); if (m) PyModule_AddIntConstant(m, "x", 1); return m; })");
  REQUIRE(helper[0].refusals.size() == 1);
  CHECK(helper[0].refusals[0].reason.find("helper") != std::string::npos);

  auto odd = plan_for(R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { PyObject *m = PyModule_Create(&d); if (!m) return NULL; return PyModule_GetDict(m); })");
  REQUIRE(!odd[0].refusals.empty());
  CHECK(odd[0].refusals.back().reason.find("neither NULL nor the module") != std::string::npos);
}

TEST_CASE("fix plan: globals move into module state, helpers receive it, callers pass it", "[rewriter]") {
  std::string code = R"(#include <Python.h>
static PyObject *cache;
static long hits;
static long bump(long by) { hits += by; return hits; }
static long twice(void) { bump(1); return bump(1); }
static PyObject *get(PyObject *module, PyObject *Py_UNUSED(arg)) {
    twice();
    return Py_NewRef(cache);
}
static PyMethodDef methods[] = {{"get", get, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static int ex(PyObject *module) {
    cache = PyDict_New();
    return cache ? 0 : -1;
}
static PyModuleDef_Slot slots[] = {{Py_mod_exec, ex}, {0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, .m_name = "m", .m_size = 0, .m_methods = methods, .m_slots = slots};
PyMODINIT_FUNC PyInit_m(void) { return PyModuleDef_Init(&d); }
)";
  std::string out = ported(code);
  CHECK(out.find("static long bump(m_state *st, long by) { st->hits += by; return st->hits; }") != std::string::npos);
  CHECK(out.find("static long twice(m_state *st) { bump(st, 1); return bump(st, 1); }") != std::string::npos);
  CHECK(out.find("m_state *st = get_m_state(module);\n    twice(st);") != std::string::npos);
  CHECK(out.find("st->cache = PyDict_New();") != std::string::npos);
  CHECK(out.find(".m_size = sizeof(m_state)") != std::string::npos);
  CHECK(out.find(".m_traverse = m_traverse") != std::string::npos);
  CHECK(out.find("static PyObject *cache;") == std::string::npos);
  CHECK(out.find("Py_mod_multiple_interpreters") != std::string::npos);
  check_nothing_left(out);
}

// A multi-phase, per-interpreter-GIL module around `body`, which defines a METH_O function `run`.
static std::string with_run_method(const std::string& body) {
  return body + R"(
static PyMethodDef methods[] = {{"run", run, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static PyModuleDef_Slot slots[] = {{Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED}, {0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, .m_name = "m", .m_methods = methods, .m_slots = slots};
PyMODINIT_FUNC PyInit_m(void) { return PyModuleDef_Init(&d); })";
}

TEST_CASE("fix plan refuses state moves it cannot do safely", "[rewriter]") {
  auto callback = plan_for(with_run_method(R"(#include <Python.h>
static long hits;
static int cb(void *arg) { (void)arg; return (int)++hits; }
static PyObject *run(PyObject *module, PyObject *a) { (void)module; (void)a; int (*f)(void *) = cb; f(NULL); Py_RETURN_NONE; }
)"));
  REQUIRE(callback[0].refusals.size() == 1);
  CHECK(callback[0].refusals[0].reason.find(
            "'cb' needs the module state (uses 'hits') but cannot receive it: its address is taken") != std::string::npos);
  CHECK(callback[0].edits.empty());

  auto inactive = plan_for(with_run_method(R"(#include <Python.h>
static long hits;
static PyObject *run(PyObject *module, PyObject *a) {
    (void)module; (void)a; hits++;
#ifdef NEVER_DEFINED
    hits = 0;
#endif
    Py_RETURN_NONE;
}
)"));
  REQUIRE(inactive[0].refusals.size() == 1);
  CHECK(inactive[0].refusals[0].reason.find("inactive #if branch") != std::string::npos);

  auto initialized = plan_for(with_run_method(R"(#include <Python.h>
static long hits = 5;
static PyObject *run(PyObject *module, PyObject *a) { (void)module; (void)a; return PyLong_FromLong(hits++); }
)"));
  REQUIRE(initialized[0].refusals.size() == 1);
  CHECK(initialized[0].refusals[0].reason.find("non-zero initializer") != std::string::npos);
}

TEST_CASE("fix plan refuses a global whose address is kept, not one handed to Py_CLEAR", "[rewriter]") {
  auto kept = plan_for(with_run_method(R"(#include <Python.h>
static long hits;
static long *counter;
static PyObject *run(PyObject *module, PyObject *a) { (void)module; (void)a; counter = &hits; return PyLong_FromLong(++*counter); }
)"));
  REQUIRE(kept[0].refusals.size() == 1);
  CHECK(kept[0].refusals[0].reason.find("the address of 'hits' is kept in 'run'") != std::string::npos);

  std::string code = with_run_method(R"(#include <Python.h>
static PyObject *last;
static PyObject *run(PyObject *module, PyObject *a) {
    (void)module;
    Py_XSETREF(last, Py_NewRef(a));
    if (a == Py_None) Py_CLEAR(last);
    Py_RETURN_NONE;
}
)");
  auto cleared = plan_for(code);
  REQUIRE(cleared[0].refusals.empty());
  std::string out, error;
  REQUIRE(apply_edits(code, cleared[0].edits, &out, &error));
  CHECK(out.find("Py_XSETREF(st->last, Py_NewRef(a));") != std::string::npos);
  CHECK(out.find("Py_CLEAR(st->last);") != std::string::npos);
}

TEST_CASE("fix replaces PyState_FindModule with the module at hand and drops PyState_AddModule", "[rewriter]") {
  std::string code = R"(#include <Python.h>
static struct PyModuleDef d;
static PyObject *name(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(ignored)) {
    return PyModule_GetNameObject(PyState_FindModule(&d));
}
static PyMethodDef methods[] = {{"name", name, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) {
    PyObject *m = PyModule_Create(&d);
    if (m == NULL) return NULL;
    if (PyState_AddModule(m, &d) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
)";
  ModulePlan plan;
  std::string out = ported(code, &plan);
  CHECK(plan.repaired.count("OG302"));
  CHECK(out.find("static PyObject *name(PyObject *self, PyObject *Py_UNUSED(ignored))") != std::string::npos);
  CHECK(out.find("return PyModule_GetNameObject(self);") != std::string::npos);
  CHECK(out.find("PyState_") == std::string::npos);
  CHECK(out.find("Py_DECREF(m)") == std::string::npos);
  check_nothing_left(out);

  auto helper = plan_for(R"(#include <Python.h>
static struct PyModuleDef d;
static PyObject *lookup(void) { return PyState_FindModule(&d); }
static PyObject *name(PyObject *self, PyObject *Py_UNUSED(ignored)) { (void)self; return PyModule_GetNameObject(lookup()); }
static PyMethodDef methods[] = {{"name", name, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&d); }
)");
  REQUIRE(helper[0].refusals.size() == 1);
  CHECK(helper[0].refusals[0].reason.find("PyState_FindModule in 'lookup', which has no module at hand") != std::string::npos);
  CHECK(helper[0].edits.empty());
}

TEST_CASE("a module that declared itself free-threading ready gets Py_MOD_GIL_NOT_USED", "[rewriter]") {
  std::string code = R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) {
    PyObject *m = PyModule_Create(&d);
#ifdef Py_GIL_DISABLED
    PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED);
#endif
    return m;
}
)";
  std::string out = ported(code);
  CHECK(out.find("{Py_mod_gil, Py_MOD_GIL_NOT_USED}") != std::string::npos);
  CHECK(out.find("Py_MOD_GIL_USED}") == std::string::npos);
}

TEST_CASE("fix turns a static type into a heap type created in exec and kept in the state", "[rewriter][OG201]") {
  std::string code = R"(#include <Python.h>
#include <stddef.h>
typedef struct { PyObject_HEAD long v; PyObject *weakrefs; } Obj;
static PyTypeObject T;
static PyObject *obj_neg(PyObject *self) {
    Obj *r = PyObject_New(Obj, &T);
    if (r) r->v = -((Obj *)self)->v;
    return (PyObject *)r;
}
static void obj_dealloc(PyObject *self) {
    PyObject_Del(self);
}
static PyNumberMethods obj_as_number = {.nb_negative = obj_neg};
static PyTypeObject T = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "m.T",
    .tp_basicsize = sizeof(Obj),
    .tp_weaklistoffset = offsetof(Obj, weakrefs),
    .tp_dealloc = obj_dealloc,
    .tp_as_number = &obj_as_number,
};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) {
    if (PyType_Ready(&T) < 0) return NULL;
    PyObject *m = PyModule_Create(&d);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "T", (PyObject *)&T) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
)";
  ModulePlan plan;
  std::string out = ported(code, &plan);
  CHECK(plan.repaired.count("OG201"));
  CHECK(out.find("static PyTypeObject T") == std::string::npos);
  CHECK(out.find("static PyNumberMethods") == std::string::npos);  // folded into the slots
  CHECK(out.find("{Py_nb_negative, obj_neg},") != std::string::npos);
  CHECK(out.find("{Py_tp_dealloc, obj_dealloc},") != std::string::npos);
  CHECK(out.find("{\"__weaklistoffset__\", Py_T_PYSSIZET, offsetof(Obj, weakrefs), Py_READONLY, NULL},") !=
        std::string::npos);
  CHECK(out.find("{Py_tp_members, T_members},") != std::string::npos);
  // Not GC before: becomes GC, with a traverse that visits the type and GC allocation.
  CHECK(out.find(".flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE | "
                 "Py_TPFLAGS_DISALLOW_INSTANTIATION") != std::string::npos);
  CHECK(out.find("Py_VISIT(Py_TYPE(self));") != std::string::npos);
  CHECK(out.find("PyObject_GC_New(Obj, st->T)") != std::string::npos);
  CHECK(out.find("m_state *st = m_state_of_type(Py_TYPE(self));") != std::string::npos);
  // The dealloc releases the type its instance owned.
  CHECK(out.find("PyTypeObject *tp = Py_TYPE(self);\n    PyObject_GC_UnTrack(self);") != std::string::npos);
  CHECK(out.find("    PyObject_GC_Del(self);\n    Py_DECREF(tp);\n}") != std::string::npos);
  CHECK(out.find("if (m_create_type(module, &T_spec, NULL, &st->T) < 0) return -1;") != std::string::npos);
  CHECK(out.find("(PyObject *)st->T") != std::string::npos);
  const std::string include = "#include \"owngil_compat.h\"\n";
  REQUIRE(out.find(include) != std::string::npos);
  // Parsed again without the header (the snippet has no tree to find it in; 3.12 needs nothing from it).
  out.erase(out.find(include), include.size());
  check_nothing_left(out);
}

TEST_CASE("fix refuses static types it cannot convert safely", "[rewriter][OG201]") {
  auto refusal_of = [](const std::string& type_fields, const std::string& init_body) {
    auto plans = plan_for(R"(#include <Python.h>
#include <stddef.h>
typedef struct { PyObject_HEAD PyObject *dict; } Obj;
static PyMemberDef members[] = {{NULL, 0, 0, 0, NULL}};
static PyTypeObject T = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.T", .tp_basicsize = sizeof(Obj), )" +
                          type_fields + R"(};
static int ready(void) { return PyType_Ready(&T); }
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { )" + init_body + R"( return PyModule_Create(&d); }
)");
    REQUIRE(plans.size() == 1);
    CHECK(plans[0].edits.empty());
    return plans[0].refusals.empty() ? std::string() : plans[0].refusals[0].reason;
  };
  // A helper that readies the type through a pointer (not only called by init) cannot get the module.
  CHECK(refusal_of("", "int (*r)(void) = ready; if (r() < 0) return NULL;")
            .find("'ready' needs the module state (uses 'T') but cannot receive it: its address is taken") !=
        std::string::npos);
  CHECK(refusal_of(".tp_version_tag = 1", "if (PyType_Ready(&T) < 0) return NULL;")
            .find("tp_version_tag has no PyType_Slot equivalent") != std::string::npos);
  // A subclass of the module type, whichever way it says so: refused with the ports that are correct.
  std::string module_subclass = "is a subclass of the module type";
  CHECK(refusal_of(".tp_base = &PyModule_Type", "if (PyType_Ready(&T) < 0) return NULL;").find(module_subclass) !=
        std::string::npos);
  CHECK(refusal_of("", "T.tp_base = &PyModule_Type; if (PyType_Ready(&T) < 0) return NULL;").find(module_subclass) !=
        std::string::npos);
  std::string given = refusal_of("", "if (PyType_Ready(&T) < 0) return NULL; PyObject *m = PyModule_Create(&d); "
                                     "if (m) Py_SET_TYPE(m, &T); return m;");
  CHECK(given.find(module_subclass) != std::string::npos);
  CHECK(given.find("Py_mod_create") != std::string::npos);
  CHECK(given.find("no Py_tp_traverse, Py_tp_clear or Py_tp_dealloc") != std::string::npos);
}

// The tail of the snippets with one static type: `T` (instances are `Obj`) with `fields` set in its
// initializer, the module, and a PyInit that runs `assignments` before readying T.
static std::string type_t_and_module(const std::string& fields, const std::string& assignments = "") {
  return R"(static PyTypeObject T = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "m.T",
    .tp_basicsize = sizeof(Obj),
    )" + fields + R"(
};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) {
)" + (assignments.empty() ? "" : "    " + assignments + "\n") + R"(    if (PyType_Ready(&T) < 0) return NULL;
    return PyModule_Create(&d);
}
)";
}

// A type whose methods need the state, with the method table row given: used by the tests of
// methods receiving their defining class.
static std::string type_with_method(const std::string& method, const std::string& row, const std::string& extra = "") {
  return R"(#include <Python.h>
typedef struct { PyObject_HEAD long v; } Obj;
static PyTypeObject T;
static PyObject *make(PyTypeObject *type, long v) {
    Obj *r = PyObject_New(Obj, type);
    if (r) r->v = v;
    return (PyObject *)r;
}
)" + method + extra + R"(
static PyMethodDef obj_methods[] = {
    )" + row + R"(
    {NULL, NULL, 0, NULL},
};
)" + type_t_and_module(".tp_methods = obj_methods,");
}

TEST_CASE("methods of a converted type receive the state through their defining class", "[rewriter][OG201]") {
  FixOptions every_method;
  every_method.method_state = MethodState::DefiningClass;
  const std::string twin = R"(static PyObject *obj_twin(PyObject *self, PyObject *arg) {
    return make(&T, ((Obj *)self)->v + PyLong_AsLong(arg));
}
)";
  SECTION("by default a METH_O method, whose calls CPython specializes, keeps its form and finds its type") {
    std::string out = ported(type_with_method(twin, R"({"twin", (PyCFunction)obj_twin, METH_O, NULL},)"));
    CHECK(out.find("static PyObject *obj_twin(PyObject *self, PyObject *arg) {\n"
                   "    m_state *st = m_state_of_type(Py_TYPE(self));") != std::string::npos);
    CHECK(out.find("obj_twin_method") == std::string::npos);
    CHECK(out.find(R"({"twin", (PyCFunction)obj_twin, METH_O, NULL},)") != std::string::npos);
  }
  SECTION("METH_O: the method takes the state first; an entry point checks and unpacks its argument") {
    std::string out =
        ported(type_with_method(twin, R"({"twin", (PyCFunction)obj_twin, METH_O, NULL},)"), nullptr, every_method);
    CHECK(out.find("static PyObject *obj_twin(m_state *st, PyObject *self, PyObject *arg) {") != std::string::npos);
    CHECK(out.find("return make(st->T, ") != std::string::npos);
    CHECK(out.find("static PyObject *obj_twin_method(PyObject *self, PyTypeObject *defining_class,\n"
                   "                                 PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)\n{\n"
                   "    if (owngil_one_argument(\"T.twin\", nargs, kwnames) < 0) {\n        return NULL;\n    }\n"
                   "    return obj_twin((m_state *)PyType_GetModuleState(defining_class), self, args[0]);\n}\n\n"
                   "static PyMethodDef obj_methods[] = {") != std::string::npos);
    CHECK(out.find(R"({"twin", (PyCFunction)(void (*)(void))obj_twin_method, METH_METHOD | METH_FASTCALL | METH_KEYWORDS, NULL},)") !=
          std::string::npos);
    // No lookup through the MRO is left for the method.
    CHECK(out.find("PyType_GetModuleByDef") == std::string::npos);
    // A helper that allocates through a type pointer now may get a GC type: GenericAlloc serves both.
    CHECK(out.find("Obj *r = ((Obj *)PyType_GenericAlloc(type, 0));") != std::string::npos);
  }
  SECTION("METH_VARARGS | METH_KEYWORDS: the entry point builds the tuple and dict and releases them") {
    std::string out = ported(type_with_method(R"(static PyObject *obj_with(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self; (void)kw;
    long v;
    if (!PyArg_ParseTuple(args, "l", &v)) return NULL;
    return make(&T, v);
}
)",
                                              R"({"with_", (PyCFunction)(void (*)(void))obj_with, METH_VARARGS | METH_KEYWORDS, NULL},)"));
    CHECK(out.find("if (owngil_unpack_varargs(\"T.with_\", args, nargs, kwnames, &tuple, &kwargs) < 0) {") != std::string::npos);
    CHECK(out.find("PyObject *result = obj_with((m_state *)PyType_GetModuleState(defining_class), self, tuple, kwargs);\n"
                   "    Py_DECREF(tuple);\n    Py_XDECREF(kwargs);\n    return result;") != std::string::npos);
  }
  SECTION("METH_NOARGS written with one parameter; the entry point marks args unused") {
    std::string out = ported(type_with_method("static PyObject *obj_zero(PyObject *self) { (void)self; return make(&T, 0); }\n",
                                              R"({"zero", (PyCFunction)(void (*)(void))obj_zero, METH_NOARGS, NULL},)"),
                             nullptr, every_method);
    CHECK(out.find("PyObject *const *Py_UNUSED(args), Py_ssize_t nargs, PyObject *kwnames)") != std::string::npos);
    CHECK(out.find("return obj_zero((m_state *)PyType_GetModuleState(defining_class), self);") != std::string::npos);
  }
  SECTION("a method C code also calls directly keeps its signature and finds its type through self") {
    std::string out = ported(type_with_method(R"(static PyObject *obj_one(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    (void)self;
    return make(&T, 1);
}
static PyObject *obj_two(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    PyObject *one = obj_one(self, NULL);
    Py_XDECREF(one);
    return make(&T, 2);
}
)",
                                              R"({"one", obj_one, METH_NOARGS, NULL}, {"two", obj_two, METH_NOARGS, NULL},)"),
                             nullptr, every_method);
    CHECK(out.find("m_state *st = m_state_of_type(Py_TYPE(self));") != std::string::npos);  // obj_one
    CHECK(out.find("static PyObject *obj_two(m_state *st, PyObject *self,") != std::string::npos);
    CHECK(out.find("obj_one_method") == std::string::npos);
  }
  SECTION("a class method finds the state through its class argument") {
    std::string out = ported(type_with_method(R"(static PyObject *obj_new_one(PyObject *cls, PyObject *Py_UNUSED(ignored)) {
    (void)cls;
    return make(&T, 1);
}
)",
                                              R"({"one", obj_new_one, METH_CLASS | METH_NOARGS, NULL},)"));
    CHECK(out.find("m_state *st = m_state_of_type((PyTypeObject *)cls);") != std::string::npos);
  }
}

TEST_CASE("a static method that needs the state is refused: nothing leads to its type", "[rewriter][OG201]") {
  auto plans = plan_for(type_with_method("static PyObject *obj_s(PyObject *Py_UNUSED(n), PyObject *Py_UNUSED(a)) { return make(&T, 0); }\n",
                                         R"({"s", obj_s, METH_STATIC | METH_NOARGS, NULL},)"));
  REQUIRE(plans.size() == 1);
  CHECK(plans[0].edits.empty());
  REQUIRE(plans[0].refusals.size() == 1);
  CHECK(plans[0].refusals[0].reason.find("'obj_s' is a static method (METH_STATIC) that needs the module state") !=
        std::string::npos);
}

TEST_CASE("a PyInit that only returns what a helper builds: the helper becomes the exec function", "[rewriter]") {
  std::string out = ported(R"(#include <Python.h>
static PyObject *counter;
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, NULL, NULL, NULL, NULL, NULL};
static PyObject *module_init(void) {
    PyObject *m = PyModule_Create(&d);
    if (m == NULL) return NULL;
    counter = PyLong_FromLong(0);
    if (counter == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

PyMODINIT_FUNC PyInit_m(void) {
    return module_init();
}
)");
  CHECK(out.find("static int m_exec(PyObject *module) {\n    m_state *st = get_m_state(module);") != std::string::npos);
  CHECK(out.find("module_init") == std::string::npos);
  CHECK(out.find("PyMODINIT_FUNC PyInit_m(void) {\n    return PyModuleDef_Init(&d);\n}") != std::string::npos);
  CHECK(out.find("PyInit_m") == out.rfind("PyInit_m"));  // one PyInit left
  CHECK(out.find("st->counter = PyLong_FromLong(0);") != std::string::npos);
  check_nothing_left(out);
}

TEST_CASE("a void slot that needs the state reports a missing state as unraisable", "[rewriter][OG201]") {
  std::string out = ported(R"(#include <Python.h>
typedef struct { PyObject_HEAD } Obj;
static long freed;
static void obj_dealloc(PyObject *self) {
    freed++;
    PyObject_Del(self);
}
)" + type_t_and_module(".tp_dealloc = obj_dealloc,"));
  CHECK(out.find("m_state *st = m_state_of_type(Py_TYPE(self));\n    if (st == NULL) {\n"
                 "        PyErr_WriteUnraisable((PyObject *)self);\n        return;\n    }\n") != std::string::npos);
  CHECK(out.find("    st->freed++;\n    PyObject_GC_Del(self);\n    Py_DECREF(tp);\n}") != std::string::npos);
}

// A type filled partly at init time, as pyrsistent does, with `fields` set in the initializer and
// `assignments` made in PyInit before PyType_Ready.
static std::string type_filled_in_init(const std::string& fields, const std::string& assignments) {
  return R"(#include <Python.h>
#include <stddef.h>
typedef struct { PyObject_HEAD PyObject *weakrefs; } Obj;
static PyObject *obj_id(PyObject *self, PyObject *Py_UNUSED(ignored)) { return Py_NewRef(self); }
static PyMethodDef obj_methods[] = {{"id", obj_id, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static PyMemberDef obj_members[] = {
    {NULL, 0, 0, 0, NULL}
};
static PyObject *obj_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    (void)args, (void)kwds;
    return type->tp_alloc(type, 0);
}
)" + type_t_and_module(fields, assignments);
}

TEST_CASE("fields set at init before PyType_Ready move into the spec", "[rewriter][OG201]") {
  SECTION("a function or table goes into the slots; NULL drops the field; the statements go") {
    std::string out = ported(type_filled_in_init(".tp_new = obj_new,", "T.tp_new = NULL;\n    T.tp_methods = obj_methods;"));
    CHECK(out.find("T.tp_") == std::string::npos);
    CHECK(out.find("{Py_tp_methods, obj_methods},") != std::string::npos);
    CHECK(out.find("Py_tp_new") == std::string::npos);
    // Without tp_new and base, PyType_Ready made the static type non-instantiable: so is the heap type.
    CHECK(out.find("Py_TPFLAGS_DISALLOW_INSTANTIATION") != std::string::npos);
  }
  SECTION("a weakref offset becomes an entry of the type's own members table") {
    std::string out = ported(type_filled_in_init(".tp_weaklistoffset = offsetof(Obj, weakrefs), .tp_members = obj_members,", ""));
    CHECK(out.find("static PyMemberDef obj_members[] = {\n"
                   "    {\"__weaklistoffset__\", Py_T_PYSSIZET, offsetof(Obj, weakrefs), Py_READONLY, NULL},\n"
                   "    {NULL, 0, 0, 0, NULL}\n};") != std::string::npos);
    CHECK(out.find("T_members") == std::string::npos);  // no second table
  }
  SECTION("a value known only at run time is refused, with the field") {
    auto plans = plan_for(type_filled_in_init("", "T.tp_base = (PyTypeObject *)PyExc_Exception;"));
    REQUIRE(plans.size() == 1);
    CHECK(plans[0].edits.empty());
    REQUIRE_FALSE(plans[0].refusals.empty());
    CHECK(plans[0].refusals[0].reason.find("'T.tp_base' is set in 'PyInit_m' to a value only known at run time") !=
          std::string::npos);
  }
  SECTION("a members table two types share is not edited for one of them") {
    auto plans = plan_for(type_filled_in_init(".tp_weaklistoffset = offsetof(Obj, weakrefs), .tp_members = obj_members,", "") +
                          "static PyTypeObject U = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = \"m.U\", .tp_members = obj_members};\n");
    REQUIRE(plans.size() == 1);
    REQUIRE_FALSE(plans[0].refusals.empty());
    CHECK(plans[0].refusals[0].reason.find("'obj_members' is the tp_members table of 'U' too") != std::string::npos);
  }
}

TEST_CASE("types readied by a helper only init calls, and an m_free that only releases globals", "[rewriter][OG201]") {
  std::string out = ported(R"(#include <Python.h>
typedef struct { PyObject_HEAD } Obj;
static PyObject *word;
static PyTypeObject T = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.T", .tp_basicsize = sizeof(Obj)};
static int types_init(void) {
    T.tp_base = &PyBaseObject_Type;
    return PyType_Ready(&T);
}
static void release_word(void *Py_UNUSED(m)) {
    Py_CLEAR(word);
}
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, .m_name = "m", .m_size = -1, .m_free = release_word};
PyMODINIT_FUNC PyInit_m(void) {
    word = PyUnicode_InternFromString("w");
    if (word == NULL || types_init() < 0) return NULL;
    return PyModule_Create(&d);
}
)");
  // The helper gets the module beside the state, and creates the type with it.
  CHECK(out.find("static int types_init(m_state *st, PyObject *module) {\n"
                 "    return m_create_type(module, &T_spec, NULL, &st->T);\n}") != std::string::npos);
  CHECK(out.find("types_init(st, module) < 0") != std::string::npos);
  CHECK(out.find("{Py_tp_base, &PyBaseObject_Type},") != std::string::npos);
  // The old m_free goes; the generated hooks release the state.
  CHECK(out.find("release_word") == std::string::npos);
  CHECK(out.find(".m_free = m_free") != std::string::npos);
  CHECK(out.find("Py_CLEAR(st->word);") != std::string::npos);
  const std::string include = "#include \"owngil_compat.h\"\n";
  REQUIRE(out.find(include) != std::string::npos);
  out.erase(out.find(include), include.size());  // the snippet has no tree to find it in
  check_nothing_left(out);
}

TEST_CASE("generated module hooks do not take names the tree uses", "[rewriter]") {
  std::string out = ported(R"(#include <Python.h>
static PyObject *cache;
static int m_clear(void) { return 0; }  /* the user's own, unrelated */
static PyObject *get(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
    return Py_NewRef(cache ? cache : Py_None);
}
static PyMethodDef methods[] = {{"get", get, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) {
    if (m_clear() < 0) return NULL;
    return PyModule_Create(&d);
}
)");
  CHECK(out.find("static int m_clear_2(PyObject *module)") != std::string::npos);
  CHECK(out.find("(void)m_clear_2((PyObject *)module);") != std::string::npos);
  CHECK(out.find("m_traverse, m_clear_2, m_free") != std::string::npos);
  CHECK(out.find("static int m_clear(void) { return 0; }") != std::string::npos);
  check_nothing_left(out);
}
