// Input the analyzer must survive: invalid declarations, absurd nesting, odd line endings.
// Each snippet here crashed the collector once (null record, stack overflow).
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "owngil/analyzer.h"

using namespace owngil;

namespace {

// A function of the same file that must still be in the model: the rest of the file is analysed.
bool has_function(const Model& m, const std::string& name) {
  for (const Function& f : m.functions)
    if (f.name == name) return true;
  return false;
}

// `f` is an invalid declaration (a function returning a function), so every initializer naming
// it is invalid too.
const char* kInvalidFunction = "#include <Python.h>\n"
                               "static PyObject *f(int)(PyObject *a, PyObject *b) { return a; }\n"
                               "static PyObject *ok(PyObject *m, PyObject *a) { return a; }\n";

}  // namespace

TEST_CASE("invalid initializers of Python tables do not crash the collector", "[analyzer][robust]") {
  const char* tables[] = {
      "static PyNumberMethods nm = { .nb_add = f };",
      "static PyTypeObject T = { PyVarObject_HEAD_INIT(NULL, 0) .tp_name = \"x\", .tp_repr = f };",
      "static PyModuleDef d = { PyModuleDef_HEAD_INIT, .m_name = \"x\", .m_traverse = f };",
      "static PyMethodDef m[] = {{\"f\", f, METH_NOARGS, NULL}, {NULL}};",
      "static PyType_Slot s[] = {{Py_tp_repr, f}, {0, NULL}};",
      "static PyModuleDef_Slot s[] = {{Py_mod_exec, f}, {0, NULL}};",
      "static PyMemberDef mm[] = {{\"f\", T_INT, f}, {NULL}};",
      "static PyType_Spec spec = { .name = \"x\", .slots = f };",
      "static struct PyModuleDef d = { PyModuleDef_HEAD_INIT, \"x\", NULL, -1, undeclared_methods };",
      "static PyTypeObject T = { PyVarObject_HEAD_INIT(NULL, 0) \"x\", sizeof(struct missing) };",
      "static PyTypeObject T = { PyVarObject_HEAD_INIT(NULL, 0) \"x\", .tp_flags = {1, 2} };",
      "static PyModuleDef d = { PyModuleDef_HEAD_INIT, \"x\", { {\"f\", f, 1}, };",  // a brace short
  };
  for (const char* table : tables) {
    INFO(table);
    Model m = analyze_snippet(std::string(kInvalidFunction) + table + "\n");
    CHECK(has_function(m, "ok"));
  }
}

TEST_CASE("an expression of 20,000 operands does not overflow the stack", "[analyzer][robust]") {
  std::string sum = "1";
  for (int i = 1; i < 20000; ++i) sum += "+1";
  Model m = analyze_snippet("#include <Python.h>\nstatic long x;\nvoid f(void) { x = " + sum +
                            "; }\nvoid g(void) { x = 0; }\n");
  REQUIRE(m.units.size() == 1);
  // Too deep to walk: the file is reported, not half-analysed.
  CHECK(m.units[0].failed);
  REQUIRE(!m.units[0].errors.empty());
  CHECK(m.units[0].errors[0].message.find("nested") != std::string::npos);
  CHECK(m.units[0].errors[0].loc.line == 3);
}

// What `fix` once made of bare-CR files: code inserted where it does not compile, then a crash.
TEST_CASE("bare CR line endings are analysed like LF, invalid code too", "[analyzer][robust]") {
  std::string lf = std::string(kInvalidFunction) +
                   "static PyObject *cache; /* owngil: ignore[OG101] kept */\n"
                   "static PyModuleDef d = { PyModuleDef_HEAD_INIT, .m_name = \"x\", .m_traverse = f };\n"
                   "PyMODINIT_FUNC PyInit_x(void) { cache = NULL; return PyModule_Create(&d); }\n";
  std::string cr = lf;
  std::replace(cr.begin(), cr.end(), '\n', '\r');
  Model a = analyze_snippet(lf), b = analyze_snippet(cr);
  REQUIRE(a.globals.size() == b.globals.size());
  CHECK(a.suppressions.size() == b.suppressions.size());
  CHECK(a.inits.size() == b.inits.size());
  REQUIRE(b.globals.size() >= 1);
  CHECK(b.globals[0].loc.line == 4);
}

TEST_CASE("compile flags that write, read or load files are dropped, the others kept", "[analyzer][robust]") {
  std::set<std::string> dropped;
  std::vector<std::string> kept = drop_unsafe_flags(
      {"cc", "-DX=1", "-MD", "-MF", "x.d", "-Iinclude", "-Wp,-MD,y.d", "@args.rsp", "-Xclang", "-load", "-Xclang",
       "plugin.so", "-Xclang", "-fno-pch-timestamp", "-fplugin=p.so", "--config=c.cfg", "-ivfsoverlay", "o.yaml",
       "-std=c11", "x.c"},
      &dropped, /*first=*/1);
  CHECK(kept == std::vector<std::string>{"cc", "-DX=1", "-Iinclude", "-Xclang", "-fno-pch-timestamp", "-std=c11", "x.c"});
  CHECK(dropped == std::set<std::string>{"-MD", "-MF", "-Wp", "@args.rsp", "-Xclang -load", "-fplugin", "--config",
                                         "-ivfsoverlay"});
  // argv[0] is the compiler, whatever its name.
  CHECK(drop_unsafe_flags({"@cc", "x.c"}, nullptr, 1) == std::vector<std::string>{"@cc", "x.c"});
}

namespace {

Global global_with_uses(const std::string& name, std::vector<unsigned> lines) {
  Global g;
  g.name = name;
  g.loc = {"m.c", 3, 1};
  for (unsigned line : lines) {
    GlobalUse u;
    u.loc = {"m.c", line, 5};
    u.function = "f";
    g.uses.push_back(u);
  }
  return g;
}

Model one_unit(std::vector<Global> globals) {
  Model m;
  m.units.push_back({});
  m.units[0].main_file = "m.c";
  m.globals = std::move(globals);
  return m;
}

const GlobalUse* use_at(const Global& g, unsigned line) {
  for (const GlobalUse& u : g.uses)
    if (u.loc.line == line) return &u;
  return nullptr;
}

}  // namespace

TEST_CASE("configurations merge: a use either has is kept, tagged when only one has it", "[analyzer][config]") {
  // Line 10 in both (a plain use), 12 only without NDEBUG (inside assert), 14 only with it.
  Model base = one_unit({global_with_uses("cache", {10, 12})});
  Model alt = one_unit({global_with_uses("cache", {10, 14}), global_with_uses("debug_only", {20})});
  merge_configuration(base, std::move(alt), "without NDEBUG", "with NDEBUG");
  REQUIRE(base.globals.size() == 2);
  const Global& cache = base.globals[0];
  REQUIRE(cache.uses.size() == 3);
  CHECK(use_at(cache, 10)->configuration.empty());
  CHECK(use_at(cache, 12)->configuration == "without NDEBUG");
  CHECK(use_at(cache, 14)->configuration == "with NDEBUG");
  CHECK(base.globals[1].name == "debug_only");
  CHECK(base.globals[1].uses[0].configuration == "with NDEBUG");
  CHECK(base.units.size() == 1);
  CHECK(base.units[0].configurations == std::vector<std::string>{"without NDEBUG", "with NDEBUG"});
}

TEST_CASE("configurations merge: a function both define has the calls of either", "[analyzer][config]") {
  Model base = one_unit({}), alt = one_unit({});
  Function f;
  f.name = "check";
  f.loc = {"m.c", 5, 1};
  Call shared, asserted;
  shared.callee = "PyLong_FromLong";
  shared.loc = {"m.c", 6, 5};
  asserted.callee = "is_valid";
  asserted.loc = {"m.c", 7, 12};
  f.calls = {shared};
  base.functions.push_back(f);
  f.calls = {shared, asserted};
  alt.functions.push_back(f);
  merge_configuration(base, std::move(alt), "with NDEBUG", "without NDEBUG");
  REQUIRE(base.functions.size() == 1);
  REQUIRE(base.functions[0].calls.size() == 2);
  CHECK(base.functions[0].calls[1].callee == "is_valid");
}

TEST_CASE("an unlimited number of errors: the rest of the file is still analysed", "[analyzer][robust]") {
  std::string calls;
  for (int i = 0; i < 40; ++i) calls += "  n += gone_" + std::to_string(i) + "(n);\n";
  AnalyzerOptions opt;
  std::string dir = "/tmp/owngil-unit-errors-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/many.c") << "#include <Python.h>\n#include \"absent.h\"\nstatic PyObject *kept;\n"
                                 << "long f(long n) {\n" << calls << "  return n;\n}\n"
                                 << "PyObject *peek(void) { return kept; }\n";
  opt.paths = {dir};
  AnalysisResult r = analyze(opt);
  std::filesystem::remove_all(dir);
  CHECK(r.files_analyzed == 1);
  bool kept = false;
  for (const Global& g : r.model.globals) kept = kept || g.name == "kept";
  CHECK(kept);
  REQUIRE(!r.errors.empty());
  CHECK(r.errors.front().message.find("absent.h") != std::string::npos);
  CHECK(r.errors.front().loc.line == 2);
  CHECK(r.errors.back().message == "and 21 more errors (not shown)");
}
