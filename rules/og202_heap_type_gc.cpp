// OG202: a heap type whose instances are not tracked by the GC, or whose tp_traverse does not visit
// the type. Every instance of a heap type holds a strong reference to its type; without GC support
// that cycle (type -> module -> state -> type) is never collected.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG202", "heap-type-gc", Severity::Warning, false,
                         "heap type without GC support, or whose traverse does not visit its type"};

const SlotEntry* slot(const SlotTable* t, int id) {
  if (t)
    for (const SlotEntry& e : t->entries)
      if (e.id == id) return &e;
  return nullptr;
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const TypeSpec& spec : m.type_specs) {
    if (!spec.flags) continue;
    const SlotTable* slots = m.type_slots(spec.slots, spec.loc.file);
    SourceLoc at = spec.flags_loc.valid() ? spec.flags_loc : spec.loc;
    if (!(*spec.flags & kTpFlagsHaveGc)) {
      out.push_back(finding(kInfo, at,
                            "heap type '" + spec.name + "' lacks Py_TPFLAGS_HAVE_GC: its instances hold a reference "
                                "to the type, a cycle only the garbage collector can break; add the flag and a "
                                "Py_tp_traverse that visits Py_TYPE(self)",
                            spec.name));
      continue;
    }
    const SlotEntry* traverse = slot(slots, kTpTraverse);
    if (!traverse) continue;  // the inherited traverse visits the type
    std::set<std::string> reach = m.reachable_from({traverse->value});
    bool visits = false;
    for (const std::string& fn : reach)
      if (const Function* f = m.function(fn, spec.loc.file)) visits |= f->visits_type;
    if (visits || !m.function(traverse->value, spec.loc.file)) continue;
    Finding f = finding(kInfo, traverse->loc,
                        "tp_traverse '" + traverse->value + "' of heap type '" + spec.name +
                            "' does not visit the type: add Py_VISIT(Py_TYPE(self))",
                        spec.name);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Rule heap_type_gc() { return {kInfo, check}; }

}  // namespace owngil::rules
