// The planner: computes one module's PortPlan. Its parts live in plan.cpp (findings, init, slots,
// PyState_FindModule, PyModuleDef fields), plan_state.cpp (globals into the state, who needs it and
// how each function gets it, where the struct goes), plan_references.cpp (who owns each reference
// the state holds) and plan_types.cpp (static types into heap types).
#pragma once

#include "plan.h"

namespace owngil {

class Planner {
 public:
  Planner(const Model& model, const Module& module, const SourceReader& read, MethodState method_state);
  PortPlan run(const std::vector<Finding>& findings, const std::set<std::string>& rules);

 private:
  // plan.cpp
  void refuse(const SourceLoc& loc, std::string reason);
  void refuse_unless_repairable(const Finding& f, const std::set<std::string>& rules);
  void refuse_what_did_not_compile();
  const std::string& text(const std::string& file);
  bool name_taken(const std::string& n) const;
  std::string fresh_name(const std::string& wanted) const;
  std::string helper(const std::string& kind);
  bool declares_no_gil() const;
  void plan_init();
  void plan_interpreter_slots();
  void plan_find_module();

  // plan_threads.cpp
  void plan_thread_handoffs();
  void wrap_thread_start(const Call& c);
  void plan_thread_code(const Function& f);
  std::string what_follows_release(const Function& f);
  const Call* library_call_inside(const Function& f, const Call& ensure);
  void check_def_fields();
  std::string exec_parameter_name() const;
  std::set<std::string> exec_functions() const;
  std::set<std::string> module_level_functions() const;
  const Function* module_function(const std::string& name) const;
  const Function* module_function_from(const std::string& name, const std::string& file) const;
  void refuse_helpers_releasing_the_module();
  std::string other_module_sharing(const std::string& file) const;
  std::string module_parameter(const Function& f, const char* rule);

  // plan_state.cpp
  std::vector<const Global*> state_globals(const std::vector<const Finding*>& mine, const std::set<std::string>& rules) const;
  void plan_state(const std::vector<const Global*>& globals);
  void check_global(const Global& g, const std::vector<const Global*>& globals, std::set<std::string>* direct,
                    std::set<std::string>* files);
  const GlobalUse* holds_the_module(const Global& g) const;
  bool is_module_write(const GlobalUse& u) const;
  std::vector<const Global*> plan_module_aliases(const std::vector<const Global*>& globals);
  bool plan_alias_use(const Global& g, const GlobalUse& u, ModuleAlias& alias);
  std::string shared_macro_problem(const std::string& macro, const std::string& file) const;
  bool macro_body_rewritable(const GlobalUse& u, const Global& g);
  bool macro_call_rewritable(const Call& c);
  std::string used_in_initializer(const Global& g, const GlobalUse& u) const;
  bool inside_converted_type(const GlobalUse& u) const;
  std::set<std::string> functions_needing_state(const std::set<std::string>& direct);
  bool is_entry(const std::string& f) const;
  void refuse_functions_sharing_a_name(const std::set<std::string>& needs);
  std::map<const Global*, std::string> member_names(const std::vector<const Global*>& globals);
  void choose_state_variable(const std::set<std::string>& needs);
  void plan_access(const std::string& name, const std::set<std::string>& needs, std::set<std::string>* files);
  void plan_fetch_from_type(FunctionPlan& fp);
  void check_direct_calls(const Function& f);
  void plan_state_parameter(FunctionPlan& fp, const std::string& entry_table = "");
  std::string chain_to_state(const std::string& function) const;
  void place_state_struct(const std::set<std::string>& needs, const std::set<std::string>& files);
  bool place_in_single_unit(const std::set<std::string>& needs, const std::set<std::string>& files);
  bool place_in_shared_header(const std::set<std::string>& files, const std::set<std::string>& receivers);
  void plan_hooks();
  // plan_references.cpp
  std::vector<const GlobalUse*> releases_of(const Global& g);
  std::vector<const GlobalUse*> borrowed_writes(const Global& g);
  std::vector<const Call*> stolen_references(const Global& g);
  bool sole_macro_argument(const GlobalUse& u, const Global& g, const std::set<std::string>& macros);
  std::string replaceable_free(const std::vector<const Global*>& globals) const;

  // plan_types.cpp
  const StaticType* static_type_of(const Global& g) const;
  void find_readying_helpers(const std::vector<const Global*>& globals);
  bool prepare_heap_type(const Global& g, const std::vector<const Global*>& globals);
  const SourceLoc* module_subclass_evidence(const Global& g, const StaticType& t);
  std::string module_subclass_advice(const Global& g) const;
  bool fold_run_time_fields(const Global& g, StaticType* type, std::set<const GlobalUse*>* folded);
  const Global* global_named(const std::string& name) const;
  void plan_defining_class(FunctionPlan& fp);
  bool defining_class_row(FunctionPlan& fp) const;
  void check_type_uses(ConvertedType& t);
  void plan_type_helpers();
  void plan_type_duties();
  void plan_metatype_statement(ConvertedType& t, const GlobalUse& u);

  const Model& model_;
  const Module& module_;
  const SourceReader& read_;
  PortPlan plan_;
  std::map<std::string, std::string> texts_;
  std::vector<const Global*> moving_;               // the globals the state takes (types too)
  std::map<std::string, std::string> reached_through_;  // function -> "uses 'g'" or "calls 'helper'"
  std::map<std::string, TypeAccess> type_access_;      // functions of converted types -> how they find the type
  std::set<std::string> module_methods_;
  std::set<std::string> checked_direct_calls_;  // module-level functions whose C callers were checked
  std::map<std::string, std::string> module_params_;  // function key -> its first parameter's name
  // Built once (the model is large, and these are asked for every function): the module's
  // functions by name (the first in model order), and every call of the module's files by callee.
  std::map<std::string, const Function*> module_functions_;
  std::map<std::string, std::vector<std::pair<const Function*, const Call*>>> module_calls_to_;
  std::string size_rule_;
};

}  // namespace owngil
