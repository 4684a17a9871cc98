// OG104: a C API capsule (PyCapsule_Import, e.g. through PyDateTime_IMPORT) kept in a process-wide
// global. A capsule and the objects it points to belong to the interpreter that imported it.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG104", "capsule-global", Severity::Warning, false,
                         "a C API capsule is cached in a process-wide global"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const Global& g : m.globals)
    for (const GlobalUse& u : g.uses) {
      if (u.kind != UseKind::Write || u.assigned_from != "PyCapsule_Import") continue;
      std::string via = u.macro.empty() ? "" : " (through macro " + u.macro + ")";
      out.push_back(finding(kInfo, u.loc,
                            "'" + g.name + "' caches a C API capsule in a process-wide global" + via +
                                ": each interpreter imports its own, so keep the pointer in the module state",
                            g.name));
    }
  return out;
}

}  // namespace

Rule capsule_global() { return {kInfo, check}; }

}  // namespace owngil::rules
