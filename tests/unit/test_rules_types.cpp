// OG201-OG203: types.
#include <catch2/catch.hpp>

#include "helpers.h"

TEST_CASE("OG201 reports static types, with a note for struct sequences", "[OG201]") {
  auto f = findings_of("OG201", isolated_module(R"(
static PyTypeObject Foo = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.Foo", .tp_basicsize = sizeof(PyObject)};
static PyStructSequence_Field fields[] = {{"a", NULL}, {NULL, NULL}};
static PyStructSequence_Desc desc = {"m.S", NULL, fields, 1};
static PyTypeObject S;
static int snip_exec(PyObject *m) { (void)m; return PyStructSequence_InitType2(&S, &desc) < 0 ? -1 : PyType_Ready(&Foo); }
static PyTypeObject *heap;
)", "    {Py_mod_exec, snip_exec},\n"));
  REQUIRE(f.size() == 2);
  CHECK(f[0].symbol == "Foo");
  CHECK(f[0].message.find("'m.Foo'") != std::string::npos);
  CHECK(f[1].symbol == "S");
  REQUIRE(f[1].notes.size() == 1);
  CHECK(f[1].notes[0].message.find("PyStructSequence_NewType") != std::string::npos);
}

static const char* kSpec = R"(
typedef struct { PyObject_HEAD } Obj;
static int obj_traverse(PyObject *self, visitproc visit, void *arg) { %TRAVERSE% return 0; }
static void obj_dealloc(PyObject *self) { PyTypeObject *tp = Py_TYPE(self); %UNTRACK% tp->tp_free(self); %DECREF% }
static PyType_Slot obj_slots[] = {{Py_tp_traverse, obj_traverse}, {Py_tp_dealloc, obj_dealloc}, {0, NULL}};
static PyType_Spec obj_spec = {.name = "m.Obj", .basicsize = sizeof(Obj), .flags = %FLAGS%, .slots = obj_slots};
)";

static std::string spec(std::string traverse, std::string decref, std::string flags) {
  std::string s = kSpec;
  auto put = [&](const std::string& key, const std::string& v) { s.replace(s.find(key), key.size(), v); };
  put("%TRAVERSE%", traverse);
  put("%UNTRACK%", flags.find("GC") != std::string::npos ? "PyObject_GC_UnTrack(self);" : "");
  put("%DECREF%", decref);
  put("%FLAGS%", flags);
  return isolated_module(s);
}

TEST_CASE("OG202 reports a heap type without GC, or a traverse that skips the type", "[OG202]") {
  auto no_gc = findings_of("OG202", spec("(void)self; (void)visit; (void)arg;", "Py_DECREF(tp);", "Py_TPFLAGS_DEFAULT"));
  REQUIRE(no_gc.size() == 1);
  CHECK(no_gc[0].message.find("lacks Py_TPFLAGS_HAVE_GC") != std::string::npos);
  auto no_visit = findings_of("OG202", spec("(void)self; (void)visit; (void)arg;", "Py_DECREF(tp);",
                                            "Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC"));
  REQUIRE(no_visit.size() == 1);
  CHECK(no_visit[0].message.find("does not visit the type") != std::string::npos);
  CHECK(findings_of("OG202", spec("Py_VISIT(Py_TYPE(self));", "Py_DECREF(tp);",
                                  "Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC")).empty());
}

TEST_CASE("OG203 reports a heap type dealloc that keeps its type alive", "[OG203]") {
  auto f = findings_of("OG203", spec("Py_VISIT(Py_TYPE(self));", "", "Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].symbol == "obj_spec");
  CHECK(findings_of("OG203", spec("Py_VISIT(Py_TYPE(self));", "Py_DECREF(tp);",
                                  "Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC")).empty());
}

// Code of another configuration is never compiled here, but the module shares its types all the
// same where it is: check must not call the module isolated, and fix must not declare support.
TEST_CASE("OG201 and OG101 report static types and object globals defined only in an inactive #if", "[OG201][OG101]") {
  std::string code = isolated_module(R"(
#ifdef HAVE_FANCY_WATCHER
static PyTypeObject Watcher_Type = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.Watcher"};
static PyObject *watch_error, *watch_hook = NULL;
extern PyObject *declared_elsewhere;
static struct { PyObject *on_event; int count; } watch_hooks, *hooks_ptr;
typedef struct { PyObject *cb; } WatchCallback;
static struct { int a; long b; } watch_stats;
static PyObject *make_watcher(PyObject *m) {
    PyObject *local = PyType_GenericNew(&Watcher_Type, NULL, NULL);
    static PyObject *cache;
    (void)m; cache = local;
    return local;
}
#endif
typedef struct {
    PyObject_HEAD
#ifdef HAVE_FANCY_WATCHER
    PyObject *watched;
    PyTypeObject *kind;
#endif
} WatcherObject;
static PyObject *run(PyObject *m, PyObject *a) {
    (void)m;
#if PY_VERSION_HEX < 0x03000000
    PyObject *old_style = a;
    return old_style;
#else
    return Py_NewRef(a);
#endif
}
)");
  auto types = findings_of("OG201", code);
  REQUIRE(types.size() == 1);
  CHECK(types[0].symbol == "Watcher_Type");
  CHECK(types[0].loc.line == 4);
  CHECK(types[0].loc.column == 21);
  CHECK(types[0].message.find("only when defined(HAVE_FANCY_WATCHER)") != std::string::npos);
  CHECK_FALSE(types[0].fixable);
  REQUIRE(types[0].manual_because);
  bool noted = false;
  for (const auto& n : types[0].notes) noted |= n.loc.line == 11;  // used in make_watcher
  CHECK(noted);

  auto objects = findings_of("OG101", code);
  REQUIRE(objects.size() == 3);  // not the pointer to the struct, the typedef, nor the plain struct
  CHECK(objects[0].symbol == "watch_error");
  CHECK(objects[1].symbol == "watch_hook");
  CHECK(objects[2].symbol == "watch_hooks");
  CHECK(objects[0].message.find("only when defined(HAVE_FANCY_WATCHER)") != std::string::npos);
  CHECK_FALSE(objects[0].fixable);

  auto locals = findings_of("OG102", code);
  REQUIRE(locals.size() == 1);
  CHECK(locals[0].symbol == "make_watcher::cache");
  CHECK_FALSE(locals[0].fixable);
}

TEST_CASE("OG101 and OG102 leave a variable the compiled branch also defines to its own finding", "[OG101][OG102]") {
  std::string code = isolated_module(R"(
#ifdef HAVE_A
static PyObject *err;
static PyObject *f(void) { static PyObject *cache; return cache; }
#else
static PyObject *err;
static PyObject *f(void) { static PyObject *cache; return cache; }
#endif
)");
  auto objects = findings_of("OG101", code);
  REQUIRE(objects.size() == 1);
  CHECK(objects[0].fixable);
  auto locals = findings_of("OG102", code);
  REQUIRE(locals.size() == 1);
  CHECK(locals[0].fixable);
}

TEST_CASE("OG201 and OG101 leave #if 0 alone: no configuration compiles it", "[OG201][OG101]") {
  std::string code = isolated_module(R"(
#if 0
static PyTypeObject Old_Type = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.Old"};
static PyObject *old_error;
#endif
#if 1
#else
static PyObject *never_error;
#endif
)");
  CHECK(findings_of("OG201", code).empty());
  CHECK(findings_of("OG101", code).empty());
}

TEST_CASE("OG204 reports attributes that read differently once the type is a heap type", "[OG204]") {
  auto f = findings_of("OG204", isolated_module(R"(
static PyObject *get(PyObject *self, void *c) { (void)c; return Py_NewRef(self); }
static PyGetSetDef with_doc[] = {
    {"__module__", get, NULL, NULL, NULL},
    {"__doc__", get, NULL, NULL, NULL},
    {"__qualname__", get, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}};
static PyGetSetDef without_doc[] = {{"__doc__", get, NULL, NULL, NULL}, {NULL, NULL, NULL, NULL, NULL}};
static PyMemberDef members[] = {{"__annotations__", 0, 0, 0, NULL}, {NULL, 0, 0, 0, NULL}};
static PyTypeObject A = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.A", .tp_doc = "A.", .tp_getset = with_doc};
static PyTypeObject B = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.B", .tp_getset = without_doc};
static PyTypeObject C = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "Plain"};
static PyTypeObject D = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "m.D"};
static int snip_exec(PyObject *m) {
    (void)m;
    D.tp_members = members;
    return PyType_Ready(&A) < 0 || PyType_Ready(&B) < 0 || PyType_Ready(&C) < 0 ? -1 : PyType_Ready(&D);
}
)"));
  std::vector<std::string> got;
  for (const auto& x : f) got.push_back(std::to_string(x.loc.line) + " " + x.symbol);
  // __qualname__ reads the same either way; __doc__ changes only where the type has a tp_doc; a
  // table given at run time counts too.
  CHECK(got == std::vector<std::string>{"5 A.__module__", "6 A.__doc__", "10 D.__annotations__", "13 C"});
  for (const auto& x : f) CHECK(x.manual_because.has_value());
}
