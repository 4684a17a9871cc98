// OG002: a multi-phase module without Py_mod_multiple_interpreters = Py_MOD_PER_INTERPRETER_GIL_SUPPORTED.
// Absent, CPython assumes "supported, but only with a shared GIL" and refuses an own-GIL import.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG002", "multiple-interpreters-slot", Severity::Error, true,
                         "Py_mod_multiple_interpreters is missing or does not allow a per-interpreter GIL"};

std::string problem_with(const SlotEntry& e) {
  if (!e.value_int) return "";  // not a constant: cannot tell
  if (*e.value_int == 0) return "declares Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED";
  if (*e.value_int == 1)
    return "declares Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED, which allows only interpreters that share the main GIL";
  return "";
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const InitFunction& init : m.inits) {
    if (init.style != InitStyle::MultiPhase) continue;  // single-phase is OG001's
    const ModuleDef* def = m.def_of(init);
    if (!def) continue;
    const SlotTable* slots = m.module_slots(def->slots, def->loc.file);
    const SlotEntry* entry = nullptr;
    if (slots)
      for (const SlotEntry& e : slots->entries)
        if (e.id == kModMultipleInterpreters) entry = &e;
    Finding f;
    if (!entry) {
      f = finding(kInfo, slots ? slots->loc : def->loc,
                  "module '" + init.module_name +
                      "' has no Py_mod_multiple_interpreters slot: CPython allows it only in interpreters that "
                      "share the main GIL; add {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED}",
                  def->name);
    } else {
      std::string problem = problem_with(*entry);
      if (problem.empty()) continue;
      f = finding(kInfo, entry->loc, "module '" + init.module_name + "' " + problem, def->name);
    }
    f.module = init.module_name;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Rule multiple_interpreters_slot() { return {kInfo, check}; }

}  // namespace owngil::rules
