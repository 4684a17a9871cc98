// Helpers that need the state receive it as a new first parameter, in their definition and
// every prototype, and every call from a function of the plan passes it on.
#include "repair.h"

namespace owngil {
namespace {

// What follows a new first argument: ", ", or only "," where the list goes on on the next line
// (`f(\n    x)`), so no line ends in a blank.
std::string separator(const std::string& text, unsigned at) {
  return at < text.size() && (text[at] == '\n' || text[at] == '\r') ? "," : ", ";
}

void add_first_parameter(const RepairContext& ctx, RepairResult& out, const std::string& file, unsigned at,
                         bool void_params, bool has_params, const std::string& param) {
  if (void_params && ctx.text(file).compare(at, 4, "void") == 0)
    out.edit(file, at, at + 4, param);
  else
    out.insert(file, at, has_params ? param + separator(ctx.text(file), at) : param, "OG101");
}

void pass_state(const RepairContext& ctx, const FunctionPlan& fp, RepairResult& out) {
  const Function& f = *fp.function;
  std::string param = ctx.plan.state_type + " *" + ctx.plan.var + (fp.extra_param.empty() ? "" : ", " + fp.extra_param);
  add_first_parameter(ctx, out, f.range.file, f.params_begin, f.void_params, !f.params.empty(), param);
  for (const Prototype* p : fp.prototypes)
    add_first_parameter(ctx, out, p->file, p->params_begin, p->void_params, p->has_params, param);
}

}  // namespace

void repair_state_parameters(const RepairContext& ctx, RepairResult& out) {
  for (const auto& [name, fp] : ctx.plan.functions) {
    if (fp.access == StateAccess::StateParameter || fp.access == StateAccess::DefiningClass) pass_state(ctx, fp, out);
    for (const StateCall& c : fp.calls) {
      std::string args = ctx.plan.var + (c.with_module ? ", " + c.module : "");
      // A call a macro of the tree spells gets it in the definition; every expansion shares it.
      bool in_macro = !c.call->args_begin;
      const std::string& file = in_macro ? c.call->macro_args.file : fp.function->loc.file;
      unsigned at = in_macro ? c.call->macro_args.begin : c.call->args_begin;
      std::string passed = c.call->has_args ? args + separator(ctx.text(file), at) : args;
      if (in_macro)  // the same edit for each expansion: one replacement of the `(`, deduplicated
        out.replace({file, at - 1, at}, "(" + passed, "OG101");
      else
        out.insert(file, at, passed, "OG101");
    }
  }
}

}  // namespace owngil
