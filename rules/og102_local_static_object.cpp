// OG102: `static PyObject *cache` inside a function: a lazily created object (an interned string, an
// imported callable) that the first interpreter creates and every other one then uses.
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG102", "local-static-object", Severity::Error, true,
                         "a function-local static caches a Python object across interpreters"};

Finding pointer_finding(const Global& g) {
  Finding f = finding(kInfo, g.loc,
                      "static local '" + g.name + "' in '" + g.function +
                          "' caches a Python object: the first interpreter creates it and the others use it; "
                          "keep it in the module state",
                      g.function + "::" + g.name);
  if (const GlobalUse* w = first_use(g, UseKind::Write)) f.notes.push_back({w->loc, "filled here"});
  note_macro_uses(g, f);
  return f;
}

// `static struct { PyObject *a, *b; } cache;` in a function: the same cache, in members.
Finding aggregate_finding(const Global& g) {
  Finding f = finding(kInfo, g.loc,
                      "static local '" + g.name + "' in '" + g.function + "' caches Python objects in " +
                          quoted_object_fields(g) + ": the first interpreter creates them and the others use them; "
                          "keep them in the module state",
                      g.function + "::" + g.name);
  mark_aggregate_manual(g, f);
  return f;
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const Global& g : m.globals) {
    if (g.storage != Storage::FunctionStatic) continue;
    if (g.kind == GlobalKind::ObjectPointer) out.push_back(pointer_finding(g));
    else if (is_object_aggregate(g)) out.push_back(aggregate_finding(g));
  }
  for (const InactiveSite& s : inactive_definitions(m, GlobalKind::ObjectPointer, /*in_function=*/true))
    out.push_back(inactive_finding(kInfo, m, s, "static local '" + s.def->name + "' in '" + s.function + "'",
                                   "caches a Python object for every interpreter"));
  return out;
}

}  // namespace

Rule local_static_object() { return {kInfo, check}; }

}  // namespace owngil::rules
