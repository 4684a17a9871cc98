// OG201: a static PyTypeObject. One type object is shared by every interpreter (its refcount, its
// dict, its subclasses list), and its methods cannot reach the module state.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG201", "static-type", Severity::Error, true,
                         "a static PyTypeObject is shared by every interpreter"};

const Global* global_named(const Model& m, const StaticType& t) {
  for (const Global& g : m.globals)
    if (g.name == t.name && g.loc.file == t.loc.file) return &g;
  return nullptr;
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const StaticType& t : m.static_types) {
    std::string what = t.tp_name.empty() ? "" : " ('" + t.tp_name + "')";
    Finding f = finding(kInfo, t.loc,
                        "static type '" + t.name + "'" + what +
                            " is shared by every interpreter; make it a heap type (PyType_Spec + "
                            "PyType_FromModuleAndSpec) stored in the module state",
                        t.name);
    for (const CallSite& site : calls_to(m, {"PyStructSequence_InitType", "PyStructSequence_InitType2"}))
      if (site.call->loc.file == t.loc.file && !t.initialized) {
        f.notes.push_back({site.call->loc, "a struct sequence type: create it with PyStructSequence_NewType instead"});
        break;
      }
    if (const Global* g = global_named(m, t)) note_macro_uses(*g, f);
    out.push_back(std::move(f));
  }
  for (const InactiveSite& s : inactive_definitions(m, GlobalKind::TypeObject, /*in_function=*/false))
    out.push_back(inactive_finding(kInfo, m, s, "static type '" + s.def->name + "'", "is shared by every interpreter"));
  return out;
}

}  // namespace

Rule static_type() { return {kInfo, check}; }

}  // namespace owngil::rules
