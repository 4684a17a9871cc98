// Functions that reach the state from something they are given fetch it as their first
// statement: exec functions and module-level functions from their module, functions of a
// converted type from their object's type (PyType_GetModuleByDef walks the MRO, so instances of
// Python subclasses work too).
#include "repair.h"

namespace owngil {
namespace {

// A class method's first parameter is the class; declared as PyObject * it needs a cast.
std::string as_type(const RepairContext& ctx, const Function& f, const std::string& self) {
  const SourceRange& r = f.params[0].range;
  bool typed = ctx.text(r.file).compare(r.begin, 12, "PyTypeObject") == 0;
  return typed ? self : "(PyTypeObject *)" + self;
}

void fetch_from_module(const RepairContext& ctx, const FunctionPlan& fp, RepairResult& out) {
  const Function& f = *fp.function;
  FileStyle st = style_of(f.loc.file, ctx.text(f.loc.file));
  out.insert(f.range.file, f.body_begin,
             "\n" + st.indent + ctx.plan.state_type + " *" + ctx.plan.var + " = " + ctx.plan.getter + "(" + fp.module + ");",
             "OG101");
}

void fetch_from_type(const RepairContext& ctx, const FunctionPlan& fp, RepairResult& out) {
  const PortPlan& plan = ctx.plan;
  const Function& f = *fp.function;
  const std::string& self = fp.module;
  FileStyle st = style_of(f.loc.file, ctx.text(f.loc.file));
  const std::string& in = st.indent;
  std::string on_failure = in + in + "return " + failure_value(f.return_type) + ";\n";
  // A void slot (tp_dealloc, tp_finalize) cannot report it; an instance of the module's own type
  // always finds its module, so this only guards against a broken invariant, without crashing.
  if (f.return_type == "void" && fp.type_access == TypeAccess::Self)
    on_failure = in + in + "PyErr_WriteUnraisable((PyObject *)" + self + ");\n" + in + in + "return;\n";
  std::string fetch;
  if (fp.type_access == TypeAccess::Either)
    fetch = plan.helper("state_of_operands") + "(" + as_object(ctx, f.params[0], self) + ", " +
            as_object(ctx, f.params[1], f.params[1].name) + ")";
  else
    fetch = plan.helper("state_of_type") + "(" +
            (fp.type_access == TypeAccess::TypeParam ? as_type(ctx, f, self) : "Py_TYPE(" + self + ")") + ")";
  out.insert(f.range.file, f.body_begin,
             "\n" + in + plan.state_type + " *" + plan.var + " = " + fetch + ";\n" + in + "if (" + plan.var + " == NULL) {\n" +
                 on_failure + in + "}",
             "OG201");
}

}  // namespace

void repair_state_fetch(const RepairContext& ctx, RepairResult& out) {
  for (const auto& [name, fp] : ctx.plan.functions) {
    if (fp.access == StateAccess::ModuleArgument) fetch_from_module(ctx, fp, out);
    if (fp.access == StateAccess::TypeOfSelf) fetch_from_type(ctx, fp, out);
  }
}

}  // namespace owngil
