// OG001: the single-phase `PyInit_m` becomes the module's exec function (`return NULL` ->
// `return -1`, `return m` -> `return 0`, the module's Py_DECREF on error paths dropped: exec does
// not own the module), a slot table names it, and a new PyInit returns PyModuleDef_Init.
#include "repair.h"

namespace owngil {
namespace {

// `extern "C" PyMODINIT_FUNC PyInit_m(void)` in C++: the exec function is static, the linkage goes.
unsigned head_begin_with_linkage(const std::string& src, unsigned head_begin, bool cxx) {
  const std::string linkage = "extern \"C\"";
  size_t before = src.find_last_not_of(" \t\n", head_begin == 0 ? 0 : head_begin - 1);
  if (cxx && before != std::string::npos && before + 1 >= linkage.size() &&
      src.compare(before + 1 - linkage.size(), linkage.size(), linkage) == 0)
    return static_cast<unsigned>(before + 1 - linkage.size());
  return head_begin;
}

void add_slot_table(const RepairContext& ctx, const FileStyle& st, RepairResult& out) {
  const PortPlan& plan = ctx.plan;
  std::string exec_ref = st.cxx ? "reinterpret_cast<void *>(" + plan.exec + ")" : plan.exec;
  std::string table = "static int " + plan.exec + "(PyObject *module);\n\nstatic PyModuleDef_Slot " + plan.slots +
                      "[] = {\n" + st.indent + "{Py_mod_exec, " + exec_ref + "},\n" +
                      interpreter_slot_lines(st.indent, true, true, plan.declares_no_gil) + st.indent + "{0, NULL},\n};\n\n";
  const SourceRange& decl = plan.def->decl;
  out.insert(decl.file, static_cast<unsigned>(line_start(ctx.text(decl.file), decl.begin)), table, "OG001");
}

}  // namespace

void repair_init_to_exec(const RepairContext& ctx, RepairResult& out) {
  const PortPlan& plan = ctx.plan;
  if (!plan.convert_init) return;
  const InitFunction& init = *plan.init;
  const std::string& src = ctx.text(init.loc.file);
  FileStyle st = style_of(init.loc.file, src);
  add_slot_table(ctx, st, out);

  // The old body, now the exec function.
  std::string head = src.substr(init.head.begin, init.head.end - init.head.begin);
  size_t keep = head.find_last_not_of(" \t\r\n") + 1;  // the space or newline before `{` stays
  bool module_used = !init.module_variable.empty() || plan.init_needs_state;
  const std::string& module = plan.init_module_param;
  std::string param = module_used ? "PyObject *" + module : "PyObject *Py_UNUSED(" + module + ")";
  out.edit(init.head.file, head_begin_with_linkage(src, init.head.begin, st.cxx), static_cast<unsigned>(init.head.begin + keep),
           "static int " + plan.exec + "(" + param + ")");
  bool returns_create = false;
  for (const InitReturn& r : init.returns) returns_create |= r.kind == InitReturnKind::CreateCall;
  if (!returns_create) out.edit(init.create_range.file, init.create_range.begin, init.create_range.end, module);
  for (const InitReturn& r : init.returns)
    out.edit(r.range.file, r.range.begin, r.range.end, r.kind == InitReturnKind::Null ? "return -1;" : "return 0;");
  for (const SourceRange& release : init.module_releases) out.remove(ctx.text(release.file), release);
  for (const Prototype* p : plan.stale_prototypes) out.remove(ctx.text(p->decl.file), p->decl);

  // The new PyInit, after the exec function, in the same brace style.
  bool brace_own_line = head.find('\n', keep) != std::string::npos;
  std::string new_init = "PyMODINIT_FUNC " + init.name + "(void)" + (brace_own_line ? "\n{\n" : " {\n") + st.indent +
                         "return PyModuleDef_Init(&" + plan.def->name + ");\n}";
  if (init.forwarder.valid())  // PyInit only returned the helper's module: it is replaced in place
    out.replace(init.forwarder, new_init, "OG001");
  else
    out.insert(init.whole.file, init.whole.end, "\n\n" + new_init, "OG001");
  out.repaired.insert("OG002");
}

}  // namespace owngil
