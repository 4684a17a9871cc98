// `owngil fix --explain`: the plan of each module as text and JSON (docs/fix-plan-format.md).
#include <nlohmann/json.hpp>

#include "owngil/fix.h"
#include "plan.h"

namespace owngil {
namespace {

const char* outcome_name(ModuleOutcome o) {
  switch (o) {
    case ModuleOutcome::Ported: return "ported";
    case ModuleOutcome::Refused: return "refused";
    case ModuleOutcome::NothingToFix: return "nothing to fix";
  }
  return "";
}

// How a function gets the state, in words.
std::string access_text(const PortPlan& plan, const FunctionPlan& fp) {
  switch (fp.access) {
    case StateAccess::ModuleArgument: return "from its module '" + fp.module + "' (" + plan.getter + ")";
    case StateAccess::TypeOfSelf:
      return fp.type_access == TypeAccess::TypeParam ? "from its type parameter '" + fp.module + "'"
             : fp.type_access == TypeAccess::Either  ? "from the type of either operand"
                                                      : "from the type of '" + fp.module + "'";
    case StateAccess::DefiningClass: return "from its defining class, through entry point '" + fp.entry_point + "'";
    case StateAccess::StateParameter:
      return "as a new first parameter '" + plan.state_type + " *" + plan.var + "'" +
             (fp.extra_param.empty() ? "" : " (and '" + fp.extra_param + "')") + ", passed by its callers";
  }
  return "";
}

std::string module_text(const ModuleFix& m) {
  const ModulePlan& mp = m.plan;
  std::string out = "module '" + mp.module + "': " + outcome_name(m.outcome) + "\n";
  for (const Refusal& r : mp.refusals) out += "  refused: " + r.loc.to_string() + ": " + r.reason + "\n";
  if (!mp.plan || !mp.plan->init) return out;
  if (!mp.refusals.empty()) out += "  the plan as far as it got, for when those are resolved:\n";
  const PortPlan& p = *mp.plan;
  if (p.convert_init)
    out += "  init: " + p.init->name + " (single-phase) becomes exec function '" + p.exec + "' in slot table '" + p.slots + "'\n";
  if (p.declare_support) out += "  slots: '" + p.def->slots + "' declares Py_MOD_PER_INTERPRETER_GIL_SUPPORTED\n";
  if (!p.globals.empty()) {
    out += "  state: struct '" + p.state_type + "' in " + p.struct_file + ", reached with " + p.getter + "(module)\n";
    for (const MovedGlobal& g : p.globals)
      out += "    " + g.global->loc.to_string() + ": '" + g.global->name + "' -> " + p.var + "->" + g.member + " (" +
             g.declaration + ") [" + g.repairs + "]\n";
  }
  for (const ConvertedType& t : p.types)
    out += "  type: '" + t.global->name + "' -> " + (t.text.spec.empty() ? "struct sequence" : "spec '" + t.text.spec + "'") +
           ", created in exec into " + p.var + "->" + t.global->name + (t.text.adds_gc ? ", becomes GC-tracked" : "") + "\n";
  if (!p.functions.empty()) out += "  functions:\n";
  for (const auto& [name, fp] : p.functions)
    out += "    " + name + ": " + access_text(p, fp) + (fp.why.empty() ? "" : "; " + fp.why) + "\n";
  for (const ModuleLookup& l : p.module_lookups)
    out += "  " + l.call->loc.to_string() + ": " + l.call->callee + (l.module.empty() ? " removed" : " -> " + l.module) + "\n";
  for (const Call* c : p.thread_starts)
    out += "  thread: " + c->loc.to_string() + ": " + c->callee + " -> owngil_" + c->callee + " (records the interpreter)\n";
  for (const ThreadEntry& e : p.thread_entries)
    out += "  thread: " + e.call->loc.to_string() + ": PyGILState_Ensure in '" + e.function->name +
           "' -> owngil_thread_ensure, '" + e.failure + "' when the interpreter is gone\n";
  for (const DefField& f : p.def_fields) out += "  " + p.def->name + "." + f.field + " = " + f.value + "\n";
  return out;
}

nlohmann::json loc_json(const SourceLoc& l) { return {{"file", l.file}, {"line", l.line}, {"column", l.column}}; }

nlohmann::json module_json(const ModuleFix& m) {
  const ModulePlan& mp = m.plan;
  nlohmann::json j = {{"module", mp.module}, {"outcome", outcome_name(m.outcome)}, {"refusals", nlohmann::json::array()}};
  for (const Refusal& r : mp.refusals) {
    nlohmann::json rj = loc_json(r.loc);
    rj["reason"] = r.reason;
    j["refusals"].push_back(rj);
  }
  j["repairs"] = mp.repaired;
  if (!mp.plan || !mp.plan->init) return j;
  const PortPlan& p = *mp.plan;
  if (p.convert_init) j["init"] = {{"function", p.init->name}, {"exec", p.exec}, {"slots", p.slots}};
  j["declares_interpreter_support"] = p.convert_init || p.declare_support;
  if (!p.globals.empty()) {
    nlohmann::json members = nlohmann::json::array();
    for (const MovedGlobal& g : p.globals)
      members.push_back({{"global", g.global->name}, {"location", loc_json(g.global->loc)}, {"member", g.member},
                         {"declaration", g.declaration}, {"holds_objects", g.holds_objects}, {"rule", g.repairs}});
    j["state"] = {{"struct", p.state_type}, {"accessor", p.getter}, {"variable", p.var}, {"file", p.struct_file},
                  {"members", members}};
  }
  j["types"] = nlohmann::json::array();
  for (const ConvertedType& t : p.types)
    j["types"].push_back({{"type", t.global->name}, {"spec", t.text.spec}, {"adds_gc", t.text.adds_gc},
                          {"location", loc_json(t.global->loc)}});
  j["functions"] = nlohmann::json::array();
  for (const auto& [name, fp] : p.functions) {
    nlohmann::json f = {{"name", name}, {"location", loc_json(fp.function->loc)}, {"access", access_name(fp.access)},
                        {"why", fp.why}};
    if (fp.access == StateAccess::TypeOfSelf) f["type_access"] = type_access_name(fp.type_access);
    if (!fp.module.empty()) f["from"] = fp.module;
    if (!fp.entry_point.empty()) f["entry_point"] = fp.entry_point;
    j["functions"].push_back(f);
  }
  j["threads"] = {{"starts", nlohmann::json::array()}, {"entries", nlohmann::json::array()}};
  for (const Call* c : p.thread_starts)
    j["threads"]["starts"].push_back({{"call", c->callee}, {"location", loc_json(c->loc)}});
  for (const ThreadEntry& e : p.thread_entries)
    j["threads"]["entries"].push_back(
        {{"function", e.function->name}, {"location", loc_json(e.call->loc)}, {"on_failure", e.failure}});
  j["generated"] = p.helpers;
  j["module_def_fields"] = nlohmann::json::object();
  for (const DefField& f : p.def_fields) j["module_def_fields"][f.field] = f.value;
  return j;
}

}  // namespace

std::string explain_text(const TreeFix& fix) {
  std::string out;
  for (const ModuleFix& m : fix.modules) out += module_text(m);
  return out;
}

std::string explain_json(const TreeFix& fix) {
  nlohmann::json j = {{"version", 1}, {"modules", nlohmann::json::array()}};
  for (const ModuleFix& m : fix.modules) j["modules"].push_back(module_json(m));
  return j.dump(2) + "\n";
}

}  // namespace owngil
