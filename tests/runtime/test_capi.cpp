// The C and C++ APIs of owngil.h/owngil.hpp in an embedding host: Python initialized once, the
// main thread detached (as a host's worker threads would be), then interpreters from many threads.
#define CATCH_CONFIG_RUNNER
#include <Python.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "owngil.h"
#include "owngil.hpp"

namespace {

std::string run_in(owngil_id id, const std::string& code, int* status = nullptr) {
  char message[1024] = "";
  int s = owngil_run(id, code.c_str(), message, sizeof message);
  if (status) *status = s;
  return message;
}

}  // namespace

TEST_CASE("an interpreter is created, runs code, reports errors and is destroyed", "[capi]") {
  size_t before = owngil_count();
  owngil_id id = 0;
  char message[256] = "";
  REQUIRE(owngil_create(nullptr, &id, message, sizeof message) == OWNGIL_OK);
  CHECK(owngil_count() == before + 1);
  int status = -1;
  run_in(id, "x = 6 * 7", &status);
  CHECK(status == OWNGIL_OK);
  CHECK(run_in(id, "assert x == 42", &status).empty());
  CHECK(status == OWNGIL_OK);
  CHECK(run_in(id, "1 / 0", &status) == "ZeroDivisionError: division by zero");
  CHECK(status == OWNGIL_PYTHON_ERROR);
  CHECK(owngil_destroy(id, message, sizeof message) == OWNGIL_OK);
  CHECK(owngil_count() == before);
}

TEST_CASE("a gone interpreter gives a clear status, not a crash", "[capi]") {
  owngil_id id = 0;
  REQUIRE(owngil_create(nullptr, &id, nullptr, 0) == OWNGIL_OK);
  REQUIRE(owngil_destroy(id, nullptr, 0) == OWNGIL_OK);
  owngil_guard guard{};
  CHECK(owngil_enter(id, &guard) == OWNGIL_GONE);
  CHECK(owngil_destroy(id, nullptr, 0) == OWNGIL_GONE);
  CHECK(owngil_enter(123456789, &guard) == OWNGIL_GONE);
  int status = -1;
  run_in(id, "pass", &status);
  CHECK(status == OWNGIL_GONE);
}

TEST_CASE("interpreters are isolated from each other", "[capi]") {
  owngil::Interpreter a, b;
  a.run("value = 'a'");
  b.run("value = 'b'");
  a.run("assert value == 'a'");
  b.run("assert value == 'b'");
  CHECK(a.id() != b.id());
}

TEST_CASE("many native threads enter one interpreter; every update lands", "[capi]") {
  owngil::Interpreter vm;
  vm.run("counter = 0");
  constexpr int kThreads = 8, kRounds = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        owngil_guard guard{};
        if (owngil_enter(vm.id(), &guard) != OWNGIL_OK) {
          failures++;
          continue;
        }
        // PyGILState_Ensure here would attach to the main interpreter instead.
        if (PyRun_SimpleString("import __main__; __main__.counter += 1") != 0) failures++;
        owngil_leave(&guard);
      }
    });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  vm.run("assert counter == " + std::to_string(kThreads * kRounds) + ", counter");
}

TEST_CASE("each C++ thread runs Python in its own interpreter at the same time", "[cpp]") {
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> done{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      owngil::Interpreter vm;
      vm.run("total = sum(i * i for i in range(200000))\nname = 'vm" + std::to_string(t) + "'");
      vm.run("assert total == 2666646666700000 and name == 'vm" + std::to_string(t) + "'");
      done++;
    });
  for (auto& t : threads) t.join();
  CHECK(done == kThreads);
}

TEST_CASE("enter nests on the same thread, and leave restores the previous interpreter", "[capi]") {
  owngil::Interpreter outer, inner;
  outer.run("where = 'outer'");
  inner.run("where = 'inner'");
  owngil::Enter in_outer(outer.id());
  {
    owngil::Enter again(outer.id());  // nested: nothing to switch
    CHECK(PyRun_SimpleString("assert where == 'outer'") == 0);
    owngil::Enter in_inner(inner.id());
    CHECK(PyRun_SimpleString("assert where == 'inner'") == 0);
  }
  CHECK(PyRun_SimpleString("assert where == 'outer'") == 0);
}

TEST_CASE("destroy waits for threads inside and turns new ones away", "[capi]") {
  owngil_id id = 0;
  REQUIRE(owngil_create(nullptr, &id, nullptr, 0) == OWNGIL_OK);
  std::atomic<bool> inside{false}, left{false};
  std::thread worker([&] {
    owngil_guard guard{};
    REQUIRE(owngil_enter(id, &guard) == OWNGIL_OK);
    inside = true;
    PyRun_SimpleString("import time; time.sleep(0.2)");  // releases this interpreter's GIL
    left = true;
    owngil_leave(&guard);
  });
  while (!inside) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::atomic<int> late_status{-1};
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    owngil_guard guard{};
    int s = owngil_enter(id, &guard);  // closing (or gone): never inside a dying interpreter
    if (s == OWNGIL_OK) owngil_leave(&guard);
    late_status = s;
  });
  CHECK(owngil_destroy(id, nullptr, 0) == OWNGIL_OK);
  CHECK(left);  // destroy returned only after the worker left
  worker.join();
  late.join();
  CHECK((late_status == OWNGIL_CLOSING || late_status == OWNGIL_GONE));
}

TEST_CASE("destroy from a thread inside that interpreter is refused, nested too", "[capi]") {
  owngil::Interpreter outer, inner;
  char message[256] = "";
  {
    owngil::Enter in_outer(outer.id());
    CHECK(owngil_destroy(outer.id(), message, sizeof message) == OWNGIL_FAILED);
    owngil::Enter in_inner(inner.id());  // this thread is still inside `outer`, beneath
    message[0] = 0;
    CHECK(owngil_destroy(outer.id(), message, sizeof message) == OWNGIL_FAILED);  // used to wait for itself
    CHECK(std::string(message).find("from a thread inside it") != std::string::npos);
  }
  outer.run("assert True");  // refused, not half-closed: still usable
}

TEST_CASE("create and destroy cycles leave nothing behind", "[capi]") {
  size_t before = owngil_count();
  for (int i = 0; i < 20; ++i) {
    owngil::Interpreter vm;
    vm.run("import json; json.dumps({'i': " + std::to_string(i) + "})");
  }
  CHECK(owngil_count() == before);
}

TEST_CASE("errors become owngil::Error with the status", "[cpp]") {
  owngil::Interpreter vm;
  try {
    vm.run("raise KeyError('k')");
    FAIL("no exception");
  } catch (const owngil::Error& e) {
    CHECK(e.status() == OWNGIL_PYTHON_ERROR);
    CHECK(std::string(e.what()) == "KeyError: 'k'");
  }
  CHECK_THROWS_AS(owngil::Enter(987654321), owngil::Error);
}

int main(int argc, char** argv) {
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  PyStatus status = PyConfig_SetBytesString(&config, &config.home, OWNGIL_TEST_PYTHON_HOME);
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    std::fprintf(stderr, "cannot start Python from %s: %s\n", OWNGIL_TEST_PYTHON_HOME,
                 status.err_msg ? status.err_msg : "?");
    return 2;
  }
  PyThreadState* main_thread = PyEval_SaveThread();
  int result = Catch::Session().run(argc, argv);
  PyEval_RestoreThread(main_thread);
  // A host that finalizes with interpreters still alive: owngil's atexit callback ends them first
  // (3.12 used to abort: "remaining subinterpreters"; 3.13 to crash in a later owngil_destroy).
  owngil_id left_alive = 0;
  if (owngil_create(nullptr, &left_alive, nullptr, 0) != OWNGIL_OK || run_in(left_alive, "x = 1") != "") return 3;
  if (Py_FinalizeEx() != 0) {
    std::fprintf(stderr, "Py_FinalizeEx failed with an interpreter alive\n");
    return 4;
  }
  if (owngil_count() != 0 || owngil_destroy(left_alive, nullptr, 0) != OWNGIL_GONE) {
    std::fprintf(stderr, "an interpreter alive at Py_FinalizeEx was not destroyed by it\n");
    return 5;
  }
  return result;
}
