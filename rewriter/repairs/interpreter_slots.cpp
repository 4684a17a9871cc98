// OG002 on a multi-phase module: its slot table declares per-interpreter GIL support (the
// existing slot corrected, or a new one), and Py_mod_gil beside it.
#include "repair.h"

namespace owngil {

constexpr int kModMultipleInterpretersSlot = 3, kModGilSlot = 4;

void repair_interpreter_slots(const RepairContext& ctx, RepairResult& out) {
  const PortPlan& plan = ctx.plan;
  if (!plan.declare_support) return;
  if (!plan.new_slot_table.empty()) {  // the module had none: a table right before its definition
    const SourceRange& decl = plan.def->decl;
    const std::string& src = ctx.text(decl.file);
    FileStyle st = style_of(decl.file, src);
    out.insert(decl.file, static_cast<unsigned>(line_start(src, decl.begin)),
               "static PyModuleDef_Slot " + plan.new_slot_table + "[] = {\n" +
                   interpreter_slot_lines(st.indent, true, true, plan.declares_no_gil) + st.indent + "{0, NULL},\n};\n\n",
               "OG002");
    return;
  }
  const SlotTable& table = *ctx.model.module_slots(plan.def->slots, plan.def->loc.file);
  const SlotEntry* existing = nullptr;
  bool has_gil = false;
  for (const SlotEntry& e : table.entries) {
    if (e.id == kModMultipleInterpretersSlot) existing = &e;
    has_gil |= e.id == kModGilSlot;
  }
  if (existing) out.replace(existing->value_range, "Py_MOD_PER_INTERPRETER_GIL_SUPPORTED", "OG002");
  if (existing && has_gil) return;
  const std::string& src = ctx.text(table.sentinel.file);
  FileStyle st = style_of(table.sentinel.file, src);
  size_t start = line_start(src, table.sentinel.begin);
  bool own_line = only_whitespace(src, start, table.sentinel.begin);
  std::string indent = own_line ? src.substr(start, table.sentinel.begin - start) : st.indent;
  std::string lines = interpreter_slot_lines(indent, !existing, !has_gil, plan.declares_no_gil);
  if (own_line)
    out.insert(table.sentinel.file, static_cast<unsigned>(start), lines, "OG002");
  else  // a one-line table: directives need lines of their own
    out.insert(table.sentinel.file, table.sentinel.begin, "\n" + lines + st.indent, "OG002");
}

}  // namespace owngil
