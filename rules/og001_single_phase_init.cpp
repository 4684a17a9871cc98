// OG001: the module is created in PyInit_* (single-phase init). Such a module cannot be imported in
// an interpreter with its own GIL: CPython refuses it ("does not support loading in subinterpreters").
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG001", "single-phase-init", Severity::Error, true,
                         "module uses single-phase initialization (PyModule_Create in PyInit_*)"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const InitFunction& init : m.inits) {
    if (init.style != InitStyle::SinglePhase) continue;
    Finding f = finding(kInfo, init.loc,
                        "module '" + init.module_name +
                            "' uses single-phase initialization: it cannot be imported in a subinterpreter "
                            "with its own GIL; return PyModuleDef_Init() and move the body into a Py_mod_exec slot",
                        init.name);
    f.module = init.module_name;
    f.notes.push_back({init.create_call, "the module object is created here"});
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Rule single_phase_init() { return {kInfo, check}; }

}  // namespace owngil::rules
