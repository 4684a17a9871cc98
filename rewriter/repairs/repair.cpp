#include "repair.h"

namespace owngil {

const std::vector<Repair> kRepairs = {
    repair_module_parameters, repair_state_fetch,   repair_state_parameters, repair_defining_class,
    repair_compat_header,     repair_state_struct,  repair_heap_types,       repair_gc_allocation,
    repair_moved_globals,     repair_module_aliases, repair_find_module,   repair_init_to_exec,     repair_interpreter_slots,
    repair_def_fields,        repair_thread_handoff,
};

void RepairResult::insert(const std::string& file, unsigned at, std::string what, const std::string& rule) {
  edits.push_back({file, at, at, std::move(what)});
  repaired.insert(rule);
}

void RepairResult::replace(const SourceRange& r, std::string with, const std::string& rule) {
  edits.push_back({r.file, r.begin, r.end, std::move(with)});
  repaired.insert(rule);
}

void RepairResult::edit(const std::string& file, unsigned begin, unsigned end, std::string with) {
  edits.push_back({file, begin, end, std::move(with)});
}

void RepairResult::remove(const std::string& text, const SourceRange& r) { edits.push_back(removal_of(text, r)); }

void RepairResult::refuse(const SourceLoc& loc, std::string reason) { refusals.push_back({loc, std::move(reason)}); }

std::string interpreter_slot_lines(const std::string& indent, bool multiple, bool gil, bool gil_not_used) {
  std::string s;
  if (multiple)
    s += "#ifdef Py_mod_multiple_interpreters\n" + indent +
         "{Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},\n#endif\n";
  if (gil)
    s += "#ifdef Py_mod_gil\n" + indent + "{Py_mod_gil, " + (gil_not_used ? "Py_MOD_GIL_NOT_USED" : "Py_MOD_GIL_USED") +
         "},\n#endif\n";
  return s;
}

std::string as_object(const RepairContext& ctx, const Param& p, const std::string& name) {
  bool plain = ctx.text(p.range.file).compare(p.range.begin, 8, "PyObject") == 0;
  return plain ? name : "(PyObject *)" + name;
}

}  // namespace owngil
