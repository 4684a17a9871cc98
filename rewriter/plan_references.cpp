// The plan's part on who owns a reference once globals are state members: the state's hooks
// release what it holds, so it must own each of them, exactly once.
#include <algorithm>

#include "format.h"
#include "planner.h"

namespace owngil {

// A write that stores the module being built (`g = m;` of init's module, `g = module;` in an exec
// function, `g = PyModule_Create(...)`); null when there is none.
const GlobalUse* Planner::holds_the_module(const Global& g) const {
  for (const GlobalUse& u : g.uses)
    if (is_module_write(u)) return &u;
  return nullptr;
}

bool Planner::is_module_write(const GlobalUse& u) const {
  static const std::set<std::string> creators = {"PyModule_Create", "PyModule_Create2", "PyModule_FromDefAndSpec",
                                                 "PyModule_FromDefAndSpec2"};
  if (u.kind != UseKind::Write) return false;
  if (creators.count(u.assigned_from)) return true;
  if (u.assigned_variable.empty() || !plan_.execs.count(u.function)) return false;
  const Function* f = module_function(u.function);
  bool module_param = f && !f->params.empty() && f->params[0].name == u.assigned_variable;
  bool init_module = u.function == plan_.init->builder && u.assigned_variable == plan_.init->module_variable;
  return module_param || init_module;
}

// Globals that only ever hold the module being built are no state: the module owns itself, and
// the state's hooks would release it once more. Every read becomes the module the reading
// function is given (a module-level function's first parameter, the exec function's module) and
// every write goes. Returns the globals that are left for the state.
std::vector<const Global*> Planner::plan_module_aliases(const std::vector<const Global*>& globals) {
  plan_.execs = exec_functions();
  module_methods_ = module_level_functions();
  std::vector<const Global*> rest;
  for (const Global* g : globals) {
    if (g->kind != GlobalKind::ObjectPointer || !holds_the_module(*g)) {
      rest.push_back(g);
      continue;
    }
    ModuleAlias alias;
    alias.global = g;
    bool ok = g->decl.valid() && g->redeclarations.empty() && g->storage == Storage::FileStatic;
    if (!ok) refuse(g->loc, "'" + g->name + "' holds the module object itself and is declared where fix cannot remove it");
    for (const GlobalUse& u : g->uses) ok &= plan_alias_use(*g, u, alias);
    if (ok) plan_.module_aliases.push_back(alias);
  }
  return rest;
}

// One use of a global that holds the module: a write of the module goes; a read, in a function
// that is given the module, becomes that module.
bool Planner::plan_alias_use(const Global& g, const GlobalUse& u, ModuleAlias& alias) {
  auto fail = [&](const std::string& why) {
    refuse(u.loc, "'" + g.name + "' holds the module object itself, a pointer the module owns, and " + why +
                      ": use the module at hand instead (the module argument of methods and exec, "
                      "PyType_GetModuleByDef in a type's functions)");
    return false;
  };
  if (!u.macro.empty() || !u.range.valid()) return fail("this use is written by a macro");
  if (u.kind == UseKind::AddressOf) return fail("its address is taken here");
  if (u.kind == UseKind::Write) {
    if (!is_module_write(u) || !u.assigned_range.valid()) return fail("it is assigned something else here");
    alias.writes.push_back(&u);
    return true;
  }
  const Function* f = u.function.empty() ? nullptr : module_function(u.function);
  if (!f) return fail("it is read outside the module's functions");
  const InitFunction& init = *plan_.init;
  std::string module;
  if (u.function == init.builder && init.style == InitStyle::SinglePhase)
    module = !init.module_variable.empty() && init.module_variable != g.name ? init.module_variable : plan_.init_module_param;
  else if (module_methods_.count(u.function) || plan_.execs.count(u.function))
    module = module_parameter(*f, "OG101");
  if (module.empty()) return fail("'" + u.function + "', which reads it, is not given the module");
  if (module_methods_.count(u.function) && checked_direct_calls_.insert(u.function).second) check_direct_calls(*f);
  alias.reads.emplace_back(&u, module);
  return true;
}

// Whether `u` is the whole argument of a call of one of `macros`: `Py_DECREF(g)`.
bool Planner::sole_macro_argument(const GlobalUse& u, const Global& g, const std::set<std::string>& macros) {
  if (!macros.count(u.in_macro_call) || !u.macro_call_range.valid()) return false;
  const SourceRange& r = u.macro_call_range;
  std::string spelled = text(r.file).substr(r.begin, r.end - r.begin);
  std::vector<std::string> args = macro_arguments(spelled);
  return spelled.rfind(u.in_macro_call, 0) == 0 && args.size() == 1 && args[0] == g.name;
}

// The uses that release the reference the global owns, spelled `Py_DECREF(g)` or `Py_XDECREF(g)`.
// A release that follows an increment of the same global in the same function balances that
// increment (`Py_INCREF(g); if (PyModule_AddObject(m, "g", g) < 0) Py_DECREF(g);`): it stays.
std::vector<const GlobalUse*> Planner::releases_of(const Global& g) {
  static const std::set<std::string> releases = {"Py_DECREF", "Py_XDECREF"}, increments = {"Py_INCREF", "Py_XINCREF"};
  std::vector<const GlobalUse*> out;
  for (const GlobalUse& u : g.uses) {
    if (!sole_macro_argument(u, g, releases)) continue;
    bool balances = std::any_of(g.uses.begin(), g.uses.end(), [&](const GlobalUse& inc) {
      return inc.function == u.function && inc.range.file == u.range.file && inc.range.begin < u.range.begin &&
             sole_macro_argument(inc, g, increments);
    });
    if (!balances) out.push_back(&u);
  }
  return out;
}

// The PyModule_AddObject calls that steal the reference the global owns.
std::vector<const Call*> Planner::stolen_references(const Global& g) {
  static const std::set<std::string> increments = {"Py_INCREF", "Py_XINCREF"};
  std::vector<const Call*> out;
  for (const GlobalUse& u : g.uses) {
    const Function* f = u.kind == UseKind::Read && u.macro.empty() ? module_function(u.function) : nullptr;
    if (!f) continue;
    for (const Call& c : f->calls) {
      if (c.callee != "PyModule_AddObject" || !c.range.valid() || c.range.file != u.range.file ||
          c.range.begin > u.range.begin || u.range.end > c.range.end)
        continue;
      bool incremented = std::any_of(g.uses.begin(), g.uses.end(), [&](const GlobalUse& inc) {
        return inc.function == u.function && inc.range.file == u.range.file && inc.range.begin < c.range.begin &&
               sole_macro_argument(inc, g, increments);
      });
      if (!incremented && std::find(out.begin(), out.end(), &c) == out.end()) out.push_back(&c);
    }
  }
  return out;
}

// Writes that store a borrowed reference into the global.
std::vector<const GlobalUse*> Planner::borrowed_writes(const Global& g) {
  std::vector<const GlobalUse*> out;
  for (const GlobalUse& u : g.uses) {
    if (u.kind != UseKind::Write || !u.assigned_borrowed) continue;
    if (!u.assigned_range.valid())
      refuse(u.loc, "'" + g.name + "' is given a borrowed reference by a macro: the state must own one; "
                    "write it with Py_NewRef by hand");
    else
      out.push_back(&u);
  }
  return out;
}

}  // namespace owngil
