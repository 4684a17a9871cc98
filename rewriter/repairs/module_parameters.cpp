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
    } else {  // `T *Py_UNUSED(name)`: the macro goes, the declared type stays
      std::string decl = ctx.text(p.range.file).substr(p.range.begin, p.range.end - p.range.begin);
      size_t at = decl.find("Py_UNUSED(");
      size_t close = at == std::string::npos ? at : decl.find(')', at);
      if (close == std::string::npos) out.edit(p.range.file, p.range.begin, p.range.end, "PyObject *" + n.name);
      else out.edit(p.range.file, static_cast<unsigned>(p.range.begin + at), static_cast<unsigned>(p.range.begin + close + 1), n.name);
    }
  }
}

}  // namespace owngil
