#include "rule_helpers.h"

#include <set>

#include <algorithm>

namespace owngil::rules {

void note_macro_uses(const Global& g, Finding& f) {
  std::set<std::string> noted;
  for (const GlobalUse& u : g.uses) {
    if (u.macro.empty() || !noted.insert(u.macro).second) continue;
    if (u.macro_in_tree && u.spelling.valid()) {
      f.notes.push_back({u.loc, "used in the body of macro '" + u.macro +
                                    "' (defined in this tree): fix rewrites the body when every expansion can reach "
                                    "the module state"});
      continue;
    }
    if (u.name_pasted)
      f.notes.push_back({u.loc, "its name is pasted together (##) by macro '" + u.macro +
                                    "': no one place in the source spells it, so fix cannot rewrite it; port this use by hand"});
    else
      f.notes.push_back({u.loc, "used inside the expansion of macro '" + u.macro +
                                    "', defined outside this tree: fix cannot rewrite it there, port this use by hand"});
    if (f.fixable) f.manual_because = f.notes.back();
    f.fixable = false;
  }
}

const GlobalUse* first_use(const Global& g, UseKind kind) {
  for (const GlobalUse& u : g.uses)
    if (u.kind == kind) return &u;
  return nullptr;
}

std::vector<CallSite> calls_to(const Model& m, const std::vector<std::string>& names) {
  std::vector<CallSite> out;
  for (const Function& f : m.functions)
    for (const Call& c : f.calls)
      if (std::find(names.begin(), names.end(), c.callee) != names.end()) out.push_back({&f, &c});
  return out;
}

std::string describe_storage(const Global& g) {
  switch (g.storage) {
    case Storage::FileStatic: return "static global";
    case Storage::FunctionStatic: return "function-local static";
    case Storage::External: return "global";
  }
  return "global";
}

}  // namespace owngil::rules
