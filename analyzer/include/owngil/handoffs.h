// Where the module's code runs, as far as its call graph tells: the threads it starts, the
// callbacks it hands to process-wide registries of C libraries, and what only ever runs on the
// thread of a call from Python. A query of the model (plain data), shared by rules and the planner.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "owngil/model.h"

namespace owngil {

// A thread the module starts: `pthread_create(&t, NULL, entry, arg)`, or a call of a function of
// the tree that passes its parameter on to such a call (`start(entry, arg)`).
struct ThreadStart {
  std::string entry;                  // the function the new thread runs
  const Function* entry_function = nullptr;  // ... when defined in the tree
  const Function* starter = nullptr;  // the function making `call`
  const Call* call = nullptr;
  std::string starts_with;            // the thread-starting function reached: pthread_create, std::thread, ...
};

// A callback handed to state of a C library that belongs to the whole process (a global logger,
// an exit handler, a signal handler): whichever interpreter registers it last, every thread of the
// process may call it, also after that interpreter is gone.
struct Registration {
  std::string callback;
  const Function* callback_function = nullptr;  // when defined in the tree
  const Function* in = nullptr;
  const Call* call = nullptr;
  bool holds_object = false;  // a Python object is handed over with it (its user data)
};

struct Handoffs {
  std::vector<ThreadStart> threads;
  std::vector<Registration> registrations;
  // Functions run only on the thread of a call from Python: reached from the module's init, its
  // tables (methods, slots, type fields) and callbacks handed to calls made during those (a
  // library's hook run before the call returns, qsort's comparator).
  std::set<const Function*> python_called;
  // Functions whose address is kept somewhere the call graph does not follow (a struct member,
  // a variable) inside a function: they may run anywhere.
  std::set<const Function*> escaped;
};

Handoffs find_handoffs(const Model& m);

// The functions `root` reaches through direct calls within the tree, itself included; a name is
// resolved as the caller sees it (a static function of the caller's file first).
std::set<const Function*> reachable(const Model& m, const Function* root);

// The argument that is the new thread's entry point when `callee` starts a thread (POSIX, C11,
// CPython's, C++'s, Windows', libuv's, GLib's), or -1.
int thread_entry_argument(const std::string& callee);

// A call of a library (not the tree, not CPython's C API) that keeps its callback process-wide:
// a known registry (atexit, on_exit, signal, sqlite3_config, ...), or a `set`/`register`/`install`
// call that gets no handle of its own, only the callback, constants and Python objects.
bool is_process_wide_registration(const Call& c);

// The call's name is CPython's C API (Py*, _Py*).
bool is_cpython_api(const Call& c);

}  // namespace owngil
