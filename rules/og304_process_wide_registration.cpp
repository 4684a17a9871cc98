// OG304: a callback handed to state of a C library that belongs to the whole process (a global
// log handler, an exit or signal handler) with a Python object as its user data, or that runs
// Python code. Every interpreter importing the module registers over the others' registration, the
// library calls the last one from whatever thread it likes, and it outlives the interpreter.
#include "owngil/handoffs.h"
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG304", "process-wide-registration", Severity::Error, false,
                         "a callback registered process-wide holds one interpreter's objects"};

// The callback, or a function it reaches, calls CPython's C API: it runs Python code or touches
// objects, which belong to one interpreter.
const Call* first_python_call(const Model& m, const Function* callback) {
  if (!callback) return nullptr;
  for (const Function* f : reachable(m, callback))
    for (const Call& c : f->calls)
      if (c.is_python_api && is_cpython_api(c)) return &c;
  return nullptr;
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const Registration& r : find_handoffs(m).registrations) {
    if (r.call->callee == "Py_AddPendingCall") continue;  // OG303's
    const Call* python = first_python_call(m, r.callback_function);
    if (!r.holds_object && !python) continue;
    std::string holds = r.holds_object ? "a Python object of the registering interpreter as its user data"
                                       : "code that calls the Python C API (" + python->callee + ")";
    Finding f = finding(kInfo, r.call->loc,
                        "'" + r.callback + "' is registered process-wide with " + r.call->callee + " in '" +
                            r.in->name + "', with " + holds +
                            ": the library keeps one callback for the whole process, so each interpreter importing "
                            "the module replaces the others' registration, the library may call it from any thread "
                            "(one that never ran Python attaches to the main interpreter), and it outlives the "
                            "interpreter; register once for the process from the main interpreter, or keep the "
                            "registration per interpreter on a handle the module state owns",
                        r.in->name + ":" + r.call->callee + ":" + r.callback);
    if (python && python->loc.valid()) f.notes.push_back({python->loc, "the callback reaches the Python C API here"});
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Rule process_wide_registration() { return {kInfo, check}; }

}  // namespace owngil::rules
