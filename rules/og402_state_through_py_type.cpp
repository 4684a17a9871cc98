// OG402: PyType_GetModule(Py_TYPE(self)) / PyType_GetModuleState(Py_TYPE(self)). When `self` is an
// instance of a subclass defined in Python, Py_TYPE(self) is that subclass, which has no module:
// NULL, then a crash.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG402", "state-through-py-type", Severity::Warning, false,
                         "module state fetched through Py_TYPE(self) breaks for subclasses"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const CallSite& s : calls_to(m, {"PyType_GetModule", "PyType_GetModuleState"})) {
    if (!s.call->arg0_is_type_of) continue;
    out.push_back(finding(kInfo, s.call->loc,
                          s.call->callee + "(Py_TYPE(...)) in '" + s.function->name +
                              "' returns NULL for instances of a subclass defined in Python; use the defining "
                              "class (METH_METHOD) or PyType_GetModuleByDef(Py_TYPE(self), &module_def)",
                          s.function->name + ":" + s.call->callee));
  }
  return out;
}

}  // namespace

Rule state_through_py_type() { return {kInfo, check}; }

}  // namespace owngil::rules
