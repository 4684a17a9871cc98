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

TEST_CASE("unified_diff gives minimal hunks with context", "[rewriter]") {
  std::string before, after;
  for (int i = 1; i <= 20; ++i) before += "line " + std::to_string(i) + "\n";
  after = before;
  after.replace(after.find("line 5\n"), 7, "line five\n");
  after.replace(after.find("line 18\n"), 0, "new line\n");
  CHECK(unified_diff("x.c", before, after) ==
        "--- a/x.c\n+++ b/x.c\n"
        "@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n"
        "@@ -15,6 +15,7 @@\n line 15\n line 16\n line 17\n+new line\n line 18\n line 19\n line 20\n");
  CHECK(unified_diff("x.c", before, before).empty());
  CHECK(unified_diff("y.c", "a\n", "a\nb") == "--- a/y.c\n+++ b/y.c\n@@ -1,1 +1,2 @@\n a\n+b\n\\ No newline at end of file\n");
}

static std::vector<ModulePlan> plan_for(const std::string& code) {
  Model m = analyze_snippet(code, "snippet.c");
  std::vector<Finding> findings = run_rules(m);
  return plan_fixes(m, findings, {}, [&](const std::string&) { return code; });
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
  auto plans = plan_for(code);
  REQUIRE(plans.size() == 1);
  REQUIRE(plans[0].refusals.empty());
  CHECK(plans[0].repaired == std::set<std::string>{"OG001", "OG002", "OG003"});
  std::string out, error;
  REQUIRE(apply_edits(code, plans[0].edits, &out, &error));
  CHECK(out.find("static int m_exec(PyObject *module) {") != std::string::npos);
  CHECK(out.find("PyObject *m = module;") != std::string::npos);
  CHECK(out.find("Py_DECREF(m)") == std::string::npos);
  CHECK(out.find("return NULL") == std::string::npos);
  CHECK(out.find("return PyModuleDef_Init(&d);") != std::string::npos);
  CHECK(out.find("NULL, 0, NULL, m_slots,") != std::string::npos);
  // The result has nothing left to fix.
  auto again = plan_for(out);
  REQUIRE(again.size() == 1);
  CHECK(again[0].edits.empty());
  CHECK(again[0].refusals.empty());
}

TEST_CASE("fix plan refuses: other blockers, a module made in a helper, odd returns", "[rewriter]") {
  auto with_global = plan_for(R"(#include <Python.h>
static PyObject *g;
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, NULL, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { g = PyDict_New(); return PyModule_Create(&d); })");
  REQUIRE(with_global[0].refusals.size() == 1);
  CHECK(with_global[0].refusals[0].reason.find("OG101") == 0);
  CHECK(with_global[0].edits.empty());

  auto helper = plan_for(R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL, NULL, NULL, NULL, NULL};
static PyObject *make(void) { return PyModule_Create(&d); }
PyMODINIT_FUNC PyInit_m(void) { return make(); })");
  REQUIRE(helper[0].refusals.size() == 1);
  CHECK(helper[0].refusals[0].reason.find("helper") != std::string::npos);

  auto odd = plan_for(R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_m(void) { PyObject *m = PyModule_Create(&d); if (!m) return NULL; return PyModule_GetDict(m); })");
  REQUIRE(!odd[0].refusals.empty());
  CHECK(odd[0].refusals.back().reason.find("neither NULL nor the module") != std::string::npos);
}
