// OG102: `static PyObject *cache` inside a function: a lazily created object (an interned string, an
// imported callable) that the first interpreter creates and every other one then uses.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG102", "local-static-object", Severity::Error, true,
                         "a function-local static caches a Python object across interpreters"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const Global& g : m.globals) {
    if (g.kind != GlobalKind::ObjectPointer || g.storage != Storage::FunctionStatic) continue;
    Finding f = finding(kInfo, g.loc,
                        "static local '" + g.name + "' in '" + g.function +
                            "' caches a Python object: the first interpreter creates it and the others use it; "
                            "keep it in the module state",
                        g.function + "::" + g.name);
    if (const GlobalUse* w = first_use(g, UseKind::Write)) f.notes.push_back({w->loc, "filled here"});
    note_macro_uses(g, f);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Rule local_static_object() { return {kInfo, check}; }

}  // namespace owngil::rules
