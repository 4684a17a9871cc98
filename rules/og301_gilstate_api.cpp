// OG301: PyGILState_* attaches to "the thread's thread state". Measured on CPython 3.12 and 3.13
// (docs/rules/OG301.md): a thread that ran Python keeps its last thread state, so a callback run on
// the thread of a call from Python lands in the caller's interpreter; a thread that never ran
// Python gets a new thread state of the main interpreter. Which of the two a call is depends on
// which thread runs it, which the call graph tells (owngil/handoffs.h).
#include <algorithm>
#include <map>

#include "owngil/handoffs.h"
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG301", "gilstate-api", Severity::Error, false,
                         "PyGILState_* on a thread that never ran Python attaches to the main interpreter"};

// Thread starts the repair knows how to hand the interpreter through (owngil_compat.h wrappers).
bool repair_wraps(const std::string& starts_with) {
  return starts_with == "pthread_create" || starts_with == "PyThread_start_new_thread";
}

std::string where(const Function* f, const Call* c) { return "'" + f->name + "' at " + c->loc.to_string(); }

struct Reach {
  const Model& m;
  std::map<const Function*, std::set<const Function*>> from;  // function -> what it reaches
  bool reaches(const Function* root, const Function* target) {
    if (!root) return false;
    auto it = from.find(root);
    if (it == from.end()) it = from.emplace(root, reachable(m, root)).first;
    return it->second.count(target) > 0;
  }
};

Finding on_started_thread(const CallSite& s, const ThreadStart& t, const std::string& what) {
  Finding f = finding(kInfo, s.call->loc,
                      what + " runs on a thread the module starts (entry point '" + t.entry + "', started by " +
                          t.starts_with + " in " + where(t.starter, t.call) +
                          "): that thread never ran Python, so PyGILState_Ensure gives it a new thread state of the "
                          "main interpreter (CPython 3.12 and 3.13) and it runs Python code with objects of the "
                          "interpreter that started it; record that interpreter where the thread starts and enter it "
                          "from the thread (owngil_compat.h: owngil_pthread_create, owngil_thread_ensure)",
                      s.function->name + ":" + s.call->callee);
  f.fixable = repair_wraps(t.starts_with);
  f.notes.push_back({t.call->loc, "the thread running '" + t.entry + "' is started here"});
  return f;
}

Finding in_registration(const CallSite& s, const Registration& r, const std::string& what) {
  Finding f = finding(kInfo, s.call->loc,
                      what + " runs in '" + r.callback + "', registered process-wide with " + r.call->callee + " in " +
                          where(r.in, r.call) +
                          ": the library keeps it for the whole process and may call it from any thread, also after "
                          "the interpreter that registered it is gone, and a thread that never ran Python attaches "
                          "to the main interpreter; keep one registration per interpreter (on a handle the module "
                          "state owns) or hand the call to the registering interpreter by hand",
                      s.function->name + ":" + s.call->callee);
  f.notes.push_back({r.call->loc, "'" + r.callback + "' is registered here"});
  return f;
}

Finding unknown_thread(const CallSite& s, const std::string& what, bool escaped) {
  std::string why = escaped ? "its address (or that of a function calling it) is kept in a variable or member"
                            : "nothing the module's Python-called functions reach calls it";
  return finding(kInfo, s.call->loc,
                 what + ": owngil cannot tell which thread runs '" + s.function->name + "' (" + why +
                     "); on a thread that never ran Python it attaches to the main interpreter and runs Python code "
                     "with another interpreter's objects; record the interpreter (PyInterpreterState_Get) where the "
                     "work is handed over and attach to it from the thread (PyThreadState_New)",
                 s.function->name + ":" + s.call->callee);
}

Finding on_calling_thread(const CallSite& s, const std::string& what) {
  Finding f = finding(kInfo, s.call->loc,
                      what + " runs only on the thread of a call from Python (reached from the module's Python-called "
                          "functions and callbacks handed to calls they make): on CPython 3.12 and 3.13 it takes that "
                          "thread's last thread state, which belongs to the calling interpreter, also after "
                          "Py_BEGIN_ALLOW_THREADS, so it runs in the caller's interpreter; this breaks if a library "
                          "calls it from a thread of its own (a thread pool, a background flush), and on 3.9-3.11, "
                          "where PyGILState_Ensure uses the main interpreter",
                      s.function->name + ":" + s.call->callee);
  f.severity = Severity::Note;
  return f;
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  Handoffs h = find_handoffs(m);
  Reach reach{m, {}};
  for (const CallSite& s : calls_to(m, {"PyGILState_Ensure", "PyGILState_Release", "PyGILState_GetThisThreadState",
                                        "PyGILState_Check"})) {
    std::string via = s.call->macro.empty() ? "" : " (through macro " + s.call->macro + ")";
    std::string what = s.call->callee + " in '" + s.function->name + "'" + via;
    const Function* fn = s.function;
    auto thread = std::find_if(h.threads.begin(), h.threads.end(),
                               [&](const ThreadStart& t) { return reach.reaches(t.entry_function, fn); });
    auto registration = std::find_if(h.registrations.begin(), h.registrations.end(),
                                     [&](const Registration& r) { return reach.reaches(r.callback_function, fn); });
    if (thread != h.threads.end()) out.push_back(on_started_thread(s, *thread, what));
    else if (registration != h.registrations.end()) out.push_back(in_registration(s, *registration, what));
    else if (h.escaped.count(fn)) out.push_back(unknown_thread(s, what, true));
    else if (h.python_called.count(fn)) out.push_back(on_calling_thread(s, what));
    else out.push_back(unknown_thread(s, what, false));
  }
  return out;
}

}  // namespace

Rule gilstate_api() { return {kInfo, check}; }

}  // namespace owngil::rules
