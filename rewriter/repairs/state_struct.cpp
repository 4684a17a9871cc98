// The state struct, its accessor and the helpers the port's code calls (type lookup, type
// creation), and the m_traverse/m_clear/m_free hooks that visit and release its objects.
#include <algorithm>

#include "repair.h"

namespace owngil {
namespace {

std::string type_helpers(const RepairContext& ctx, const FileStyle& st) {
  const PortPlan& plan = ctx.plan;
  const std::string& in = st.indent;
  std::string out;
  if (plan.uses_type_lookup)
    out += "static inline " + plan.state_type + " *" + plan.helper("state_of_type") + "(PyTypeObject *type)\n{\n" + in +
           "PyObject *module = PyType_GetModuleByDef(type, " + (plan.def_ref.empty() ? "&" + plan.def->name : plan.def_ref) +
           ");\n" + in + "return module == NULL ? NULL : " + plan.getter + "(module);\n}\n\n";
  if (plan.uses_operand_lookup)
    out += "/* A binary operator gets the instance on either side. */\nstatic inline " + plan.state_type + " *" +
           plan.helper("state_of_operands") + "(PyObject *a, PyObject *b)\n{\n" + in + plan.state_type + " *st = " +
           plan.helper("state_of_type") + "(Py_TYPE(a));\n" + in + "if (st == NULL) {\n" + in + in + "PyErr_Clear();\n" +
           in + in + "st = " + plan.helper("state_of_type") + "(Py_TYPE(b));\n" + in + "}\n" + in + "return st;\n}\n\n";
  if (!plan.helper("create_type").empty())
    out += "static inline int " + plan.helper("create_type") +
           "(PyObject *module, PyType_Spec *spec, PyTypeObject *base, PyTypeObject **type)\n{\n" + in +
           "*type = (PyTypeObject *)PyType_FromModuleAndSpec(module, spec, (PyObject *)base);\n" + in +
           "return *type == NULL ? -1 : 0;\n}\n\n";
  if (!plan.helper("create_struct_sequence").empty())
    out += "static inline int " + plan.helper("create_struct_sequence") + "(PyStructSequence_Desc *desc, PyTypeObject **type)\n{\n" +
           in + "*type = PyStructSequence_NewType(desc);\n" + in + "return *type == NULL ? -1 : 0;\n}\n\n";
  return out;
}

std::string gc_hooks(const RepairContext& ctx, const FileStyle& st) {
  const PortPlan& plan = ctx.plan;
  auto each = [&](const char* macro) {
    std::string body;
    for (const MovedGlobal& g : plan.globals) {
      if (!g.holds_objects) continue;
      std::string m = "st->" + g.member;
      if (g.global->type.find('[') != std::string::npos)
        body += st.indent + "for (size_t i = 0; i < sizeof(" + m + ") / sizeof(" + m + "[0]); i++) {\n" + st.indent +
                st.indent + macro + "(" + m + "[i]);\n" + st.indent + "}\n";
      else
        body += st.indent + macro + "(" + m + ");\n";
    }
    return body;
  };
  std::string fetch = st.indent + plan.state_type + " *st = " + plan.getter + "(module);\n";
  return "static int " + plan.helper("traverse") + "(PyObject *module, visitproc visit, void *arg)\n{\n" + fetch +
         each("Py_VISIT") + st.indent + "return 0;\n}\n\nstatic int " + plan.helper("clear") + "(PyObject *module)\n{\n" +
         fetch + each("Py_CLEAR") + st.indent + "return 0;\n}\n\nstatic void " + plan.helper("free") + "(void *module)\n{\n" +
         st.indent + "(void)" + plan.helper("clear") + "((PyObject *)module);\n}\n\n";
}

// C++ has no declaration of a static variable that is not its definition: code before the
// PyModuleDef reaches it through a function declared ahead and defined after it.
std::string def_accessor_ahead(const RepairContext& ctx, const FileStyle& st, RepairResult& out) {
  const PortPlan& plan = ctx.plan;
  if (plan.declare_def_ahead) return "static struct PyModuleDef " + plan.def->name + ";\n\n";
  if (plan.def_ref.empty()) return "";
  std::string head = "static PyModuleDef *" + plan.def_ref.substr(0, plan.def_ref.size() - 2) + "(void)";
  out.insert(plan.def->decl.file, plan.def->decl.end,
             "\n\n" + head + "\n{\n" + st.indent + "return &" + plan.def->name + ";\n}", "OG201");
  return head + ";\n\n";
}

}  // namespace

void repair_state_struct(const RepairContext& ctx, RepairResult& out) {
  const PortPlan& plan = ctx.plan;
  if (plan.globals.empty()) return;
  const std::string& src = ctx.text(plan.struct_file);
  FileStyle st = style_of(plan.struct_file, src);
  std::string block = "typedef struct {\n";
  for (const MovedGlobal& g : plan.globals) block += st.indent + g.declaration + ";\n";
  block += "} " + plan.state_type + ";\n\nstatic inline " + plan.state_type + " *" + plan.getter +
           "(PyObject *module)\n{\n" + st.indent + "return (" + plan.state_type + " *)PyModule_GetState(module);\n}\n\n";
  if (!plan.types.empty()) block = def_accessor_ahead(ctx, st, out) + block + type_helpers(ctx, st);
  if (plan.has_objects()) {
    if (!plan.replaced_free.empty())
      for (const Function& f : ctx.model.functions)
        if (f.name == plan.replaced_free && plan.mod->files.count(f.loc.file)) {
          out.remove(ctx.text(f.range.file), f.range);
          break;
        }
    std::string hooks = gc_hooks(ctx, st);
    if (plan.one_file) block += hooks;
    else
      out.insert(plan.def->decl.file, static_cast<unsigned>(line_start(ctx.text(plan.def->decl.file), plan.def->decl.begin)),
                 hooks, "OG101");
  }
  // One blank line after the block: the removed global's own blank line, if it had one, serves.
  // (a removal takes that blank line itself when the global also had one before it).
  unsigned first = plan.struct_at;
  size_t next_line = src.find('\n', first), start = line_start(src, first);
  bool blank_after = next_line != std::string::npos && blank_line_at(src, next_line + 1);
  bool blank_before = blank_line_before(src, start);
  bool global_there = std::any_of(plan.globals.begin(), plan.globals.end(),
                                  [&](const MovedGlobal& g) { return g.global->decl.begin == first; });
  if (blank_after && !(blank_before && global_there)) block.pop_back();
  out.insert(plan.struct_file, static_cast<unsigned>(start), block, "OG101");
}

}  // namespace owngil
