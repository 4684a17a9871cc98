// OG302: PyState_FindModule / PyState_AddModule look a module up by its PyModuleDef, which works only
// for single-phase modules and gives one module per interpreter at most.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG302", "pystate-find-module", Severity::Error, true,
                         "PyState_FindModule/AddModule only work for single-phase modules"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const CallSite& s : calls_to(m, {"PyState_FindModule", "PyState_AddModule", "PyState_RemoveModule"}))
    out.push_back(finding(kInfo, s.call->loc,
                          s.call->callee + " in '" + s.function->name +
                              "' does not work with multi-phase initialization: get the module from the method's "
                              "module argument, PyType_GetModuleByDef or the defining class",
                          s.function->name + ":" + s.call->callee));
  return out;
}

}  // namespace

Rule pystate_find_module() { return {kInfo, check}; }

}  // namespace owngil::rules
