// OG101: a file-level global holding a Python object. Objects belong to one interpreter; a global
// shares them with every interpreter in the process (refcount races, objects freed under another).
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG101", "global-object", Severity::Error, true,
                         "a global variable holds a Python object shared by every interpreter"};

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const Global& g : m.globals) {
    if (g.kind != GlobalKind::ObjectPointer || g.storage == Storage::FunctionStatic || !g.is_definition) continue;
    Finding f = finding(kInfo, g.loc,
                        describe_storage(g) + " '" + g.name + "' (" + g.type +
                            ") holds a Python object shared by every interpreter; move it into the module state",
                        g.name);
    if (const GlobalUse* w = first_use(g, UseKind::Write))
      f.notes.push_back({w->loc, "assigned here" + (w->function.empty() ? "" : " in '" + w->function + "'")});
    note_macro_uses(g, f);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Rule global_object() { return {kInfo, check}; }

}  // namespace owngil::rules
