// OG101: a file-level global holding a Python object. Objects belong to one interpreter; a global
// shares them with every interpreter in the process (refcount races, objects freed under another).
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG101", "global-object", Severity::Error, true,
                         "a global variable holds a Python object shared by every interpreter"};

Finding pointer_finding(const Global& g) {
  Finding f = finding(kInfo, g.loc,
                      describe_storage(g) + " '" + g.name + "' (" + g.type +
                          ") holds a Python object shared by every interpreter; move it into the module state",
                      g.name);
  if (const GlobalUse* w = first_use(g, UseKind::Write))
    f.notes.push_back({w->loc, "assigned here" + (w->function.empty() ? "" : " in '" + w->function + "'")});
  note_macro_uses(g, f);
  return f;
}

// A struct, union or array of structs with object members. fix moves single variables only, so the
// finding makes it refuse the module; every use is listed because the port is done by hand.
Finding aggregate_finding(const Global& g) {
  Finding f = finding(kInfo, g.loc,
                      describe_storage(g) + " '" + g.name + "' (" + g.type + ") holds Python objects in " +
                          quoted_object_fields(g) + ", shared by every interpreter; move them into the module state",
                      g.name);
  mark_aggregate_manual(g, f);
  return f;
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const Global& g : m.globals) {
    if (g.storage == Storage::FunctionStatic || !g.is_definition) continue;
    if (g.kind == GlobalKind::ObjectPointer) out.push_back(pointer_finding(g));
    else if (is_object_aggregate(g)) out.push_back(aggregate_finding(g));
  }
  for (const InactiveSite& s : inactive_definitions(m, GlobalKind::ObjectPointer, /*in_function=*/false))
    out.push_back(inactive_finding(kInfo, m, s, std::string(s.def->is_static ? "static global '" : "global '") + s.def->name + "'",
                                   "holds a Python object shared by every interpreter"));
  return out;
}

}  // namespace

Rule global_object() { return {kInfo, check}; }

}  // namespace owngil::rules
