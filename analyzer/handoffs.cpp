// Which thread runs what: thread starts (also through helpers that pass their parameter on),
// process-wide registrations, and the closure of what runs during a call from Python.
#include "owngil/handoffs.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

namespace owngil {
namespace {

// The thread-starting calls this knows, and which argument is the entry point.
const std::map<std::string, int>& thread_starters() {
  static const std::map<std::string, int> starters = {
      {"pthread_create", 2},   {"thrd_create", 1},         {"PyThread_start_new_thread", 0},
      {"std::thread", 0},      {"CreateThread", 2},        {"_beginthreadex", 2},
      {"_beginthread", 0},     {"CreateRemoteThread", 3},  {"QueueUserWorkItem", 0},
      {"CreateThreadpoolWork", 0}, {"TrySubmitThreadpoolCallback", 0},
      {"uv_thread_create", 1}, {"uv_queue_work", 2},       {"g_thread_new", 1},
      {"g_thread_try_new", 1}, {"g_thread_pool_new", 0},   {"dispatch_async_f", 2},
  };
  return starters;
}

// Registries of the C library, of POSIX and of CPython that keep a callback for the whole process.
const std::set<std::string>& known_registries() {
  static const std::set<std::string> registries = {
      "atexit", "at_quick_exit", "on_exit", "signal", "sigset", "bsd_signal", "pthread_atfork",
      "set_terminate", "set_new_handler", "set_unexpected", "Py_AtExit", "Py_AddPendingCall",
      "sqlite3_config", "xmlSetGenericErrorFunc", "xmlSetStructuredErrorFunc", "xmlRegisterInputCallbacks",
      "xmlRegisterOutputCallbacks", "xmlMemSetup", "curl_global_init_mem", "CRYPTO_set_mem_functions",
  };
  return registries;
}

// `set_log_handler`, `registerCallback` -> {"set", "log", "handler"}, {"register", "callback"}.
std::vector<std::string> name_words(const std::string& name) {
  std::vector<std::string> words;
  std::string word;
  for (size_t i = 0; i < name.size(); ++i) {
    char ch = name[i];
    bool boundary = ch == '_' || (std::isupper(static_cast<unsigned char>(ch)) && i > 0 &&
                                  std::islower(static_cast<unsigned char>(name[i - 1])));
    if (boundary && !word.empty()) words.push_back(std::move(word)), word.clear();
    if (ch != '_') word += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

bool names_a_registration(const std::string& callee) {
  static const std::set<std::string> verbs = {"set", "register", "install", "add", "hook", "config", "configure"};
  for (const std::string& w : name_words(callee))
    if (verbs.count(w)) return true;
  return false;
}

bool hands_over_function(const Call& c) {
  return std::any_of(c.args.begin(), c.args.end(), [](const CallArgument& a) { return !a.function.empty(); });
}

// No argument could be a handle of the library's own (a connection, a context): only callbacks,
// constants and Python objects, so what it keeps belongs to the library as a whole.
bool gets_no_handle(const Call& c) {
  return std::all_of(c.args.begin(), c.args.end(), [](const CallArgument& a) {
    return !a.function.empty() || a.is_constant || a.is_object;
  });
}

// The call is made to a function defined outside the tree (a library, libc, CPython).
bool calls_outside_tree(const Model& m, const Function& caller, const Call& c) {
  return c.is_python_api && !m.function(c.callee, caller.loc.file);
}

int parameter_index(const Function& f, const std::string& name) {
  for (size_t i = 0; i < f.params.size(); ++i)
    if (f.params[i].name == name) return static_cast<int>(i);
  return -1;
}

using Handed = std::set<std::pair<const Call*, size_t>>;  // (call, argument) pairs already classified

// A function of the tree that starts a thread on its parameter `index`, and what it starts with.
struct Starter {
  const Function* function;
  int index;
  std::string starts_with;
};

void find_thread_starts(const Model& m, Handoffs& out, Handed& handed) {
  std::vector<Starter> helpers;
  for (const Function& f : m.functions)
    for (const Call& c : f.calls) {
      int index = thread_entry_argument(c.callee);
      if (index < 0 || static_cast<size_t>(index) >= c.args.size() || !calls_outside_tree(m, f, c)) continue;
      const CallArgument& a = c.args[static_cast<size_t>(index)];
      handed.insert({&c, static_cast<size_t>(index)});
      if (!a.function.empty()) out.threads.push_back({a.function, m.function(a.function, f.loc.file), &f, &c, c.callee});
      else if (int p = parameter_index(f, a.parameter); p >= 0) helpers.push_back({&f, p, c.callee});
    }
  std::set<std::pair<const Function*, int>> seen;
  while (!helpers.empty()) {
    Starter h = helpers.back();
    helpers.pop_back();
    if (!seen.insert({h.function, h.index}).second) continue;
    for (const Function& f : m.functions)
      for (const Call& c : f.calls) {
        if (c.callee != h.function->name || m.function(c.callee, f.loc.file) != h.function ||
            static_cast<size_t>(h.index) >= c.args.size())
          continue;
        const CallArgument& a = c.args[static_cast<size_t>(h.index)];
        handed.insert({&c, static_cast<size_t>(h.index)});
        if (!a.function.empty()) out.threads.push_back({a.function, m.function(a.function, f.loc.file), &f, &c, h.starts_with});
        else if (int p = parameter_index(f, a.parameter); p >= 0) helpers.push_back({&f, p, h.starts_with});
      }
  }
}

void find_registrations(const Model& m, Handoffs& out, Handed& handed) {
  for (const Function& f : m.functions)
    for (const Call& c : f.calls) {
      if (!calls_outside_tree(m, f, c) || !is_process_wide_registration(c)) continue;
      bool holds_object = std::any_of(c.args.begin(), c.args.end(), [](const CallArgument& a) { return a.is_object; });
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (c.args[i].function.empty() || handed.count({&c, i})) continue;
        handed.insert({&c, i});
        out.registrations.push_back({c.args[i].function, m.function(c.args[i].function, f.loc.file), &f, &c, holds_object});
      }
    }
}

// The module's entry points Python calls: PyInit, and every function named in a table (a global
// initializer) or handed to CPython's C API (a capsule's destructor, a type's slot).
std::vector<const Function*> python_roots(const Model& m) {
  std::vector<const Function*> roots;
  for (const InitFunction& init : m.inits)
    if (const Function* f = m.function(init.name, init.loc.file)) roots.push_back(f);
  for (const AddressTaken& a : m.address_taken) {
    bool in_table = a.in_function.empty() || !a.in_global.empty();
    bool to_cpython = a.passed_to.rfind("Py", 0) == 0 || a.passed_to.rfind("_Py", 0) == 0;
    if ((in_table || to_cpython) && !known_registries().count(a.passed_to))
      if (const Function* f = m.function(a.function, a.loc.file)) roots.push_back(f);
  }
  return roots;
}

void add_reachable(const Model& m, const Function* root, std::set<const Function*>& seen) {
  std::vector<const Function*> todo = {root};
  while (!todo.empty()) {
    const Function* f = todo.back();
    todo.pop_back();
    if (!f || !seen.insert(f).second) continue;
    for (const Call& c : f->calls)
      if (!c.is_python_api) todo.push_back(m.function(c.callee, f->loc.file));
  }
}

// From the roots, through direct calls and the callbacks handed to calls made on the way that
// neither start a thread nor register process-wide (they run before the call returns).
std::set<const Function*> python_called(const Model& m, const Handed& handed) {
  std::set<const Function*> reached;
  std::vector<const Function*> todo = python_roots(m);
  while (!todo.empty()) {
    const Function* root = todo.back();
    todo.pop_back();
    if (reached.count(root)) continue;
    std::set<const Function*> now;
    add_reachable(m, root, now);
    for (const Function* f : now) {
      if (!reached.insert(f).second) continue;
      for (const Call& c : f->calls)
        for (size_t i = 0; i < c.args.size(); ++i)
          if (!c.args[i].function.empty() && !handed.count({&c, i}))
            if (const Function* g = m.function(c.args[i].function, f->loc.file); g && !reached.count(g)) todo.push_back(g);
    }
  }
  return reached;
}

// Functions whose address is kept inside a function, not handed to a call nor named in a table.
std::set<const Function*> escaped(const Model& m) {
  std::set<const Function*> out;
  for (const AddressTaken& a : m.address_taken)
    if (!a.in_function.empty() && a.in_global.empty() && a.passed_to.empty())
      add_reachable(m, m.function(a.function, a.loc.file), out);
  return out;
}

}  // namespace

int thread_entry_argument(const std::string& callee) {
  auto it = thread_starters().find(callee);
  return it == thread_starters().end() ? -1 : it->second;
}

bool is_cpython_api(const Call& c) { return c.callee.rfind("Py", 0) == 0 || c.callee.rfind("_Py", 0) == 0; }

bool is_process_wide_registration(const Call& c) {
  if (!hands_over_function(c) || thread_entry_argument(c.callee) >= 0) return false;
  if (known_registries().count(c.callee)) return true;
  return !is_cpython_api(c) && names_a_registration(c.callee) && gets_no_handle(c);
}

std::set<const Function*> reachable(const Model& m, const Function* root) {
  std::set<const Function*> out;
  add_reachable(m, root, out);
  return out;
}

Handoffs find_handoffs(const Model& m) {
  Handoffs out;
  Handed handed;
  find_thread_starts(m, out, handed);
  find_registrations(m, out, handed);
  out.python_called = python_called(m, handed);
  out.escaped = escaped(m);
  return out;
}

}  // namespace owngil
