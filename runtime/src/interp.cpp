// The interpreter registry behind owngil.h. Ids are never reused; every interpreter counts the
// threads inside it, and destroying one waits for them and turns new ones away.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "owngil.h"

#if PY_VERSION_HEX >= 0x030D0000
#define OWNGIL_CURRENT_TSTATE() PyThreadState_GetUnchecked()
#else
#define OWNGIL_CURRENT_TSTATE() _PyThreadState_UncheckedGet()
#endif

namespace {

struct Interp {
  PyInterpreterState* state = nullptr;
  int inside = 0;        // threads between enter and leave
  bool closing = false;
  std::vector<PyThreadState*> thread_states;  // one per thread that ever entered
};

std::mutex registry_mutex;
std::condition_variable registry_changed;
std::map<owngil_id, std::shared_ptr<Interp>> registry;
owngil_id next_id = 1;

// This thread's thread state for each interpreter it entered. Entries of destroyed interpreters
// are never read again: the registry lookup fails first, and ids are not reused.
thread_local std::unordered_map<owngil_id, PyThreadState*> my_thread_states;

// How deep this thread is inside each interpreter (enter without its leave yet), nested ones too:
// destroying one of them from here would wait for this very thread.
thread_local std::unordered_map<owngil_id, int> my_depth;

bool exit_hook_installed = false;  // in the main interpreter's atexit; reset when it ran

void set_message(char* message, size_t size, const std::string& text) {
  if (message && size) std::snprintf(message, size, "%s", text.c_str());
}

// "Type: message" of the exception being raised, which is cleared.
std::string take_exception() {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  std::string text = type ? reinterpret_cast<PyTypeObject*>(type)->tp_name : "unknown error";
  if (PyObject* s = value ? PyObject_Str(value) : nullptr) {
    if (const char* utf8 = PyUnicode_AsUTF8(s)) text += std::string(": ") + utf8;
    Py_DECREF(s);
  }
  PyErr_Clear();
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(traceback);
  return text;
}

// Called by the main interpreter's atexit, before CPython finalizes: interpreters still alive then
// abort 3.12 ("PyInterpreterState_Delete: remaining subinterpreters"), and 3.13 ends them itself,
// after which an owngil_destroy touches freed memory. Ends them as owngil_destroy does.
PyObject* destroy_remaining(PyObject*, PyObject*) {
  std::vector<owngil_id> ids;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    for (const auto& entry : registry) ids.push_back(entry.first);
  }
  for (owngil_id id : ids) owngil_destroy(id, nullptr, 0);
  exit_hook_installed = false;  // a later Py_Initialize starts with an empty atexit
  Py_RETURN_NONE;
}

PyMethodDef destroy_remaining_def = {"owngil_destroy_remaining", destroy_remaining, METH_NOARGS,
                                     "Destroys every owngil interpreter still alive (atexit)."};

}  // namespace

extern "C" {

int owngil_install_exit_hook(void) {
  if (exit_hook_installed) return OWNGIL_OK;
  if (PyInterpreterState_Get() != PyInterpreterState_Main()) return OWNGIL_FAILED;
  PyObject* atexit = PyImport_ImportModule("atexit");
  PyObject* hook = atexit ? PyCFunction_New(&destroy_remaining_def, nullptr) : nullptr;
  PyObject* done = hook ? PyObject_CallMethod(atexit, "register", "O", hook) : nullptr;
  Py_XDECREF(done);
  Py_XDECREF(hook);
  Py_XDECREF(atexit);
  if (!done) {
    PyErr_Clear();
    return OWNGIL_FAILED;
  }
  exit_hook_installed = true;
  return OWNGIL_OK;
}

const char* owngil_status_text(int status) {
  switch (status) {
    case OWNGIL_OK: return "ok";
    case OWNGIL_GONE: return "no such interpreter (never created, or destroyed)";
    case OWNGIL_CLOSING: return "the interpreter is closing";
    case OWNGIL_FAILED: return "CPython could not do it";
    case OWNGIL_PYTHON_ERROR: return "the code raised an exception";
  }
  return "unknown status";
}

size_t owngil_count(void) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  return registry.size();
}

int owngil_create(const owngil_config* config, owngil_id* id, char* message, size_t message_size) {
  PyInterpreterConfig cfg = {};
  cfg.use_main_obmalloc = 0;
  cfg.allow_fork = 0;
  cfg.allow_exec = 0;
  cfg.allow_threads = config ? config->allow_threads : 1;
  cfg.allow_daemon_threads = config ? config->allow_daemon_threads : 0;
  cfg.check_multi_interp_extensions = 1;
  cfg.gil = PyInterpreterConfig_OWN_GIL;

  // CPython creates the interpreter from an attached thread; a detached caller borrows the main one.
  PyThreadState* previous = OWNGIL_CURRENT_TSTATE();
  PyGILState_STATE gilstate{};
  bool borrowed = previous == nullptr;
  if (borrowed) gilstate = PyGILState_Ensure();
  PyThreadState* attached = OWNGIL_CURRENT_TSTATE();
  if (PyThreadState_GetInterpreter(attached) == PyInterpreterState_Main()) owngil_install_exit_hook();
  PyThreadState* created = nullptr;
  PyStatus status = Py_NewInterpreterFromConfig(&created, &cfg);
  if (PyStatus_Exception(status) || !created) {
    set_message(message, message_size, status.err_msg ? status.err_msg : "Py_NewInterpreterFromConfig failed");
    PyThreadState_Swap(attached);
    if (borrowed) PyGILState_Release(gilstate);
    return OWNGIL_FAILED;
  }
  auto interp = std::make_shared<Interp>();
  interp->state = PyThreadState_GetInterpreter(created);
  interp->thread_states.push_back(created);
  PyEval_SaveThread();  // let go of the new interpreter's GIL
  PyEval_RestoreThread(attached);
  if (borrowed) PyGILState_Release(gilstate);
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    *id = next_id++;
    registry[*id] = interp;
  }
  my_thread_states[*id] = created;
  return OWNGIL_OK;
}

int owngil_enter(owngil_id id, owngil_guard* guard) {
  std::shared_ptr<Interp> interp;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = registry.find(id);
    if (it == registry.end()) return OWNGIL_GONE;
    if (it->second->closing) return OWNGIL_CLOSING;
    interp = it->second;
    interp->inside++;
  }
  PyThreadState*& mine = my_thread_states[id];
  if (!mine) {
    mine = PyThreadState_New(interp->state);  // no GIL needed
    std::lock_guard<std::mutex> lock(registry_mutex);
    interp->thread_states.push_back(mine);
  }
  PyThreadState* previous = OWNGIL_CURRENT_TSTATE();
  guard->id = id;
  guard->mine = mine;
  guard->previous = previous;
  guard->nested = previous == mine;
  my_depth[id]++;
  if (!guard->nested) {
    if (previous) PyEval_SaveThread();
    PyEval_RestoreThread(mine);
  }
  return OWNGIL_OK;
}

void owngil_leave(owngil_guard* guard) {
  if (--my_depth[guard->id] == 0) my_depth.erase(guard->id);
  if (!guard->nested) {
    PyEval_SaveThread();
    if (guard->previous) PyEval_RestoreThread(static_cast<PyThreadState*>(guard->previous));
  }
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = registry.find(guard->id);
  if (it != registry.end()) it->second->inside--;
  registry_changed.notify_all();
}

int owngil_run(owngil_id id, const char* source, char* message, size_t message_size) {
  owngil_guard guard{};
  int status = owngil_enter(id, &guard);
  if (status != OWNGIL_OK) {
    set_message(message, message_size, owngil_status_text(status));
    return status;
  }
  int result = OWNGIL_OK;
  PyObject* main = PyImport_AddModule("__main__");  // borrowed
  PyObject* globals = main ? PyModule_GetDict(main) : nullptr;
  PyObject* value = globals ? PyRun_String(source, Py_file_input, globals, globals) : nullptr;
  if (!value) {
    set_message(message, message_size, take_exception());
    result = OWNGIL_PYTHON_ERROR;
  }
  Py_XDECREF(value);
  owngil_leave(&guard);
  return result;
}

int owngil_destroy(owngil_id id, char* message, size_t message_size) {
  std::shared_ptr<Interp> interp;
  {
    std::unique_lock<std::mutex> lock(registry_mutex);
    auto it = registry.find(id);
    if (it == registry.end()) {
      set_message(message, message_size, owngil_status_text(OWNGIL_GONE));
      return OWNGIL_GONE;
    }
    if (it->second->closing) {
      set_message(message, message_size, owngil_status_text(OWNGIL_CLOSING));
      return OWNGIL_CLOSING;
    }
    interp = it->second;
    // A thread inside may be this one (destroying from within, or from another interpreter it
    // entered from there): it cannot wait for itself.
    PyThreadState* current = OWNGIL_CURRENT_TSTATE();
    if ((current && PyThreadState_GetInterpreter(current) == interp->state) || my_depth.count(id)) {
      set_message(message, message_size, "an interpreter cannot be destroyed from a thread inside it");
      return OWNGIL_FAILED;
    }
    interp->closing = true;
    // Threads inside may need the GIL this thread holds to leave: wait without it.
    PyThreadState* saved = current ? PyEval_SaveThread() : nullptr;
    registry_changed.wait(lock, [&] { return interp->inside == 0; });
    lock.unlock();
    if (saved) PyEval_RestoreThread(saved);
  }
  PyThreadState*& mine = my_thread_states[id];
  if (!mine) {
    mine = PyThreadState_New(interp->state);
    interp->thread_states.push_back(mine);
  }
  PyThreadState* previous = OWNGIL_CURRENT_TSTATE();  // never `mine`: checked above
  if (previous) PyEval_SaveThread();
  PyEval_RestoreThread(mine);
  // Py_EndInterpreter wants the current thread state to be the only one left.
  for (PyThreadState* ts : interp->thread_states)
    if (ts != mine) {
      PyThreadState_Clear(ts);
      PyThreadState_Delete(ts);
    }
  Py_EndInterpreter(mine);  // leaves no thread state current
  if (previous) PyEval_RestoreThread(previous);
  my_thread_states.erase(id);
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    registry.erase(id);
  }
  return OWNGIL_OK;
}

}  // extern "C"
