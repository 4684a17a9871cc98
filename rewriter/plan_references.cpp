// The plan's part on who owns a reference once globals are state members: the state's hooks
// release what it holds, so it must own each of them, exactly once.
#include <algorithm>

#include "format.h"
#include "planner.h"

namespace owngil {

// A write that stores the module being built (`g = m;` of init's module, `g = module;` in an exec
// function, `g = PyModule_Create(...)`); null when there is none.
const GlobalUse* Planner::holds_the_module(const Global& g) const {
  static const std::set<std::string> creators = {"PyModule_Create", "PyModule_Create2", "PyModule_FromDefAndSpec",
                                                 "PyModule_FromDefAndSpec2"};
  for (const GlobalUse& u : g.uses) {
    if (u.kind != UseKind::Write) continue;
    if (creators.count(u.assigned_from)) return &u;
    if (u.assigned_variable.empty() || !plan_.execs.count(u.function)) continue;
    const Function* f = module_function(u.function);
    bool module_param = f && !f->params.empty() && f->params[0].name == u.assigned_variable;
    bool init_module = u.function == plan_.init->builder && u.assigned_variable == plan_.init->module_variable;
    if (module_param || init_module) return &u;
  }
  return nullptr;
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
