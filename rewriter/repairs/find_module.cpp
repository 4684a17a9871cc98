// OG302: `PyState_FindModule(&def)` becomes the module at hand; registering with
// PyState_AddModule goes (multi-phase modules cannot be registered that way).
#include "repair.h"

namespace owngil {

void repair_find_module(const RepairContext& ctx, RepairResult& out) {
  for (const ModuleLookup& l : ctx.plan.module_lookups) {
    if (l.module.empty()) {
      out.remove(ctx.text(l.call->statement.file), l.call->statement);
      out.repaired.insert("OG302");
    } else {
      out.replace(l.call->range, l.module, "OG302");
    }
  }
}

}  // namespace owngil
