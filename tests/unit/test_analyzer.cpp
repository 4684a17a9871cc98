// The model itself: what the Clang front end records, independent of any rule.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "owngil/analyzer.h"

using namespace owngil;

constexpr long long METH_O_VALUE = 0x0008;  // methodobject.h

static const Global& global(const Model& m, const std::string& name) {
  for (const Global& g : m.globals)
    if (g.name == name) return g;
  FAIL("no global " << name);
  throw;
}

TEST_CASE("globals: kinds, storage and use kinds", "[analyzer]") {
  Model m = analyze_snippet(R"(#include <Python.h>
static PyObject *obj;
int counter;
static PyTypeObject T;
static PyMethodDef defs[] = {{NULL, NULL, 0, NULL}};
static const int limit = 1;
static int arr[4];
struct S { int x; };
static struct S s;
void f(void) {
    static PyObject *cache;
    obj = NULL;
    counter++;
    arr[1] = 2;
    s.x = 3;
    int *p = &counter;
    (void)p; (void)cache; (void)limit; (void)T; (void)defs;
})");
  CHECK(global(m, "obj").kind == GlobalKind::ObjectPointer);
  CHECK(global(m, "obj").storage == Storage::FileStatic);
  CHECK(global(m, "counter").storage == Storage::External);
  CHECK(global(m, "T").kind == GlobalKind::TypeObject);
  CHECK(global(m, "defs").kind == GlobalKind::Table);
  CHECK(global(m, "limit").is_const);
  CHECK(global(m, "cache").storage == Storage::FunctionStatic);
  CHECK(global(m, "cache").function == "f");
  CHECK(global(m, "obj").uses.at(0).kind == UseKind::Write);
  auto kinds = [&](const std::string& n) {
    std::vector<UseKind> k;
    for (auto& u : global(m, n).uses) k.push_back(u.kind);
    return k;
  };
  CHECK(kinds("counter") == std::vector<UseKind>{UseKind::Write, UseKind::AddressOf});
  CHECK(kinds("arr") == std::vector<UseKind>{UseKind::Write});
  CHECK(kinds("s") == std::vector<UseKind>{UseKind::Write});
  CHECK(kinds("limit") == std::vector<UseKind>{UseKind::Read});
}

TEST_CASE("preprocessor facts: macro bodies, inactive branches, suppressions", "[analyzer]") {
  Model m = analyze_snippet(R"(#include <Python.h>
static PyObject *g;
#define USE_G() Py_XINCREF(g)
#define PASS(x) (x)
void f(void) {
    USE_G();
    (void)PASS(g);
#if 0
    g = hidden_name;
#endif
}
static int x;  // owngil: ignore[OG103, OG101] reviewed by hand
/* owngil: ignore */
static int y;
/* A comment that mentions an owngil: ignore comment in prose is not one. */
// owngil: ignored is not the directive either
)");
  const Global& g = global(m, "g");
  REQUIRE(g.uses.size() == 2);
  CHECK(g.uses[0].macro == "USE_G");
  CHECK(g.uses[1].macro.empty());  // spelled in the file, as a macro argument
  REQUIRE(m.inactive_regions.size() == 1);
  CHECK(m.inactive_regions[0].identifiers.count("hidden_name") == 1);
  CHECK(m.inactive_regions[0].begin_line == 8);
  CHECK(m.inactive_regions[0].condition == "0");
  REQUIRE(m.suppressions.size() == 2);
  CHECK(m.suppressions[0].line == 12);
  CHECK(m.suppressions[0].rules == std::vector<std::string>{"OG103", "OG101"});
  CHECK(m.suppressions[0].reason == "reviewed by hand");
  CHECK_FALSE(m.suppressions[0].own_line);
  CHECK(m.suppressions[1].rules.empty());
  CHECK(m.suppressions[1].own_line);
}

TEST_CASE("module model: init style, def, slots, call graph, address taken", "[analyzer]") {
  Model m = analyze_snippet(R"(#include <Python.h>
static int helper(void) { return 1; }
static int ex(PyObject *mod) { (void)mod; return helper() - 1; }
static PyModuleDef_Slot slots[] = {{Py_mod_exec, ex}, {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED}, {0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, .m_name = "mod", .m_size = 8, .m_slots = slots};
PyMODINIT_FUNC PyInit_mod(void) { return PyModuleDef_Init(&d); })");
  REQUIRE(m.inits.size() == 1);
  CHECK(m.inits[0].style == InitStyle::MultiPhase);
  CHECK(m.inits[0].def == "d");
  REQUIRE(m.modules.size() == 1);
  CHECK(m.modules[0].name == "mod");
  const ModuleDef* d = m.module_def("d");
  REQUIRE(d);
  CHECK(d->m_name == "mod");
  CHECK(d->m_size == 8);
  const SlotTable* s = m.module_slots("slots");
  REQUIRE(s);
  REQUIRE(s->entries.size() == 2);
  CHECK(s->entries[0].name == "Py_mod_exec");
  CHECK(s->entries[0].value == "ex");
  CHECK(s->entries[1].value_int == 2);
  CHECK(m.reachable_from({"ex"}) == std::set<std::string>{"ex", "helper"});
  bool ex_taken = false;
  for (auto& a : m.address_taken) ex_taken |= a.function == "ex" && a.in_global == "slots";
  CHECK(ex_taken);
}

TEST_CASE("analyze reports a missing path and still analyses the rest", "[analyzer]") {
  AnalyzerOptions opt;
  opt.paths = {"/nonexistent/owngil-test-path", OWNGIL_CORPUS_DIR "/several_modules/beta.c"};
  AnalysisResult r = analyze(opt);
  CHECK(r.files_analyzed == 1);
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0].loc.file == "/nonexistent/owngil-test-path");
  CHECK(r.model.modules.size() == 1);
}

TEST_CASE("analyze with several jobs gives the same model as one", "[analyzer]") {
  AnalyzerOptions opt;
  opt.paths = {OWNGIL_CORPUS_DIR};
  opt.jobs = 1;
  AnalysisResult one = analyze(opt);
  opt.jobs = 2;
  AnalysisResult two = analyze(opt);
  CHECK(one.model.globals.size() == two.model.globals.size());
  CHECK(one.model.functions.size() == two.model.functions.size());
  CHECK(one.model.modules.size() == two.model.modules.size());
  CHECK(one.files_analyzed == two.files_analyzed);
}

TEST_CASE("method tables: entries, and whether a module or a type owns them", "[analyzer]") {
  Model m = analyze_snippet(R"(#include <Python.h>
static PyObject *f(PyObject *mod, PyObject *a) { (void)mod; return Py_NewRef(a); }
static PyObject *g(PyObject *self, PyObject *a) { (void)self; return Py_NewRef(a); }
static PyObject *h(PyObject *self, PyObject *a) { (void)self; return Py_NewRef(a); }
static PyMethodDef module_methods[] = {{"f", f, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static PyMethodDef static_type_methods[] = {{"g", g, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static PyMethodDef heap_type_methods[] = {{"h", h, METH_O | METH_COEXIST, NULL}, {NULL, NULL, 0, NULL}};
static PyTypeObject T = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.T", .tp_methods = static_type_methods};
static PyType_Slot slots[] = {{Py_tp_methods, heap_type_methods}, {0, NULL}};
static PyType_Spec spec = {.name = "m.H", .slots = slots};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, .m_name = "m", .m_methods = module_methods};
PyMODINIT_FUNC PyInit_m(void) { (void)T; (void)spec; return PyModuleDef_Init(&d); })");
  const MethodTable* mod = m.method_table("module_methods");
  REQUIRE(mod);
  CHECK(mod->owner == MethodOwner::Module);
  CHECK(mod->owner_name == "d");
  REQUIRE(mod->entries.size() == 1);
  CHECK(mod->entries[0].py_name == "f");
  CHECK(mod->entries[0].function == "f");
  CHECK(mod->entries[0].flags == METH_O_VALUE);
  CHECK(m.method_table("static_type_methods")->owner_name == "T");
  CHECK(m.method_table("heap_type_methods")->owner == MethodOwner::Type);
  CHECK(m.method_table("heap_type_methods")->owner_name == "spec");
  CHECK(m.method_table("heap_type_methods")->entries[0].flags == (METH_O_VALUE | 0x0040));
}

TEST_CASE("analyzer scans inactive #if branches for object globals and static types, with their condition", "[analyzer]") {
  Model m = analyze_snippet(R"(#include <Python.h>
#define FEATURE_ON 1
#if FEATURE_ON  /* taken */
static int on;
#elif defined(OTHER_OS) // skipped: an earlier branch was taken
static PyObject *other_os_cache, *second = NULL;
#else
extern PyObject *declared;
typedef PyObject *Alias;
static PyTypeObject Fallback_Type = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.F"};
static PyObject *helper(PyObject *self, PyObject *arg) { PyObject *tmp = arg; static PyObject *memo; (void)self; memo = tmp; return (PyObject *)tmp; }
#endif
)");
  // After the taken #if, clang skips the #elif and the #else branches as one region.
  REQUIRE(m.inactive_regions.size() == 1);
  const InactiveRegion& r = m.inactive_regions[0];
  CHECK(r.condition == "defined(OTHER_OS)");
  REQUIRE(r.definitions.size() == 4);  // not the extern, the typedef, the function nor its local
  CHECK(r.definitions[0].name == "other_os_cache");
  CHECK(r.definitions[0].kind == GlobalKind::ObjectPointer);
  CHECK(r.definitions[0].is_static);
  CHECK(r.definitions[0].loc.line == 6);
  CHECK(r.definitions[0].condition == "defined(OTHER_OS)");
  CHECK(r.definitions[1].name == "second");
  CHECK(r.definitions[2].name == "Fallback_Type");
  CHECK(r.definitions[2].kind == GlobalKind::TypeObject);
  CHECK(r.definitions[2].condition == "!(FEATURE_ON) && !(defined(OTHER_OS))");
  CHECK(r.definitions[3].name == "memo");
  CHECK(r.definitions[3].in_block);
  CHECK(r.definitions[3].function == "helper");
  REQUIRE(r.definitions[3].mentions.size() == 1);
  CHECK(r.definitions[3].mentions[0].line == 11);
}

TEST_CASE("analyzer records the members of a global aggregate that hold objects, as paths", "[analyzer]") {
  Model m = analyze_snippet(R"(#include <Python.h>
typedef PyObject *Ref;
static struct { Ref open; int n; union { PyObject *o; long l; }; struct { PyTypeObject *t[2]; } inner; } names;
typedef struct { const char *name; PyObject *exc; } Entry;
static Entry table[3];
static struct { int a; char *b; } plain;
static PyObject *single;
)");
  CHECK(global(m, "names").object_fields == std::vector<std::string>{"names.open", "names.o", "names.inner.t[]"});
  CHECK(global(m, "names").type == "struct (unnamed)");
  CHECK(global(m, "table").object_fields == std::vector<std::string>{"table[].exc"});
  CHECK(global(m, "plain").object_fields.empty());
  CHECK(global(m, "single").kind == GlobalKind::ObjectPointer);
  CHECK(global(m, "single").object_fields.empty());  // plain pointers stay ObjectPointer globals
}

TEST_CASE("analyze_in_memory: Clang sees only the files given, the disk not at all", "[analyzer][memory]") {
  // A stand-in Python.h of one declaration: the module is found through it, in a system
  // directory of the in-memory file system (so it is not the tree's code).
  std::map<std::string, std::string> files = {
      {"/mem/include/Python.h", "typedef struct _object { long ob_refcnt; } PyObject;\n"},
      {"/src/m.c", "#include <Python.h>\nstatic PyObject *cache;\nPyObject *PyInit_m(void) { return cache; }\n"}};
  AnalysisResult r = analyze_in_memory("/src/m.c", files, {"-isystem", "/mem/include"});
  REQUIRE(r.errors.empty());
  CHECK(r.files_analyzed == 1);
  CHECK(r.model.root == "/src");
  REQUIRE(r.model.modules.size() == 1);
  CHECK(r.model.modules[0].name == "m");
  CHECK(global(r.model, "cache").loc.file == "m.c");

  // A header that is on the disk but not in the map is not found, even by its absolute path:
  // nothing is read from disk.
  std::filesystem::path on_disk = std::filesystem::temp_directory_path() / "owngil-test-on-disk.h";
  { std::ofstream(on_disk) << "int from_disk;\n"; }
  files["/src/m.c"] = "#include \"" + on_disk.string() + "\"\n" + files["/src/m.c"];
  AnalysisResult missing = analyze_in_memory("/src/m.c", files, {"-isystem", "/mem/include"});
  std::filesystem::remove(on_disk);
  REQUIRE_FALSE(missing.errors.empty());
  CHECK(missing.errors[0].message.find("owngil-test-on-disk.h") != std::string::npos);
  // A missing header is reported and the rest of the file still analysed: the global is found,
  // the disk's declaration is not.
  CHECK(missing.files_analyzed == 1);
  bool from_disk = false;
  for (const Global& g : missing.model.globals) from_disk |= g.name == "from_disk";
  CHECK_FALSE(from_disk);
}

TEST_CASE("calls: arguments that name functions, parameters, objects and constants", "[analyzer]") {
  Model m = analyze_snippet(R"(#include <Python.h>
#include <pthread.h>
static void *entry(void *arg) { return arg; }
static int start(void *(*fn)(void *), PyObject *obj, pthread_t *t) {
    return pthread_create(t, NULL, fn, (void *)obj);
}
static int go(PyObject *obj) {
    pthread_t t;
    PyGILState_STATE g = PyGILState_Ensure();
    PyGILState_Release(g);
    return start(entry, obj, &t) + start(&entry, NULL, &t);
}
)");
  const Function* start = m.function("start");
  REQUIRE(start);
  REQUIRE(start->calls.size() == 1);
  const Call& create = start->calls[0];
  CHECK(create.callee == "pthread_create");
  REQUIRE(create.args.size() == 4);
  CHECK(create.args[1].is_constant);  // NULL
  CHECK(create.args[2].parameter == "fn");
  CHECK(create.args[3].parameter == "obj");  // through the cast
  CHECK(create.args[3].is_object);
  const Function* go = m.function("go");
  REQUIRE(go);
  std::vector<const Call*> starts;
  for (const Call& c : go->calls)
    if (c.callee == "start") starts.push_back(&c);
  REQUIRE(starts.size() == 2);
  CHECK(starts[0]->args[0].function == "entry");
  CHECK(starts[1]->args[0].function == "entry");  // through &
  CHECK(starts[0]->args[1].parameter == "obj");
  CHECK(go->calls[0].callee == "PyGILState_Ensure");
  CHECK(go->calls[0].assigned_to == "g");
  CHECK(go->calls[0].statement.valid());
  bool passed = false;
  for (const AddressTaken& a : m.address_taken) passed |= a.function == "entry" && a.passed_to == "start";
  CHECK(passed);
}

TEST_CASE("calls: a std::thread construction is a call of std::thread with the entry point", "[analyzer]") {
  Model m = analyze_snippet(R"(#include <Python.h>
#include <thread>
static void work(PyObject *obj) { (void)obj; }
void run(PyObject *obj) {
    std::thread t(work, obj);
    t.join();
}
)", "snippet.cpp");
  const Function* run = m.function("run");
  REQUIRE(run);
  const Call* thread = nullptr;
  for (const Call& c : run->calls)
    if (c.callee == "std::thread") thread = &c;
  REQUIRE(thread);
  REQUIRE(thread->args.size() == 2);
  CHECK(thread->args[0].function == "work");
  CHECK(thread->loc.line == 5);
}

TEST_CASE("merge: a global defined in a unit read after one that only declares it keeps its definition",
          "[analyzer][merge]") {
  auto unit = [](bool defines) {
    Model m;
    Global g;
    g.name = "Err";
    g.storage = Storage::External;
    g.kind = GlobalKind::ObjectPointer;
    g.loc = {defines ? "z.c" : "m.h", 2, 11};
    g.redeclarations.push_back({"m.h", 30, 55});
    if (defines) {
      g.is_definition = true;
      g.decl = {"z.c", 20, 40};
      g.zero_initialized = true;
    } else {
      g.zero_initialized = false;  // nothing known: no initializer seen
    }
    m.globals.push_back(g);
    return m;
  };
  Model merged;
  merge_into(merged, unit(false));  // b.c: `extern PyObject *Err;` only
  merge_into(merged, unit(true));   // z.c: `PyObject *Err;`
  REQUIRE(merged.globals.size() == 1);
  const Global& g = merged.globals[0];
  CHECK(g.is_definition);
  CHECK(g.loc.file == "z.c");
  CHECK(g.decl.valid());
  CHECK(g.decl.file == "z.c");
  CHECK(g.zero_initialized);
  CHECK(g.redeclarations.size() == 1);
}
