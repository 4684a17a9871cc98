// OG401: the module state holds Python objects but the module defines no m_traverse / m_clear, so the
// garbage collector cannot see those references and cycles through the module leak.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG401", "state-without-gc-hooks", Severity::Warning, true,
                         "module state holds objects but the module has no m_traverse/m_clear"};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const Module& mod : m.modules) {
    const InitFunction* init = m.init_for(mod);
    const ModuleDef* def = init ? m.def_of(*init) : nullptr;
    if (!def || !def->m_size || *def->m_size <= 0) continue;
    if (!def->traverse.empty() && !def->clear.empty()) continue;
    for (const StateStruct& s : m.state_structs) {
      if (!mod.files.count(s.loc.file) || s.object_fields.empty()) continue;
      std::string missing = def->traverse.empty() && def->clear.empty() ? "m_traverse and m_clear"
                            : def->traverse.empty()                      ? "m_traverse"
                                                                         : "m_clear";
      Finding f = finding(kInfo, def->loc,
                          "module state '" + s.name + "' holds Python objects (" + join(s.object_fields) + ") but '" +
                              def->name + "' has no " + missing +
                              ": the garbage collector cannot see them and cycles through the module leak",
                          def->name);
      f.module = mod.name;
      f.notes.push_back({s.loc, "the module state is defined here"});
      out.push_back(std::move(f));
      break;
    }
  }
  return out;
}

}  // namespace

Rule state_without_gc_hooks() { return {kInfo, check}; }

}  // namespace owngil::rules
