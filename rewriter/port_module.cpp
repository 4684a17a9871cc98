// The plan for one module. Every repair adds edits or refusals; refusals win: a module is ported
// whole or not at all.
#include <algorithm>
#include <map>

#include "owngil/rewriter.h"

namespace owngil {
namespace {

const std::set<std::string> kImplemented = {"OG001", "OG002", "OG003"};
constexpr int kModMultipleInterpretersSlot = 3, kModGilSlot = 4;
constexpr int kSlotsFieldIndex = 5;  // m_base, m_name, m_doc, m_size, m_methods, m_slots

// Layout facts read off the file, so new code looks like the code around it.
struct FileStyle {
  std::string indent = "    ";
  bool cxx = false;
};

FileStyle style_of(const std::string& path, const std::string& text) {
  FileStyle st;
  std::string ext = path.substr(path.find_last_of('.') == std::string::npos ? path.size() : path.find_last_of('.'));
  st.cxx = ext == ".cpp" || ext == ".cc" || ext == ".cxx";
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    size_t lead = line.find_first_not_of(" \t");
    if (lead != std::string::npos && lead > 0 && line[lead] != '*') {
      st.indent = line.substr(0, lead);
      break;
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return st;
}

size_t line_start(const std::string& text, size_t offset) {
  size_t nl = offset == 0 ? std::string::npos : text.rfind('\n', offset - 1);
  return nl == std::string::npos ? 0 : nl + 1;
}

bool only_whitespace(const std::string& text, size_t from, size_t to) {
  return std::all_of(text.begin() + from, text.begin() + to, [](char c) { return c == ' ' || c == '\t'; });
}

class ModulePorter {
 public:
  ModulePorter(const Model& model, const Module& module, const SourceReader& read)
      : model_(model), module_(module), read_(read) {}

  ModulePlan plan(const std::vector<Finding>& findings, const std::set<std::string>& rules) {
    plan_.module = module_.name;
    std::vector<const Finding*> mine;
    for (const Finding& f : findings)
      if (f.module == module_.name) mine.push_back(&f);
    for (const Finding* f : mine) refuse_unless_repairable(*f, rules);
    if (!plan_.refusals.empty()) return plan_;
    const InitFunction* init = model_.init_for(module_);
    const ModuleDef* def = init ? model_.module_def(init->def) : nullptr;
    if (!init || !def) return plan_;
    auto wanted = [&](const char* rule) {
      return (rules.empty() || rules.count(rule)) &&
             std::any_of(mine.begin(), mine.end(), [&](const Finding* f) { return f->rule == rule; });
    };
    if (wanted("OG001")) convert_init(*init, *def);
    else if (wanted("OG002")) declare_interpreter_support(*def);
    if (wanted("OG003") && def->m_size_range.valid()) replace(def->m_size_range, "0", "OG003");
    if (!plan_.refusals.empty()) plan_.edits.clear();
    return plan_;
  }

 private:
  void refuse(const SourceLoc& loc, std::string reason) { plan_.refusals.push_back({loc, std::move(reason)}); }

  // Findings this session's fix cannot repair keep the whole module as it is: declaring
  // per-interpreter GIL support while they remain would make things worse.
  void refuse_unless_repairable(const Finding& f, const std::set<std::string>& rules) {
    if (!f.fixable)
      return refuse(f.loc, f.rule + " needs manual work: " + f.message);
    if (!kImplemented.count(f.rule))
      return refuse(f.loc, f.rule + " is not repaired automatically yet (moving globals and static types into "
                                    "module state is planned): " + f.message);
    if (!rules.empty() && !rules.count(f.rule) && f.rule != "OG002")
      return refuse(f.loc, f.rule + " is left by --rules, and the port needs it repaired too");
  }

  const std::string& text(const std::string& file) {
    auto it = texts_.find(file);
    if (it == texts_.end()) it = texts_.emplace(file, read_(file)).first;
    return it->second;
  }

  void replace(const SourceRange& r, std::string with, const char* rule) {
    plan_.edits.push_back({r.file, r.begin, r.end, std::move(with)});
    plan_.repaired.insert(rule);
  }

  void insert(const std::string& file, unsigned at, std::string what, const char* rule) {
    plan_.edits.push_back({file, at, at, std::move(what)});
    plan_.repaired.insert(rule);
  }

  // A name for new code that nothing in the tree uses yet.
  std::string fresh_name(const std::string& wanted) {
    auto taken = [&](const std::string& n) {
      return model_.function(n) != nullptr ||
             std::any_of(model_.globals.begin(), model_.globals.end(), [&](const Global& g) { return g.name == n; });
    };
    std::string name = wanted;
    for (int i = 2; taken(name); ++i) name = wanted + "_" + std::to_string(i);
    return name;
  }

  std::string interpreter_slot_lines(const std::string& indent, bool multiple, bool gil) {
    std::string s;
    if (multiple)
      s += "#ifdef Py_mod_multiple_interpreters\n" + indent +
           "{Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},\n#endif\n";
    if (gil) s += "#ifdef Py_mod_gil\n" + indent + "{Py_mod_gil, Py_MOD_GIL_USED},\n#endif\n";
    return s;
  }

  // OG001: `PyInit_m` becomes the module's exec function; a new PyInit returns PyModuleDef_Init.
  void convert_init(const InitFunction& init, const ModuleDef& def) {
    if (init.create_in_helper)
      return refuse(init.create_call, "the module is created in a helper that " + init.name +
                                          " calls: move the creation into " + init.name + " first");
    if (!init.head.valid() || !init.create_range.valid() || !def.decl.valid())
      return refuse(init.loc, "the init function or its PyModuleDef is (partly) written by macros");
    if (init.release_outside_block)
      return refuse(init.loc, "the module is released (Py_DECREF) as the body of an if without braces");
    if (!def.slots.empty()) return refuse(def.loc, "the single-phase module already has m_slots");
    bool returns_create = false;
    for (const InitReturn& r : init.returns) {
      if (r.kind == InitReturnKind::Other)
        return refuse(r.loc, "this return of " + init.name + " is neither NULL nor the module");
      returns_create |= r.kind == InitReturnKind::CreateCall;
    }
    const std::string& src = text(init.loc.file);
    FileStyle st = style_of(init.loc.file, src);
    std::string exec = fresh_name(module_.name + "_exec");
    std::string slots = fresh_name(module_.name + "_slots");

    // The new slot table goes right before the module definition.
    std::string exec_ref = st.cxx ? "reinterpret_cast<void *>(" + exec + ")" : exec;
    std::string table = "static int " + exec + "(PyObject *module);\n\nstatic PyModuleDef_Slot " + slots +
                        "[] = {\n" + st.indent + "{Py_mod_exec, " + exec_ref + "},\n" +
                        interpreter_slot_lines(st.indent, true, true) + st.indent + "{0, NULL},\n};\n\n";
    if (def.loc.file != init.loc.file) return refuse(def.loc, "the PyModuleDef is in another file than " + init.name);
    insert(def.decl.file, static_cast<unsigned>(line_start(text(def.decl.file), def.decl.begin)), table, "OG001");
    set_slots_field(def, slots, st);

    // The old body, now the exec function.
    std::string head = src.substr(init.head.begin, init.head.end - init.head.begin);
    size_t keep = head.find_last_not_of(" \t\r\n") + 1;  // the space or newline before `{` stays
    bool module_used = !init.module_variable.empty();
    std::string param = module_used ? "PyObject *module" : "PyObject *Py_UNUSED(module)";
    plan_.edits.push_back({init.head.file, init.head.begin, static_cast<unsigned>(init.head.begin + keep),
                           "static int " + exec + "(" + param + ")"});
    if (!returns_create) plan_.edits.push_back({init.create_range.file, init.create_range.begin, init.create_range.end, "module"});
    for (const InitReturn& r : init.returns)
      plan_.edits.push_back({r.range.file, r.range.begin, r.range.end,
                             r.kind == InitReturnKind::Null ? "return -1;" : "return 0;"});
    for (const SourceRange& release : init.module_releases) remove_statement(release);

    // The new PyInit, after the exec function, in the same brace style.
    bool brace_own_line = head.find('\n', keep) != std::string::npos;
    insert(init.whole.file, init.whole.end,
           "\n\nPyMODINIT_FUNC " + init.name + "(void)" + (brace_own_line ? "\n{\n" : " {\n") + st.indent +
               "return PyModuleDef_Init(&" + def.name + ");\n}",
           "OG001");
    plan_.repaired.insert("OG002");
  }

  // The exec function does not own the module: the old `Py_DECREF(m);` on error paths must go.
  void remove_statement(const SourceRange& r) {
    const std::string& src = text(r.file);
    size_t begin = line_start(src, r.begin), end = src.find('\n', r.end);
    if (only_whitespace(src, begin, r.begin) && end != std::string::npos && only_whitespace(src, r.end, end))
      plan_.edits.push_back({r.file, static_cast<unsigned>(begin), static_cast<unsigned>(end + 1), ""});
    else
      plan_.edits.push_back({r.file, r.begin, r.end, ""});
  }

  void set_slots_field(const ModuleDef& def, const std::string& slots, const FileStyle& st) {
    if (def.m_slots_range.valid()) return replace(def.m_slots_range, slots, "OG001");
    if (!def.last_written.valid()) return refuse(def.loc, "cannot find where to add m_slots to '" + def.name + "'");
    if (def.designated) {
      if (st.cxx && def.last_written_index > kSlotsFieldIndex)
        return refuse(def.loc, "adding .m_slots after later designated fields is not valid C++");
      return insert(def.last_written.file, def.last_written.end, ",\n" + st.indent + ".m_slots = " + slots, "OG001");
    }
    std::string fill;
    for (int i = def.last_written_index + 1; i < kSlotsFieldIndex; ++i) fill += ", NULL";
    insert(def.last_written.file, def.last_written.end, fill + ", " + slots, "OG001");
  }

  // OG002 on a multi-phase module: add (or correct) the slot, and Py_mod_gil beside it.
  void declare_interpreter_support(const ModuleDef& def) {
    const SlotTable* table = model_.module_slots(def.slots);
    if (!table) return refuse(def.loc, "'" + def.name + "' has no slot table to add Py_mod_multiple_interpreters to");
    const SlotEntry* existing = nullptr;
    bool has_gil = false;
    for (const SlotEntry& e : table->entries) {
      if (e.id == kModMultipleInterpretersSlot) existing = &e;
      has_gil |= e.id == kModGilSlot;
    }
    if (existing) {
      if (!existing->value_range.valid()) return refuse(existing->loc, "the slot's value is written by a macro");
      replace(existing->value_range, "Py_MOD_PER_INTERPRETER_GIL_SUPPORTED", "OG002");
    }
    if (existing && has_gil) return;
    if (!table->sentinel.valid()) return refuse(table->loc, "cannot find the {0, NULL} end of '" + table->name + "'");
    const std::string& src = text(table->sentinel.file);
    FileStyle st = style_of(table->sentinel.file, src);
    size_t start = line_start(src, table->sentinel.begin);
    if (only_whitespace(src, start, table->sentinel.begin)) {
      std::string indent = src.substr(start, table->sentinel.begin - start);
      insert(table->sentinel.file, static_cast<unsigned>(start), interpreter_slot_lines(indent, !existing, !has_gil), "OG002");
    } else {  // a one-line table: directives need lines of their own
      insert(table->sentinel.file, table->sentinel.begin,
             "\n" + interpreter_slot_lines(st.indent, !existing, !has_gil) + st.indent, "OG002");
    }
  }

  const Model& model_;
  const Module& module_;
  const SourceReader& read_;
  ModulePlan plan_;
  std::map<std::string, std::string> texts_;
};

}  // namespace

std::vector<ModulePlan> plan_fixes(const Model& model, const std::vector<Finding>& findings,
                                   const std::set<std::string>& rules, const SourceReader& read) {
  std::vector<ModulePlan> plans;
  for (const Module& m : model.modules) plans.push_back(ModulePorter(model, m, read).plan(findings, rules));
  return plans;
}

}  // namespace owngil
