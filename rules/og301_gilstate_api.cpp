// OG301: PyGILState_* always works with the main interpreter. Code that uses it to call back into
// Python from a C thread would run in the wrong interpreter (or deadlock on the main GIL).
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG301", "gilstate-api", Severity::Error, false,
                         "PyGILState_* always attaches to the main interpreter"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const CallSite& s : calls_to(m, {"PyGILState_Ensure", "PyGILState_Release", "PyGILState_GetThisThreadState",
                                        "PyGILState_Check"})) {
    std::string via = s.call->macro.empty() ? "" : " (through macro " + s.call->macro + ")";
    out.push_back(finding(kInfo, s.call->loc,
                          s.call->callee + " in '" + s.function->name + "'" + via +
                              " always uses the main interpreter: from a subinterpreter's module it runs Python "
                              "code in the wrong interpreter; keep the interpreter (PyInterpreterState_Get) and "
                              "attach to it from the thread with a thread state of that interpreter (PyThreadState_New)",
                          s.function->name + ":" + s.call->callee));
  }
  return out;
}

}  // namespace

Rule gilstate_api() { return {kInfo, check}; }

}  // namespace owngil::rules
