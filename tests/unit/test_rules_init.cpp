// OG001, OG002, OG003: how the module is initialized.
#include <catch2/catch.hpp>

#include "helpers.h"

TEST_CASE("OG001 reports single-phase init at PyInit with a note at PyModule_Create", "[OG001]") {
  auto f = findings_of("OG001", R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, 0, NULL};
PyMODINIT_FUNC PyInit_m(void) {
    return PyModule_Create(&d);
})");
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.line == 3);
  CHECK(f[0].module == "m");
  CHECK(f[0].severity == owngil::Severity::Error);
  REQUIRE(f[0].notes.size() == 1);
  CHECK(f[0].notes[0].loc.line == 4);
}

TEST_CASE("OG001 is silent on multi-phase init", "[OG001]") {
  CHECK(findings_of("OG001", isolated_module("")).empty());
}

TEST_CASE("OG002 reports a multi-phase module without the slot", "[OG002]") {
  auto f = findings_of("OG002", R"(#include <Python.h>
static int ex(PyObject *m) { (void)m; return 0; }
static PyModuleDef_Slot s[] = {{Py_mod_exec, ex}, {0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, .m_name = "m", .m_slots = s};
PyMODINIT_FUNC PyInit_m(void) { return PyModuleDef_Init(&d); })");
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.line == 3);
  CHECK(f[0].message.find("no Py_mod_multiple_interpreters") != std::string::npos);
}

TEST_CASE("OG002 reports NOT_SUPPORTED and SUPPORTED, accepts PER_INTERPRETER_GIL_SUPPORTED", "[OG002]") {
  for (const char* value : {"Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED", "Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED"}) {
    std::string code = std::string(R"(#include <Python.h>
static PyModuleDef_Slot s[] = {{Py_mod_multiple_interpreters, )") + value + R"(}, {0, NULL}};
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, .m_name = "m", .m_slots = s};
PyMODINIT_FUNC PyInit_m(void) { return PyModuleDef_Init(&d); })";
    auto f = findings_of("OG002", code);
    REQUIRE(f.size() == 1);
    CHECK(f[0].loc.line == 2);
  }
  CHECK(findings_of("OG002", isolated_module("")).empty());
}

TEST_CASE("OG003 reports m_size -1 at the m_size initializer", "[OG003]") {
  auto f = findings_of("OG003", R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL,
    -1, NULL};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&d); })");
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.line == 3);
  CHECK(f[0].symbol == "d");
  CHECK(findings_of("OG003", isolated_module("")).empty());
}

TEST_CASE("OG001 follows PyInit into the helper that creates the module", "[OG001]") {
  auto f = findings_of("OG001", R"(#include <Python.h>
static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m", NULL, -1, NULL};
static PyObject *moduleinit(void) {
    PyObject *m = PyModule_Create(&d);
    return m;
}
PyMODINIT_FUNC PyInit_m(void) { return moduleinit(); })");
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.line == 7);
  REQUIRE(f[0].notes.size() == 1);
  CHECK(f[0].notes[0].loc.line == 4);
}
