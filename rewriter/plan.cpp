// The port plan: which findings the module's port repairs, and the decisions about init, the
// interpreter slots, PyState_FindModule and the PyModuleDef fields. The state and the types are
// planned in plan_state.cpp and plan_types.cpp.
#include "plan.h"

#include <algorithm>

#include "format.h"
#include "planner.h"

namespace owngil {
namespace {

const std::set<std::string> kImplemented = {"OG001", "OG002", "OG003", "OG101", "OG102", "OG103", "OG201", "OG301", "OG302"};
constexpr int kModMultipleInterpretersSlot = 3, kModGilSlot = 4, kModExecSlot = 2;
const std::vector<std::string> kDefFields = {"m_base",  "m_name",     "m_doc",   "m_size", "m_methods",
                                             "m_slots", "m_traverse", "m_clear", "m_free"};

}  // namespace

const char* access_name(StateAccess a) {
  switch (a) {
    case StateAccess::ModuleArgument: return "module-argument";
    case StateAccess::TypeOfSelf: return "type";
    case StateAccess::DefiningClass: return "defining-class";
    case StateAccess::StateParameter: return "state-parameter";
  }
  return "";
}

const char* type_access_name(TypeAccess a) {
  switch (a) {
    case TypeAccess::Self: return "self";
    case TypeAccess::TypeParam: return "type-parameter";
    case TypeAccess::Either: return "either-operand";
    case TypeAccess::DefiningClass: return "defining-class";
    case TypeAccess::NoType: return "none";
  }
  return "";
}

const FunctionPlan* PortPlan::function(const std::string& name) const {
  auto it = functions.find(name);
  return it == functions.end() ? nullptr : &it->second;
}

const std::string& PortPlan::helper(const std::string& kind) const {
  static const std::string none;
  auto it = helpers.find(kind);
  return it == helpers.end() ? none : it->second;
}

bool PortPlan::has_objects() const {
  return std::any_of(globals.begin(), globals.end(), [](const MovedGlobal& g) { return g.holds_objects; });
}

Planner::Planner(const Model& model, const Module& module, const SourceReader& read, MethodState method_state)
    : model_(model), module_(module), read_(read) {
  plan_.method_state = method_state;
  for (const Function& f : model_.functions) {
    if (!module_.files.count(f.loc.file)) continue;
    module_functions_.emplace(f.name, &f);
    for (const Call& c : f.calls) module_calls_to_[c.callee].emplace_back(&f, &c);
  }
}

PortPlan Planner::run(const std::vector<Finding>& findings, const std::set<std::string>& rules) {
  plan_.module = module_.name;
  plan_.mod = &module_;
  std::vector<const Finding*> mine;
  for (const Finding& f : findings)
    // A note says why something is fine as it is: it blocks nothing and asks for no repair.
    if (f.severity != Severity::Note && (f.module == module_.name || (f.module.empty() && module_.files.count(f.loc.file))))
      mine.push_back(&f);
  for (const Finding* f : mine) refuse_unless_repairable(*f, rules);
  refuse_what_did_not_compile();
  if (!plan_.refusals.empty()) return plan_;
  plan_.init = model_.init_for(module_);
  plan_.def = plan_.init ? model_.def_of(*plan_.init) : nullptr;
  if (!plan_.init || !plan_.def) return plan_;
  for (const Finding* f : mine) {
    plan_.found.insert(f->rule);
    if (rules.empty() || rules.count(f->rule)) plan_.wanted.insert(f->rule);
  }
  plan_.init_module_param = exec_parameter_name();
  plan_.state_type = module_.name + "_state";
  plan_.getter = "get_" + module_.name + "_state";
  plan_.declares_no_gil = declares_no_gil();
  std::vector<const Global*> state = plan_module_aliases(state_globals(mine, rules));
  size_rule_ = plan_.wanted.count("OG003") ? "OG003" : "OG101";
  if (!state.empty()) plan_state(state);
  if (plan_.wanted.count("OG302")) plan_find_module();
  if (plan_.wanted.count("OG301")) plan_thread_handoffs();
  if (plan_.wanted.count("OG001")) plan_init();
  else if (plan_.wanted.count("OG002")) plan_interpreter_slots();
  if (state.empty() && plan_.wanted.count("OG003")) plan_.def_fields.push_back({"m_size", "0", "OG003"});
  check_def_fields();
  sort_in_source_order(plan_.refusals);
  return plan_;
}

void Planner::refuse(const SourceLoc& loc, std::string reason) { plan_.refusals.push_back({loc, std::move(reason)}); }

// Findings this fix cannot repair keep the whole module as it is: declaring per-interpreter GIL
// support while they remain would make things worse.
void Planner::refuse_unless_repairable(const Finding& f, const std::set<std::string>& rules) {
  if (!f.fixable && f.manual_because)
    return refuse(f.manual_because->loc, f.rule + " on '" + f.symbol + "' needs manual work: " + f.manual_because->message);
  if (!f.fixable) return refuse(f.loc, f.rule + " needs manual work: " + f.message);
  if (!kImplemented.count(f.rule)) return refuse(f.loc, f.rule + " is not repaired automatically yet: " + f.message);
  if (!rules.empty() && !rules.count(f.rule) && f.rule != "OG002")
    return refuse(f.loc, f.rule + " is left by --rules, and the port needs it repaired too");
}

// Code the compiler rejected is missing from the model (a global used there, a type, a call):
// a port made from the rest would not be complete.
void Planner::refuse_what_did_not_compile() {
  for (const TranslationUnit& tu : model_.units) {
    bool ours = std::any_of(tu.user_files.begin(), tu.user_files.end(), [&](const std::string& f) { return module_.files.count(f); });
    if (!ours || (tu.errors.empty() && !tu.failed)) continue;
    if (tu.errors.empty()) {
      refuse({tu.main_file, 0, 0}, tu.main_file + " could not be analysed: fix it so that it compiles, then run fix again");
      continue;
    }
    const ParseError& first = tu.errors.front();
    refuse(first.loc, tu.main_file + " does not compile (" + first.message +
                          (tu.errors.size() > 1 ? ", and " + std::to_string(tu.errors.size() - 1) + " more errors" : "") +
                          "): fix cannot see what the compiler rejected; make it compile with these flags first");
  }
}

const std::string& Planner::text(const std::string& file) {
  auto it = texts_.find(file);
  if (it == texts_.end()) it = texts_.emplace(file, read_(file)).first;
  return it->second;
}

// A name for new code that nothing in the tree uses yet.
bool Planner::name_taken(const std::string& n) const {
  return model_.function(n) != nullptr ||
         std::any_of(model_.globals.begin(), model_.globals.end(), [&](const Global& g) { return g.name == n; });
}

std::string Planner::fresh_name(const std::string& wanted) const {
  std::string name = wanted;
  for (int i = 2; name_taken(name); ++i) name = wanted + "_" + std::to_string(i);
  return name;
}

// Names of generated functions (type helpers, module hooks), fresh in the tree, one per kind.
std::string Planner::helper(const std::string& kind) {
  auto it = plan_.helpers.find(kind);
  if (it == plan_.helpers.end()) it = plan_.helpers.emplace(kind, fresh_name(module_.name + "_" + kind)).first;
  return it->second;
}

// A single-phase module that already tells free-threaded builds it needs no GIL
// (`PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED)`, often under #ifdef Py_GIL_DISABLED)
// keeps saying so in the slot.
bool Planner::declares_no_gil() const {
  for (const InactiveRegion& r : model_.inactive_regions)
    if (module_.files.count(r.file) && r.identifiers.count("PyUnstable_Module_SetGIL") &&
        r.identifiers.count("Py_MOD_GIL_NOT_USED"))
      return true;
  return false;
}

// OG001: `PyInit_m` becomes the module's exec function; a new PyInit returns PyModuleDef_Init.
void Planner::plan_init() {
  const InitFunction& init = *plan_.init;
  const ModuleDef& def = *plan_.def;
  size_t before = plan_.refusals.size();
  if (init.create_in_helper && !init.forwarder.valid())  // (the rest follows from this one)
    return refuse(init.create_call, "the module is created in a helper that " + init.name +
                                        " calls: move the creation into " + init.name + " first");
  if (!init.head.valid() || !init.create_range.valid() || !def.decl.valid())
    refuse(init.loc, "the init function or its PyModuleDef is (partly) written by macros");
  if (init.release_outside_block)
    refuse(init.loc, "the module is released (Py_DECREF) as the body of an if without braces");
  if (!def.slots.empty()) refuse(def.loc, "the single-phase module already has m_slots");
  if (def.in_namespace != init.in_namespace)
    refuse(def.loc, "'" + def.name + "' and " + init.builder + " are in different namespaces: the exec function "
                    "declared before one and defined in place of the other would be two functions; move one by hand");
  for (const InitReturn& r : init.returns)
    if (r.kind == InitReturnKind::Other) refuse(r.loc, "this return of " + init.name + " is neither NULL nor the module");
  if (def.loc.file != init.loc.file) refuse(def.loc, "the PyModuleDef is in another file than " + init.name);
  refuse_helpers_releasing_the_module();
  if (plan_.refusals.size() != before) return;
  plan_.convert_init = true;
  // A helper PyInit forwarded to becomes the exec function, with another name and type: its
  // prototypes would declare a function nothing defines (a -Wunused-function warning at best).
  if (init.builder != init.name)
    for (const Prototype& p : model_.prototypes)
      if (p.function == init.builder && module_.files.count(p.file)) {
        if (!p.decl.valid()) refuse({p.file, 0, 0}, "the prototype of '" + p.function + "' is written by a macro");
        else plan_.stale_prototypes.push_back(&p);
      }
  plan_.exec = fresh_name(module_.name + "_exec");
  plan_.slots = fresh_name(module_.name + "_slots");
  plan_.def_fields.push_back({"m_slots", plan_.slots, "OG001"});
}

// In single-phase init the function that creates the module owns it, and a helper it hands the
// module to may release it on an error path (`Py_DECREF(module); return -1;`, ciso8601's
// timezone.c). The exec function made of it receives the module borrowed: such a release would
// free the module while the import machinery still holds it.
void Planner::refuse_helpers_releasing_the_module() {
  const InitFunction& init = *plan_.init;
  const Function* builder = model_.function(init.builder, init.loc.file);
  if (!builder || init.module_variable.empty()) return;
  for (const Call& c : builder->calls) {
    const Function* helper = c.is_python_api ? nullptr : module_function_from(c.callee, builder->loc.file);
    if (!helper || helper->released_params.empty()) continue;
    std::vector<std::string> args =
        c.range.valid() ? macro_arguments(text(c.range.file).substr(c.range.begin, c.range.end - c.range.begin)) : std::vector<std::string>{};
    for (const auto& [index, at] : helper->released_params) {
      bool passes_module = index < args.size() && args[index] == init.module_variable;
      if (!passes_module && c.range.valid()) continue;
      std::string param = index < helper->params.size() && !helper->params[index].name.empty()
                              ? "'" + helper->params[index].name + "'" : "#" + std::to_string(index + 1);
      refuse(at, "'" + helper->name + "' releases its parameter " + param + ", to which " + init.builder +
                     " passes the module it creates (" + c.loc.to_string() + "): in single-phase init it owned that "
                     "reference, but the exec function made of " + init.builder + " receives the module borrowed, "
                     "and this release would free it under the import machinery; remove the release from '" +
                     helper->name + "' by hand (its caller returns the error), then run fix again");
    }
  }
}

// OG002 on a multi-phase module: the slot table gains (or corrects) the slot, and Py_mod_gil.
void Planner::plan_interpreter_slots() {
  const ModuleDef& def = *plan_.def;
  const SlotTable* table = model_.module_slots(def.slots, def.loc.file);
  if (!table && !def.slots.empty()) return refuse(def.loc, "cannot find the slot table '" + def.slots + "' of '" + def.name + "'");
  if (!table) {  // a multi-phase module without m_slots: it gets a table of its own
    if (!def.decl.valid()) return refuse(def.loc, "the PyModuleDef '" + def.name + "' is written by a macro");
    plan_.declare_support = true;
    plan_.new_slot_table = fresh_name(module_.name + "_slots");
    plan_.def_fields.push_back({"m_slots", plan_.new_slot_table, "OG002"});
    return;
  }
  const SlotEntry* existing = nullptr;
  bool has_gil = false;
  for (const SlotEntry& e : table->entries) {
    if (e.id == kModMultipleInterpretersSlot) existing = &e;
    has_gil |= e.id == kModGilSlot;
  }
  if (existing && !existing->value_range.valid()) return refuse(existing->loc, "the slot's value is written by a macro");
  if (!(existing && has_gil) && !table->sentinel.valid())
    return refuse(table->loc, "cannot find the {0, NULL} end of '" + table->name + "'");
  plan_.declare_support = true;
}

// OG302: module functions and exec functions have the module as their first parameter, so
// `PyState_FindModule(&def)` becomes that parameter; registering with PyState_AddModule goes.
void Planner::plan_find_module() {
  const InitFunction& init = *plan_.init;
  std::set<std::string> methods = module_level_functions(), execs = exec_functions();
  for (const Function& f : model_.functions) {
    if (!module_.files.count(f.loc.file)) continue;
    for (const Call& c : f.calls) {
      if (c.callee.rfind("PyState_", 0) != 0 || !c.is_python_api) continue;
      if (!c.range.valid()) {
        refuse(c.loc, "this call to " + c.callee + " is written by a macro");
        continue;
      }
      bool converted_init = f.name == init.builder && init.style == InitStyle::SinglePhase;
      if (c.callee == "PyState_AddModule" && execs.count(f.name)) {
        if (!c.statement_is_call_or_check)
          refuse(c.loc, "the result of PyState_AddModule is used: remove the registration by hand");
        else
          plan_.module_lookups.push_back({&c, ""});
      } else if (c.callee == "PyState_FindModule" && (methods.count(f.name) || execs.count(f.name))) {
        std::string module = converted_init ? (init.module_variable.empty() ? plan_.init_module_param : init.module_variable)
                                            : module_parameter(f, "OG302");
        if (module.empty()) {
          refuse(f.loc, "cannot find the module parameter of '" + f.name + "'");
          continue;
        }
        if (converted_init && init.module_variable.empty()) plan_.init_needs_state = true;
        plan_.module_lookups.push_back({&c, module});
      } else {
        refuse(c.loc, c.callee + " in '" + f.name + "', which has no module at hand: pass the module or its state to it by hand");
      }
    }
  }
}

// The PyModuleDef fields the port sets must fit its initializer: designated ones can be added
// after the last one written (positional ones only at the end).
void Planner::check_def_fields() {
  const ModuleDef& def = *plan_.def;
  bool cxx = style_of(def.loc.file, text(def.loc.file)).cxx;
  bool appended = false;
  for (const DefField& f : plan_.def_fields) {
    if (def.written_fields.count(f.field)) continue;
    int index = static_cast<int>(std::find(kDefFields.begin(), kDefFields.end(), f.field) - kDefFields.begin());
    if (index <= def.last_written_index && !def.designated)
      return refuse(def.loc, "cannot add " + f.field + " to the positional initializer of '" + def.name + "'");
    if (index <= def.last_written_index && cxx)
      return refuse(def.loc, "adding ." + f.field + " after later designated fields is not valid C++");
    appended = true;
  }
  if (appended && !def.last_written.valid()) refuse(def.loc, "cannot find where to add fields to '" + def.name + "'");
}

// What the exec function made of PyInit calls its module: `module`, unless PyInit has a local
// of that name (often the module it creates), which would shadow it.
std::string Planner::exec_parameter_name() const {
  const Function* f = model_.function(plan_.init->builder, plan_.init->loc.file);
  std::string name = "module";
  for (int i = 2; f && f->locals.count(name); ++i) name = "module_" + std::to_string(i);
  return name;
}

// The functions that fill the module: its Py_mod_exec functions, and PyInit when it will become one.
std::set<std::string> Planner::exec_functions() const {
  std::set<std::string> execs;
  if (plan_.init->style == InitStyle::SinglePhase) execs.insert(plan_.init->builder);
  if (const SlotTable* slots = model_.module_slots(plan_.def->slots, plan_.def->loc.file))
    for (const SlotEntry& e : slots->entries)
      if (e.id == kModExecSlot) execs.insert(e.value);
  return execs;
}

std::set<std::string> Planner::module_level_functions() const {
  std::set<std::string> out;
  for (const MethodTable& t : model_.method_tables)
    if (t.owner == MethodOwner::Module && t.owner_loc == plan_.def->loc)
      for (const MethodEntry& e : t.entries) out.insert(e.function);
  return out;
}

// The function a call in `file` means (a static of that file's unit before another file's).
const Function* Planner::module_function_from(const std::string& name, const std::string& file) const {
  const Function* f = model_.function(name, file);
  return f && module_.files.count(f->loc.file) ? f : nullptr;
}

const Function* Planner::module_function(const std::string& name) const {
  auto it = module_functions_.find(name);
  return it == module_functions_.end() ? nullptr : it->second;
}

std::string Planner::other_module_sharing(const std::string& file) const {
  for (const Module& m : model_.modules)
    if (m.name != module_.name && m.files.count(file)) return m.name;
  return "";
}

// The name of a function's first parameter (the module, or the object); an unnamed or Py_UNUSED
// one is named, once, for whichever repair asks first. Empty when it cannot be found.
std::string Planner::module_parameter(const Function& f, const char* rule) {
  auto known = module_params_.find(f.key());
  if (known != module_params_.end()) return known->second;
  if (f.params.empty() || !f.params[0].range.valid()) return "";
  const Param& p = f.params[0];
  std::string name = p.name;
  if (p.name.empty()) {
    name = "module";
    plan_.named_parameters.push_back({&f, name, rule});
  } else if (p.name.rfind("_unused_", 0) == 0) {  // Py_UNUSED(module)
    name = p.name.substr(std::string("_unused_").size());
    plan_.named_parameters.push_back({&f, name, ""});
  }
  return module_params_[f.key()] = name;
}

void sort_in_source_order(std::vector<Refusal>& refusals) {
  std::stable_sort(refusals.begin(), refusals.end(), [](const Refusal& a, const Refusal& b) { return a.loc < b.loc; });
}

std::vector<PortPlan> plan_ports(const Model& model, const std::vector<Finding>& findings, const FixOptions& options,
                                 const SourceReader& read) {
  std::vector<PortPlan> plans;
  for (const Module& m : model.modules) plans.push_back(Planner(model, m, read, options.method_state).run(findings, options.rules));
  return plans;
}

}  // namespace owngil
