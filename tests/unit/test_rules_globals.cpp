// OG101-OG104: state kept in C globals.
#include <catch2/catch.hpp>

#include "helpers.h"

TEST_CASE("OG101 reports static and extern PyObject* globals, not locals or tables", "[OG101]") {
  auto f = findings_of("OG101", isolated_module(R"(
static PyObject *cache;
PyObject *exported;
static PyTypeObject *heap_type;
static PyMethodDef methods[] = {{NULL, NULL, 0, NULL}};
static PyObject *use(PyObject *m, PyObject *a) { PyObject *local = a; cache = local; (void)m; return Py_NewRef(cache); }
)"));
  REQUIRE(f.size() == 3);
  CHECK(f[0].symbol == "cache");
  CHECK(f[1].symbol == "exported");
  CHECK(f[2].symbol == "heap_type");
  CHECK(f[0].fixable);
  REQUIRE(!f[0].notes.empty());
  CHECK(f[0].notes[0].message.find("assigned here in 'use'") != std::string::npos);
}

TEST_CASE("OG101 notes a use inside a macro body of the tree, and stays fixable", "[OG101]") {
  auto f = findings_of("OG101", isolated_module(R"(
static PyObject *sentinel;
#define GET_SENTINEL() Py_NewRef(sentinel)
static PyObject *get(PyObject *m, PyObject *a) { (void)m; (void)a; return GET_SENTINEL(); }
)"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].fixable);
  bool noted = false;
  for (auto& n : f[0].notes) noted |= n.message.find("body of macro 'GET_SENTINEL' (defined in this tree)") != std::string::npos;
  CHECK(noted);
}

TEST_CASE("OG101 says why a name pasted together by a macro needs manual work", "[OG101]") {
  auto f = findings_of("OG101", isolated_module(R"(
static PyObject *str_lower;
#define INTERN(name) (str_##name = PyUnicode_InternFromString(#name))
static PyObject *get(PyObject *m, PyObject *a) { (void)m; (void)a; return INTERN(lower); }
)"));
  REQUIRE(f.size() == 1);
  CHECK_FALSE(f[0].fixable);
  REQUIRE(f[0].manual_because);
  CHECK(f[0].manual_because->message.find("its name is pasted together (##) by macro 'INTERN'") != std::string::npos);
}

// A struct, union or array of structs holding objects shares them as much as a PyObject* does; fix
// does not move aggregates, so the finding must make it refuse the module.
TEST_CASE("OG101 reports objects inside global structs, unions, nested and arrays of structs, not fixable", "[OG101]") {
  auto f = findings_of("OG101", isolated_module(R"(
static struct { PyObject *open, *close; } names;
typedef struct { const char *name; int code; PyObject *exc; } Entry;
static Entry table[] = {{"a", 1, NULL}, {NULL, 0, NULL}};
static union { PyObject *obj; long bits; } either;
static struct { int n; struct { PyTypeObject *type; } inner; } nested;
static struct { int a; const char *b; } plain;
static const struct { PyObject *alloc, *release; } no_hooks = {NULL, NULL};
static PyObject *use(PyObject *m, PyObject *a) {
    (void)m; (void)plain; (void)either; (void)nested; (void)no_hooks;
    names.open = Py_NewRef(a);
    table[0].exc = a;
    return Py_NewRef(names.open);
}
)"));
  REQUIRE(f.size() == 4);
  CHECK(f[0].symbol == "names");
  CHECK(f[0].message.find("'names.open', 'names.close'") != std::string::npos);
  CHECK(f[1].symbol == "table");
  CHECK(f[1].message.find("'table[].exc'") != std::string::npos);
  CHECK(f[2].message.find("'either.obj'") != std::string::npos);
  CHECK(f[3].message.find("'nested.inner.type'") != std::string::npos);
  for (const auto& x : f) {
    CHECK_FALSE(x.fixable);
    REQUIRE(x.manual_because);
    CHECK(x.manual_because->message.find("fix does not move aggregates yet") != std::string::npos);
  }
  // Every use is a note, so the port by hand starts from the list.
  unsigned uses = 0;
  for (const auto& n : f[0].notes) uses += n.message.find("in 'use'") != std::string::npos;
  CHECK(uses == 2);
}

TEST_CASE("OG101 reports pointers to object pointers and library types holding objects by the variable", "[OG101]") {
  auto c = findings_of("OG101", isolated_module(R"(
static PyObject **items;
static Py_buffer view;
static PyObject *use(PyObject *m, PyObject *a) { (void)m; (void)view; items = PyMem_New(PyObject *, 1); items[0] = a; Py_RETURN_NONE; }
)"));
  REQUIRE(c.size() == 2);
  CHECK(c[0].message.find("in 'items[]'") != std::string::npos);
  CHECK(c[1].message.find("in 'view' itself") != std::string::npos);  // not view.obj: CPython's struct
  auto cpp = findings_of("OG101", isolated_module(R"(
#include <vector>
static std::vector<PyObject *> cache;
static std::vector<int> sizes;
)"), "snippet.cpp");
  REQUIRE(cpp.size() == 1);
  CHECK(cpp[0].symbol == "cache");
  CHECK(cpp[0].message.find("in 'cache' itself") != std::string::npos);
  CHECK_FALSE(cpp[0].fixable);
}

// A statically allocated object (cbor2's `PyObject _undefined_obj = {...}`) is one object for the
// whole process, like a static type.
TEST_CASE("OG101 reports a statically allocated object, not fixable", "[OG101]") {
  auto f = findings_of("OG101", isolated_module(R"(
PyObject marker_obj = {_PyObject_EXTRA_INIT 1, NULL};
static PyObject *get(PyObject *m, PyObject *a) { (void)m; (void)a; return Py_NewRef(&marker_obj); }
)"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].symbol == "marker_obj");
  CHECK(f[0].message.find("holds Python objects in 'marker_obj' itself") != std::string::npos);
  CHECK_FALSE(f[0].fixable);
}

TEST_CASE("OG101 keeps plain and typedef'd object pointers fixable", "[OG101]") {
  auto f = findings_of("OG101", isolated_module(R"(
typedef PyObject *ObjRef;
static ObjRef aliased;
static PyLongObject *one;
static PyObject *use(PyObject *m, PyObject *a) { (void)m; aliased = a; one = (PyLongObject *)a; return Py_NewRef(aliased); }
)"));
  REQUIRE(f.size() == 2);
  CHECK(f[0].symbol == "aliased");
  CHECK(f[1].symbol == "one");
  CHECK(f[0].fixable);
  CHECK(f[1].fixable);
}

TEST_CASE("OG102 reports a function-local static struct caching objects, not fixable", "[OG102]") {
  auto f = findings_of("OG102", isolated_module(R"(
static PyObject *names(void) {
    static struct { PyObject *lower, *upper; } cache;
    if (!cache.lower) cache.lower = PyUnicode_InternFromString("lower");
    return cache.lower;
}
)"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].symbol == "names::cache");
  CHECK(f[0].message.find("'cache.lower', 'cache.upper'") != std::string::npos);
  CHECK_FALSE(f[0].fixable);
}

TEST_CASE("OG103 leaves an aggregate holding objects to OG101", "[OG103]") {
  auto f = findings_of("OG103", isolated_module(R"(
static struct { int hits; PyObject *last; } stats;
static PyObject *use(PyObject *m, PyObject *a) { (void)m; stats.hits++; stats.last = a; Py_RETURN_NONE; }
)"));
  CHECK(f.empty());
}

TEST_CASE("OG102 reports a function-local static object cache", "[OG102]") {
  auto f = findings_of("OG102", isolated_module(R"(
static PyObject *name(void) {
    static PyObject *interned = NULL;
    if (!interned) interned = PyUnicode_InternFromString("x");
    return interned;
}
static long plain(void) { static long n; return ++n; }
)"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].symbol == "name::interned");
  CHECK(f[0].loc.line == 4);
}

TEST_CASE("OG103 reports C state written by a method, and state written during init that a method reads", "[OG103]") {
  auto f = findings_of("OG103", isolated_module(R"(
static long hits;
static long configured;
static const long limit = 3;
static char *kwlist[] = {"a", NULL};
static PyObject *hit(PyObject *m, PyObject *args, PyObject *kw) {
    (void)m; int a;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "i", kwlist, &a)) return NULL;
    hits += a;
    return PyLong_FromLong(hits + limit + configured);
}
static PyMethodDef methods[] = {{"hit", (PyCFunction)(void(*)(void))hit, METH_VARARGS | METH_KEYWORDS, NULL}, {NULL, NULL, 0, NULL}};
static void configure(void) { configured = 1; }
static int snip_exec(PyObject *m) { (void)m; configure(); return 0; }
)", "    {Py_mod_exec, snip_exec},\n"));
  REQUIRE(f.size() == 2);
  CHECK(f[0].symbol == "hits");
  REQUIRE(f[0].notes.size() == 1);
  CHECK(f[0].notes[0].loc.line == 10);
  // Written by exec (through configure), read by the method: one value per interpreter.
  CHECK(f[1].symbol == "configured");
  CHECK(f[1].message.find("written while the module initializes (in 'configure') and read later (in 'hit')") !=
        std::string::npos);
  CHECK(f[1].fixable);
}

// Each interpreter's init sets the flag again while the others read it: the value a reader sees
// is the last importer's, not its own.
TEST_CASE("OG103 reports a flag written in single-phase init and read by a method, not one only init reads", "[OG103]") {
  auto f = findings_of("OG103", R"(#include <Python.h>
static int ready;
static int init_steps;
static PyObject *is_ready(PyObject *m, PyObject *unused) { (void)m; (void)unused; return PyBool_FromLong(ready); }
static PyMethodDef methods[] = {{"is_ready", is_ready, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods};
PyMODINIT_FUNC PyInit_m(void) {
    ready = 0;
    init_steps = 1;
    PyObject *m = PyModule_Create(&d);
    if (m) { ready = 1; init_steps += init_steps; }
    return m;
})");
  REQUIRE(f.size() == 1);
  CHECK(f[0].symbol == "ready");
  REQUIRE(f[0].notes.size() == 2);
  CHECK(f[0].notes[0].loc.line == 8);
  CHECK(f[0].notes[1].loc.line == 4);
}

TEST_CASE("OG103 reports C state whose address is kept during init, not one handed to a call", "[OG103]") {
  auto f = findings_of("OG103", isolated_module(R"(
static long hits;
static long *counter;
static long scratch;
static void fill(long *out) { *out = 0; }
static int snip_exec(PyObject *m) { (void)m; counter = &hits; fill(&scratch); return 0; }
)", "    {Py_mod_exec, snip_exec},\n"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].symbol == "hits");
  CHECK(f[0].message.find("reachable through a pointer kept in 'snip_exec'") != std::string::npos);
}

TEST_CASE("OG104 reports a capsule cached in a global, but not datetime's process-wide one", "[OG104]") {
  auto f = findings_of("OG104", isolated_module(R"(
#include <datetime.h>
static void *numbers_api;
static int snip_exec(PyObject *m) {
    (void)m;
    PyDateTime_IMPORT;
    numbers_api = PyCapsule_Import("numbers._C_API", 0);
    return PyDateTimeAPI && numbers_api ? 0 : -1;
}
)", "    {Py_mod_exec, snip_exec},\n"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].symbol == "numbers_api");
  CHECK(f[0].loc.line == 8);
}

TEST_CASE("OG103 leaves tables whose address is only used to read", "[OG103]") {
  auto f = findings_of("OG103", isolated_module(R"(
typedef struct { int code; const char *label; } Entry;
typedef struct { long (*twice)(long); } Ops;
static Entry entries[] = {{1, "one"}, {2, "two"}};
static long twice_impl(long x) { return 2 * x; }
static Ops ops = {twice_impl};
static const char *names[] = {"first", "second"};
static int mode = 4;
static long which(const char *list[], long n) { long i; for (i = 0; i < n; i++) if (list[i][0] == 's') return i; return -1; }
static int is_mode(const int *m) { return m == &mode; }
static PyObject *run(PyObject *module, PyObject *arg) {
    (void)module; (void)arg;
    long total = 0;
    for (size_t i = 0; i < 2; i++) {
        Entry *e = &entries[i];
        total += e->code + (e->label[0] == 'o');
    }
    Ops *o = &ops;
    total += o->twice(which(names, 2)) + is_mode(&mode) + is_mode(NULL);
    return PyLong_FromLong(total);
}
)"));
  CHECK(f.empty());
}

TEST_CASE("OG103 still reports a table written through a pointer, handed to a writer, or whose address escapes", "[OG103]") {
  auto f = findings_of("OG103", isolated_module(R"(
typedef struct { int code; } Entry;
static Entry written[2], handed[2], returned[2];
static void reset(Entry *e) { e->code = 0; }
static Entry *pick(int i) { return &returned[i]; }
static PyObject *run(PyObject *module, PyObject *arg) {
    (void)module; (void)arg;
    Entry *e = &written[0];
    e->code = 7;
    reset(&handed[1]);
    return PyLong_FromLong(pick(0)->code);
}
)"));
  REQUIRE(f.size() == 3);
  CHECK(f[0].symbol == "written");
  CHECK(f[1].symbol == "handed");
  CHECK(f[2].symbol == "returned");
}

TEST_CASE("OG103 reports a run-once guard of init as manual work, not a flag init only writes", "[OG103]") {
  auto f = findings_of("OG103", isolated_module(R"(
static int inited;
static int counted;
static int ex(PyObject *module) {
    if (inited) return 0;
    if (PyModule_AddIntConstant(module, "X", 1) < 0) return -1;
    inited = 1;
    counted = 1;
    return 0;
}
)", "    {Py_mod_exec, ex},\n"));
  REQUIRE(f.size() == 1);
  CHECK(f[0].symbol == "inited");
  CHECK_FALSE(f[0].fixable);
  REQUIRE(f[0].manual_because);
  CHECK(f[0].manual_because->message.find("run-once guard") != std::string::npos);
  CHECK(f[0].message.find("read in 'ex' before it is written there") != std::string::npos);
}
