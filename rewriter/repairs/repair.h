// What every repair shares: its input (the model, the plan, the sources) and its output (edits,
// refusals, the rules it repairs, new files). A repair is one function of one file in this
// folder; it reads the plan and the sources, never another repair's output. The driver
// (rewriter/fix_driver.cpp) runs them in the order of kRepairs and merges what they return.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../format.h"
#include "../plan.h"

namespace owngil {

struct RepairContext {
  const Model& model;
  const PortPlan& plan;
  std::function<const std::string&(const std::string&)> text;  // a file of the tree, as it is now
  std::function<bool(const std::string&)> exists;              // a file of the tree exists
};

struct RepairResult {
  std::vector<Edit> edits;
  std::vector<Refusal> refusals;
  std::set<std::string> repaired;                 // rule ids
  std::map<std::string, std::string> new_files;   // root-relative path -> text

  void insert(const std::string& file, unsigned at, std::string what, const std::string& rule);
  void replace(const SourceRange& r, std::string with, const std::string& rule);
  void edit(const std::string& file, unsigned begin, unsigned end, std::string with);  // repairs no rule by itself
  void remove(const std::string& text, const SourceRange& r);  // the statement, with its lines (removal_of)
  void refuse(const SourceLoc& loc, std::string reason);
};

using Repair = void (*)(const RepairContext&, RepairResult&);

// Every repair, in the order their edits are merged: where two insert at the same byte, the
// earlier one's text comes first.
extern const std::vector<Repair> kRepairs;

void repair_module_parameters(const RepairContext&, RepairResult&);  // module_parameters.cpp
void repair_state_fetch(const RepairContext&, RepairResult&);        // state_fetch.cpp
void repair_state_parameters(const RepairContext&, RepairResult&);   // state_parameters.cpp
void repair_defining_class(const RepairContext&, RepairResult&);     // defining_class.cpp
void repair_compat_header(const RepairContext&, RepairResult&);      // compat_header.cpp
void repair_state_struct(const RepairContext&, RepairResult&);       // state_struct.cpp
void repair_heap_types(const RepairContext&, RepairResult&);         // heap_types.cpp
void repair_gc_allocation(const RepairContext&, RepairResult&);      // gc_allocation.cpp
void repair_moved_globals(const RepairContext&, RepairResult&);      // moved_globals.cpp
void repair_module_aliases(const RepairContext&, RepairResult&);     // module_aliases.cpp
void repair_find_module(const RepairContext&, RepairResult&);        // find_module.cpp
void repair_thread_handoff(const RepairContext&, RepairResult&);     // thread_handoff.cpp
void repair_init_to_exec(const RepairContext&, RepairResult&);       // init_to_exec.cpp
void repair_interpreter_slots(const RepairContext&, RepairResult&);  // interpreter_slots.cpp
void repair_def_fields(const RepairContext&, RepairResult&);         // def_fields.cpp

// The Py_mod_multiple_interpreters and Py_mod_gil rows of a slot table, each under #ifdef so
// older Pythons still compile (init_to_exec and interpreter_slots both write them).
std::string interpreter_slot_lines(const std::string& indent, bool multiple, bool gil, bool gil_not_used);

// A parameter declared as some object struct (`ViewObject *self`) passed where PyObject * goes.
std::string as_object(const RepairContext& ctx, const Param& p, const std::string& name);

}  // namespace owngil
