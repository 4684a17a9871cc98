// OG303: calls that CPython routes to the main interpreter whichever interpreter makes them. Code a
// subinterpreter runs would schedule work, raise interrupts or create thread states in another
// interpreter, with objects of its own: no port of the module's state repairs that.
#include <map>
#include <string>
#include <vector>

#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG303", "main-interpreter-call", Severity::Error, false,
                         "a C API call that only works with the main interpreter"};

// What each call does from a subinterpreter (CPython 3.12/3.13: Python/ceval_gil.c,
// Modules/signalmodule.c, the C API docs).
const std::map<std::string, std::string>& main_only_calls() {
  static const std::map<std::string, std::string> calls = {
      {"Py_AddPendingCall",
       "schedules its callback in the main interpreter's main thread, not in the caller's interpreter: the callback "
       "would run with the main interpreter's objects and its argument's objects from another interpreter; "
       "run the work in the calling interpreter (a thread state of PyInterpreterState_Get(), or a queue the "
       "module's own code drains)"},
      {"PyErr_SetInterrupt",
       "trips the signal flag that only the main thread of the main interpreter handles: KeyboardInterrupt is raised "
       "in the main interpreter, never in the caller's; signal the caller's own code instead (an event or flag in "
       "the module state)"},
      {"PyErr_SetInterruptEx",
       "trips the signal flag that only the main thread of the main interpreter handles: the Python handler runs in "
       "the main interpreter, never in the caller's; signal the caller's own code instead (an event or flag in the "
       "module state)"},
      {"PyInterpreterState_Main",
       "names the main interpreter: code given its result (PyThreadState_New, ...) runs in the main interpreter, "
       "not in the one that imported the module; keep PyInterpreterState_Get() of the calling interpreter instead"},
  };
  return calls;
}

std::vector<Finding> check(const Model& m) {
  std::vector<std::string> names;
  for (const auto& [name, why] : main_only_calls()) names.push_back(name);
  std::vector<Finding> out;
  for (const CallSite& s : calls_to(m, names)) {
    const std::string& why = main_only_calls().at(s.call->callee);
    std::string via = s.call->macro.empty() ? "" : " (through macro " + s.call->macro + ")";
    out.push_back(finding(kInfo, s.call->loc, s.call->callee + " in '" + s.function->name + "'" + via + " " + why,
                          s.function->name + ":" + s.call->callee));
  }
  // Code of another configuration makes the same calls there: the region names them.
  for (const InactiveRegion& r : m.inactive_regions) {
    if (never_compiled(r.condition)) continue;
    for (const auto& [name, why] : main_only_calls())
      if (r.identifiers.count(name))
        out.push_back(finding(kInfo, {r.file, r.begin_line, 1},
                              name + " in code compiled only " + when(r, r.condition) + " " + why,
                              "#if " + (r.condition.empty() ? std::to_string(r.begin_line) : r.condition) + ":" + name));
  }
  return out;
}

}  // namespace

Rule main_interpreter_call() { return {kInfo, check}; }

}  // namespace owngil::rules
