#include "helpers.h"

#include <catch2/catch.hpp>

std::vector<owngil::Finding> findings_of(const std::string& rule, const std::string& code, const std::string& file) {
  REQUIRE(owngil::find_rule(rule) != nullptr);
  owngil::Model m = owngil::analyze_snippet(code, file);
  return owngil::run_rules(m, {rule});
}

std::string isolated_module(const std::string& body, const std::string& extra_slots) {
  return "#include <Python.h>\n" + body +
         "\nstatic PyModuleDef_Slot snip_slots[] = {\n" + extra_slots +
         "    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},\n    {0, NULL}};\n"
         "static struct PyModuleDef snip_def = {PyModuleDef_HEAD_INIT, .m_name = \"snip\", .m_size = 0,\n"
         "    .m_slots = snip_slots};\n"
         "PyMODINIT_FUNC PyInit_snip(void) { return PyModuleDef_Init(&snip_def); }\n";
}
