// OG104: a C API capsule (PyCapsule_Import) kept in a process-wide global. A capsule and the
// objects it points to belong to the interpreter that imported it. Not datetime's: on CPython
// 3.12-3.13 its C API is one static table of static types, the same pointer in every interpreter
// (see docs/rules/OG104.md), so datetime.h's PyDateTimeAPI global is safe.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG104", "capsule-global", Severity::Warning, false,
                         "a C API capsule is cached in a process-wide global"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const Global& g : m.globals) {
    bool datetime_api = g.name == "PyDateTimeAPI" && g.loc.file.size() >= 10 &&
                        g.loc.file.compare(g.loc.file.size() - 10, 10, "datetime.h") == 0;
    if (datetime_api) continue;
    for (const GlobalUse& u : g.uses) {
      if (u.kind != UseKind::Write || u.assigned_from != "PyCapsule_Import") continue;
      std::string via = u.macro.empty() ? "" : " (through macro " + u.macro + ")";
      out.push_back(finding(kInfo, u.loc,
                            "'" + g.name + "' caches a C API capsule in a process-wide global" + via +
                                ": each interpreter imports its own, so keep the pointer in the module state",
                            g.name));
    }
  }
  return out;
}

}  // namespace

Rule capsule_global() { return {kInfo, check}; }

}  // namespace owngil::rules
