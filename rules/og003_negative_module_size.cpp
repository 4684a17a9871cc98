// OG003: PyModuleDef.m_size < 0 says "this module keeps its state in C globals": CPython will not
// give each interpreter its own module instance.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG003", "negative-module-size", Severity::Error, true,
                         "PyModuleDef.m_size is negative: the module declares process-global state"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const ModuleDef& def : m.module_defs) {
    if (!def.m_size || *def.m_size >= 0) continue;
    out.push_back(finding(kInfo, def.m_size_loc.valid() ? def.m_size_loc : def.loc,
                          "m_size of '" + def.name + "' is " + std::to_string(*def.m_size) +
                              ": the module declares that its state lives in C globals and cannot be "
                              "re-initialized per interpreter; give it a module state (m_size = sizeof(state))",
                          def.name));
  }
  return out;
}

}  // namespace

Rule negative_module_size() { return {kInfo, check}; }

}  // namespace owngil::rules
