// The heap-type part of the plan (OG201): which static types convert, the text of their specs,
// how each of their functions reaches the state, and where they are created.
#include <algorithm>

#include "format.h"
#include "planner.h"

namespace owngil {

const StaticType* Planner::static_type_of(const Global& g) const {
  for (const StaticType& t : model_.static_types)
    if (t.name == g.name && t.loc.file == g.loc.file) return &t;
  return nullptr;
}

const Global* Planner::global_named(const std::string& name) const {
  for (const Global& g : model_.globals)
    if (g.name == name && module_.files.count(g.loc.file)) return &g;
  return nullptr;
}

// Helpers that ready static types and that only init/exec functions call (multidict's
// `istr_init()`): they receive the module, beside the state, to create the heap types with.
void Planner::find_readying_helpers(const std::vector<const Global*>& globals) {
  for (const Global* g : globals) {
    if (g->kind != GlobalKind::TypeObject) continue;
    for (const GlobalUse& u : g->uses) {
      if (u.passed_to != "PyType_Ready" || plan_.execs.count(u.function) || plan_.readying_helpers.count(u.function)) continue;
      const Function* f = module_function(u.function);
      if (!f) continue;
      bool only_from_exec = true, called = false;
      for (const Function& caller : model_.functions)
        for (const Call& c : caller.calls)
          if (c.callee == f->name) called = true, only_from_exec &= plan_.execs.count(caller.name) > 0 && c.args_begin;
      bool escapes = std::any_of(model_.address_taken.begin(), model_.address_taken.end(),
                                 [&](const AddressTaken& a) { return a.function == f->name; });
      if (!called || !only_from_exec || escapes) continue;
      std::string name = "module";
      for (int i = 2; f->locals.count(name); ++i) name = "module_" + std::to_string(i);
      plan_.readying_helpers[f->name] = name;
    }
  }
}

// Checks that the type can be converted and works out its heap-type text; records which of its
// functions reach the state through the type.
bool Planner::prepare_heap_type(const Global& g, const std::vector<const Global*>& globals) {
  const StaticType* t = static_type_of(g);
  auto fail = [&](const SourceLoc& loc, const std::string& why) {
    refuse(loc, why);
    return false;
  };
  if (!t) return fail(g.loc, "cannot find the definition of static type '" + g.name + "'");
  if (const SourceLoc* at = module_subclass_evidence(g, *t)) return fail(*at, module_subclass_advice(g));
  FileStyle st = style_of(g.loc.file, text(g.loc.file));
  // (a `static` type declared in a header is private to the file that includes it)
  for (const SourceRange& r : g.redeclarations)
    if (g.storage == Storage::External && is_header(r.file))
      return fail(loc_of(text(r.file), r), "type '" + g.name + "' is declared in header " + r.file +
                                               ": code that includes it (other modules, users of a public C API) may use the "
                                               "type object directly; convert it by hand");
  ConvertedType converted;
  converted.global = &g;
  converted.type = t;
  for (const GlobalUse& u : g.uses)
    if (u.passed_to == "PyType_Ready") converted.readier = module_function(u.function);
  bool struct_sequence = std::any_of(g.uses.begin(), g.uses.end(),
                                     [](const GlobalUse& u) { return u.passed_to == "PyStructSequence_InitType2"; });
  if (!t->initialized && struct_sequence) {
    plan_.types.push_back(converted);
    return true;
  }
  std::set<std::string> module_types;
  for (const Global* other : globals)
    if (other->kind == GlobalKind::TypeObject) module_types.insert(other->name);
  // Fields set in init before PyType_Ready complete the initializer (C++ before C++20 has no
  // designated initializers, so its static types are often filled that way, from nothing).
  StaticType filled = *t;
  if (!fold_run_time_fields(g, &filled, &converted.folded)) return false;
  bool named = std::any_of(filled.fields.begin(), filled.fields.end(), [](const TypeField& f) { return f.field == "tp_name"; });
  if (!t->initialized && !named)
    return fail(g.loc, "static type '" + g.name + "' is filled in at run time in a way fix cannot follow: convert it by hand");
  converted.text = heap_type_text(model_, filled, module_types, st.indent, [&](const std::string& n) { return name_taken(n); }, st.cxx);
  if (!converted.text.refusal.empty()) return fail(converted.text.refusal_loc, converted.text.refusal);
  for (const auto& [function, access] : type_functions(model_, filled, plan_.method_state)) type_access_.emplace(function, access);
  // Folded fields' values (functions, tables) may be declared only after the static definition:
  // the spec then goes right before the function that readies the type, where all are known.
  const Function* readier = converted.readier;
  converted.placed_before_readier = !converted.folded.empty() && readier && readier->range.file == g.decl.file &&
                                    readier->range.begin >= g.decl.end;
  plan_.types.push_back(converted);
  return true;
}

// Where a static type shows that it subclasses the module type: `tp_base = &PyModule_Type` (in
// its initializer or at init), or the module object given the type (`Py_SET_TYPE(m, &T)`).
const SourceLoc* Planner::module_subclass_evidence(const Global& g, const StaticType& t) {
  for (const TypeField& f : t.fields)
    if (f.field == "tp_base" && f.value == "PyModule_Type") return &f.loc;
  for (const GlobalUse& u : g.uses) {
    if (u.field == "tp_base" && u.field_value_name == "PyModule_Type") return &u.loc;
    if (u.kind != UseKind::AddressOf || u.in_macro_call != "Py_SET_TYPE" || !u.macro_call_range.valid()) continue;
    const SourceRange& call = u.macro_call_range;
    std::vector<std::string> args = macro_arguments(text(call.file).substr(call.begin, call.end - call.begin));
    if (args.size() == 2 && args[1] == "&" + g.name) return &u.loc;
  }
  return nullptr;
}

// A module's type is fixed when multi-phase init creates it, and a heap subclass of ModuleType
// that gets a traverse or dealloc of its own (as converted types do) stops visiting the module's
// dict or releases its type wrongly: the port is by hand, and this says how it is correct.
std::string Planner::module_subclass_advice(const Global& g) const {
  return "'" + g.name + "' is a subclass of the module type, given to the module object: in multi-phase init the module "
         "is created before exec, and its type cannot change there. Port it by hand, one of: (a) drop the subclass "
         "and give the module a module-level __getattr__ / __dir__ (PEP 562) in its method table; (b) add a "
         "Py_mod_create slot whose function creates the heap subclass, "
         "PyType_FromSpecWithBases(&spec, (PyObject *)&PyModule_Type) with flags Py_TPFLAGS_DEFAULT and no "
         "Py_tp_traverse, Py_tp_clear or Py_tp_dealloc (it then inherits the GC flag and the module's traverse and "
         "clear, which visit its dict and state, and subtype_dealloc releases the type once per module), and returns "
         "PyObject_CallOneArg(type, name) with the spec's name (the module holds its own reference to its type; "
         "release the creator's): exec then finds the type as Py_TYPE(module)";
}

// `T.tp_new = f;` or `T.tp_init = NULL;` in an exec function before T is readied: the spec
// takes the field (or drops it) and the statement goes. Only values a spec can hold at compile
// time move: NULL, and functions and tables of the tree.
bool Planner::fold_run_time_fields(const Global& g, StaticType* type, std::set<const GlobalUse*>* folded) {
  const GlobalUse* ready = nullptr;
  for (const GlobalUse& u : g.uses)
    if (u.passed_to == "PyType_Ready") ready = &u;
  for (const GlobalUse& u : g.uses) {
    if (u.field.empty() || (!plan_.execs.count(u.function) && !plan_.readying_helpers.count(u.function))) continue;
    bool before_ready = ready && ready->function == u.function && u.field_statement.valid() &&
                        u.field_statement.file == ready->range.file && u.field_statement.end <= ready->range.begin;
    bool compile_time = u.field_value_null || u.field_value_constant ||
                        (!u.field_value_name.empty() && (model_.function(u.field_value_name) || global_named(u.field_value_name)));
    bool flags_known = u.field != "tp_flags" || u.field_value_int;  // GC and the like are read from them
    if (!before_ready || !compile_time || !flags_known || u.field.rfind("tp_", 0) != 0) {
      refuse(u.loc, "'" + g.name + "." + u.field + "' is set in '" + u.function + "'" +
                        (before_ready ? " to a value only known at run time" : " outside the run-up to its PyType_Ready") +
                        ": move it into the type's initializer by hand");
      return false;
    }
    auto& fields = type->fields;
    fields.erase(std::remove_if(fields.begin(), fields.end(), [&](const TypeField& f) { return f.field == u.field; }),
                 fields.end());
    if (!u.field_value_null) fields.push_back({u.field, u.field_value_name.empty() ? u.field_value : u.field_value_name, u.loc, u.field_value});
    if (u.field == "tp_flags") type->flags = static_cast<unsigned long long>(*u.field_value_int);
    folded->insert(&u);
  }
  return true;
}

// The method-table row through which a method of a converted type can receive its defining
// class: the method's only reference, in a calling convention that converts, written in the
// file, and no C code calls the method directly (such calls have no class to pass). Without
// one the method finds its type through self instead.
bool Planner::defining_class_row(FunctionPlan& fp) const {
  const Function& f = *fp.function;
  if (fp.type_access != TypeAccess::DefiningClass) return false;
  auto converted = [&](const std::string& type) {
    return std::any_of(plan_.types.begin(), plan_.types.end(), [&](const ConvertedType& t) { return t.global->name == type; });
  };
  // The converted type a table belongs to: named in its initializer, or assigned to its
  // tp_methods in init (`T.tp_methods = table;`, folded into the spec like the initializer's).
  auto owning_type = [&](const MethodTable& t) -> std::string {
    if (t.owner == MethodOwner::Type && converted(t.owner_name)) return t.owner_name;
    for (const ConvertedType& c : plan_.types)
      for (const GlobalUse* u : c.folded)
        if (u->field == "tp_methods" && u->field_value_name == t.name) return c.global->name;
    return "";
  };
  const MethodEntry* entry = nullptr;
  const MethodTable* table = nullptr;
  std::string type;
  for (const MethodTable& t : model_.method_tables) {
    std::string owner = t.loc.file == f.loc.file ? owning_type(t) : "";
    if (owner.empty()) continue;
    for (const MethodEntry& e : t.entries) {
      if (e.function != f.name) continue;
      if (entry) return false;
      entry = &e, table = &t, type = owner;
    }
  }
  if (!entry || !entry->meth_range.valid() || !entry->flags_range.valid() || !table->decl.valid()) return false;
  auto references = std::count_if(model_.address_taken.begin(), model_.address_taken.end(),
                                  [&](const AddressTaken& a) { return a.function == f.name; });
  if (references != 1) return false;
  for (const Function& other : model_.functions)
    for (const Call& c : other.calls)
      if (c.callee == f.name) return false;
  static const std::map<long long, size_t> params_of = {
      {kMethNoargs, 2}, {kMethO, 2}, {kMethVarargs, 2}, {kMethVarargs | kMethKeywords, 3},
      {kMethFastcall, 3}, {kMethFastcall | kMethKeywords, 4}};
  auto expected = params_of.find(entry->flags.value_or(-1));
  if (expected == params_of.end() || f.params.empty() || !f.params[0].range.valid()) return false;
  // METH_NOARGS functions are often written without the unused second parameter.
  bool noargs_without_second = expected->first == kMethNoargs && f.params.size() == 1;
  if (f.params.size() != expected->second && !noargs_without_second) return false;
  fp.row = entry;
  fp.table = table;
  fp.defining_type = type;
  return true;
}

// The method becomes a helper that receives the state first, called by a METH_METHOD entry point.
void Planner::plan_defining_class(FunctionPlan& fp) {
  const Function& f = *fp.function;
  std::string self = f.params[0].name;
  if (self.rfind("_unused_", 0) == 0) self = self.substr(std::string("_unused_").size());
  if (self.empty()) return refuse(f.loc, "the first parameter of '" + f.name + "' has no name");
  plan_state_parameter(fp, fp.table->name);
  fp.entry_point = fresh_name(f.name + "_method");
}

// The uses of a converted type: `PyType_Ready(&T)` becomes its creation, `&T` the state's
// pointer; other reads of the static object in exec cannot be followed.
void Planner::check_type_uses(ConvertedType& t) {
  const Global& g = *t.global;
  const InitFunction& init = *plan_.init;
  for (const GlobalUse& u : g.uses) {
    if (u.function.empty()) continue;  // in another converted type's initializer
    if (u.passed_to == "PyType_Ready" || u.passed_to == "PyStructSequence_InitType2") {
      const Function* f = module_function(u.function);
      const Call* call = nullptr;
      if (f)
        for (const Call& c : f->calls)
          if (c.callee == u.passed_to && c.range.valid() && c.range.file == u.range.file && c.range.begin <= u.range.begin &&
              u.range.end <= c.range.end)
            call = &c;
      if (!f || (!plan_.execs.count(f->name) && !plan_.readying_helpers.count(f->name))) {
        refuse(u.loc, "'" + g.name + "' is readied in '" + u.function + "', which is not the module's init or exec "
                          "function, nor a helper only they call: create the type there by hand");
        continue;
      }
      if (!call) {
        refuse(u.loc, "this call readying '" + g.name + "' is written by a macro");
        continue;
      }
      std::string module = plan_.readying_helpers.count(f->name) ? plan_.readying_helpers.at(f->name)
                           : f->name == init.builder && init.style == InitStyle::SinglePhase ? plan_.init_module_param
                                                                                              : module_parameter(*f, "OG201");
      t.creations.push_back({&u, call, module});
      continue;
    }
    if (t.folded.count(&u)) continue;  // now in the spec
    if (u.kind == UseKind::AddressOf && (u.passed_to == "Py_SET_TYPE" || u.in_macro_call == "Py_SET_TYPE")) {
      plan_metatype_statement(t, u);
      continue;
    }
    if (u.kind != UseKind::AddressOf && plan_.execs.count(u.function)) {
      refuse(u.loc, "'" + g.name + "' is read in '" + u.function + "', where its heap type may not exist yet: port this use by hand");
      continue;
    }
    const SourceRange& address = u.macro.empty() ? u.address_range : u.address_spelling;
    if (u.kind == UseKind::AddressOf && !address.valid()) refuse(u.loc, "this use of '&" + g.name + "' is written by a macro");
  }
}

// `Py_SET_TYPE(&T, &PyType_Type);` (static types had to be given their metatype before
// PyType_Ready in old code): a heap type is created with it, and the statement would set the type
// of the state's still-NULL pointer, so it goes. Another metatype needs PyType_FromMetaclass.
void Planner::plan_metatype_statement(ConvertedType& t, const GlobalUse& u) {
  const SourceRange& call = u.macro_call_range;
  std::string spelled = call.valid() ? text(call.file).substr(call.begin, call.end - call.begin) : "";
  std::vector<std::string> args = macro_arguments(spelled);
  if (spelled.rfind("Py_SET_TYPE", 0) != 0 || args.size() != 2 || args[0] != "&" + t.global->name)
    return refuse(u.loc, "cannot read this Py_SET_TYPE call on '" + t.global->name + "': remove it by hand");
  if (args[1] != "&PyType_Type")
    return refuse(u.loc, "'" + t.global->name + "' gets the metatype " + args[1] +
                             ": create the heap type with PyType_FromMetaclass by hand");
  const std::string& src = text(call.file);
  size_t end = src.find_first_not_of(" \t", call.end);
  if (end == std::string::npos || src[end] != ';')
    return refuse(u.loc, "this Py_SET_TYPE call on '" + t.global->name + "' is not a statement of its own: remove it by hand");
  t.dropped.push_back({call.file, call.begin, static_cast<unsigned>(end + 1)});
}

// What the struct's type helpers need: the PyModuleDef named before its definition, the names
// of the helpers, and owngil_compat.h in every file that uses them.
void Planner::plan_type_helpers() {
  if (plan_.types.empty()) return;
  const ModuleDef& def = *plan_.def;
  bool def_comes_later = def.decl.file != plan_.struct_file || def.decl.begin > plan_.struct_at;
  if (def_comes_later && plan_.uses_type_lookup) {
    if (!style_of(plan_.struct_file, text(plan_.struct_file)).cxx)
      plan_.declare_def_ahead = true;
    else  // C++ has no declaration of a static variable that is not its definition: a function returns it
      plan_.def_ref = fresh_name(module_.name + "_module_def") + "()";
  }
  if (plan_.uses_type_lookup) helper("state_of_type");
  if (plan_.uses_operand_lookup) helper("state_of_operands");
  for (const ConvertedType& t : plan_.types) helper(t.text.spec.empty() ? "create_struct_sequence" : "create_type");
  // In one translation unit made of headers, the file that includes them all includes it once.
  auto including = [&](const std::string& file) { return plan_.single_unit_main.empty() ? file : plan_.single_unit_main; };
  for (const ConvertedType& t : plan_.types) plan_.compat_files.insert(including(t.global->loc.file));
  plan_.compat_files.insert(including(plan_.struct_file));
}

}  // namespace owngil

namespace owngil {
namespace {

bool calls_one_of(const Function& f, const std::set<std::string>& names) {
  return std::any_of(f.calls.begin(), f.calls.end(),
                     [&](const Call& c) { return c.callee != f.name && names.count(c.callee); });
}

}  // namespace

// Which function visits and which releases each converted type's reference from its instances.
// A dealloc (or traverse) that calls another converted type's dealloc (traverse) hands the
// instance to it, and that one does the duty: adding it to both would release (visit) the type
// twice per instance. Several types sharing one function get it once.
void Planner::plan_type_duties() {
  std::set<std::string> deallocs, traverses;
  for (const ConvertedType& t : plan_.types) {
    if (!t.text.dealloc.empty()) deallocs.insert(t.text.dealloc);
    if (!t.text.traverse.empty()) traverses.insert(t.text.traverse);
  }
  std::set<std::string> given;  // function keys that already have their duty
  static const std::set<std::string> frees = {"PyObject_Free", "PyObject_Del", "PyObject_GC_Del"};
  for (ConvertedType& t : plan_.types) {
    const std::string& file = t.type->loc.file;
    if (const Function* f = t.text.traverse.empty() ? nullptr : model_.function(t.text.traverse, file);
        f && !f->visits_type && !calls_one_of(*f, traverses) && given.insert(f->key()).second)
      t.visit_in = f;
    const Function* f = t.text.dealloc.empty() ? nullptr : model_.function(t.text.dealloc, file);
    if (!f || f->releases_type) continue;
    if (calls_one_of(*f, deallocs)) {
      if (calls_one_of(*f, frees))
        refuse(f->loc, "'" + f->name + "' both frees the object and calls another type's dealloc: release the heap "
                       "type (Py_DECREF(Py_TYPE(self))) exactly once by hand");
      else if (t.text.adds_gc && given.insert(f->key()).second)
        t.untrack_in = f;
      continue;
    }
    if (given.insert(f->key()).second) t.release_in = f;
  }
}

}  // namespace owngil
