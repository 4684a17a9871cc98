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

bool is_object_aggregate(const Global& g) { return g.kind == GlobalKind::CData && !g.object_fields.empty(); }

std::string quoted_object_fields(const Global& g) {
  std::string out;
  for (const std::string& p : g.object_fields) out += (out.empty() ? "'" : ", '") + p + "'";
  return out;
}

void mark_aggregate_manual(const Global& g, Finding& f) {
  f.fixable = false;
  f.manual_because = Note{g.loc, "move it into the module state by hand: fix does not move aggregates yet"};
  note_every_use(g, f);
}

void note_every_use(const Global& g, Finding& f) {
  std::set<SourceLoc> seen;  // `Py_XSETREF(g.x, v)` reads, takes and writes at one place: one note
  for (const GlobalUse& u : g.uses) {
    if (!seen.insert(u.loc).second) continue;
    const char* what = u.kind == UseKind::Write ? "written here" : u.kind == UseKind::AddressOf ? "address taken here" : "read here";
    f.notes.push_back({u.loc, what + (u.function.empty() ? std::string(" in an initializer") : " in '" + u.function + "'")});
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
