// The first parameter of a function that now reads it (the module of an exec function or method,
// the object of a slot) gets a name when it had none or was Py_UNUSED.
#include "repair.h"

namespace owngil {

void repair_module_parameters(const RepairContext& ctx, RepairResult& out) {
  for (const NamedParameter& n : ctx.plan.named_parameters) {
    const Param& p = n.function->params[0];
    if (p.name.empty()) {
      const std::string& src = ctx.text(p.range.file);
      bool after_star = p.range.end > 0 && src[p.range.end - 1] == '*';
      out.insert(p.range.file, p.range.end, after_star ? n.name : " " + n.name, n.rule);
    } else {  // Py_UNUSED(module)
      out.edit(p.range.file, p.range.begin, p.range.end, "PyObject *" + n.name);
    }
  }
}

}  // namespace owngil
