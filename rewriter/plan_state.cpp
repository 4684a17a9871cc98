// The state part of the plan (OG101, OG102, OG103): which globals move, which functions need the
// state and how each one gets it, and where the state struct goes.
#include <algorithm>
#include <climits>

#include "format.h"
#include "planner.h"

namespace owngil {
namespace {

const std::set<std::string> kStateRules = {"OG101", "OG102", "OG103", "OG201"};

bool is_type(const Global& g) { return g.kind == GlobalKind::TypeObject; }

std::string member_name(const Global& g) {
  return g.storage == Storage::FunctionStatic ? g.function + "_" + g.name : g.name;
}

// `PyObject *[3]` and `x` -> `PyObject *x[3]`.
std::string member_declaration(const Global& g, const std::string& name) {
  if (is_type(g)) return "PyTypeObject *" + name;  // the heap type, created in exec
  std::string type = g.type;
  size_t bracket = type.find('[');
  std::string base = bracket == std::string::npos ? type : type.substr(0, bracket);
  std::string dims = bracket == std::string::npos ? "" : type.substr(bracket);
  while (!base.empty() && base.back() == ' ') base.pop_back();
  std::string sep = !base.empty() && base.back() == '*' ? "" : " ";
  return base + sep + name + dims;
}

const char* repaired_rule(const Global& g) {
  if (is_type(g)) return "OG201";
  return g.storage == Storage::FunctionStatic ? "OG102" : g.kind == GlobalKind::ObjectPointer ? "OG101" : "OG103";
}

}  // namespace

std::vector<const Global*> Planner::state_globals(const std::vector<const Finding*>& mine,
                                                  const std::set<std::string>& rules) const {
  std::vector<const Global*> out;
  for (const Finding* f : mine) {
    if (!kStateRules.count(f->rule) || (!rules.empty() && !rules.count(f->rule))) continue;
    for (const Global& g : model_.globals) {
      std::string symbol = g.storage == Storage::FunctionStatic ? g.function + "::" + g.name : g.name;
      if (symbol == f->symbol && g.loc.file == f->loc.file) out.push_back(&g);
    }
  }
  return out;
}

// Which functions need the state, and how each one gets it: methods and exec functions fetch it
// from their module, functions of converted types from their object's type, helpers receive it
// as a new first parameter and their callers pass it.
void Planner::plan_state(const std::vector<const Global*>& globals) {
  moving_ = globals;
  plan_.execs = exec_functions();
  module_methods_ = module_level_functions();
  find_readying_helpers(globals);
  plan_.replaced_free = replaceable_free(globals);
  std::set<std::string> direct, files;
  for (const Global* g : globals) check_global(*g, globals, &direct, &files);
  std::map<std::pair<std::string, unsigned>, int> declarations;
  for (const Global* g : globals)
    if (g->decl.valid()) ++declarations[{g->decl.file, g->decl.begin}];
  for (const Global* g : globals)
    if (g->decl.valid() && declarations[{g->decl.file, g->decl.begin}] > 1)
      refuse(g->loc, "'" + g->name + "' shares its declaration with another variable");

  std::set<std::string> needs = functions_needing_state(direct);
  refuse_functions_sharing_a_name(needs);
  choose_state_variable(needs);
  for (const std::string& name : needs) plan_access(name, needs, &files);
  plan_.init_needs_state = needs.count(plan_.init->builder) > 0;
  std::map<const Global*, std::string> members = member_names(globals);
  for (const Global* g : globals)
    plan_.globals.push_back({g, is_type(*g), members[g], member_declaration(*g, members[g]),
                             g->kind == GlobalKind::ObjectPointer || is_type(*g), repaired_rule(*g),
                             g->kind == GlobalKind::ObjectPointer ? releases_of(*g) : std::vector<const GlobalUse*>{},
                             g->kind == GlobalKind::ObjectPointer ? stolen_references(*g) : std::vector<const Call*>{},
                             {}});
  for (MovedGlobal& m : plan_.globals)
    if (m.global->kind == GlobalKind::ObjectPointer) m.borrowed_writes = borrowed_writes(*m.global);
  for (const MovedGlobal& m : plan_.globals) {
    for (const Call* c : m.stolen_by) plan_.compat_files.insert(c->range.file);  // for 3.9
    for (const GlobalUse* u : m.borrowed_writes) plan_.compat_files.insert(u->assigned_range.file);  // Py_XNewRef on 3.9
  }
  place_state_struct(needs, files);
  plan_type_helpers();
  plan_type_duties();
  plan_hooks();
  for (ConvertedType& t : plan_.types) check_type_uses(t);
}

// A `static` name is one object per file, so two files of one module may each have a `static
// PyObject *cache`: each becomes a member of its own (the second gets a fresh name). A static type
// keeps its name as the member, so two of one name stop the port.
std::map<const Global*, std::string> Planner::member_names(const std::vector<const Global*>& globals) {
  std::map<const Global*, std::string> out;
  std::set<std::string> taken;
  for (const Global* g : globals) {
    std::string name = member_name(*g);
    for (int i = 2; !taken.insert(name).second; ++i) {
      if (is_type(*g)) {
        refuse(g->loc, "another static type named '" + g->name + "' moves into the state too (a `static` name is "
                       "one object per file): rename one of them");
        break;
      }
      name = member_name(*g) + "_" + std::to_string(i);
    }
    out[g] = name;
  }
  return out;
}

// The plan tells a module's functions apart by name (who needs the state, which calls pass it):
// two `static` functions of one name in two files of the module, one of which the port must
// change, would be confused (one given a parameter that the other's callers then pass).
void Planner::refuse_functions_sharing_a_name(const std::set<std::string>& needs) {
  std::map<std::string, std::vector<const Function*>> by_name;
  for (const Function& f : model_.functions)
    if (module_.files.count(f.loc.file)) by_name[f.name].push_back(&f);
  for (const auto& [name, defs] : by_name) {
    if (defs.size() < 2 || !(needs.count(name) || is_entry(name))) continue;
    std::string where;
    for (const Function* f : defs) where += (where.empty() ? "" : ", ") + f->loc.to_string();
    refuse(defs[1]->loc, "'" + name + "' is defined in several files of the module (" + where +
                             "; `static`, one function per file) and the port must change it: fix tells a "
                             "module's functions apart by name; rename all but one");
  }
}

// Whether the global can move, and which functions use it directly.
void Planner::check_global(const Global& g, const std::vector<const Global*>& globals, std::set<std::string>* direct,
                           std::set<std::string>* files) {
  if (std::string other = other_module_sharing(g.loc.file); !other.empty())
    return refuse(g.loc, "'" + g.name + "' is defined in " + g.loc.file + ", which module '" + other +
                             "' is built from too: one module's state cannot serve both");
  if (is_type(g)) {
    if (!prepare_heap_type(g, globals)) return;
  } else if (!g.zero_initialized) {
    return refuse(g.loc, "'" + g.name + "' has a non-zero initializer: module state starts zeroed");
  }
  if (const GlobalUse* w = holds_the_module(g))
    return refuse(w->loc, "'" + g.name + "' holds the module object itself, a pointer the module owns: in the state "
                          "its hooks would release it once more; use the module at hand instead (the module "
                          "argument of methods and exec, PyType_GetModuleByDef in a type's functions)");
  if (!g.decl.valid()) return refuse(g.loc, "the declaration of '" + g.name + "' is written by a macro");
  if (g.type.find('(') != std::string::npos) return refuse(g.loc, "'" + g.name + "' has a function type");
  files->insert(g.loc.file);
  for (const InactiveRegion& r : model_.inactive_regions)
    if (module_.files.count(r.file) && r.identifiers.count(g.name))
      return refuse({r.file, r.begin_line, 1}, "'" + g.name + "' is used in an inactive #if branch, which cannot be rewritten safely");
  for (const GlobalUse& u : g.uses) {
    if (u.function.empty() && inside_converted_type(u)) continue;  // `tp_base = &Base`: rewritten with the type
    if (!plan_.replaced_free.empty() && u.function == plan_.replaced_free) continue;  // the function goes
    if (u.function.empty()) {
      refuse(u.loc, used_in_initializer(g, u));
      continue;
    }
    if (!u.macro.empty() && !macro_body_rewritable(u, g)) continue;
    if (u.macro.empty() && !u.range.valid()) {
      refuse(u.loc, "this use of '" + g.name + "' is written by a macro");
      continue;
    }
    if (!module_.files.count(u.loc.file)) {
      refuse(u.loc, "'" + g.name + "' is used outside the module's files");
      continue;
    }
    if (std::string other = other_module_sharing(u.loc.file); !other.empty()) {
      refuse(u.loc, "'" + g.name + "' is used in " + u.loc.file + ", which module '" + other +
                        "' is built from too: one module's state cannot serve both");
      continue;
    }
    if (u.kind == UseKind::AddressOf && u.passed_to.empty() && !u.address_only_read && !u.address_in_local_table &&
        !is_type(g)) {
      refuse(u.loc, "the address of '" + g.name + "' is kept in '" + u.function +
                        "' (stored, returned or used as a pointer): after the port it would point into "
                        "one interpreter's state, and the rewriter cannot follow the pointer");
      continue;
    }
    if (direct->insert(u.function).second) reached_through_[u.function] = "uses '" + g.name + "'";
    files->insert(u.loc.file);
  }
}

// Why a rewrite in the definition of `macro` (in `file`) would not reach every expansion: another
// module is built from that file, or an inactive #if branch of this module expands the macro too.
std::string Planner::shared_macro_problem(const std::string& macro, const std::string& file) const {
  if (std::string other = other_module_sharing(file); !other.empty())
    return "defined in " + file + ", which module '" + other + "' is built from too";
  for (const InactiveRegion& r : model_.inactive_regions)
    if (module_.files.count(r.file) && r.identifiers.count(macro))
      return "which an inactive #if branch at " + r.file + ":" + std::to_string(r.begin_line) +
             " expands too: that expansion could not be given the state";
  return "";
}

// A use in a macro body is rewritten in the macro's definition. That is right only when the
// macro is the tree's own, in this module's files, and no skipped #if branch expands it where
// the state would be missing; every function that expands it gets the state like a direct user.
bool Planner::macro_body_rewritable(const GlobalUse& u, const Global& g) {
  auto fail = [&](const std::string& why) {
    refuse(u.loc, "'" + g.name + "' is used in the body of macro '" + u.macro + "', " + why);
    return false;
  };
  if (!u.macro_in_tree || !u.spelling.valid()) return fail("which is not defined in this tree: port this use by hand");
  if (!module_.files.count(u.spelling.file)) return fail("defined outside the module's files");
  if (std::string why = shared_macro_problem(u.macro, u.spelling.file); !why.empty()) return fail(why);
  return true;
}

// A call the tree's own macro makes gets the state in the macro's definition, as a use of a
// global there does: every expansion is then a call from a function that has the state (each
// one calls the helper, so each one needs it), unless an inactive #if branch expands it too.
bool Planner::macro_call_rewritable(const Call& c) {
  auto fail = [&](const std::string& why) {
    refuse(c.loc, "this call to '" + c.callee + "' is written by macro '" + c.macro + "', " + why);
    return false;
  };
  if (!c.macro_args.valid()) return fail("whose definition does not spell the call (name and '(') in this tree");
  if (!module_.files.count(c.macro_args.file)) return fail("defined outside the module's files");
  if (plan_.readying_helpers.count(c.callee)) return fail("and the helper also needs each caller's module");
  if (std::string why = shared_macro_problem(c.macro, c.macro_args.file); !why.empty()) return fail(why);
  return true;
}

// Why a use at file scope (in another global's initializer) stops the port.
std::string Planner::used_in_initializer(const Global& g, const GlobalUse& u) const {
  for (const Global& holder : model_.globals) {
    if (!holder.decl.valid() || holder.decl.file != u.range.file || holder.decl.begin > u.range.begin ||
        u.range.end > holder.decl.end)
      continue;
    bool capsule = std::any_of(holder.uses.begin(), holder.uses.end(),
                               [](const GlobalUse& h) { return h.passed_to == "PyCapsule_New"; });
    if (capsule && is_type(g))
      return "'" + g.name + "' is exported through a C API capsule ('" + holder.name +
             "' is handed to PyCapsule_New): other extensions use the static type directly, and a heap type "
             "per interpreter would change that API; convert it by hand";
    return "'" + g.name + "' is used in the initializer of '" + holder.name +
           "', which is one for the whole process: move that use into the exec function by hand";
  }
  return "'" + g.name + "' is used outside any function";
}

// A use in the initializer of a type that is converted too (`.tp_base = &Base`).
bool Planner::inside_converted_type(const GlobalUse& u) const {
  for (const Global& g : model_.globals)
    if (is_type(g) && g.decl.file == u.range.file && g.decl.begin <= u.range.begin && u.range.end <= g.decl.end &&
        static_type_of(g))
      return true;
  return false;
}

bool Planner::is_entry(const std::string& f) const {
  return module_methods_.count(f) || plan_.execs.count(f) || type_access_.count(f);
}

// Helpers that need the state make their callers need it too.
std::set<std::string> Planner::functions_needing_state(const std::set<std::string>& direct) {
  std::set<std::string> needs = direct, refused_callers;
  for (bool grew = true; grew;) {
    grew = false;
    for (const Function& f : model_.functions) {
      if (needs.count(f.name) || refused_callers.count(f.name)) continue;
      for (const Call& c : f.calls) {
        if (!needs.count(c.callee) || is_entry(c.callee)) continue;
        const Function* callee = model_.function(c.callee, f.loc.file);  // a static of its own file
        if (callee && !module_.files.count(callee->loc.file)) continue;
        if (!module_.files.count(f.loc.file)) {
          refuse(f.loc, "'" + f.name + "', outside the module, calls '" + c.callee + "', which needs the module state");
          refused_callers.insert(f.name);
          break;
        }
        needs.insert(f.name);
        reached_through_[f.name] = "calls '" + c.callee + "'";
        grew = true;
        break;
      }
    }
  }
  return needs;
}

// `st`, unless a function that gets it already has a local of that name.
void Planner::choose_state_variable(const std::set<std::string>& needs) {
  std::string var = "st";
  for (const std::string& name : needs)
    if (const Function* f = module_function(name); f && f->locals.count(var)) var = module_.name + "_st";
  for (const std::string& name : needs)
    if (const Function* f = module_function(name); f && f->locals.count(var))
      refuse(f->loc, "'" + name + "' already has a variable named '" + var + "'");
  plan_.var = var;
}

void Planner::plan_access(const std::string& name, const std::set<std::string>& needs, std::set<std::string>* files) {
  const InitFunction& init = *plan_.init;
  const Function* f = module_function(name);
  if (!f) return refuse(init.loc, "'" + name + "' needs the module state but is not defined in the module's files");
  files->insert(f->loc.file);
  FunctionPlan fp;
  fp.function = f;
  fp.why = reached_through_[name];
  if (type_access_.count(name) && !module_methods_.count(name) && !plan_.execs.count(name)) {
    fp.type_access = type_access_.at(name);
    if (defining_class_row(fp)) {
      fp.access = StateAccess::DefiningClass;
      plan_defining_class(fp);
    } else {
      fp.access = StateAccess::TypeOfSelf;
      plan_fetch_from_type(fp);
    }
  } else if (is_entry(name)) {
    fp.access = StateAccess::ModuleArgument;
    bool converted_init = plan_.execs.count(name) && name == init.builder;
    fp.module = converted_init ? plan_.init_module_param : module_parameter(*f, "OG101");
    if (fp.module.empty() || !f->body_begin) refuse(f->loc, "cannot find the module parameter of '" + f->name + "'");
    else if (!converted_init && checked_direct_calls_.insert(name).second) check_direct_calls(*f);
  } else {
    fp.access = StateAccess::StateParameter;
    if (auto helper = plan_.readying_helpers.find(name); helper != plan_.readying_helpers.end())
      fp.extra_param = "PyObject *" + helper->second;
    plan_state_parameter(fp);
  }
  for (const Call& c : f->calls) {
    if (!needs.count(c.callee) || is_entry(c.callee)) continue;
    if (!c.args_begin && !macro_call_rewritable(c)) continue;
    StateCall call;
    call.call = &c;
    if (plan_.readying_helpers.count(c.callee)) {  // it creates types: it needs the module too
      call.with_module = true;
      call.module = name == init.builder && init.style == InitStyle::SinglePhase ? plan_.init_module_param
                                                                                 : module_parameter(*f, "OG201");
      if (call.module.empty()) {
        refuse(c.loc, "cannot find the module to pass to '" + c.callee + "'");
        continue;
      }
    }
    fp.calls.push_back(call);
  }
  plan_.functions[name] = fp;
}

// A module-level function that now reads the state from its module argument may also be called
// from C: each such call must pass its own caller's module (`helper(NULL, x)`, or another object,
// would make the state lookup read garbage).
void Planner::check_direct_calls(const Function& f) {
  auto calls = module_calls_to_.find(f.name);
  if (calls == module_calls_to_.end()) return;
  for (const auto& [caller_of_f, call] : calls->second) {
    const Function& caller = *caller_of_f;
    const Call& c = *call;
    unsigned args = c.args_begin;
    if (!args && c.range.valid()) {  // a call spelled in a macro's argument: `Py_XDECREF(f(m, x))`
      size_t open = text(c.range.file).find('(', c.range.begin);
      if (open < c.range.end) args = static_cast<unsigned>(open + 1);
    }
    std::string first = args ? first_argument(text(c.range.valid() ? c.range.file : c.loc.file), args) : "";
    bool caller_has_module = module_methods_.count(caller.name) || plan_.execs.count(caller.name);
    std::string callers_module = caller.name == plan_.init->builder && plan_.init->style == InitStyle::SinglePhase
                                     ? plan_.init->module_variable
                                 : caller.params.empty() ? "" : caller.params[0].name;
    if (caller_has_module && !first.empty() && first == callers_module) continue;
    refuse(c.loc, "'" + f.name + "' will read the module state from its first argument, and '" + caller.name +
                      "' calls it with " + (first.empty() ? "something fix cannot read" : "'" + first + "'") +
                      " there: pass the module (or split the function's body into a helper) by hand");
  }
}

// Slots, methods and getters of a converted type find their module through the type, walking
// the MRO (PyType_GetModuleByDef), so instances of Python subclasses work too.
void Planner::plan_fetch_from_type(FunctionPlan& fp) {
  const Function& f = *fp.function;
  fp.module = module_parameter(f, "OG201");
  if (fp.module.empty() || !f.body_begin) return refuse(f.loc, "cannot find the first parameter of '" + f.name + "'");
  // A void slot (tp_dealloc, tp_finalize) cannot report a missing state; it writes it unraisable.
  bool void_slot = f.return_type == "void" && fp.type_access == TypeAccess::Self;
  if (!void_slot && failure_value(f.return_type).empty())
    return refuse(f.loc, "'" + f.name + "' needs the module state but returns " + f.return_type +
                             ": it could not report that the state is missing");
  if (fp.type_access == TypeAccess::NoType)
    return refuse(f.loc, "'" + f.name + "' is a static method (METH_STATIC) that needs the module state: nothing "
                             "passed to it leads to its type; make it a class method or move it to the module");
  plan_.uses_type_lookup = true;
  if (fp.type_access == TypeAccess::Either) {
    if (f.params.size() < 2 || f.params[1].name.empty())
      return refuse(f.loc, "cannot find the second operand of '" + f.name + "'");
    plan_.uses_operand_lookup = true;
  }
}

// `entry_table`: a method table whose reference to the function is rewritten to an entry point
// that passes the state, so it does not count as the address escaping.
void Planner::plan_state_parameter(FunctionPlan& fp, const std::string& entry_table) {
  const Function& f = *fp.function;
  bool escapes = std::any_of(model_.address_taken.begin(), model_.address_taken.end(), [&](const AddressTaken& a) {
    return a.function == f.name && module_.files.count(a.loc.file) && (entry_table.empty() || a.in_global != entry_table);
  });
  for (const Prototype& p : model_.prototypes)
    if (p.function == f.name && (!f.is_static || p.file == f.loc.file)) fp.prototypes.push_back(&p);
  bool foreign_prototype = std::any_of(fp.prototypes.begin(), fp.prototypes.end(),
                                       [&](const Prototype* p) { return !module_.files.count(p->file) || !p->params_begin; });
  std::string why = escapes ? "its address is taken (a callback or table entry with a fixed signature)"
                    : foreign_prototype ? "it has a prototype outside the module or written by a macro"
                    : !f.params_begin ? "its parameter list is written by a macro" : "";
  if (!why.empty())
    refuse(f.loc, "'" + f.name + "' needs the module state (" + chain_to_state(f.name) + ") but cannot receive it: " + why);
}

// Why a function needs the state: "calls 'a', which calls 'b', which uses 'counter'".
std::string Planner::chain_to_state(const std::string& function) const {
  std::string chain, name = function;
  for (int hops = 0; hops < 32; ++hops) {
    auto step = reached_through_.find(name);
    if (step == reached_through_.end()) break;
    chain += (chain.empty() ? "" : ", which ") + step->second;
    if (step->second.rfind("calls '", 0) != 0) break;
    name = step->second.substr(7, step->second.size() - 8);
  }
  return chain;
}

// The state struct and its accessor: before the first global and the first function that use
// them, or, when the state spans files, in a header they all include.
void Planner::place_state_struct(const std::set<std::string>& needs, const std::set<std::string>& files) {
  const InitFunction& init = *plan_.init;
  plan_.struct_file = init.loc.file;
  // (no file at all: every global was refused already, there is nothing to place)
  plan_.one_file = files.empty() || (files.size() == 1 && *files.begin() == init.loc.file);
  if (!plan_.one_file) {
    if (!place_in_single_unit(needs, files)) {
      std::set<std::string> receivers;  // the helpers that get the state parameter
      for (const std::string& name : needs)
        if (!is_entry(name)) receivers.insert(name);
      place_in_shared_header(files, receivers);
    }
    return;
  }
  // After the last moved variable (its C type is declared by then), unless a function that needs
  // the state comes earlier: then before the first variable or function.
  unsigned first = UINT32_MAX, last_variable = 0, first_function = UINT32_MAX;
  for (const Global* g : moving_)
    if (g->storage != Storage::FunctionStatic) {
      first = std::min(first, g->decl.begin);
      // (file-scope statics only: a class's static member is declared inside the class)
      if (!is_type(*g) && g->storage == Storage::FileStatic && g->redeclarations.empty())
        last_variable = std::max(last_variable, g->decl.begin);
    }
  for (const std::string& name : needs)
    if (const Function* f = module_function(name)) first_function = std::min(first_function, f->range.begin);
  plan_.struct_at = last_variable && last_variable < first_function ? last_variable : std::min(first, first_function);
}

// Headers that only one file includes, all together one translation unit (multidict's
// `_multidict.c` includes `_multilib/*.h`): the state goes before the first moved variable or
// function that needs it, in the order the compiler reads them.
bool Planner::place_in_single_unit(const std::set<std::string>& needs, const std::set<std::string>& files) {
  const TranslationUnit* unit = nullptr;
  for (const TranslationUnit& tu : model_.units) {
    bool has_all = std::all_of(files.begin(), files.end(), [&](const std::string& f) { return tu.user_files.count(f); });
    bool shares = std::any_of(files.begin(), files.end(), [&](const std::string& f) { return tu.user_files.count(f); });
    if (has_all && !unit) unit = &tu;
    else if (shares) return false;  // another unit includes one of the files too
  }
  if (!unit) return false;
  // A place's key: the offsets of the #includes leading to it from the main file, then its own.
  auto key = [&](const std::string& f, unsigned offset) {
    std::vector<unsigned> path{offset};
    std::string at = f;
    for (int depth = 0; at != unit->main_file && depth < 64; ++depth) {
      auto site = unit->included_at.find(at);
      if (site == unit->included_at.end()) return std::vector<unsigned>{};
      path.insert(path.begin(), site->second.second);
      at = site->second.first;
    }
    return path;
  };
  std::vector<unsigned> best;
  auto consider = [&](const std::string& f, unsigned offset) {
    std::vector<unsigned> here = key(f, offset);
    if (!here.empty() && (best.empty() || here < best)) best = here, plan_.struct_file = f, plan_.struct_at = offset;
  };
  for (const Global* g : moving_)
    if (g->storage != Storage::FunctionStatic) consider(g->decl.file, g->decl.begin);
  for (const std::string& name : needs)
    if (const Function* f = module_function(name)) consider(f->range.file, f->range.begin);
  for (const Prototype& p : model_.prototypes)
    if (needs.count(p.function) && files.count(p.file)) consider(p.file, p.params_begin);
  if (best.empty()) return false;
  plan_.single_unit_main = unit->main_file;
  return true;
}

// A module spread over files needs its state type in a header that every one of them includes:
// the one that already declares a global (`extern PyObject *x;`), where the struct replaces it.
bool Planner::place_in_shared_header(const std::set<std::string>& files, const std::set<std::string>& receivers) {
  auto included_by_all = [&](const std::string& h) {
    return std::all_of(files.begin(), files.end(), [&](const std::string& f) {
      return f == h || std::any_of(model_.units.begin(), model_.units.end(), [&](const TranslationUnit& tu) {
               return tu.main_file == f && tu.user_files.count(h);
             });
    });
  };
  std::string header;
  unsigned at = UINT32_MAX;
  for (const Global* g : moving_)
    for (const SourceRange& r : g->redeclarations) {
      if (!included_by_all(r.file)) continue;
      if (header.empty()) header = r.file;  // the first such header; offsets only within it
      if (r.file == header) at = std::min(at, r.begin);
    }
  if (header.empty()) {
    refuse(moving_.front()->loc, "the module state is used in several files, and no header they all include declares one of its globals");
    return false;
  }
  plan_.struct_file = header;
  plan_.struct_at = at;
  for (const Prototype& p : model_.prototypes)
    if (p.file == header && p.params_begin && p.params_begin < at && receivers.count(p.function)) {
      refuse({p.file, 0, 0}, "the prototype of '" + p.function + "' comes before the place for the state type");
      return false;
    }
  return true;
}

// Object members need m_traverse/m_clear/m_free; the struct's size goes into m_size.
void Planner::plan_hooks() {
  const ModuleDef& def = *plan_.def;
  if (plan_.has_objects()) {
    if (!def.traverse.empty() || !def.clear.empty() || (!def.free.empty() && plan_.replaced_free.empty())) {
      refuse(def.loc, "'" + def.name + "' already has m_traverse/m_clear/m_free: merging is not done automatically");
    } else {
      plan_.def_fields.push_back({"m_traverse", helper("traverse"), "OG101"});
      plan_.def_fields.push_back({"m_clear", helper("clear"), "OG101"});
      plan_.def_fields.push_back({"m_free", helper("free"), "OG101"});
    }
  }
  plan_.def_fields.push_back({"m_size", "sizeof(" + plan_.state_type + ")", size_rule_});
}

// An m_free that only releases globals moving into the state (multidict's `module_free`) is
// what the generated hooks do: it goes, and they take its place. Returns its name, or "".
std::string Planner::replaceable_free(const std::vector<const Global*>& globals) const {
  const ModuleDef& def = *plan_.def;
  if (def.free.empty() || !def.traverse.empty() || !def.clear.empty()) return "";
  const Function* f = module_function(def.free);
  if (!f || !f->range.valid()) return "";
  for (const Call& c : f->calls) {
    bool release = c.callee.find("DECREF") != std::string::npos || c.callee.find("DecRef") != std::string::npos ||
                   c.callee.find("Dealloc") != std::string::npos;
    if (!release) return "";
  }
  bool uses_other = std::any_of(model_.globals.begin(), model_.globals.end(), [&](const Global& g) {
    bool moved = std::find(globals.begin(), globals.end(), &g) != globals.end() && g.kind == GlobalKind::ObjectPointer;
    return !moved && std::any_of(g.uses.begin(), g.uses.end(), [&](const GlobalUse& u) { return u.function == f->name; });
  });
  bool called = std::any_of(model_.functions.begin(), model_.functions.end(), [&](const Function& other) {
    return std::any_of(other.calls.begin(), other.calls.end(), [&](const Call& c) { return c.callee == f->name; });
  });
  auto references = std::count_if(model_.address_taken.begin(), model_.address_taken.end(),
                                  [&](const AddressTaken& a) { return a.function == f->name; });
  return uses_other || called || references != 1 ? "" : f->name;
}

}  // namespace owngil
