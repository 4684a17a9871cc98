// The port plan of one module: every decision `owngil fix` makes, computed from the model and the
// findings before any text is touched. Plain data (pointers into the model, names, reasons), no
// Clang types. The repairs (rewriter/repairs/) turn it into edits, each knowing only the plan.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "heap_types.h"
#include "owngil/model.h"
#include "owngil/rewriter.h"

namespace owngil {

// How a function of the module reaches the module state after the port.
enum class StateAccess {
  ModuleArgument,  // a module-level function or exec function: get_<mod>_state(its module)
  TypeOfSelf,      // a function a converted type's tables hold: through its object's type (or its type)
  DefiningClass,   // a method of a converted type: a METH_METHOD entry point passes its class's state
  StateParameter,  // a helper: a new first parameter, which every caller passes
};

const char* access_name(StateAccess a);
const char* type_access_name(TypeAccess a);

// A call in a function of the plan whose callee takes the state as a new first argument.
struct StateCall {
  const Call* call;
  bool with_module = false;  // the callee readies types: the module goes beside the state
  std::string module;        // then the caller's module, as named there
};

struct FunctionPlan {
  const Function* function = nullptr;
  StateAccess access = StateAccess::StateParameter;
  TypeAccess type_access = TypeAccess::Self;  // for TypeOfSelf: which parameter leads to the type
  std::string why;                            // "uses 'g'", "calls 'helper'": the first reason
  std::string module;          // ModuleArgument / TypeOfSelf: the parameter the state comes from
  std::string extra_param;     // a helper that readies types also receives the module: its declaration
  const MethodEntry* row = nullptr;    // DefiningClass: the method's row in its type's table
  const MethodTable* table = nullptr;  // ... and that table
  std::string defining_type;           // ... and the converted type whose tp_methods it is
  std::string entry_point;             // DefiningClass: the name of the METH_METHOD entry point
  std::vector<StateCall> calls;        // calls that pass the state on
  std::vector<const Prototype*> prototypes;  // StateParameter: its declarations, which gain the parameter too
};

// A global that becomes a member of the state struct.
struct MovedGlobal {
  const Global* global = nullptr;
  bool is_type = false;      // a static type: the member is its heap type, the heap-type repair rewrites it
  std::string member;        // its name in the state
  std::string declaration;   // the member's declaration (`PyObject *x[3]`)
  bool holds_objects = false;  // m_traverse visits it, m_clear releases it
  std::string repairs;       // the rule it repairs: OG101, OG102, OG103
  // `Py_DECREF(g)` / `Py_XDECREF(g)`: after the port the state still holds the pointer, which its
  // m_clear would release again (a failed exec frees the state): these become `Py_CLEAR(st->g)`.
  std::vector<const GlobalUse*> releases;
  // `PyModule_AddObject(m, "X", g)` with no increment of g before it in the function steals the
  // global's own reference, which the state would then release once more: PyModule_AddObjectRef.
  std::vector<const Call*> stolen_by;
  // `g = PyModule_GetDict(m);`, `g = other->field;`: the old global borrowed it, but the state's
  // hooks release what it holds: these take a reference of their own (Py_XNewRef).
  std::vector<const GlobalUse*> borrowed_writes;
};

// A global that only ever holds the module being built (`the_module = m;`, `m = the_module =
// PyModule_Create(...)`): the module owns itself, so it is no state member; it disappears.
struct ModuleAlias {
  const Global* global = nullptr;
  std::vector<std::pair<const GlobalUse*, std::string>> reads;  // each read, and the module it becomes
  std::vector<const GlobalUse*> writes;                         // each write of the module, removed
};

// `PyType_Ready(&T)` (or PyStructSequence_InitType2) that becomes the creation of the heap type.
struct TypeCreation {
  const GlobalUse* use = nullptr;
  const Call* call = nullptr;
  std::string module;  // the module the type is created for, as named in that function
};

// A static type that becomes a heap type created in exec.
struct ConvertedType {
  const Global* global = nullptr;
  const StaticType* type = nullptr;
  HeapTypeText text;                      // spec, slots, and what the type's functions need
  std::set<const GlobalUse*> folded;      // `T.field = value;` statements now in the spec
  const Function* readier = nullptr;      // the function that readies it (PyType_Ready)
  bool placed_before_readier = false;     // the spec goes right before that function
  std::vector<TypeCreation> creations;
  std::vector<SourceRange> dropped;       // `Py_SET_TYPE(&T, &PyType_Type);`: the spec's creation does it
  // The heap-type duties: the function that must visit the type (tp_traverse) and the one that
  // must release it (tp_dealloc), or null where the function does already, or delegates to
  // another converted type's function that will (a subtype's dealloc calling its base's):
  // exactly once per instance, on every path.
  const Function* visit_in = nullptr;
  const Function* release_in = nullptr;
  // A delegating dealloc of a type that becomes GC-tracked still stops tracking the object before
  // it tears it down (the GC must never see an object whose count reached 0).
  const Function* untrack_in = nullptr;
};

// A PyModuleDef field to set (rewritten where written, added after the last one otherwise).
struct DefField {
  std::string field, value, rule;
};

// A function whose first (module or object) parameter is unnamed or Py_UNUSED and gets a name.
struct NamedParameter {
  const Function* function = nullptr;
  std::string name;
  std::string rule;  // the repair that first needed it
};

// OG302: `PyState_FindModule(&def)` becomes the module at hand; `PyState_AddModule` goes.
struct ModuleLookup {
  const Call* call = nullptr;
  std::string module;  // what replaces the call; empty: the registration statement is removed
};

// OG301: a thread the module starts enters the interpreter that started it (owngil_compat.h):
// the start records the caller's interpreter, PyGILState_Ensure/Release in what the thread runs
// become owngil_thread_ensure/release, and a failed entry returns the function's error value.
struct ThreadEntry {
  const Call* call = nullptr;          // PyGILState_Ensure(), spelled in source
  const Function* function = nullptr;  // its function
  std::string failure;                 // the statement returning its error value: `return NULL;`
};

struct PortPlan {
  std::string module;
  const Module* mod = nullptr;
  const InitFunction* init = nullptr;
  const ModuleDef* def = nullptr;
  MethodState method_state = MethodState::Fastest;
  std::vector<Refusal> refusals;  // any: the module is left as it is; all are listed at once
  std::set<std::string> found;    // rules with a finding in the module
  std::set<std::string> wanted;   // ... that this run repairs (--rules)

  // What changes.
  bool convert_init = false;       // OG001: PyInit becomes the exec function
  std::vector<const Prototype*> stale_prototypes;  // of a helper that became the exec function: removed
  bool declare_support = false;    // OG002 on a multi-phase module: the slot table gains the slots
  std::string new_slot_table;      // ... or, when it has none, a new one of that name (m_slots)
  std::vector<ModuleLookup> module_lookups;  // OG302
  std::vector<const Call*> thread_starts;    // OG301: pthread_create(...) -> owngil_pthread_create(...)
  std::vector<ThreadEntry> thread_entries;   // OG301: PyGILState_Ensure() in what those threads run
  std::vector<const Call*> thread_leaves;    // OG301: PyGILState_Release(g) there
  std::vector<MovedGlobal> globals;    // in the model's order
  std::vector<ModuleAlias> module_aliases;
  std::vector<ConvertedType> types;    // in the model's order
  std::map<std::string, FunctionPlan> functions;  // every function that needs the state, by name
  std::vector<NamedParameter> named_parameters;
  std::vector<DefField> def_fields;
  std::set<std::string> execs;                   // the functions that fill the module
  std::map<std::string, std::string> readying_helpers;  // helper that readies types -> its module parameter
  std::string replaced_free;                     // an m_free the generated hooks replace, or ""
  bool init_needs_state = false;                 // the exec function made of PyInit uses its module
  bool uses_type_lookup = false, uses_operand_lookup = false;
  bool declares_no_gil = false;                  // Py_mod_gil = Py_MOD_GIL_NOT_USED

  // Names chosen for what is generated (fresh in the tree).
  std::string state_type, getter, var = "st";
  std::string exec, slots;                    // OG001
  std::string init_module_param = "module";  // the exec function's parameter
  std::map<std::string, std::string> helpers;  // kind (traverse, clear, free, state_of_type, ...) -> name
  std::string def_ref;  // C++: how code before the PyModuleDef reaches it (a function call), else ""

  // Where the state struct goes.
  std::string struct_file;
  unsigned struct_at = 0;          // a byte offset; the struct goes at the start of its line
  bool one_file = true;            // the state lives in init's file: the GC hooks go with the struct
  bool declare_def_ahead = false;  // the struct's helpers name the PyModuleDef before its definition
  std::string single_unit_main;    // the main file when the state spans headers of one unit
  std::set<std::string> compat_files;  // files that include owngil_compat.h after <Python.h>

  const FunctionPlan* function(const std::string& name) const;
  const std::string& helper(const std::string& kind) const;
  bool has_objects() const;
};

// Refusals are reported in source order (stable: one location's reasons keep their order).
void sort_in_source_order(std::vector<Refusal>& refusals);

// The plan of every module of the model. `findings` are the tree's, suppressed ones removed;
// `read` gives the sources (read for their layout and a few spellings, never changed here).
std::vector<PortPlan> plan_ports(const Model& model, const std::vector<Finding>& findings, const FixOptions& options,
                                 const SourceReader& read);

}  // namespace owngil
