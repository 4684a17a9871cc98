// _owngil: the native half of the `owngil` Python module. Isolated itself (multi-phase init, heap
// types, per-interpreter GIL supported), so every interpreter of a pool can import it.
//   create/destroy/run_string/call  interpreters of owngil.h, from Python
//   RawQueue                        a bounded blocking queue of bytes shared by all interpreters
//   Buffer                          memory shared by all interpreters without copying
//   TaskQueue                       a pool's queue of tasks for its worker threads (one interpreter)
//   Slots                           which of a pool's interpreters are free for a thread to run in
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "owngil.h"

namespace {

// ---- shared objects: process-wide, reached by handle from any interpreter --------------------

template <typename T>
class Registry {
 public:
  uint64_t add(const std::shared_ptr<T>& object) {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t handle = next_++;
    objects_[handle] = object;
    return handle;
  }
  // The entry of an object being destroyed (from its destructor): without it, a process that
  // makes a million Buffers keeps a million dead entries.
  void remove(uint64_t handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    objects_.erase(handle);
  }
  Py_ssize_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<Py_ssize_t>(objects_.size());
  }
  std::shared_ptr<T> find(uint64_t handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = objects_.find(handle);
    if (it == objects_.end()) return nullptr;
    std::shared_ptr<T> object = it->second.lock();
    if (!object) objects_.erase(it);
    return object;
  }

 private:
  std::mutex mutex_;
  std::map<uint64_t, std::weak_ptr<T>> objects_;
  uint64_t next_ = 1;
};

// A payload names Buffers and Queues by handle; while it travels (in a Queue, or as a task's
// result on its way back) the objects it names are held here, so that a sender dropping its own
// object right after sending does not end them before the receiver attached. Plain C++, owned
// by no interpreter: a payload's pins cross with it.
using Pin = std::shared_ptr<void>;
using Pins = std::vector<Pin>;

// Collectors of the pickling going on in this thread (innermost last), whichever interpreter it
// runs in: the reducers of Buffer and Queue pin into the innermost.
thread_local std::vector<Pins*> pin_collectors;

// Collects what is pinned on this thread while it exists (the pickling of one payload).
struct Collecting {
  Pins pins;
  Collecting() { pin_collectors.push_back(&pins); }
  ~Collecting() { pin_collectors.pop_back(); }
};

struct Channel;
struct Block;
Registry<Channel>& channels();
Registry<Block>& blocks();

struct Channel {
  ~Channel() { channels().remove(handle); }
  std::mutex mutex;
  std::condition_variable changed;
  struct Item {
    std::string data;
    Pins pins;  // what it names, alive until taken
  };
  std::deque<Item> items;
  size_t maxsize = 0;  // 0: unbounded
  uint64_t handle = 0;
};

struct Block {
  explicit Block(Py_ssize_t n) : size(n), data(new char[n > 0 ? n : 1]()) {}
  ~Block() { blocks().remove(handle); }
  Py_ssize_t size;
  std::unique_ptr<char[]> data;
  uint64_t handle = 0;
};

// Never destroyed: a Buffer freed after static destructors ran (at process exit) still finds them.
Registry<Channel>& channels() {
  static auto* r = new Registry<Channel>;
  return *r;
}
Registry<Block>& blocks() {
  static auto* r = new Registry<Block>;
  return *r;
}

struct ModuleState {
  PyTypeObject* pins_type;
  PyTypeObject* queue_type;
  PyTypeObject* buffer_type;
  PyTypeObject* task_queue_type;
  PyTypeObject* slots_type;
  PyObject* empty_error;  // queue.Empty / queue.Full of this interpreter
  PyObject* full_error;
};

ModuleState* state_of(PyObject* module) { return static_cast<ModuleState*>(PyModule_GetState(module)); }

struct ModuleState;
PyObject* wrap_pins(ModuleState* st, Pins pins);

// The thread states this thread left to run a task in another interpreter (py_call), innermost
// last: home_call goes back to the innermost for a moment (a task submitting subtasks to its pool).
thread_local std::vector<PyThreadState*> homes;

// ---- interpreters --------------------------------------------------------------------------

PyObject* raise_status(int status, const char* message) {
  PyErr_Format(status == OWNGIL_PYTHON_ERROR ? PyExc_RuntimeError : PyExc_ValueError, "%s",
               message && *message ? message : owngil_status_text(status));
  return nullptr;
}

PyObject* py_create(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"allow_threads", nullptr};
  int allow_threads = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|p", const_cast<char**>(kwlist), &allow_threads)) return nullptr;
  owngil_config config{allow_threads, 0};
  owngil_id id = 0;
  char message[512] = "";
  int status = owngil_create(&config, &id, message, sizeof message);
  if (status != OWNGIL_OK) return raise_status(status, message);
  return PyLong_FromUnsignedLongLong(id);
}

PyObject* py_destroy(PyObject*, PyObject* arg) {
  owngil_id id = PyLong_AsUnsignedLongLong(arg);
  if (PyErr_Occurred()) return nullptr;
  char message[512] = "";
  int status = owngil_destroy(id, message, sizeof message);
  if (status != OWNGIL_OK) return raise_status(status, message);
  Py_RETURN_NONE;
}

PyObject* py_run_string(PyObject*, PyObject* args) {
  unsigned long long id;
  const char* source;
  if (!PyArg_ParseTuple(args, "Ks", &id, &source)) return nullptr;
  std::string code = source;  // the caller's string belongs to the caller's interpreter
  char message[2048] = "";
  int status;
  Py_BEGIN_ALLOW_THREADS
  status = owngil_run(id, code.c_str(), message, sizeof message);
  Py_END_ALLOW_THREADS
  if (status != OWNGIL_OK) return raise_status(status, message);
  Py_RETURN_NONE;
}

// The pending exception as "Type: message", cleared: what crosses back to the calling
// interpreter, where this interpreter's exception object must not go.
std::string take_error_text() {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyObject* text = value ? PyObject_Str(value) : nullptr;
  const char* utf8 = text ? PyUnicode_AsUTF8(text) : nullptr;
  std::string error = std::string(type ? reinterpret_cast<PyTypeObject*>(type)->tp_name : "error") + ": " + (utf8 ? utf8 : "");
  PyErr_Clear();
  Py_XDECREF(text);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  return error;
}

// owngil._worker.execute of the current interpreter, imported once and kept in the interpreter's
// own dict (a borrowed reference; nullptr with an exception on failure).
PyObject* executor_here() {
  PyObject* cache = PyInterpreterState_GetDict(PyInterpreterState_Get());
  if (!cache) {
    PyErr_SetString(PyExc_RuntimeError, "no interpreter dict");
    return nullptr;
  }
  PyObject* execute = PyDict_GetItemString(cache, "owngil._worker.execute");
  if (execute) return execute;
  PyObject* worker = PyImport_ImportModule("owngil._worker");
  execute = worker ? PyObject_GetAttrString(worker, "execute") : nullptr;
  Py_XDECREF(worker);
  int stored = execute ? PyDict_SetItemString(cache, "owngil._worker.execute", execute) : -1;
  Py_XDECREF(execute);  // the dict keeps it
  return stored < 0 ? nullptr : execute;
}

// In the target interpreter: owngil._worker.execute(payload) -> bytes. `payload` is the caller's
// memory, read-only and kept alive by the caller's buffer view: one copy makes it a bytes here.
int execute_there(const char* payload, Py_ssize_t size, std::string* out, std::string* error) {
  PyObject* execute = executor_here();
  PyObject* result = execute ? PyObject_CallFunction(execute, "y#", payload, size) : nullptr;
  if (result && PyBytes_Check(result)) {
    out->assign(PyBytes_AS_STRING(result), PyBytes_GET_SIZE(result));
    Py_DECREF(result);
    return OWNGIL_OK;
  }
  Py_XDECREF(result);
  *error = take_error_text();
  return OWNGIL_PYTHON_ERROR;
}

// call(id, payload) -> (bytes, Pins or None): the calling thread leaves its interpreter (and its
// GIL), enters the target, runs the task there, and comes back. Only bytes cross: objects stay in
// their interpreter; the Buffers and Queues the outcome names are pinned until it is loaded here.
PyObject* py_call(PyObject* module, PyObject* args) {
  unsigned long long id;
  Py_buffer view;
  if (!PyArg_ParseTuple(args, "Ky*", &id, &view)) return nullptr;
  std::string out, error;
  Pins pins;
  int status;
  Py_BEGIN_ALLOW_THREADS
  homes.push_back(_save);
  owngil_guard guard{};
  status = owngil_enter(id, &guard);
  if (status == OWNGIL_OK) {
    {
      Collecting collecting;
      status = execute_there(static_cast<const char*>(view.buf), view.len, &out, &error);
      pins = std::move(collecting.pins);
    }
    owngil_leave(&guard);
  }
  homes.pop_back();
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&view);
  if (status != OWNGIL_OK) return raise_status(status, error.c_str());
  PyObject* data = PyBytes_FromStringAndSize(out.data(), static_cast<Py_ssize_t>(out.size()));
  PyObject* held = data ? wrap_pins(state_of(module), std::move(pins)) : nullptr;
  if (!held) {
    Py_XDECREF(data);
    return nullptr;
  }
  return Py_BuildValue("(NN)", data, held);
}

// In the interpreter the calling thread came from: owngil._home_request(request) -> bytes.
int request_at_home(const std::string& request, std::string* out, std::string* error) {
  PyObject* owngil = PyImport_ImportModule("owngil");
  PyObject* serve = owngil ? PyObject_GetAttrString(owngil, "_home_request") : nullptr;
  Py_XDECREF(owngil);
  PyObject* result =
      serve ? PyObject_CallFunction(serve, "y#", request.data(), static_cast<Py_ssize_t>(request.size())) : nullptr;
  Py_XDECREF(serve);
  if (result && PyBytes_Check(result)) {
    out->assign(PyBytes_AS_STRING(result), PyBytes_GET_SIZE(result));
    Py_DECREF(result);
    return OWNGIL_OK;
  }
  Py_XDECREF(result);
  if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "_home_request did not return bytes");
  *error = take_error_text();
  return OWNGIL_PYTHON_ERROR;
}

// home_call(request: bytes) -> bytes: from a task, owngil._home_request(request) in the
// interpreter whose thread runs the task (the pool's own), with that interpreter's GIL; this
// interpreter's GIL is let go meanwhile, and its thread state is taken up again afterwards. A
// task running there may enter this interpreter again on this thread (a waiting task runs a
// subtask itself), which nests like any call back into Python.
PyObject* py_home_call(PyObject*, PyObject* arg) {
  if (homes.empty()) {
    PyErr_SetString(PyExc_RuntimeError, "not in a task of a pool: no interpreter to go back to");
    return nullptr;
  }
  char* data;
  Py_ssize_t size;
  if (PyBytes_AsStringAndSize(arg, &data, &size) < 0) return nullptr;
  std::string request(data, size), out, error;
  PyThreadState* home = homes.back();
  PyThreadState* here = PyEval_SaveThread();
  PyEval_RestoreThread(home);
  homes.pop_back();  // at home now: a task it runs pushes its own
  int status = request_at_home(request, &out, &error);
  homes.push_back(home);
  PyEval_SaveThread();
  PyEval_RestoreThread(here);
  if (status != OWNGIL_OK) return raise_status(status, error.c_str());
  return PyBytes_FromStringAndSize(out.data(), static_cast<Py_ssize_t>(out.size()));
}

PyObject* py_count(PyObject*, PyObject*) { return PyLong_FromSize_t(owngil_count()); }

PyObject* py_in_main_interpreter(PyObject*, PyObject*) {
  return PyBool_FromLong(PyInterpreterState_Get() == PyInterpreterState_Main());
}

// install_exit_hook(): see owngil_install_exit_hook; nothing outside the main interpreter.
PyObject* py_install_exit_hook(PyObject*, PyObject*) {
  if (PyInterpreterState_Get() == PyInterpreterState_Main() && owngil_install_exit_hook() != OWNGIL_OK)
    return PyErr_Format(PyExc_RuntimeError, "could not register owngil's atexit callback");
  Py_RETURN_NONE;
}

// ---- Python objects that own a C++ object --------------------------------------------------

// Made in tp_new, destroyed in tp_dealloc (with the GIL held).
template <typename T>
struct Owner {
  PyObject_HEAD
  T* impl;
};

template <typename T>
T& impl_of(PyObject* self) {
  return *reinterpret_cast<Owner<T>*>(self)->impl;
}

template <typename T>
PyObject* make_owner(PyTypeObject* type, std::unique_ptr<T> impl) {
  auto* self = reinterpret_cast<Owner<T>*>(type->tp_alloc(type, 0));
  if (!self) return nullptr;
  self->impl = impl.release();
  return reinterpret_cast<PyObject*>(self);
}

template <typename T>
void owner_dealloc(PyObject* self) {
  PyTypeObject* tp = Py_TYPE(self);
  delete reinterpret_cast<Owner<T>*>(self)->impl;
  tp->tp_free(self);
  Py_DECREF(tp);
}

// A share of a process-wide Channel or Block: it lives until the last such Python object, in any
// interpreter, is gone.
template <typename T>
T& shared_of(PyObject* self) {
  return *impl_of<std::shared_ptr<T>>(self);
}

template <typename T>
std::shared_ptr<T> shared_of_any(PyObject* self) {
  return impl_of<std::shared_ptr<T>>(self);
}

template <typename T>
PyObject* wrap_shared(PyTypeObject* type, std::shared_ptr<T> object) {
  return make_owner(type, std::make_unique<std::shared_ptr<T>>(std::move(object)));
}

template <typename T>
PyObject* shared_handle(PyObject* self, void*) {
  return PyLong_FromUnsignedLongLong(shared_of<T>(self).handle);
}

// attach_queue(handle) / attach_buffer(handle): this interpreter's object for a shared one.
template <typename T>
PyObject* attach(Registry<T>& registry, PyTypeObject* type, PyObject* arg, const char* what) {
  uint64_t handle = PyLong_AsUnsignedLongLong(arg);
  if (PyErr_Occurred()) return nullptr;
  std::shared_ptr<T> object = registry.find(handle);
  if (!object)
    return PyErr_Format(PyExc_LookupError, "no %s with handle %llu (all its owners are gone)", what,
                        (unsigned long long)handle);
  return wrap_shared(type, std::move(object));
}

// ---- Pins ----------------------------------------------------------------------------------

PyType_Slot pins_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(owner_dealloc<Pins>)},
    {Py_tp_doc, const_cast<char*>("The Buffers and Queues a payload names, alive while this object is.")},
    {0, nullptr},
};

PyType_Spec pins_spec = {"_owngil.Pins", sizeof(Owner<Pins>), 0,
                         Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION, pins_slots};

ModuleState* state_of_type(PyTypeObject* type) {
  PyObject* module = PyType_GetModule(type);
  return module ? state_of(module) : nullptr;
}

// A Pins object of this interpreter holding `pins`, or None when there are none.
PyObject* wrap_pins(ModuleState* st, Pins pins) {
  if (pins.empty()) Py_RETURN_NONE;
  return make_owner(st->pins_type, std::make_unique<Pins>(std::move(pins)));
}

// pin(obj): a Buffer or RawQueue being pickled stays alive with the payload (see Pins).
PyObject* py_pin(PyObject* module, PyObject* obj) {
  ModuleState* st = state_of(module);
  if (pin_collectors.empty()) Py_RETURN_NONE;
  if (Py_IS_TYPE(obj, st->buffer_type))
    pin_collectors.back()->push_back(shared_of_any<Block>(obj));
  else if (Py_IS_TYPE(obj, st->queue_type))
    pin_collectors.back()->push_back(shared_of_any<Channel>(obj));
  else
    return PyErr_Format(PyExc_TypeError, "pin: not a Buffer or RawQueue: %R", obj);
  Py_RETURN_NONE;
}

// pinned(fn, arg) -> (fn(arg), Pins or None): the objects fn's pickling named, held.
PyObject* py_pinned(PyObject* module, PyObject* args) {
  PyObject *fn, *arg;
  if (!PyArg_ParseTuple(args, "OO", &fn, &arg)) return nullptr;
  Pins pins;
  PyObject* result;
  {
    Collecting collecting;
    result = PyObject_CallOneArg(fn, arg);
    pins = std::move(collecting.pins);
  }
  if (!result) return nullptr;
  PyObject* held = wrap_pins(state_of(module), std::move(pins));
  if (!held) {
    Py_DECREF(result);
    return nullptr;
  }
  return Py_BuildValue("(NN)", result, held);
}

// ---- RawQueue ------------------------------------------------------------------------------

PyObject* queue_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"maxsize", nullptr};
  Py_ssize_t maxsize = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|n", const_cast<char**>(kwlist), &maxsize)) return nullptr;
  auto channel = std::make_shared<Channel>();
  channel->maxsize = maxsize > 0 ? static_cast<size_t>(maxsize) : 0;
  channel->handle = channels().add(channel);
  return wrap_shared(type, std::move(channel));
}

// Waits (without the GIL) until ready() or the timeout; false on timeout. Signals are checked
// every 50 ms so Ctrl-C still works in the main thread.
template <typename Ready>
int wait_for(Channel& c, std::unique_lock<std::mutex>& lock, double timeout, Ready ready) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout < 0 ? 0 : timeout);
  while (!ready()) {
    if (timeout >= 0 && std::chrono::steady_clock::now() >= deadline) return 0;
    auto slice = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    auto until = timeout >= 0 && deadline < slice ? deadline : slice;
    PyThreadState* ts = PyEval_SaveThread();
    c.changed.wait_until(lock, until);
    lock.unlock();  // never hold the channel lock while waiting for the GIL
    PyEval_RestoreThread(ts);
    if (PyErr_CheckSignals() < 0) return -1;
    lock.lock();
  }
  return 1;
}

// The timeout argument of put/get as queue.Queue takes it: None waits for ever (-1 here), a
// negative number is a ValueError (it used to wait for ever), not-blocking is 0.
bool parse_timeout(PyObject* timeout_obj, int block, double* timeout) {
  if (!block) {
    *timeout = 0;
    return true;
  }
  if (timeout_obj == Py_None) {
    *timeout = -1;
    return true;
  }
  *timeout = PyFloat_AsDouble(timeout_obj);
  if (*timeout == -1 && PyErr_Occurred()) return false;
  if (*timeout < 0 || *timeout != *timeout) {
    PyErr_SetString(PyExc_ValueError, "'timeout' must be a non-negative number");
    return false;
  }
  return true;
}

PyObject* queue_module_error(PyObject* self, bool full) {
  PyObject* module = PyType_GetModule(Py_TYPE(self));
  ModuleState* st = module ? state_of(module) : nullptr;
  if (st) PyErr_SetNone(full ? st->full_error : st->empty_error);
  return nullptr;
}

// put(item: bytes, block=True, timeout=None, pins=None): pins (from pinned()) travel with the item.
PyObject* queue_put(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"item", "block", "timeout", "pins", nullptr};
  Py_buffer view;
  int block = 1;
  PyObject* timeout_obj = Py_None;
  PyObject* pins_obj = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|pOO", const_cast<char**>(kwlist), &view, &block, &timeout_obj,
                                   &pins_obj))
    return nullptr;
  ModuleState* st = state_of_type(Py_TYPE(self));
  if (pins_obj != Py_None && (!st || !Py_IS_TYPE(pins_obj, st->pins_type))) {
    PyBuffer_Release(&view);
    return PyErr_Format(PyExc_TypeError, "pins must be None or from pinned()");
  }
  double timeout;
  if (!parse_timeout(timeout_obj, block, &timeout)) {
    PyBuffer_Release(&view);
    return nullptr;
  }
  std::string item(static_cast<const char*>(view.buf), view.len);
  PyBuffer_Release(&view);
  Channel& c = shared_of<Channel>(self);
  std::unique_lock<std::mutex> lock(c.mutex);
  int ok = wait_for(c, lock, timeout, [&] { return c.maxsize == 0 || c.items.size() < c.maxsize; });
  if (ok < 0) return nullptr;
  if (ok == 0) return queue_module_error(self, true);
  c.items.push_back({std::move(item), pins_obj == Py_None ? Pins() : impl_of<Pins>(pins_obj)});
  c.changed.notify_all();
  Py_RETURN_NONE;
}

// get(block=True, timeout=None) -> (bytes, Pins or None): keep the pins until the bytes are loaded.
PyObject* queue_get(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"block", "timeout", nullptr};
  int block = 1;
  PyObject* timeout_obj = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|pO", const_cast<char**>(kwlist), &block, &timeout_obj)) return nullptr;
  double timeout;
  if (!parse_timeout(timeout_obj, block, &timeout)) return nullptr;
  Channel& c = shared_of<Channel>(self);
  std::unique_lock<std::mutex> lock(c.mutex);
  int ok = wait_for(c, lock, timeout, [&] { return !c.items.empty(); });
  if (ok < 0) return nullptr;
  if (ok == 0) return queue_module_error(self, false);
  Channel::Item item = std::move(c.items.front());
  c.items.pop_front();
  c.changed.notify_all();
  lock.unlock();
  ModuleState* st = state_of_type(Py_TYPE(self));
  if (!st) return nullptr;
  PyObject* data = PyBytes_FromStringAndSize(item.data.data(), static_cast<Py_ssize_t>(item.data.size()));
  PyObject* held = data ? wrap_pins(st, std::move(item.pins)) : nullptr;
  if (!held) {
    Py_XDECREF(data);
    return nullptr;
  }
  return Py_BuildValue("(NN)", data, held);
}

PyObject* queue_qsize(PyObject* self, PyObject*) {
  Channel& c = shared_of<Channel>(self);
  std::lock_guard<std::mutex> lock(c.mutex);
  return PyLong_FromSize_t(c.items.size());
}

PyObject* queue_maxsize(PyObject* self, void*) {
  return PyLong_FromSize_t(shared_of<Channel>(self).maxsize);
}

PyMethodDef queue_methods[] = {
    {"put", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(queue_put)), METH_VARARGS | METH_KEYWORDS,
     "put(item: bytes, block=True, timeout=None, pins=None)"},
    {"get", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(queue_get)), METH_VARARGS | METH_KEYWORDS,
     "get(block=True, timeout=None) -> (bytes, Pins or None)"},
    {"qsize", queue_qsize, METH_NOARGS, "Items waiting now."},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef queue_getset[] = {
    {"handle", shared_handle<Channel>, nullptr, "Names the queue in every interpreter (see attach_queue).", nullptr},
    {"maxsize", queue_maxsize, nullptr, "0: unbounded.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot queue_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(queue_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(owner_dealloc<std::shared_ptr<Channel>>)},
    {Py_tp_methods, queue_methods},
    {Py_tp_getset, queue_getset},
    {Py_tp_doc, const_cast<char*>("RawQueue(maxsize=0): a queue of bytes shared by every interpreter.")},
    {0, nullptr},
};

PyType_Spec queue_spec = {"_owngil.RawQueue", sizeof(Owner<std::shared_ptr<Channel>>), 0,
                          Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, queue_slots};

// ---- Buffer --------------------------------------------------------------------------------

PyObject* buffer_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"size", nullptr};
  Py_ssize_t size;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "n", const_cast<char**>(kwlist), &size)) return nullptr;
  if (size < 0) {
    PyErr_SetString(PyExc_ValueError, "size must be >= 0");
    return nullptr;
  }
  std::shared_ptr<Block> block;
  try {
    block = std::make_shared<Block>(size);
  } catch (const std::bad_alloc&) {
    return PyErr_NoMemory();
  }
  block->handle = blocks().add(block);
  return wrap_shared(type, std::move(block));
}

int buffer_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  Block& b = shared_of<Block>(self);
  return PyBuffer_FillInfo(view, self, b.data.get(), b.size, 0, flags);
}

Py_ssize_t buffer_length(PyObject* self) { return shared_of<Block>(self).size; }

PyGetSetDef buffer_getset[] = {
    {"handle", shared_handle<Block>, nullptr, "Names the memory in every interpreter (see attach_buffer).", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot buffer_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(buffer_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(owner_dealloc<std::shared_ptr<Block>>)},
    {Py_tp_getset, buffer_getset},
    {Py_bf_getbuffer, reinterpret_cast<void*>(buffer_getbuffer)},
    {Py_sq_length, reinterpret_cast<void*>(buffer_length)},
    {Py_tp_doc, const_cast<char*>("Buffer(size): zeroed memory that every interpreter can see without copying.")},
    {0, nullptr},
};

PyType_Spec buffer_spec = {"_owngil.Buffer", sizeof(Owner<std::shared_ptr<Block>>), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
                           buffer_slots};

// ---- TaskQueue -----------------------------------------------------------------------------

// The queue between a pool's submitting threads and its worker threads, all in one interpreter.
// Taking an item out of it is what decides who runs a task: a worker (get) or a thread waiting for
// the task's result (remove). A worker woken for a task that was removed meanwhile finds the queue
// empty and sleeps again without taking the GIL, so it never holds up the thread that ran it.
struct TaskQueue {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<PyObject*> items;  // strong references, changed under mutex and the GIL

  ~TaskQueue() {  // with the GIL: from tp_dealloc
    for (PyObject* item : items) Py_DECREF(item);
  }
};

// Locks held only for a few list operations: a thread that finds it taken (a worker just woken,
// checking the queue) spins rather than sleeping: waking up again costs several µs on a VM
// (bench/wake_latency.cpp).
std::unique_lock<std::mutex> lock_briefly_held(std::mutex& mutex) {
  for (int attempt = 0; attempt < 2000; ++attempt) {
    if (mutex.try_lock()) return std::unique_lock<std::mutex>(mutex, std::adopt_lock);
    std::this_thread::yield();
  }
  return std::unique_lock<std::mutex>(mutex);
}

PyObject* task_queue_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  if (PyTuple_GET_SIZE(args) != 0 || (kwargs && PyDict_GET_SIZE(kwargs) != 0)) {
    PyErr_SetString(PyExc_TypeError, "TaskQueue() takes no arguments");
    return nullptr;
  }
  return make_owner(type, std::make_unique<TaskQueue>());
}

PyObject* task_queue_put(PyObject* self, PyObject* item) {
  TaskQueue& q = impl_of<TaskQueue>(self);
  {
    auto lock = lock_briefly_held(q.mutex);
    q.items.push_back(Py_NewRef(item));
  }
  q.changed.notify_one();
  Py_RETURN_NONE;
}

// get() -> the oldest item, waiting for one without the GIL.
PyObject* task_queue_get(PyObject* self, PyObject*) {
  TaskQueue& q = impl_of<TaskQueue>(self);
  PyObject* item;
  Py_BEGIN_ALLOW_THREADS
  {  // the lock ends before the GIL is taken again: remove() takes them in the other order
    std::unique_lock<std::mutex> lock(q.mutex);
    q.changed.wait(lock, [&] { return !q.items.empty(); });
    item = q.items.front();
    q.items.pop_front();
  }
  Py_END_ALLOW_THREADS
  return item;  // the queue's reference passes to the caller
}

// take_nowait() -> the oldest item, or raises IndexError when there is none (no waiting).
PyObject* task_queue_take_nowait(PyObject* self, PyObject*) {
  TaskQueue& q = impl_of<TaskQueue>(self);
  PyObject* item = nullptr;
  {
    auto lock = lock_briefly_held(q.mutex);
    if (!q.items.empty()) {
      item = q.items.front();
      q.items.pop_front();
    }
  }
  if (!item) PyErr_SetString(PyExc_IndexError, "no task waiting");
  return item;
}

// remove(item) -> True if it was still waiting (the caller now owns running it), else False.
PyObject* task_queue_remove(PyObject* self, PyObject* item) {
  TaskQueue& q = impl_of<TaskQueue>(self);
  bool found = false;
  {
    auto lock = lock_briefly_held(q.mutex);
    auto it = std::find(q.items.begin(), q.items.end(), item);
    found = it != q.items.end();
    if (found) q.items.erase(it);
  }
  if (found) Py_DECREF(item);
  return PyBool_FromLong(found);
}

// take_all() -> list of every waiting item, oldest first; the queue is empty afterwards.
PyObject* task_queue_take_all(PyObject* self, PyObject*) {
  TaskQueue& q = impl_of<TaskQueue>(self);
  std::vector<PyObject*> taken;
  {
    auto lock = lock_briefly_held(q.mutex);
    taken.assign(q.items.begin(), q.items.end());
    q.items.clear();
  }
  PyObject* list = PyList_New(static_cast<Py_ssize_t>(taken.size()));
  for (size_t i = 0; i < taken.size(); ++i) {
    if (list) PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), taken[i]);
    else Py_DECREF(taken[i]);
  }
  return list;
}

PyMethodDef task_queue_methods[] = {
    {"put", task_queue_put, METH_O, "put(item): append, wake one waiting get()"},
    {"get", task_queue_get, METH_NOARGS, "get() -> the oldest item, blocking until there is one"},
    {"remove", task_queue_remove, METH_O, "remove(item) -> True if it was waiting and is now taken out"},
    {"take_nowait", task_queue_take_nowait, METH_NOARGS, "take_nowait() -> the oldest item; IndexError if none"},
    {"take_all", task_queue_take_all, METH_NOARGS, "take_all() -> every waiting item, oldest first"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot task_queue_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(task_queue_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(owner_dealloc<TaskQueue>)},
    {Py_tp_methods, task_queue_methods},
    {Py_tp_doc, const_cast<char*>("TaskQueue(): FIFO of a pool's tasks for its worker threads, in one interpreter.")},
    {0, nullptr},
};

PyType_Spec task_queue_spec = {"_owngil.TaskQueue", sizeof(Owner<TaskQueue>), 0,
                               Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, task_queue_slots};

// ---- Slots ---------------------------------------------------------------------------------

// A pool's interpreters, by index, each used by one thread at a time: a worker thread running a
// task, or a thread running one itself (Pool.call, a result() that finds its task still waiting).
// Any thread may run in any free interpreter, so a worker never waits for the one a caller
// borrowed while another is free. A retired slot (its interpreter is gone) is never handed out.
constexpr char kFree = 0, kTaken = 1, kRetired = 2;

// Every slot becomes an OS thread and an interpreter of a few MB, so a pool of more than 65,536
// cannot start on any machine; refusing it up front is a ValueError instead of an allocation
// that sanitizers (and some allocators) turn into an abort.
constexpr Py_ssize_t kMaxInterpreters = 1 << 16;

struct Slots {
  explicit Slots(size_t count) : state(count, kFree) {}
  std::mutex mutex;
  std::condition_variable freed;
  std::vector<char> state;  // kFree, kTaken, kRetired
};

PyObject* slots_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"count", nullptr};
  Py_ssize_t count;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "n", const_cast<char**>(kwlist), &count)) return nullptr;
  if (count < 0 || count > kMaxInterpreters) {
    PyErr_Format(PyExc_ValueError, "count must be between 0 and %zd", kMaxInterpreters);
    return nullptr;
  }
  try {
    return make_owner(type, std::make_unique<Slots>(static_cast<size_t>(count)));
  } catch (const std::bad_alloc&) {  // Pool(2**40): a MemoryError, not an abort
    return PyErr_NoMemory();
  } catch (const std::length_error&) {
    return PyErr_NoMemory();
  }
}

// Index of a free slot, or -1 (all taken or retired).
Py_ssize_t first_free(const std::vector<char>& state) {
  for (size_t i = 0; i < state.size(); ++i)
    if (state[i] == kFree) return static_cast<Py_ssize_t>(i);
  return -1;
}

bool all_retired(const std::vector<char>& state) {
  for (char s : state)
    if (s != kRetired) return false;
  return true;
}

// Marks the first free slot taken and returns its index, or -1. With sl.mutex held.
Py_ssize_t take_first_free(Slots& sl) {
  Py_ssize_t index = first_free(sl.state);
  if (index >= 0) sl.state[index] = kTaken;
  return index;
}

// take(block) -> index of a free slot, now taken by the caller; None when none is free and
// block is false, or when every slot is retired.
PyObject* slots_take(PyObject* self, PyObject* arg) {
  int block = PyObject_IsTrue(arg);
  if (block < 0) return nullptr;
  Slots& sl = impl_of<Slots>(self);
  Py_ssize_t index;
  {
    auto lock = lock_briefly_held(sl.mutex);
    index = take_first_free(sl);
  }
  if (index < 0 && block) {
    Py_BEGIN_ALLOW_THREADS
    {  // the lock ends before the GIL is taken again
      std::unique_lock<std::mutex> lock(sl.mutex);
      sl.freed.wait(lock, [&] { return first_free(sl.state) >= 0 || all_retired(sl.state); });
      index = take_first_free(sl);
    }
    Py_END_ALLOW_THREADS
  }
  if (index < 0) Py_RETURN_NONE;
  return PyLong_FromSsize_t(index);
}

Py_ssize_t slot_index(Slots& sl, PyObject* arg) {
  Py_ssize_t index = PyLong_AsSsize_t(arg);
  if (index == -1 && PyErr_Occurred()) return -1;
  if (index < 0 || static_cast<size_t>(index) >= sl.state.size()) {
    PyErr_Format(PyExc_IndexError, "no slot %zd", index);
    return -1;
  }
  return index;
}

// give(index): the caller is done with that slot.
PyObject* slots_give(PyObject* self, PyObject* arg) {
  Slots& sl = impl_of<Slots>(self);
  Py_ssize_t index = slot_index(sl, arg);
  if (index < 0) return nullptr;
  {
    auto lock = lock_briefly_held(sl.mutex);
    if (sl.state[index] != kTaken) return PyErr_Format(PyExc_RuntimeError, "slot %zd is not taken", index);
    sl.state[index] = kFree;
  }
  sl.freed.notify_all();
  Py_RETURN_NONE;
}

// retire(index): wait until no thread uses that slot, then take it out for good.
PyObject* slots_retire(PyObject* self, PyObject* arg) {
  Slots& sl = impl_of<Slots>(self);
  Py_ssize_t index = slot_index(sl, arg);
  if (index < 0) return nullptr;
  Py_BEGIN_ALLOW_THREADS
  {
    std::unique_lock<std::mutex> lock(sl.mutex);
    sl.freed.wait(lock, [&] { return sl.state[index] != kTaken; });
    sl.state[index] = kRetired;
  }
  Py_END_ALLOW_THREADS
  sl.freed.notify_all();  // a take() waiting with every slot now retired returns None
  Py_RETURN_NONE;
}

PyMethodDef slots_methods[] = {
    {"take", slots_take, METH_O, "take(block) -> index of a free slot, now yours; None if none (and not block)"},
    {"give", slots_give, METH_O, "give(index): free the slot again"},
    {"retire", slots_retire, METH_O, "retire(index): wait until it is free, then never hand it out again"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot slots_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(slots_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(owner_dealloc<Slots>)},
    {Py_tp_methods, slots_methods},
    {Py_tp_doc, const_cast<char*>("Slots(count): which of a pool's interpreters are free, for threads to take and give back.")},
    {0, nullptr},
};

PyType_Spec slots_spec = {"_owngil.Slots", sizeof(Owner<Slots>), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
                          slots_slots};

PyObject* py_registry_sizes(PyObject*, PyObject*) {
  return Py_BuildValue("(nn)", channels().size(), blocks().size());
}

PyObject* py_attach_queue(PyObject* module, PyObject* arg) {
  return attach(channels(), state_of(module)->queue_type, arg, "queue");
}

PyObject* py_attach_buffer(PyObject* module, PyObject* arg) {
  return attach(blocks(), state_of(module)->buffer_type, arg, "buffer");
}

// ---- module --------------------------------------------------------------------------------

PyMethodDef module_methods[] = {
    {"create", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(py_create)), METH_VARARGS | METH_KEYWORDS,
     "create(allow_threads=True) -> id of a new own-GIL interpreter"},
    {"destroy", py_destroy, METH_O, "destroy(id): wait for threads inside, then end it"},
    {"run_string", py_run_string, METH_VARARGS, "run_string(id, source): run code in its __main__"},
    {"call", py_call, METH_VARARGS,
     "call(id, payload: bytes) -> (bytes, Pins or None): owngil._worker.execute(payload) there"},
    {"pin", py_pin, METH_O, "pin(obj): a Buffer or RawQueue being pickled travels alive with its payload"},
    {"pinned", py_pinned, METH_VARARGS, "pinned(fn, arg) -> (fn(arg), Pins or None)"},
    {"registry_sizes", py_registry_sizes, METH_NOARGS, "registry_sizes() -> (queues, buffers) known by handle"},
    {"count", py_count, METH_NOARGS, "count() -> interpreters alive"},
    {"home_call", py_home_call, METH_O, "home_call(request: bytes) -> bytes: owngil._home_request in the pool's interpreter"},
    {"in_main_interpreter", py_in_main_interpreter, METH_NOARGS, "in_main_interpreter() -> bool"},
    {"install_exit_hook", py_install_exit_hook, METH_NOARGS,
     "install_exit_hook(): destroy every interpreter still alive at exit (atexit, main interpreter)"},
    {"attach_queue", py_attach_queue, METH_O, "attach_queue(handle) -> RawQueue"},
    {"attach_buffer", py_attach_buffer, METH_O, "attach_buffer(handle) -> Buffer"},
    {nullptr, nullptr, 0, nullptr},
};

// The heap type of `spec`, added to the module; nullptr with an exception on failure.
PyTypeObject* add_type(PyObject* module, PyType_Spec* spec) {
  auto* type = reinterpret_cast<PyTypeObject*>(PyType_FromModuleAndSpec(module, spec, nullptr));
  if (type && PyModule_AddType(module, type) < 0) Py_CLEAR(type);
  return type;
}

int module_exec(PyObject* module) {
  ModuleState* st = state_of(module);
  if (!(st->pins_type = add_type(module, &pins_spec)) || !(st->queue_type = add_type(module, &queue_spec)) || !(st->buffer_type = add_type(module, &buffer_spec)) ||
      !(st->task_queue_type = add_type(module, &task_queue_spec)) || !(st->slots_type = add_type(module, &slots_spec)))
    return -1;
  PyObject* queue = PyImport_ImportModule("queue");
  if (!queue) return -1;
  st->empty_error = PyObject_GetAttrString(queue, "Empty");
  st->full_error = PyObject_GetAttrString(queue, "Full");
  Py_DECREF(queue);
  if (!st->empty_error || !st->full_error) return -1;
  return PyModule_AddIntConstant(module, "MAX_INTERPRETERS", kMaxInterpreters);
}

int module_traverse(PyObject* module, visitproc visit, void* arg) {
  ModuleState* st = state_of(module);
  Py_VISIT(st->pins_type);
  Py_VISIT(st->queue_type);
  Py_VISIT(st->buffer_type);
  Py_VISIT(st->task_queue_type);
  Py_VISIT(st->slots_type);
  Py_VISIT(st->empty_error);
  Py_VISIT(st->full_error);
  return 0;
}

int module_clear(PyObject* module) {
  ModuleState* st = state_of(module);
  Py_CLEAR(st->pins_type);
  Py_CLEAR(st->queue_type);
  Py_CLEAR(st->buffer_type);
  Py_CLEAR(st->task_queue_type);
  Py_CLEAR(st->slots_type);
  Py_CLEAR(st->empty_error);
  Py_CLEAR(st->full_error);
  return 0;
}

void module_free(void* module) { module_clear(static_cast<PyObject*>(module)); }

PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, reinterpret_cast<void*>(module_exec)},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, nullptr},
};

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_owngil", "Native half of owngil: interpreters, queues, shared buffers.",
    sizeof(ModuleState), module_methods, module_slots, module_traverse, module_clear, module_free,
};

}  // namespace

PyMODINIT_FUNC PyInit__owngil(void) { return PyModuleDef_Init(&module_def); }
