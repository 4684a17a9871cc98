// The module model: everything owngil knows about an extension's source tree.
//
// It is plain data on purpose. The Clang front end (fact_collector.cpp) fills it; rules, reporters
// and the rewriter read it and never see a Clang type, so they compile fast and are tested on
// models built from small snippets.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace owngil {

struct SourceLoc {
  std::string file;  // path relative to the project root when under it, else absolute
  unsigned line = 0;
  unsigned column = 0;
  bool valid() const { return line != 0; }
  // `file:line:col`, or the file alone when there is no line (messages, text output).
  std::string to_string() const { return file + (line ? ":" + std::to_string(line) + ":" + std::to_string(column) : ""); }
  bool operator<(const SourceLoc& o) const {
    if (file != o.file) return file < o.file;
    if (line != o.line) return line < o.line;
    return column < o.column;
  }
  bool operator==(const SourceLoc& o) const {
    return file == o.file && line == o.line && column == o.column;
  }
};

// A span of a file in bytes, [begin, end), as written (macro uses: the whole invocation).
struct SourceRange {
  std::string file;
  unsigned begin = 0, end = 0;
  bool valid() const { return !file.empty() && end >= begin && end > 0; }
};

enum class UseKind { Read, Write, AddressOf };

// One reference to a global variable in user code.
struct GlobalUse {
  SourceLoc loc;
  UseKind kind = UseKind::Read;
  std::string function;       // enclosing function; empty at file scope (e.g. in an initializer)
  std::string macro;          // the macro whose body spells this use; empty when spelled in source
  bool macro_in_tree = false; // that macro is defined in the tree (so its body can be rewritten)
  bool name_pasted = false;   // the name itself is made by token pasting (`prefix_##name`) in `macro`
  SourceRange spelling;       // for a use in a macro body: the name in the macro's definition
  SourceRange address_spelling;  // ... and `&name` there, when the body takes its address
  std::string assigned_from;  // for writes: the function called on the right-hand side, if any
  std::string assigned_variable;  // ... or the local variable or parameter assigned (`g = m;`)
  // ... and whether that value is borrowed: a call documented to return a borrowed reference
  // (PyModule_GetDict, PyDict_GetItem, ...), or read from another object or a process-wide place
  // (a member, another global, an address); a call's new reference or a local's is taken over.
  bool assigned_borrowed = false;
  SourceRange assigned_range;  // the right-hand side as written
  std::string passed_to;      // when its address (or decayed array) is a call argument: the callee
  bool address_only_read = false;  // the address is only used to read: a const or read-only parameter,
                                   // a comparison, a local pointer only read through
  // The address is an element of a local table's initializer that the function only indexes,
  // dereferencing each pointer to store a new reference or to read it (analyzer/local_table.h).
  bool address_in_local_table = false;
  SourceRange range;          // the name as written (for the rewriter)
  SourceRange address_range;  // for `&name`: the whole `&name` as written
  // When spelled in the arguments of a macro (`PyObject_New(T, &Type)`): that outermost macro's
  // name and its whole invocation as written.
  std::string in_macro_call;
  SourceRange macro_call_range;
  // A statement `name.field = value;` (a static type filled at run time, `T.tp_new = f;`): the
  // field, the value as written, the function or variable it names ("" otherwise), whether it is
  // NULL, and the whole statement with its `;`.
  std::string field;
  std::string field_value, field_value_name;
  bool field_value_null = false;
  bool field_value_constant = false;          // a constant initializer: literal, sizeof, address, flags
  std::optional<long long> field_value_int;   // its value, when an integer constant
  SourceRange field_statement;
  // The configuration this use exists in ("without NDEBUG"), when the unit was analysed in several
  // and the others do not have it (an assert() argument, an #ifndef NDEBUG branch); "" otherwise.
  std::string configuration;
};

enum class Storage { FileStatic, FunctionStatic, External };

// What a global holds, as far as isolation is concerned.
enum class GlobalKind {
  ObjectPointer,  // PyObject*, PyTypeObject*, any pointer to a PyObject_HEAD struct (or arrays of them)
  TypeObject,     // a PyTypeObject itself: a static type
  Table,          // definition tables: PyMethodDef[], PyModuleDef, PyType_Spec, PyMemberDef[], ...
  CData,          // any other C object
};

struct Global {
  std::string name;
  std::string type;      // as spelled by Clang
  SourceLoc loc;         // the definition (or first declaration when never defined in the tree)
  Storage storage = Storage::FileStatic;
  std::string function;  // for function-local statics: the function
  GlobalKind kind = GlobalKind::CData;
  bool is_const = false;         // the object itself is const (a table or a constant)
  bool is_definition = false;    // defined in the tree (not only declared extern)
  bool in_header = false;        // declared in a header of the tree (shared between files)
  bool thread_local_storage = false;
  bool zero_initialized = true;  // no initializer, or one that is all zeros/NULL
  bool has_initializer = false;
  // A CData global that is a struct, union or array of them with members holding Python objects:
  // those members as paths from the global (`names.open`, `errors[].cls`, `cfg.inner.type`). They
  // share objects between interpreters as much as an ObjectPointer does.
  std::vector<std::string> object_fields;
  // A `_Py_Identifier` (`_Py_IDENTIFIER(x)`, `_Py_static_string`): CPython's cache of an interned
  // name. Since 3.10 the string lives in each interpreter (interp->unicode.ids) and the struct
  // holds only an index, set once under the runtime's lock: no state to move, no race.
  bool cpython_identifier = false;
  std::vector<SourceRange> redeclarations;  // `extern PyObject *x;` in headers and elsewhere
  SourceRange decl;  // the declaration statement, `static PyObject *x = NULL;` (`static int a, b;`:
                     // both globals have the same begin)
  std::vector<GlobalUse> uses;

  std::string key() const { return loc.file + ":" + function + ":" + name; }
};

// One argument of a call, as far as the call graph needs it: a function handed over (a thread's
// entry point, a callback), a parameter passed on, a Python object (a callback's context).
struct CallArgument {
  std::string function;   // the function whose address it is (through & and casts); "" otherwise
  std::string parameter;  // the parameter of the calling function it is (through casts); "" otherwise
  bool is_object = false;    // a Python object pointer before any cast (`(void *)callable`)
  bool is_constant = false;  // an integer or null constant, or a string literal
  SourceLoc loc;
};

struct Call {
  std::string callee;  // C++ constructions of std::thread and std::jthread: "std::thread"
  SourceLoc loc;
  unsigned args_begin = 0;  // byte offset just after `(` (for the rewriter), 0 when unknown
  bool has_args = false;
  std::string macro;          // the macro whose body makes the call; empty when spelled in source
  bool is_python_api = false;  // declared in the Python headers
  bool arg0_is_type_of = false;  // first argument is Py_TYPE(x) (or Py_TYPE(x) cast)
  bool arg0_is_type_pointer = false;  // first argument has type PyTypeObject*
  SourceRange range;      // the call as written; invalid when a macro makes the call
  SourceRange macro_range;  // when a macro makes it: that macro's invocation as written (`PyObject_Del(self)`)
  // When the tree's own macro spells the call, name and `(` alike, in its definition: just after
  // that `(` (begin == end), so its arguments can be rewritten there for every expansion.
  SourceRange macro_args;
  // Filled for PyState_* calls only, which the rewriter replaces or removes:
  SourceRange statement;  // the statement of the enclosing block that holds it, with its `;`
  // That statement is the call alone, or an `if` without else testing its result: removing the
  // statement removes the call and nothing else the code needs.
  bool statement_is_call_or_check = false;
  // Also for PyGILState_* calls: the variable the result initializes or is assigned to
  // (`PyGILState_STATE g = PyGILState_Ensure();`), "" otherwise.
  std::string assigned_to;
  std::vector<CallArgument> args;  // in order; empty when the call has none
};

struct Param {
  std::string name;  // "" when unnamed
  SourceRange range;
};

struct Function {
  std::string name;
  std::string return_type;      // as spelled by Clang: "PyObject *", "int", "void"
  SourceLoc loc;
  SourceRange range;            // the whole definition
  unsigned body_begin = 0;      // byte offset just after the body's `{`
  unsigned params_begin = 0;    // byte offset just after the parameter list's `(`
  bool void_params = false;     // written `(void)`
  std::vector<Param> params;
  std::set<std::string> locals; // names of parameters and local variables
  bool is_static = false;
  bool is_init = false;  // a PyInit_* function
  std::vector<Call> calls;
  // Facts the heap-type rules need, computed from the body so rules need no AST:
  bool releases_type = false;  // Py_DECREF / Py_XDECREF of a PyTypeObject* (e.g. Py_TYPE(self))
  // Py_DECREF / Py_XDECREF of a parameter (a helper that owns what it is given, on some path):
  // the parameter's index and where.
  std::vector<std::pair<unsigned, SourceLoc>> released_params;
  bool visits_type = false;    // calls its visit callback on a PyTypeObject* (Py_VISIT(Py_TYPE(self)))
  std::string key() const { return (is_static ? loc.file + ":" : std::string()) + name; }
};

// A declaration without body (`int f(PyObject *x);`), so a new parameter reaches it too.
struct Prototype {
  std::string function;
  std::string file;
  unsigned params_begin = 0;  // just after `(`; 0 when written by a macro
  bool void_params = false;
  bool has_params = false;
  SourceRange decl;  // the whole declaration with its `;`
};

// A function whose address is taken (stored in a table, passed as a callback, ...).
struct AddressTaken {
  std::string function;
  SourceLoc loc;
  std::string in_function;  // where it happens; empty in a global initializer
  std::string in_global;    // the global whose initializer holds it, if any
  std::string passed_to;    // the function called with it as an argument (through & and casts), if any
};

enum class InitStyle { SinglePhase, MultiPhase, Unknown };

// What a `return` in a single-phase PyInit returns, for the rewrite into an exec function.
enum class InitReturnKind { Null, ModuleVariable, CreateCall, Other };

struct InitReturn {
  SourceRange range;  // `return ...;`
  InitReturnKind kind = InitReturnKind::Other;
  SourceLoc loc;
};

struct InitFunction {
  std::string name;         // PyInit_foo
  std::string module_name;  // foo
  SourceLoc loc;
  InitStyle style = InitStyle::Unknown;
  std::string def;          // the PyModuleDef it creates the module from
  SourceLoc create_call;    // PyModule_Create / PyModuleDef_Init call
  // For the rewriter (single-phase only):
  SourceRange head;         // from the declaration's start to just before the body's `{`
  SourceRange whole;        // the whole definition
  SourceRange create_range; // `PyModule_Create(&def)` as written
  bool create_in_helper = false;  // the module is created in a function PyInit calls
  bool in_namespace = false;      // C++: the function that builds the module is inside a namespace
  // The function whose body builds the module, which becomes the exec function: PyInit itself,
  // or the helper PyInit only forwards to (`return helper();`, then `forwarder` is PyInit).
  std::string builder;
  SourceRange forwarder;
  std::string module_variable;    // the local the created module is stored in
  std::vector<InitReturn> returns;
  std::vector<SourceRange> module_releases;  // `Py_DECREF(m);` statements of that local
  bool release_outside_block = false;        // one is the body of an if without braces
};

struct SlotEntry {
  int id = 0;                 // numeric slot id (Py_mod_exec == 2, Py_tp_dealloc == 52, ...)
  std::string name;           // the macro spelled in source (Py_mod_exec), or the number
  std::string value;          // function or variable named, or the value's spelling
  std::optional<long long> value_int;  // when the value is a constant (e.g. (void*)2)
  SourceLoc loc;
  SourceRange value_range;
};

struct SlotTable {  // a PyModuleDef_Slot[] or PyType_Slot[]
  std::string name;
  SourceLoc loc;
  std::vector<SlotEntry> entries;
  SourceRange sentinel;  // the {0, NULL} entry, where new slots go
};

enum class MethodOwner { Module, Type, Unknown };

struct MethodEntry {  // one PyMethodDef row
  std::string py_name;   // "greet"
  std::string function;  // the C function
  std::optional<long long> flags;  // METH_* bits
  SourceLoc loc;
  // For the rewriter, when the row is written in the file (not by a macro): its ml_meth and
  // ml_flags initializers as written, casts included.
  SourceRange meth_range, flags_range;
};

struct MethodTable {  // a PyMethodDef[]
  std::string name;
  SourceLoc loc;
  SourceRange decl;  // the whole declaration, with its `;`
  std::vector<MethodEntry> entries;
  MethodOwner owner = MethodOwner::Unknown;  // filled by build_modules from who refers to it
  std::string owner_name;                    // the PyModuleDef, static type or PyType_Spec
  SourceLoc owner_loc;                       // ... and where it is (names are not unique: `static`)
};

struct ModuleDef {
  std::string name;  // variable name
  SourceLoc loc;
  std::string m_name;
  std::optional<long long> m_size;
  SourceLoc m_size_loc;
  std::string methods, slots, traverse, clear, free;  // names; empty when NULL or unset
  // For the rewriter:
  SourceRange decl;           // the whole declaration, `static struct PyModuleDef d = {...};`
  SourceRange last_written;   // the last initializer written
  int last_written_index = -1;  // its field index (m_base is 0, m_slots is 5)
  bool designated = false;      // written with .field = designators
  bool in_namespace = false;    // C++: declared inside a namespace (named or anonymous)
  std::map<std::string, SourceRange> written_fields;  // field name -> its initializer as written
};

struct TypeField {
  std::string field;  // tp_dealloc, tp_as_number, ...
  std::string value;  // the function or variable named (also through &), else the text
  SourceLoc loc;
  std::string text;   // the initializer as written
};

// A PyNumberMethods / PySequenceMethods / PyMappingMethods / PyAsyncMethods / PyBufferProcs
// variable: the slots a static type points to through tp_as_number and friends.
struct SubTable {
  std::string name;
  std::string kind;  // the struct's name: PyNumberMethods, ...
  SourceLoc loc;
  std::vector<TypeField> fields;  // set to something other than zero
};

struct MemberTable {  // a PyMemberDef[] (or a PyGetSetDef[]: Model::getset_tables)
  std::string name;
  SourceLoc loc;
  std::vector<std::string> members;  // their Python names
  std::vector<SourceLoc> member_locs;  // ... and where each row is written
  SourceRange sentinel;              // the {NULL} entry, before which new members go; invalid if none
};

struct StaticType {  // a PyTypeObject variable
  std::string name;
  SourceLoc loc;
  std::string tp_name;
  std::optional<unsigned long long> flags;
  std::vector<TypeField> fields;  // fields set to something other than zero
  bool initialized = false;       // has an initializer (else filled at run time, e.g. struct seq)
};

struct TypeSpec {  // a PyType_Spec variable
  std::string name;
  SourceLoc loc;
  std::string type_name;
  std::optional<unsigned long long> flags;
  SourceLoc flags_loc;
  std::string slots;  // the PyType_Slot[] it uses
};

// A cast of PyModule_GetState()'s result: tells which struct is the module state.
struct StateStruct {
  std::string name;
  SourceLoc loc;
  std::vector<std::string> object_fields;  // PyObject* (and friends) members
  std::vector<std::string> used_in;       // functions that fetch it
};

struct Suppression {
  std::string file;
  unsigned line = 0;           // the line of the comment
  std::vector<std::string> rules;  // empty: every rule
  std::string reason;
  bool own_line = false;  // alone on its line: covers the next line too
};

// A definition in an inactive region, found by a token-level scan (the compiler never saw it):
// `static PyTypeObject T = {...}` or a variable declared with an object pointer type.
struct InactiveDefinition {
  std::string name;
  GlobalKind kind = GlobalKind::ObjectPointer;  // ObjectPointer or TypeObject
  SourceLoc loc;
  unsigned offset = 0;     // byte offset of the name in its file (inside an active function or not)
  bool is_static = false;  // declared `static`
  bool in_block = false;   // inside braces the region itself opens (a function the region holds)
  std::string function;    // that function, when the scan saw its name
  std::vector<SourceLoc> mentions;  // every other occurrence of the name in the region
  // When its branch is compiled (a region after a taken branch holds all the later ones: #elif
  // A ... #else ... is one region), as InactiveRegion::condition.
  std::string condition;
};

struct InactiveRegion {  // an #if branch the preprocessor skipped
  std::string file;
  unsigned begin_line = 0, end_line = 0;
  std::set<std::string> identifiers;  // what it mentions, so the rewriter can refuse to edit around it
  // When the branch is compiled, as written: "defined(HAVE_X)", "PY_VERSION_HEX < 0x030C0000",
  // "!(defined(A))" for an #else; "" when unknown.
  std::string condition;
  std::vector<InactiveDefinition> definitions;
};

struct ParseError {
  SourceLoc loc;
  std::string message;
};

// What one translation unit contributes; merged into the Model.
struct TranslationUnit {
  std::string main_file;
  std::set<std::string> user_files;  // the main file and every header of the tree it includes
  // Where each of those headers is first included: the including file and the byte offset of the
  // #include there (to order declarations of several files of one unit).
  std::map<std::string, std::pair<std::string, unsigned>> included_at;
  std::set<std::string> defines;     // external functions defined here
  std::set<std::string> references;  // external functions called or referenced here
  std::vector<ParseError> errors;
  bool failed = false;  // nothing usable came out (fatal error)
  // Macros the tree's code depends on through the preprocessor: named in an #if / #ifdef / #elif
  // of a file of the tree, and NDEBUG when that code uses assert(). A configuration that sets or
  // clears only other macros parses to the same facts and is skipped.
  std::set<std::string> condition_macros;
  // The configurations this unit was analysed in ("without NDEBUG", "with NDEBUG"); empty when
  // only the one its command gives.
  std::vector<std::string> configurations;
};

struct Module {
  std::string name;
  std::string init;               // PyInit_ function name
  std::string def;                // PyModuleDef variable
  std::set<std::string> files;    // files whose facts belong to this module
};

struct Model {
  std::string root;  // project root; locations are relative to it
  std::string python_include;
  std::vector<TranslationUnit> units;
  std::vector<Global> globals;
  std::vector<Function> functions;
  std::vector<AddressTaken> address_taken;
  std::vector<Prototype> prototypes;
  std::vector<InitFunction> inits;
  std::vector<ModuleDef> module_defs;
  std::vector<SlotTable> module_slot_tables;
  std::vector<SlotTable> type_slot_tables;
  std::vector<MethodTable> method_tables;
  std::vector<StaticType> static_types;
  std::vector<SubTable> sub_tables;
  std::vector<MemberTable> member_tables;
  std::vector<MemberTable> getset_tables;  // PyGetSetDef[]: the attribute names they define
  std::vector<TypeSpec> type_specs;
  std::vector<StateStruct> state_structs;
  std::vector<Suppression> suppressions;
  std::vector<InactiveRegion> inactive_regions;
  std::vector<Module> modules;

  // Look-ups used by rules and the rewriter. A name resolves as the compiler resolves it where it
  // is written (`from`, the file of the reference): to the definition in that file's own
  // translation unit when there is one, since a `static` name is a different object in every file
  // (python-lz4 has four `static struct PyModuleDef moduledef`); else to the one elsewhere
  // (external linkage). Without `from`, the first of that name.
  const Function* function(const std::string& name, const std::string& file = {}) const;
  const ModuleDef* module_def(const std::string& name, const std::string& from = {}) const;
  const SlotTable* module_slots(const std::string& name, const std::string& from = {}) const;
  const SlotTable* type_slots(const std::string& name, const std::string& from = {}) const;
  const MethodTable* method_table(const std::string& name, const std::string& from = {}) const;
  // Whether two files are compiled together (one is, or includes, the other in some unit).
  bool same_unit(const std::string& a, const std::string& b) const;
  const MemberTable* member_table(const std::string& name, const std::string& file) const;
  const InitFunction* init_for(const Module& m) const;
  // The PyModuleDef an init function creates its module from, resolved where the creation is written.
  const ModuleDef* def_of(const InitFunction& init) const;
  // The module a file belongs to ("" when none or ambiguous).
  std::string module_of(const std::string& file) const;
  // Functions reachable from `roots` through direct calls within the tree.
  std::set<std::string> reachable_from(const std::vector<std::string>& roots) const;
};

// Merges per-TU facts (deduplicating what headers repeat) and attributes files to modules.
void merge_into(Model& model, Model&& unit_facts);
// Merges the facts of one unit analysed in another configuration (`alt`, e.g. with NDEBUG) into
// those of its first configuration (`base`): a global, type, function or use found in either is
// found; a use only one of them has is tagged with that one's label (GlobalUse::configuration).
// An empty `base_label` tags only what `alt` adds (several configurations merged one by one).
void merge_configuration(Model& base, Model&& alt, const std::string& base_label, const std::string& alt_label);
void build_modules(Model& model);

}  // namespace owngil
