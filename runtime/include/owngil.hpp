// owngil.hpp: RAII for C++ hosts: one own-GIL interpreter per object, usable from any thread.
//
//   Py_Initialize(); PyThreadState *main = PyEval_SaveThread();   // the host lets go of the main GIL
//   std::vector<std::thread> threads;
//   for (int i = 0; i < 4; ++i)
//     threads.emplace_back([] { owngil::Interpreter vm; vm.run("x = sum(range(10**6))"); });
#pragma once

#include <stdexcept>
#include <string>

#include "owngil.h"

namespace owngil {

class Error : public std::runtime_error {
 public:
  Error(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Attached to the interpreter for the scope's life (the PyGILState_Ensure replacement).
class Enter {
 public:
  explicit Enter(owngil_id id) {
    int status = owngil_enter(id, &guard_);
    if (status != OWNGIL_OK) throw Error(status, owngil_status_text(status));
  }
  ~Enter() { owngil_leave(&guard_); }
  Enter(const Enter&) = delete;
  Enter& operator=(const Enter&) = delete;

 private:
  owngil_guard guard_{};
};

class Interpreter {
 public:
  explicit Interpreter(const owngil_config* config = nullptr) {
    char message[512] = "";
    int status = owngil_create(config, &id_, message, sizeof message);
    if (status != OWNGIL_OK) throw Error(status, message);
  }
  ~Interpreter() {
    if (id_) owngil_destroy(id_, nullptr, 0);
  }
  Interpreter(Interpreter&& other) noexcept : id_(other.id_) { other.id_ = 0; }
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  owngil_id id() const { return id_; }

  // Runs source code; a Python exception becomes owngil::Error with "Type: message".
  void run(const std::string& source) {
    char message[1024] = "";
    int status = owngil_run(id_, source.c_str(), message, sizeof message);
    if (status != OWNGIL_OK) throw Error(status, message);
  }

 private:
  owngil_id id_ = 0;
};

}  // namespace owngil
