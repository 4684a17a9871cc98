// OG101/OG102/OG103: a global that moves into the state loses its declarations, and every use
// reads the state's member instead (in the source, or in the tree's own macro that spells it);
// a release of its object also clears the member, which the state's hooks release otherwise.
#include <cstring>

#include "repair.h"

namespace owngil {

void repair_moved_globals(const RepairContext& ctx, RepairResult& out) {
  for (const MovedGlobal& m : ctx.plan.globals) {
    if (m.is_type) continue;  // heap_types.cpp
    const Global& g = *m.global;
    out.remove(ctx.text(g.decl.file), g.decl);
    for (const SourceRange& r : g.redeclarations) out.remove(ctx.text(r.file), r);
    for (const GlobalUse& u : g.uses) out.replace(u.macro.empty() ? u.range : u.spelling, ctx.plan.var + "->" + m.member, "OG101");
    for (const Call* c : m.stolen_by)
      out.replace({c->range.file, c->range.begin, static_cast<unsigned>(c->range.begin + strlen("PyModule_AddObject"))},
                  "PyModule_AddObjectRef", "OG101");
    for (const GlobalUse* u : m.borrowed_writes) {  // the state owns what it holds
      out.insert(u->assigned_range.file, u->assigned_range.begin, "Py_XNewRef(", "OG101");
      out.insert(u->assigned_range.file, u->assigned_range.end, ")", "OG101");
    }
    for (const GlobalUse* u : m.releases) {  // the name of the macro only: the argument is rewritten above
      const SourceRange& call = u->macro_call_range;
      out.replace({call.file, call.begin, static_cast<unsigned>(call.begin + u->in_macro_call.size())}, "Py_CLEAR", "OG101");
    }
    out.repaired.insert(m.repairs);
  }
}

}  // namespace owngil
