// The PyModuleDef fields the plan sets (m_slots, m_size, m_traverse, ...): rewritten where
// written, added after the last one written (designated, or positional with NULL between).
#include <algorithm>
#include <map>

#include "repair.h"

namespace owngil {
namespace {

const std::vector<std::string> kDefFields = {"m_base",  "m_name",     "m_doc",   "m_size", "m_methods",
                                             "m_slots", "m_traverse", "m_clear", "m_free"};

}  // namespace

void repair_def_fields(const RepairContext& ctx, RepairResult& out) {
  const PortPlan& plan = ctx.plan;
  if (plan.def_fields.empty()) return;
  const ModuleDef& def = *plan.def;
  FileStyle st = style_of(def.loc.file, ctx.text(def.loc.file));
  std::map<int, std::string> appended;
  std::string appended_rule;  // (each field's rule is claimed below; the insertion carries the first)
  for (const DefField& f : plan.def_fields) {
    out.repaired.insert(f.rule);
    auto written = def.written_fields.find(f.field);
    if (written != def.written_fields.end()) {
      out.replace(written->second, f.value, f.rule);
      continue;
    }
    appended[static_cast<int>(std::find(kDefFields.begin(), kDefFields.end(), f.field) - kDefFields.begin())] = f.value;
    if (appended_rule.empty()) appended_rule = f.rule;
  }
  if (appended.empty()) return;
  std::string text_to_add;
  if (def.designated) {
    for (const auto& [index, value] : appended) text_to_add += ",\n" + st.indent + "." + kDefFields[index] + " = " + value;
  } else {
    for (int i = def.last_written_index + 1; i <= appended.rbegin()->first; ++i)
      text_to_add += ", " + (appended.count(i) ? appended[i] : std::string("NULL"));
  }
  out.insert(def.last_written.file, def.last_written.end, text_to_add, appended_rule);
}

}  // namespace owngil
