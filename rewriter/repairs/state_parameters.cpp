// Helpers that need the state receive it as a new first parameter, in their definition and
// every prototype, and every call from a function of the plan passes it on.
#include "repair.h"

namespace owngil {
namespace {

void add_first_parameter(const RepairContext& ctx, RepairResult& out, const std::string& file, unsigned at,
                         bool void_params, bool has_params, const std::string& param) {
  if (void_params && ctx.text(file).compare(at, 4, "void") == 0)
    out.edit(file, at, at + 4, param);
  else
    out.insert(file, at, has_params ? param + ", " : param, "OG101");
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
      out.insert(fp.function->loc.file, c.call->args_begin, c.call->has_args ? args + ", " : args, "OG101");
    }
  }
}

}  // namespace owngil
