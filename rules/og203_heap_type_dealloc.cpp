// OG203: a heap type's tp_dealloc that frees the instance but not its reference to the type. The
// type (and with it the module) then never dies: a leak per interpreter.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG203", "heap-type-dealloc", Severity::Warning, false,
                         "heap type's tp_dealloc does not release the reference to its type"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const TypeSpec& spec : m.type_specs) {
    const SlotTable* slots = m.type_slots(spec.slots, spec.loc.file);
    if (!slots) continue;
    for (const SlotEntry& e : slots->entries) {
      if (e.id != kTpDealloc || !m.function(e.value, spec.loc.file)) continue;
      bool releases = false;
      for (const std::string& fn : m.reachable_from({e.value}))
        if (const Function* f = m.function(fn, spec.loc.file)) releases |= f->releases_type;
      if (releases) continue;
      out.push_back(finding(kInfo, e.loc,
                            "tp_dealloc '" + e.value + "' of heap type '" + spec.name +
                                "' does not release its type: end it with Py_DECREF(tp) where "
                                "tp = Py_TYPE(self) was read before freeing",
                            spec.name));
    }
  }
  return out;
}

}  // namespace

Rule heap_type_dealloc() { return {kInfo, check}; }

}  // namespace owngil::rules
