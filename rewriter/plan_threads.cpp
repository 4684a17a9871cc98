// OG301's repair, planned: a thread the module starts gets the interpreter of the code starting it,
// and the PyGILState_Ensure/Release of what it runs enter that interpreter (owngil_compat.h), never
// the main one. Only the threads whose code reaches PyGILState_* are touched.
#include <algorithm>

#include "format.h"
#include "owngil/handoffs.h"
#include "planner.h"

namespace owngil {
namespace {

// The starts owngil_compat.h wraps, and the wrapper's name.
std::string wrapper_of(const std::string& starter) {
  if (starter == "pthread_create") return "owngil_pthread_create";
  if (starter == "PyThread_start_new_thread") return "owngil_PyThread_start_new_thread";
  return "";
}

bool calls_gilstate(const Function& f) {
  return std::any_of(f.calls.begin(), f.calls.end(),
                     [](const Call& c) { return c.is_python_api && c.callee.rfind("PyGILState_", 0) == 0; });
}

// `return NULL;` for the function's error value, `return;` for void, "" when it has none we know.
std::string failure_statement(const Function& f) {
  if (f.return_type == "void") return "return;";
  std::string value = failure_value(f.return_type);
  return value.empty() ? "" : "return " + value + ";";
}

bool before(const SourceLoc& a, const SourceLoc& b) {
  return a.file == b.file && (a.line < b.line || (a.line == b.line && a.column < b.column));
}

}  // namespace

// The early return of a failed entry skips the rest of the function: only the Python part (up to
// PyGILState_Release) and a final `return` may follow the entry. What else follows, or "".
std::string Planner::what_follows_release(const Function& f) {
  const Call* release = nullptr;
  for (const Call& c : f.calls)
    if (c.is_python_api && c.callee == "PyGILState_Release" && (!release || before(release->loc, c.loc))) release = &c;
  if (!release || !release->statement.valid() || !f.range.valid())
    return "'" + f.name + "' has no PyGILState_Release statement of its own to end the Python part";
  auto later = std::find_if(f.calls.begin(), f.calls.end(), [&](const Call& o) { return before(release->loc, o.loc); });
  if (later != f.calls.end()) return "'" + f.name + "' calls " + later->callee + " after PyGILState_Release";
  const std::string& src = text(f.range.file);
  size_t from = release->statement.end, to = src.rfind('}', f.range.end);
  std::string rest = to == std::string::npos || to < from ? "" : src.substr(from, to - from);
  size_t first = rest.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  bool one_return = rest.compare(first, 6, "return") == 0 && rest.find(';') == rest.find_last_not_of(" \t\r\n");
  return one_return ? "" : "'" + f.name + "' has statements after PyGILState_Release";
}

// A call of a library (not CPython's C API, not a pure function of the C library) between the
// entry and the end of the function, directly or in a function of the tree it calls: the failed
// entry would skip it.
const Call* Planner::library_call_inside(const Function& f, const Call& ensure) {
  static const std::set<std::string> pure = {"memcpy",  "memmove", "memset",  "memcmp",   "strlen",  "strcmp",
                                             "strncmp", "strcpy",  "strncpy", "snprintf", "sprintf", "printf",
                                             "fprintf"};
  auto is_library = [&](const Call& c) {
    return c.is_python_api && !model_.function(c.callee, f.loc.file) && !is_cpython_api(c) && !pure.count(c.callee);
  };
  for (const Call& c : f.calls) {
    if (!before(ensure.loc, c.loc)) continue;
    if (is_library(c)) return &c;
    if (c.is_python_api) continue;
    for (const Function* g : reachable(model_, model_.function(c.callee, f.loc.file)))
      for (const Call& inner : g->calls)
        if (is_library(inner)) return &inner;
  }
  return nullptr;
}

void Planner::plan_thread_handoffs() {
  Handoffs h = find_handoffs(model_);
  std::set<const Function*> planned;  // functions whose PyGILState_* calls are planned
  std::set<const Call*> wrapped;
  for (const ThreadStart& t : h.threads) {
    if (!module_.files.count(t.starter->loc.file) || !t.entry_function) continue;
    std::set<const Function*> runs = reachable(model_, t.entry_function);
    if (std::none_of(runs.begin(), runs.end(), [](const Function* f) { return calls_gilstate(*f); })) continue;
    if (wrapper_of(t.starts_with).empty()) {
      refuse(t.call->loc, "the thread running '" + t.entry + "' is started by " + t.starts_with +
                              ", which owngil_compat.h does not wrap (it wraps pthread_create and "
                              "PyThread_start_new_thread): hand the interpreter to that thread by hand");
      continue;
    }
    // The start itself, or, for a helper that passes its parameter on, the starts inside it.
    std::set<const Function*> starters = {t.starter};
    if (t.call->callee != t.starts_with) starters = reachable(model_, model_.function(t.call->callee, t.starter->loc.file));
    std::set<std::string> start_files;
    for (const Function* f : starters)
      for (const Call& c : f->calls)
        if (c.callee == t.starts_with && (f != t.starter || &c == t.call)) {
          start_files.insert(c.loc.file);
          if (wrapped.insert(&c).second) wrap_thread_start(c);
        }
    for (const Function* f : runs) {
      if (!calls_gilstate(*f)) continue;
      // The thread's interpreter is kept in a thread-local of the file that includes the header.
      if (!start_files.count(f->loc.file))
        refuse(f->loc, "'" + f->name + "' runs on the thread started in " + t.call->loc.to_string() +
                           " but is in another file: owngil_compat.h keeps the thread's interpreter per file; "
                           "move them together or hand the interpreter over by hand (owngil_interp_enter)");
      else if (planned.insert(f).second)
        plan_thread_code(*f);
    }
  }
}

void Planner::wrap_thread_start(const Call& c) {
  const std::string& src = text(c.range.file);
  if (!c.macro.empty() || !c.range.valid() || src.compare(c.range.begin, c.callee.size(), c.callee) != 0)
    return refuse(c.loc, c.callee + " is not spelled where it is called (a macro makes the call): replace it with " +
                             wrapper_of(c.callee) + " by hand");
  plan_.thread_starts.push_back(&c);
  plan_.compat_files.insert(c.range.file);
}

// PyGILState_Ensure becomes owngil_thread_ensure, followed by the return of the function's error
// value when it failed; that return must not skip anything done before, so nothing may be called
// before it in the function.
void Planner::plan_thread_code(const Function& f) {
  for (const Call& c : f.calls) {
    if (!c.is_python_api || c.callee.rfind("PyGILState_", 0) != 0) continue;
    std::string at = c.callee + " in '" + f.name + "'";
    if (!c.macro.empty() || !c.range.valid()) {
      refuse(c.loc, at + " is spelled in macro " + c.macro + ": write owngil_thread_ensure/release by hand");
      continue;
    }
    if (c.callee == "PyGILState_Release") {
      plan_.thread_leaves.push_back(&c);
      continue;
    }
    if (c.callee != "PyGILState_Ensure") {
      refuse(c.loc, at + " runs on a thread the module starts, where it says nothing about that thread's "
                         "interpreter: owngil fix does not rewrite it");
      continue;
    }
    std::string failure = failure_statement(f);
    auto earlier = std::find_if(f.calls.begin(), f.calls.end(), [&](const Call& o) { return before(o.loc, c.loc); });
    std::string after = what_follows_release(f);
    if (failure.empty())
      refuse(c.loc, at + ": '" + f.name + "' returns " + f.return_type +
                        ", with no error value to return when the interpreter that started the thread is gone");
    else if (!c.statement.valid())
      refuse(c.loc, at + " is part of a larger expression: the check that it entered an interpreter needs a "
                         "statement of its own");
    else if (earlier != f.calls.end())
      refuse(c.loc, at + " comes after a call of " + earlier->callee + " (" + earlier->loc.to_string() +
                        "): returning early when the interpreter is gone would skip undoing what came before");
    else if (!after.empty())
      refuse(c.loc, at + ": " + after + ", which returning early when the interpreter is gone would skip");
    else if (const Call* library = library_call_inside(f, c))
      refuse(c.loc, at + ": the Python part calls " + library->callee + " (" + library->loc.to_string() +
                        "), which returning early when the interpreter is gone would skip (a waiter could wait "
                        "forever): move it out of the part between PyGILState_Ensure and PyGILState_Release");
    else
      plan_.thread_entries.push_back({&c, &f, failure});
  }
}

}  // namespace owngil
