// The plan for one module. Every repair adds edits or refusals; refusals win: a module is ported
// whole or not at all.
#include <algorithm>
#include <climits>
#include <cstring>
#include <map>

#include "heap_types.h"
#include "owngil/rewriter.h"

namespace owngil {

extern const char* const kCompatHeader;  // runtime/include/owngil_compat.h, embedded at build time

namespace {

const std::set<std::string> kImplemented = {"OG001", "OG002", "OG003", "OG101", "OG102", "OG103", "OG201", "OG302"};
const std::set<std::string> kStateRules = {"OG101", "OG102", "OG103", "OG201"};
constexpr int kModMultipleInterpretersSlot = 3, kModGilSlot = 4;
const std::vector<std::string> kDefFields = {"m_base",  "m_name",     "m_doc",   "m_size", "m_methods",
                                             "m_slots", "m_traverse", "m_clear", "m_free"};

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

// The line that ends just before `line_begin` is empty.
bool blank_line_before(const std::string& text, size_t line_begin) {
  return line_begin >= 2 && text[line_begin - 1] == '\n' && text[line_begin - 2] == '\n';
}

// The line that starts at `pos` is empty.
bool blank_line_at(const std::string& text, size_t pos) { return pos < text.size() && text[pos] == '\n'; }

bool only_whitespace(const std::string& text, size_t from, size_t to) {
  return std::all_of(text.begin() + from, text.begin() + to, [](char c) { return c == ' ' || c == '\t'; });
}

class ModulePorter {
 public:
  ModulePorter(const Model& model, const Module& module, const SourceReader& read, MethodState method_state)
      : model_(model), module_(module), read_(read), method_state_(method_state) {}

  ModulePlan plan(const std::vector<Finding>& findings, const std::set<std::string>& rules) {
    plan_.module = module_.name;
    std::vector<const Finding*> mine;
    for (const Finding& f : findings)
      if (f.module == module_.name || (f.module.empty() && module_.files.count(f.loc.file))) mine.push_back(&f);
    for (const Finding* f : mine) refuse_unless_repairable(*f, rules);
    if (!plan_.refusals.empty()) return plan_;
    const InitFunction* init = model_.init_for(module_);
    const ModuleDef* def = init ? model_.module_def(init->def) : nullptr;
    if (!init || !def) return plan_;
    auto wanted = [&](const char* rule) {
      return (rules.empty() || rules.count(rule)) &&
             std::any_of(mine.begin(), mine.end(), [&](const Finding* f) { return f->rule == rule; });
    };
    init_module_param_ = exec_parameter_name(*init);
    std::vector<const Global*> state = state_globals(mine, rules);
    size_rule_ = wanted("OG003") ? "OG003" : "OG101";
    if (!state.empty()) move_into_state(state, *init, *def);
    if (wanted("OG302")) use_module_at_hand(*init, *def);
    if (wanted("OG001")) convert_init(*init, *def);
    else if (wanted("OG002")) declare_interpreter_support(*def);
    if (state.empty() && wanted("OG003")) def_fields_.push_back({"m_size", "0", "OG003"});
    set_def_fields(*def);
    if (!plan_.refusals.empty()) plan_.edits.clear();
    // Edits shared by the state repairs (the struct, parameters) are labelled OG101: claim it only
    // when it was found.
    if (std::none_of(mine.begin(), mine.end(), [](const Finding* f) { return f->rule == "OG101"; }))
      plan_.repaired.erase("OG101");
    drop_redundant_edits();
    take_blank_line_after_removed_runs();
    return plan_;
  }

 private:
  void refuse(const SourceLoc& loc, std::string reason) { plan_.refusals.push_back({loc, std::move(reason)}); }

  // Findings this session's fix cannot repair keep the whole module as it is: declaring
  // per-interpreter GIL support while they remain would make things worse.
  void refuse_unless_repairable(const Finding& f, const std::set<std::string>& rules) {
    if (!f.fixable && f.manual_because)
      return refuse(f.manual_because->loc, f.rule + " on '" + f.symbol + "' needs manual work: " + f.manual_because->message);
    if (!f.fixable)
      return refuse(f.loc, f.rule + " needs manual work: " + f.message);
    if (!kImplemented.count(f.rule))
      return refuse(f.loc, f.rule + " is not repaired automatically yet: " + f.message);
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
  bool name_taken(const std::string& n) const {
    return model_.function(n) != nullptr ||
           std::any_of(model_.globals.begin(), model_.globals.end(), [&](const Global& g) { return g.name == n; });
  }

  std::string fresh_name(const std::string& wanted) {
    std::string name = wanted;
    for (int i = 2; name_taken(name); ++i) name = wanted + "_" + std::to_string(i);
    return name;
  }

  std::string interpreter_slot_lines(const std::string& indent, bool multiple, bool gil) {
    std::string s;
    if (multiple)
      s += "#ifdef Py_mod_multiple_interpreters\n" + indent +
           "{Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},\n#endif\n";
    if (gil)
      s += "#ifdef Py_mod_gil\n" + indent + "{Py_mod_gil, " + (declares_no_gil() ? "Py_MOD_GIL_NOT_USED" : "Py_MOD_GIL_USED") +
           "},\n#endif\n";
    return s;
  }

  // A single-phase module that already tells free-threaded builds it needs no GIL
  // (`PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED)`, often under #ifdef Py_GIL_DISABLED)
  // keeps saying so in the slot.
  bool declares_no_gil() const {
    for (const InactiveRegion& r : model_.inactive_regions)
      if (module_.files.count(r.file) && r.identifiers.count("PyUnstable_Module_SetGIL") &&
          r.identifiers.count("Py_MOD_GIL_NOT_USED"))
        return true;
    return false;
  }

  // OG001: `PyInit_m` becomes the module's exec function; a new PyInit returns PyModuleDef_Init.
  void convert_init(const InitFunction& init, const ModuleDef& def) {
    if (init.create_in_helper && !init.forwarder.valid())
      return refuse(init.create_call, "the module is created in a helper that " + init.name +
                                          " calls: move the creation into " + init.name + " first");
    if (!init.head.valid() || !init.create_range.valid() || !def.decl.valid())
      return refuse(init.loc, "the init function or its PyModuleDef is (partly) written by macros");
    if (init.release_outside_block)
      return refuse(init.loc, "the module is released (Py_DECREF) as the body of an if without braces");
    if (!def.slots.empty()) return refuse(def.loc, "the single-phase module already has m_slots");
    if (def.in_namespace != init.in_namespace)
      return refuse(def.loc, "'" + def.name + "' and " + init.builder + " are in different namespaces: the exec function "
                             "declared before one and defined in place of the other would be two functions; move one by hand");
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
    def_fields_.push_back({"m_slots", slots, "OG001"});

    // The old body, now the exec function.
    std::string head = src.substr(init.head.begin, init.head.end - init.head.begin);
    size_t keep = head.find_last_not_of(" \t\r\n") + 1;  // the space or newline before `{` stays
    bool module_used = !init.module_variable.empty() || init_needs_state_;
    const std::string& module = init_module_param_;
    std::string param = module_used ? "PyObject *" + module : "PyObject *Py_UNUSED(" + module + ")";
    // `extern "C" PyMODINIT_FUNC PyInit_m(void)` in C++: the exec function is static, the linkage goes.
    unsigned head_begin = init.head.begin;
    const std::string linkage = "extern \"C\"";
    size_t before = src.find_last_not_of(" \t\n", head_begin == 0 ? 0 : head_begin - 1);
    if (st.cxx && before != std::string::npos && before + 1 >= linkage.size() &&
        src.compare(before + 1 - linkage.size(), linkage.size(), linkage) == 0)
      head_begin = static_cast<unsigned>(before + 1 - linkage.size());
    plan_.edits.push_back({init.head.file, head_begin, static_cast<unsigned>(init.head.begin + keep),
                           "static int " + exec + "(" + param + ")"});
    if (!returns_create) plan_.edits.push_back({init.create_range.file, init.create_range.begin, init.create_range.end, module});
    for (const InitReturn& r : init.returns)
      plan_.edits.push_back({r.range.file, r.range.begin, r.range.end,
                             r.kind == InitReturnKind::Null ? "return -1;" : "return 0;"});
    for (const SourceRange& release : init.module_releases) remove_statement(release);

    // The new PyInit, after the exec function, in the same brace style.
    bool brace_own_line = head.find('\n', keep) != std::string::npos;
    std::string new_init = "PyMODINIT_FUNC " + init.name + "(void)" + (brace_own_line ? "\n{\n" : " {\n") + st.indent +
                           "return PyModuleDef_Init(&" + def.name + ");\n}";
    if (init.forwarder.valid())  // PyInit only returned the helper's module: it is replaced in place
      replace(init.forwarder, new_init, "OG001");
    else
      insert(init.whole.file, init.whole.end, "\n\n" + new_init, "OG001");
    plan_.repaired.insert("OG002");
  }

  // The exec function does not own the module: the old `Py_DECREF(m);` on error paths must go.
  void remove_statement(const SourceRange& r) {
    const std::string& src = text(r.file);
    size_t begin = line_start(src, r.begin), end = src.find('\n', r.end);
    if (only_whitespace(src, begin, r.begin) && end != std::string::npos && only_whitespace(src, r.end, end)) {
      // Between two blank lines, take one of them too, so no double blank line is left.
      if (blank_line_before(src, begin) && blank_line_at(src, end + 1)) ++end;
      plan_.edits.push_back({r.file, static_cast<unsigned>(begin), static_cast<unsigned>(end + 1), ""});
    }
    else
      plan_.edits.push_back({r.file, r.begin, r.end, ""});
  }

  // Sets PyModuleDef fields: rewrites those written, adds the others after the last one written
  // (designated, or positional with NULL for the fields in between).
  void set_def_fields(const ModuleDef& def) {
    if (def_fields_.empty()) return;
    FileStyle st = style_of(def.loc.file, text(def.loc.file));
    std::map<int, std::string> appended;
    for (const auto& [field, value, rule] : def_fields_) {
      plan_.repaired.insert(rule);
      auto written = def.written_fields.find(field);
      if (written != def.written_fields.end()) {
        replace(written->second, value, rule.c_str());
        continue;
      }
      int index = static_cast<int>(std::find(kDefFields.begin(), kDefFields.end(), field) - kDefFields.begin());
      if (index <= def.last_written_index && !def.designated)
        return refuse(def.loc, "cannot add " + field + " to the positional initializer of '" + def.name + "'");
      if (index <= def.last_written_index && st.cxx)
        return refuse(def.loc, "adding ." + field + " after later designated fields is not valid C++");
      appended[index] = value;
    }
    if (appended.empty()) return;
    if (!def.last_written.valid()) return refuse(def.loc, "cannot find where to add fields to '" + def.name + "'");
    std::string text_to_add;
    if (def.designated) {
      for (const auto& [index, value] : appended) text_to_add += ",\n" + st.indent + "." + kDefFields[index] + " = " + value;
    } else {
      for (int i = def.last_written_index + 1; i <= appended.rbegin()->first; ++i)
        text_to_add += ", " + (appended.count(i) ? appended[i] : std::string("NULL"));
    }
    insert(def.last_written.file, def.last_written.end, text_to_add, "OG001");
  }

  // ---- OG101/OG102/OG103: globals into the module state ----------------------------------

  std::vector<const Global*> state_globals(const std::vector<const Finding*>& mine, const std::set<std::string>& rules) {
    std::vector<const Global*> out;
    for (const Finding* f : mine) {
      if (!kStateRules.count(f->rule) || (!rules.empty() && !rules.count(f->rule))) continue;
      for (const Global& g : model_.globals) {
        std::string symbol = g.storage == Storage::FunctionStatic ? g.function + "::" + g.name : g.name;
        if (symbol == f->symbol && g.loc.file == f->loc.file) out.push_back(&g);
      }
    }
    return out;
  }

  static bool is_type(const Global& g) { return g.kind == GlobalKind::TypeObject; }

  static std::string member_name(const Global& g) {
    return g.storage == Storage::FunctionStatic ? g.function + "_" + g.name : g.name;
  }

  // `PyObject *[3]` and `x` -> `PyObject *x[3]`.
  static std::string member_declaration(const Global& g, const std::string& name) {
    if (is_type(g)) return "PyTypeObject *" + name;  // the heap type, created in exec
    std::string type = g.type;
    size_t bracket = type.find('[');
    std::string base = bracket == std::string::npos ? type : type.substr(0, bracket);
    std::string dims = bracket == std::string::npos ? "" : type.substr(bracket);
    while (!base.empty() && base.back() == ' ') base.pop_back();
    std::string sep = !base.empty() && base.back() == '*' ? "" : " ";
    return base + sep + name + dims;
  }

  // Which functions need the state, and how each one gets it: methods and exec functions fetch
  // it from their module, helpers receive it as a new first parameter and their callers pass it.
  void move_into_state(const std::vector<const Global*>& globals, const InitFunction& init, const ModuleDef& def) {
    std::set<std::string> direct, files;
    std::set<unsigned> decl_starts, shared;
    execs_ = exec_functions(init, def);
    find_readying_helpers(globals);
    replaced_free_ = replaceable_free(def, globals);
    for (const Global* g : globals) {
      if (std::string other = other_module_sharing(g->loc.file); !other.empty())
        return refuse(g->loc, "'" + g->name + "' is defined in " + g->loc.file + ", which module '" + other +
                                  "' is built from too: one module's state cannot serve both");
      if (is_type(*g)) {
        if (!prepare_heap_type(*g, globals)) return;
      } else if (!g->zero_initialized) {
        return refuse(g->loc, "'" + g->name + "' has a non-zero initializer: module state starts zeroed");
      }
      if (!g->decl.valid()) return refuse(g->loc, "the declaration of '" + g->name + "' is written by a macro");
      if (g->type.find('(') != std::string::npos) return refuse(g->loc, "'" + g->name + "' has a function type");
      if (!decl_starts.insert(g->decl.begin).second) shared.insert(g->decl.begin);
      files.insert(g->loc.file);
      for (const InactiveRegion& r : model_.inactive_regions)
        if (module_.files.count(r.file) && r.identifiers.count(g->name))
          return refuse({r.file, r.begin_line, 1}, "'" + g->name + "' is used in an inactive #if branch, which cannot be rewritten safely");
      for (const GlobalUse& u : g->uses) {
        if (u.function.empty() && inside_converted_type(u)) continue;  // `tp_base = &Base`: rewritten with the type
        if (!replaced_free_.empty() && u.function == replaced_free_) continue;  // the function goes
        if (u.function.empty()) return refuse(u.loc, used_in_initializer(*g, u));
        if (!u.macro.empty() && !macro_body_rewritable(u, *g)) return;
        if (u.macro.empty() && !u.range.valid()) return refuse(u.loc, "this use of '" + g->name + "' is written by a macro");
        if (!module_.files.count(u.loc.file)) return refuse(u.loc, "'" + g->name + "' is used outside the module's files");
        if (std::string other = other_module_sharing(u.loc.file); !other.empty())
          return refuse(u.loc, "'" + g->name + "' is used in " + u.loc.file + ", which module '" + other +
                                   "' is built from too: one module's state cannot serve both");
        if (u.kind == UseKind::AddressOf && u.passed_to.empty() && !is_type(*g))
          return refuse(u.loc, "the address of '" + g->name + "' is kept in '" + u.function +
                                   "' (stored, returned or used as a pointer): after the port it would point into "
                                   "one interpreter's state, and the rewriter cannot follow the pointer");
        if (direct.insert(u.function).second) reached_through_[u.function] = "uses '" + g->name + "'";
        files.insert(u.loc.file);
      }
    }
    for (const Global* g : globals)
      if (shared.count(g->decl.begin)) return refuse(g->loc, "'" + g->name + "' shares its declaration with another variable");

    std::set<std::string> module_methods = module_level_functions(def);
    std::set<std::string> execs = execs_;
    auto is_entry = [&](const std::string& f) {
      return module_methods.count(f) || execs.count(f) || type_access_.count(f);
    };

    // Helpers that need the state make their callers need it too.
    std::set<std::string> needs = direct;
    for (bool grew = true; grew;) {
      grew = false;
      for (const Function& f : model_.functions)
        if (!needs.count(f.name))
          for (const Call& c : f.calls)
            if (needs.count(c.callee) && !is_entry(c.callee)) {
              if (!module_.files.count(f.loc.file))
                return refuse(f.loc, "'" + f.name + "', outside the module, calls '" + c.callee + "', which needs the module state");
              needs.insert(f.name);
              reached_through_[f.name] = "calls '" + c.callee + "'";
              grew = true;
              break;
            }
    }
    std::string var = "st";
    for (const std::string& name : needs)
      if (const Function* f = module_function(name); f && f->locals.count(var)) var = module_.name + "_st";
    for (const std::string& name : needs)
      if (const Function* f = module_function(name); f && f->locals.count(var))
        return refuse(f->loc, "'" + name + "' already has a variable named '" + var + "'");

    std::string state_type = module_.name + "_state", getter = "get_" + module_.name + "_state";
    for (const std::string& name : needs) {
      const Function* f = module_function(name);
      if (!f) return refuse(init.loc, "'" + name + "' needs the module state but is not defined in the module's files");
      files.insert(f->loc.file);
      FileStyle st = style_of(f->loc.file, text(f->loc.file));
      if (type_access_.count(name) && !module_methods.count(name) && !execs.count(name)) {
        if (MethodRow row = defining_class_row(*f); row.entry) {
          if (!receive_defining_class(*f, row, var, state_type, st)) return;
        } else if (!fetch_state_from_type(*f, type_access_.at(name), var, state_type, st)) {
          return;
        }
      } else if (is_entry(name)) {
        if (!fetch_state_at_start(*f, execs.count(name) > 0 && name == init.builder, var, getter, state_type, st)) return;
      } else if (!pass_state_as_parameter(*f, var, state_type, "", readying_helper_param(name))) {
        return;
      }
      for (const Call& c : f->calls)
        if (needs.count(c.callee) && !is_entry(c.callee)) {
          if (!c.args_begin) return refuse(c.loc, "this call to '" + c.callee + "' is written by a macro");
          std::string args = var;
          if (readying_helpers_.count(c.callee)) {  // it creates types: it needs the module too
            std::string module = name == init.builder && init.style == InitStyle::SinglePhase ? init_module_param_
                                                                                               : module_parameter(*f, "OG201");
            if (module.empty()) return refuse(c.loc, "cannot find the module to pass to '" + c.callee + "'");
            args += ", " + module;
          }
          insert(f->loc.file, c.args_begin, c.has_args ? args + ", " : args, "OG101");
        }
    }
    insert_entry_points();
    init_needs_state_ = needs.count(init.builder) > 0;
    std::set<std::string> receivers;  // the helpers that got the state parameter
    for (const std::string& name : needs)
      if (!is_entry(name)) receivers.insert(name);

    // The state struct and its accessor: before the first global and the first function that
    // uses them, or, when the state spans files, in a header they all include.
    std::string struct_file = init.loc.file;
    unsigned first = UINT32_MAX;
    bool one_file = files.size() == 1 && *files.begin() == init.loc.file;
    if (one_file) {
      // After the last moved variable (its C type is declared by then), unless a function that
      // needs the state comes earlier: then before the first variable or function.
      unsigned last_variable = 0, first_function = UINT32_MAX;
      for (const Global* g : globals)
        if (g->storage != Storage::FunctionStatic) {
          first = std::min(first, g->decl.begin);
          // (file-scope statics only: a class's static member is declared inside the class)
          if (!is_type(*g) && g->storage == Storage::FileStatic && g->redeclarations.empty())
            last_variable = std::max(last_variable, g->decl.begin);
        }
      for (const std::string& name : needs) first_function = std::min(first_function, module_function(name)->range.begin);
      first = last_variable && last_variable < first_function ? last_variable : std::min(first, first_function);
    } else if (!place_in_single_unit(globals, needs, files, &struct_file, &first) &&
               !place_in_shared_header(globals, files, receivers, &struct_file, &first)) {
      return;
    }
    const std::string& src = text(struct_file);
    FileStyle st = style_of(struct_file, src);
    std::vector<const Global*> objects;
    std::string block = "typedef struct {\n";
    for (const Global* g : globals) {
      block += st.indent + member_declaration(*g, member_name(*g)) + ";\n";
      if (g->kind == GlobalKind::ObjectPointer || is_type(*g)) objects.push_back(g);
    }
    block += "} " + state_type + ";\n\nstatic inline " + state_type + " *" + getter + "(PyObject *module)\n{\n" + st.indent +
             "return (" + state_type + " *)PyModule_GetState(module);\n}\n\n";
    if (!types_.empty()) {
      bool def_comes_later = def.decl.file != struct_file || def.decl.begin > first;
      if (def_comes_later && uses_type_lookup_) {
        if (!st.cxx) {
          block = "static struct PyModuleDef " + def.name + ";\n\n" + block;
        } else {  // C++ has no declaration of a static variable that is not its definition
          def_ref_ = fresh_name(module_.name + "_module_def") + "()";
          std::string head = "static PyModuleDef *" + def_ref_.substr(0, def_ref_.size() - 2) + "(void)";
          block = head + ";\n\n" + block;
          insert(def.decl.file, def.decl.end, "\n\n" + head + "\n{\n" + st.indent + "return &" + def.name + ";\n}", "OG201");
        }
      }
      block += type_helpers(state_type, getter, def, st);
      for (const Global* g : globals)
        if (is_type(*g)) include_compat_header(g->loc.file);
      include_compat_header(struct_file);
    }
    if (!objects.empty()) {
      if (!def.traverse.empty() || !def.clear.empty() || (!def.free.empty() && replaced_free_.empty()))
        return refuse(def.loc, "'" + def.name + "' already has m_traverse/m_clear/m_free: merging is not done automatically");
      if (!replaced_free_.empty()) remove_statement(module_function(replaced_free_)->range);
      std::string hooks = gc_hooks(objects, state_type, getter, st);
      if (one_file) block += hooks;
      else insert(def.decl.file, static_cast<unsigned>(line_start(text(def.decl.file), def.decl.begin)), hooks, "OG101");
      def_fields_.push_back({"m_traverse", helper("traverse"), "OG101"});
      def_fields_.push_back({"m_clear", helper("clear"), "OG101"});
      def_fields_.push_back({"m_free", helper("free"), "OG101"});
    }
    def_fields_.push_back({"m_size", "sizeof(" + state_type + ")", size_rule_});
    // One blank line after the block: the removed global's own blank line, if it had one, serves.
    // (remove_statement takes that blank line itself when the global also had one before it).
    size_t next_line = src.find('\n', first), start = line_start(src, first);
    bool blank_after = next_line != std::string::npos && blank_line_at(src, next_line + 1);
    bool blank_before = blank_line_before(src, start);
    bool global_there = std::any_of(globals.begin(), globals.end(), [&](const Global* g) { return g->decl.begin == first; });
    if (blank_after && !(blank_before && global_there)) block.pop_back();
    insert(struct_file, static_cast<unsigned>(line_start(src, first)), block, "OG101");

    for (const Global* g : globals) {
      if (is_type(*g)) {
        if (!rewrite_type(*g, var, init, execs)) return;
        continue;
      }
      remove_statement(g->decl);
      for (const SourceRange& r : g->redeclarations) remove_statement(r);
      for (const GlobalUse& u : g->uses) replace(as_written(u), var + "->" + member_name(*g), "OG101");
      plan_.repaired.insert(g->storage == Storage::FunctionStatic ? "OG102" : g->kind == GlobalKind::ObjectPointer ? "OG101" : "OG103");
    }
    bool gains_gc = std::any_of(types_.begin(), types_.end(), [](const auto& t) { return t.second.adds_gc; });
    if (gains_gc) allocate_through_type_pointers();
  }

  // Where a use is spelled: in the source, or in the body of the module's own macro (one edit
  // there serves every expansion).
  static const SourceRange& as_written(const GlobalUse& u) { return u.macro.empty() ? u.range : u.spelling; }

  // A use in a macro body is rewritten in the macro's definition. That is right only when the
  // macro is the tree's own, in this module's files, and no skipped #if branch expands it where
  // the state would be missing; every function that expands it gets the state like a direct user.
  bool macro_body_rewritable(const GlobalUse& u, const Global& g) {
    auto fail = [&](const std::string& why) {
      refuse(u.loc, "'" + g.name + "' is used in the body of macro '" + u.macro + "', " + why);
      return false;
    };
    if (!u.macro_in_tree || !u.spelling.valid()) return fail("which is not defined in this tree: port this use by hand");
    if (!module_.files.count(u.spelling.file)) return fail("defined outside the module's files");
    if (std::string other = other_module_sharing(u.spelling.file); !other.empty())
      return fail("defined in " + u.spelling.file + ", which module '" + other + "' is built from too");
    for (const InactiveRegion& r : model_.inactive_regions)
      if (module_.files.count(r.file) && r.identifiers.count(u.macro))
        return fail("which an inactive #if branch at " + r.file + ":" + std::to_string(r.begin_line) +
                    " expands too: that expansion could not be given the state");
    return true;
  }

  // ---- OG201: static types into heap types --------------------------------------------------

  const StaticType* static_type_of(const Global& g) const {
    for (const StaticType& t : model_.static_types)
      if (t.name == g.name && t.loc.file == g.loc.file) return &t;
    return nullptr;
  }

  // Checks that the type can be converted and works out its heap-type text; records which of its
  // functions reach the state through the type.
  bool prepare_heap_type(const Global& g, const std::vector<const Global*>& globals) {
    const StaticType* t = static_type_of(g);
    auto fail = [&](const SourceLoc& loc, const std::string& why) {
      refuse(loc, why);
      return false;
    };
    if (!t) return fail(g.loc, "cannot find the definition of static type '" + g.name + "'");
    FileStyle st = style_of(g.loc.file, text(g.loc.file));
    // (a `static` type declared in a header is private to the file that includes it)
    for (const SourceRange& r : g.redeclarations)
      if (g.storage == Storage::External && is_header(r.file))
        return fail(loc_of(r), "type '" + g.name + "' is declared in header " + r.file +
                                        ": code that includes it (other modules, users of a public C API) may use the "
                                        "type object directly; convert it by hand");
    bool struct_sequence = std::any_of(g.uses.begin(), g.uses.end(),
                                       [](const GlobalUse& u) { return u.passed_to == "PyStructSequence_InitType2"; });
    if (!t->initialized && struct_sequence) {
      types_[g.name] = HeapTypeText{};
      return true;
    }
    std::set<std::string> module_types;
    for (const Global* other : globals)
      if (is_type(*other)) module_types.insert(other->name);
    // Fields set in init before PyType_Ready complete the initializer (C++ before C++20 has no
    // designated initializers, so its static types are often filled that way, from nothing).
    StaticType filled = *t;
    if (!fold_run_time_fields(g, &filled)) return false;
    bool named = std::any_of(filled.fields.begin(), filled.fields.end(), [](const TypeField& f) { return f.field == "tp_name"; });
    if (!t->initialized && !named)
      return fail(g.loc, "static type '" + g.name + "' is filled in at run time in a way fix cannot follow: convert it by hand");
    HeapTypeText h = heap_type_text(model_, filled, module_types, st.indent, [&](const std::string& n) { return name_taken(n); }, st.cxx);
    if (!h.refusal.empty()) return fail(h.refusal_loc, h.refusal);
    for (const auto& [function, access] : type_functions(model_, filled, method_state_)) type_access_.emplace(function, access);
    types_[g.name] = h;
    return true;
  }

  // `T.tp_new = f;` or `T.tp_init = NULL;` in an exec function before T is readied: the spec
  // takes the field (or drops it) and the statement goes. Only values a spec can hold at compile
  // time move: NULL, and functions and tables of the tree.
  bool fold_run_time_fields(const Global& g, StaticType* type) {
    const GlobalUse* ready = nullptr;
    for (const GlobalUse& u : g.uses)
      if (u.passed_to == "PyType_Ready") ready = &u;
    for (const GlobalUse& u : g.uses) {
      if (u.field.empty() || (!execs_.count(u.function) && !readying_helpers_.count(u.function))) continue;
      bool before_ready = ready && ready->function == u.function && u.field_statement.valid() &&
                          u.field_statement.file == ready->range.file && u.field_statement.end <= ready->range.begin;
      bool compile_time = u.field_value_null || u.field_value_constant ||
                          (!u.field_value_name.empty() && (model_.function(u.field_value_name) || global_named(u.field_value_name)));
      bool flags_known = u.field != "tp_flags" || u.field_value_int;  // GC and the like are read from them
      if (!before_ready || !compile_time || !flags_known || u.field.rfind("tp_", 0) != 0) {
        refuse(u.loc, "'" + g.name + "." + u.field + "' is set in '" + u.function + "'" +
                          (before_ready ? " to a value only known at run time" : " outside the run-up to its PyType_Ready") +
                          ": move it into the type's initializer by hand");
        return false;
      }
      auto& fields = type->fields;
      fields.erase(std::remove_if(fields.begin(), fields.end(), [&](const TypeField& f) { return f.field == u.field; }),
                   fields.end());
      if (!u.field_value_null) fields.push_back({u.field, u.field_value_name.empty() ? u.field_value : u.field_value_name, u.loc, u.field_value});
      if (u.field == "tp_flags") type->flags = static_cast<unsigned long long>(*u.field_value_int);
      folded_fields_.insert(&u);
    }
    return true;
  }

  const Global* global_named(const std::string& name) const {
    for (const Global& g : model_.globals)
      if (g.name == name && module_.files.count(g.loc.file)) return &g;
    return nullptr;
  }

  // Helpers that ready static types and that only init/exec functions call (multidict's
  // `istr_init()`): they receive the module, beside the state, to create the heap types with.
  void find_readying_helpers(const std::vector<const Global*>& globals) {
    for (const Global* g : globals) {
      if (!is_type(*g)) continue;
      for (const GlobalUse& u : g->uses) {
        if (u.passed_to != "PyType_Ready" || execs_.count(u.function) || readying_helpers_.count(u.function)) continue;
        const Function* f = module_function(u.function);
        if (!f) continue;
        bool only_from_exec = true, called = false;
        for (const Function& caller : model_.functions)
          for (const Call& c : caller.calls)
            if (c.callee == f->name) called = true, only_from_exec &= execs_.count(caller.name) > 0 && c.args_begin;
        bool escapes = std::any_of(model_.address_taken.begin(), model_.address_taken.end(),
                                   [&](const AddressTaken& a) { return a.function == f->name; });
        if (!called || !only_from_exec || escapes) continue;
        std::string name = "module";
        for (int i = 2; f->locals.count(name); ++i) name = "module_" + std::to_string(i);
        readying_helpers_[f->name] = name;
      }
    }
  }

  std::string readying_helper_param(const std::string& function) const {
    auto it = readying_helpers_.find(function);
    return it == readying_helpers_.end() ? "" : "PyObject *" + it->second;
  }

  // An m_free that only releases globals moving into the state (multidict's `module_free`) is
  // what the generated hooks do: it goes, and they take its place. Returns its name, or "".
  std::string replaceable_free(const ModuleDef& def, const std::vector<const Global*>& globals) {
    if (def.free.empty() || !def.traverse.empty() || !def.clear.empty()) return "";
    const Function* f = module_function(def.free);
    if (!f || !f->range.valid()) return "";
    for (const Call& c : f->calls) {
      bool release = c.callee.find("DECREF") != std::string::npos || c.callee.find("DecRef") != std::string::npos ||
                     c.callee.find("Dealloc") != std::string::npos;
      if (!release) return "";
    }
    bool uses_other = std::any_of(model_.globals.begin(), model_.globals.end(), [&](const Global& g) {
      bool moved = std::find(globals.begin(), globals.end(), &g) != globals.end() && g.kind == GlobalKind::ObjectPointer;
      return !moved && std::any_of(g.uses.begin(), g.uses.end(), [&](const GlobalUse& u) { return u.function == f->name; });
    });
    bool called = std::any_of(model_.functions.begin(), model_.functions.end(), [&](const Function& other) {
      return std::any_of(other.calls.begin(), other.calls.end(), [&](const Call& c) { return c.callee == f->name; });
    });
    auto references = std::count_if(model_.address_taken.begin(), model_.address_taken.end(),
                                    [&](const AddressTaken& a) { return a.function == f->name; });
    return uses_other || called || references != 1 ? "" : f->name;
  }

  // Why a use at file scope (in another global's initializer) stops the port.
  std::string used_in_initializer(const Global& g, const GlobalUse& u) const {
    for (const Global& holder : model_.globals) {
      if (!holder.decl.valid() || holder.decl.file != u.range.file || holder.decl.begin > u.range.begin ||
          u.range.end > holder.decl.end)
        continue;
      bool capsule = std::any_of(holder.uses.begin(), holder.uses.end(),
                                 [](const GlobalUse& h) { return h.passed_to == "PyCapsule_New"; });
      if (capsule && is_type(g))
        return "'" + g.name + "' is exported through a C API capsule ('" + holder.name +
               "' is handed to PyCapsule_New): other extensions use the static type directly, and a heap type "
               "per interpreter would change that API; convert it by hand";
      return "'" + g.name + "' is used in the initializer of '" + holder.name +
             "', which is one for the whole process: move that use into the exec function by hand";
    }
    return "'" + g.name + "' is used outside any function";
  }

  // Line and column of a range's start, for messages.
  SourceLoc loc_of(const SourceRange& r) {
    const std::string& src = text(r.file);
    size_t end = std::min<size_t>(r.begin, src.size());
    unsigned line = 1 + static_cast<unsigned>(std::count(src.begin(), src.begin() + end, '\n'));
    return {r.file, line, static_cast<unsigned>(r.begin - line_start(src, r.begin) + 1)};
  }

  static bool is_header(const std::string& file) {
    for (const char* ext : {".h", ".hh", ".hpp", ".hxx"})
      if (file.size() > strlen(ext) && file.compare(file.size() - strlen(ext), strlen(ext), ext) == 0) return true;
    return false;
  }

  // A use in the initializer of a type that is converted too (`.tp_base = &Base`).
  bool inside_converted_type(const GlobalUse& u) const {
    for (const Global& g : model_.globals)
      if (is_type(g) && g.decl.file == u.range.file && g.decl.begin <= u.range.begin && u.range.end <= g.decl.end &&
          static_type_of(g))
        return true;
    return false;
  }

  static std::string failure_value(const std::string& return_type) {
    if (return_type.find('*') != std::string::npos) return "NULL";
    static const std::set<std::string> integers = {"int", "long", "Py_ssize_t", "Py_hash_t", "long long"};
    return integers.count(return_type) ? "-1" : "";
  }

  // Slots, methods and getters of a converted type find their module through the type, walking
  // the MRO (PyType_GetModuleByDef), so instances of Python subclasses work too.
  bool fetch_state_from_type(const Function& f, TypeAccess access, const std::string& var, const std::string& state_type,
                             const FileStyle& st) {
    std::string self = module_parameter(f, "OG201");
    if (self.empty() || !f.body_begin) {
      refuse(f.loc, "cannot find the first parameter of '" + f.name + "'");
      return false;
    }
    const std::string& in = st.indent;
    std::string fail = failure_value(f.return_type);
    std::string on_failure = in + in + "return " + fail + ";\n";
    // A void slot (tp_dealloc, tp_finalize) cannot report it; an instance of the module's own type
    // always finds its module, so this only guards against a broken invariant, without crashing.
    if (f.return_type == "void" && access == TypeAccess::Self)
      on_failure = in + in + "PyErr_WriteUnraisable((PyObject *)" + self + ");\n" + in + in + "return;\n";
    else if (fail.empty()) {
      refuse(f.loc, "'" + f.name + "' needs the module state but returns " + f.return_type +
                        ": it could not report that the state is missing");
      return false;
    }
    if (access == TypeAccess::NoType) {
      refuse(f.loc, "'" + f.name + "' is a static method (METH_STATIC) that needs the module state: nothing "
                        "passed to it leads to its type; make it a class method or move it to the module");
      return false;
    }
    std::string fetch;
    uses_type_lookup_ = true;
    if (access == TypeAccess::Either) {
      if (f.params.size() < 2 || f.params[1].name.empty()) {
        refuse(f.loc, "cannot find the second operand of '" + f.name + "'");
        return false;
      }
      uses_operand_lookup_ = true;
      fetch = helper("state_of_operands") + "(" + as_object(f.params[0], self) + ", " + as_object(f.params[1], f.params[1].name) + ")";
    } else {
      fetch = helper("state_of_type") + "(" + (access == TypeAccess::TypeParam ? as_type(f, self) : "Py_TYPE(" + self + ")") + ")";
    }
    insert(f.range.file, f.body_begin,
           "\n" + in + state_type + " *" + var + " = " + fetch + ";\n" + in + "if (" + var + " == NULL) {\n" + on_failure +
               in + "}",
           "OG201");
    return true;
  }

  // A parameter declared as some object struct (`ViewObject *self`) passed where PyObject * goes.
  std::string as_object(const Param& p, const std::string& name) {
    bool plain = text(p.range.file).compare(p.range.begin, 8, "PyObject") == 0;
    return plain ? name : "(PyObject *)" + name;
  }

  // A class method's first parameter is the class; declared as PyObject * it needs a cast.
  std::string as_type(const Function& f, const std::string& self) {
    const SourceRange& r = f.params[0].range;
    bool typed = text(r.file).compare(r.begin, 12, "PyTypeObject") == 0;
    return typed ? self : "(PyTypeObject *)" + self;
  }

  // ---- Methods receive their defining class (METH_METHOD) -----------------------------------

  struct MethodRow {
    const MethodEntry* entry = nullptr;
    const MethodTable* table = nullptr;
  };

  // The method-table row through which a method of a converted type can receive its defining
  // class: the method's only reference, in a calling convention that converts, written in the
  // file, and no C code calls the method directly (such calls have no class to pass). Without
  // one the method finds its type through self instead.
  MethodRow defining_class_row(const Function& f) {
    auto access = type_access_.find(f.name);
    if (access == type_access_.end() || access->second != TypeAccess::DefiningClass) return {};
    MethodRow row;
    for (const MethodTable& t : model_.method_tables) {
      if (t.owner != MethodOwner::Type || !types_.count(t.owner_name) || t.loc.file != f.loc.file) continue;
      for (const MethodEntry& e : t.entries) {
        if (e.function != f.name) continue;
        if (row.entry) return {};
        row = {&e, &t};
      }
    }
    if (!row.entry || !row.entry->meth_range.valid() || !row.entry->flags_range.valid() || !row.table->decl.valid())
      return {};
    auto references = std::count_if(model_.address_taken.begin(), model_.address_taken.end(),
                                    [&](const AddressTaken& a) { return a.function == f.name; });
    if (references != 1) return {};
    for (const Function& other : model_.functions)
      for (const Call& c : other.calls)
        if (c.callee == f.name) return {};
    static const std::map<long long, size_t> params_of = {
        {kMethNoargs, 2}, {kMethO, 2}, {kMethVarargs, 2}, {kMethVarargs | kMethKeywords, 3},
        {kMethFastcall, 3}, {kMethFastcall | kMethKeywords, 4}};
    auto expected = params_of.find(row.entry->flags.value_or(-1));
    if (expected == params_of.end() || f.params.empty() || !f.params[0].range.valid()) return {};
    // METH_NOARGS functions are often written without the unused second parameter.
    bool noargs_without_second = expected->first == kMethNoargs && f.params.size() == 1;
    if (f.params.size() != expected->second && !noargs_without_second) return {};
    return row;
  }

  // The method becomes a helper that receives the state first, and a METH_METHOD | METH_FASTCALL |
  // METH_KEYWORDS entry point before its table checks and unpacks the arguments as CPython did for
  // the old convention, then calls it with the state of the class that defines the method (right
  // for Python subclasses too, and cheaper than walking the MRO).
  bool receive_defining_class(const Function& f, const MethodRow& row, const std::string& var,
                              const std::string& state_type, const FileStyle& st) {
    const std::string& src = text(f.loc.file);
    const Param& p = f.params[0];
    std::string self_decl = src.substr(p.range.begin, p.range.end - p.range.begin), self = p.name;
    if (self.rfind("_unused_", 0) == 0) {  // Py_UNUSED(self): the entry point uses the plain name
      self = self.substr(strlen("_unused_"));
      size_t at = self_decl.find("Py_UNUSED(");
      size_t close = at == std::string::npos ? at : self_decl.find(')', at);
      if (close == std::string::npos) return refuse(f.loc, "cannot read the first parameter of '" + f.name + "'"), false;
      self_decl.replace(at, close + 1 - at, self);
    }
    if (self.empty()) return refuse(f.loc, "the first parameter of '" + f.name + "' has no name"), false;
    if (!pass_state_as_parameter(f, var, state_type, row.table->name)) return false;

    const std::string& in = st.indent;
    const StaticType* type = nullptr;
    for (const StaticType& t : model_.static_types)
      if (t.name == row.table->owner_name && t.loc.file == f.loc.file) type = &t;
    std::string type_name = type ? type->tp_name.substr(type->tp_name.rfind('.') + 1) : row.table->owner_name;
    std::string shown = "\"" + type_name + "." + row.entry->py_name + "\"";
    std::string entry = fresh_name(f.name + "_method");
    std::string ret = f.return_type, sep = !ret.empty() && ret.back() == '*' ? "" : " ";
    std::string state = "(" + state_type + " *)PyType_GetModuleState(defining_class)";
    std::string call = f.name + "(" + state + ", " + self;
    auto check = [&](const std::string& test) {
      return in + "if (" + test + " < 0) {\n" + in + in + "return NULL;\n" + in + "}\n";
    };
    std::string body;
    switch (*row.entry->flags) {
      case kMethNoargs:
        body = check("owngil_no_arguments(" + shown + ", nargs, kwnames)") + in + "return " + call +
               (f.params.size() == 2 ? ", NULL);\n" : ");\n");
        break;
      case kMethO: body = check("owngil_one_argument(" + shown + ", nargs, kwnames)") + in + "return " + call + ", args[0]);\n"; break;
      case kMethFastcall: body = check("owngil_no_keywords(" + shown + ", kwnames)") + in + "return " + call + ", args, nargs);\n"; break;
      case kMethFastcall | kMethKeywords: body = in + "return " + call + ", args, nargs, kwnames);\n"; break;
      default: {  // METH_VARARGS, with or without METH_KEYWORDS: the tuple (and dict) CPython built
        bool keywords = *row.entry->flags & kMethKeywords;
        body = in + "PyObject *tuple" + (keywords ? ", *kwargs" : "") + ";\n" +
               check("owngil_unpack_varargs(" + shown + ", args, nargs, kwnames, &tuple, " + (keywords ? "&kwargs" : "NULL") + ")") +
               in + ret + sep + "result = " + call + ", tuple" + (keywords ? ", kwargs" : "") + ");\n" + in +
               "Py_DECREF(tuple);\n" + (keywords ? in + "Py_XDECREF(kwargs);\n" : "") + in + "return result;\n";
      }
    }
    std::string head = "static " + ret + sep + entry + "(";
    std::string def = head + self_decl + ", PyTypeObject *defining_class,\n" + std::string(head.size(), ' ') +
                      (*row.entry->flags == kMethNoargs ? "PyObject *const *Py_UNUSED(args)" : "PyObject *const *args") +
                      ", Py_ssize_t nargs, PyObject *kwnames)\n{\n" + body + "}\n\n";
    entry_points_.push_back({row.table, static_cast<size_t>(row.entry - row.table->entries.data()), def});
    replace(row.entry->meth_range, "(PyCFunction)(void (*)(void))" + entry, "OG201");
    replace(row.entry->flags_range, "METH_METHOD | METH_FASTCALL | METH_KEYWORDS", "OG201");
    return true;
  }

  // Names of generated functions (type helpers, module hooks), fresh in the tree, one per kind.
  std::string helper(const std::string& kind) {
    auto it = helpers_.find(kind);
    if (it == helpers_.end()) it = helpers_.emplace(kind, fresh_name(module_.name + "_" + kind)).first;
    return it->second;
  }

  std::string type_helpers(const std::string& state_type, const std::string& getter, const ModuleDef& def,
                           const FileStyle& st) {
    const std::string& in = st.indent;
    std::string out;
    if (uses_type_lookup_)
      out += "static inline " + state_type + " *" + helper("state_of_type") + "(PyTypeObject *type)\n{\n" + in +
             "PyObject *module = PyType_GetModuleByDef(type, " + (def_ref_.empty() ? "&" + def.name : def_ref_) + ");\n" + in +
             "return module == NULL ? NULL : " + getter + "(module);\n}\n\n";
    if (uses_operand_lookup_)
      out += "/* A binary operator gets the instance on either side. */\nstatic inline " + state_type + " *" +
             helper("state_of_operands") + "(PyObject *a, PyObject *b)\n{\n" + in + state_type + " *st = " +
             helper("state_of_type") + "(Py_TYPE(a));\n" + in + "if (st == NULL) {\n" + in + in + "PyErr_Clear();\n" + in +
             in + "st = " + helper("state_of_type") + "(Py_TYPE(b));\n" + in + "}\n" + in + "return st;\n}\n\n";
    bool classes = false, sequences = false;
    for (const auto& [name, h] : types_) (h.spec.empty() ? sequences : classes) = true;
    if (classes)
      out += "static int " + helper("create_type") +
             "(PyObject *module, PyType_Spec *spec, PyTypeObject *base, PyTypeObject **type)\n{\n" + in +
             "*type = (PyTypeObject *)PyType_FromModuleAndSpec(module, spec, (PyObject *)base);\n" + in +
             "return *type == NULL ? -1 : 0;\n}\n\n";
    if (sequences)
      out += "static int " + helper("create_struct_sequence") +
             "(PyStructSequence_Desc *desc, PyTypeObject **type)\n{\n" + in + "*type = PyStructSequence_NewType(desc);\n" +
             in + "return *type == NULL ? -1 : 0;\n}\n\n";
    return out;
  }

  // The definition becomes a spec; PyType_Ready becomes creation into the state; `&T` becomes
  // the state's type pointer.
  bool rewrite_type(const Global& g, const std::string& var, const InitFunction& init, const std::set<std::string>& execs) {
    const HeapTypeText& h = types_.at(g.name);
    const StaticType* t = static_type_of(g);
    if (!h.spec.empty()) {
      place_definition(g, h);
      for (const std::string& table : h.sub_tables)
        for (const Global& sub : model_.globals)
          if (sub.name == table && sub.loc.file == g.loc.file && sub.decl.valid() && removed_tables_.insert(table).second)
            remove_statement(sub.decl);
      if (!adjust_for_heap_type(*t, h)) return false;
      add_offset_members(h);
    } else {
      remove_statement(g.decl);
    }
    for (const SourceRange& r : g.redeclarations) remove_statement(r);
    for (const GlobalUse& u : g.uses) {
      if (u.function.empty()) continue;  // in another converted type's initializer
      if (u.passed_to == "PyType_Ready" || u.passed_to == "PyStructSequence_InitType2") {
        if (!create_type_at(u, g, h, var, init, execs)) return false;
        continue;
      }
      if (folded_fields_.count(&u)) {  // now in the spec
        remove_statement(u.field_statement);
        continue;
      }
      if (u.kind != UseKind::AddressOf && execs.count(u.function)) {
        refuse(u.loc, "'" + g.name + "' is read in '" + u.function + "', where its heap type may not exist yet: port this use by hand");
        return false;
      }
      if (u.kind != UseKind::AddressOf) {
        replace(as_written(u), "(*" + var + "->" + g.name + ")", "OG201");
        continue;
      }
      const SourceRange& address = u.macro.empty() ? u.address_range : u.address_spelling;
      if (!address.valid()) {
        refuse(u.loc, "this use of '&" + g.name + "' is written by a macro");
        return false;
      }
      replace(address, var + "->" + g.name, "OG201");
      if (h.adds_gc && !use_gc_allocator(u)) return false;
    }
    return true;
  }

  // `{"__weaklistoffset__", ...}` and the like go before the {NULL} entry of the type's members
  // table, on lines of their own when the sentinel has one, in the table's indent.
  void add_offset_members(const HeapTypeText& h) {
    if (h.member_entries.empty()) return;
    const SourceRange& sentinel = h.members_sentinel;
    const std::string& src = text(sentinel.file);
    size_t start = line_start(src, sentinel.begin);
    std::string text;
    if (only_whitespace(src, start, sentinel.begin)) {
      std::string indent = src.substr(start, sentinel.begin - start);
      for (const std::string& e : h.member_entries) text += indent + e + "\n";
      insert(sentinel.file, static_cast<unsigned>(start), text, "OG201");
    } else {
      for (const std::string& e : h.member_entries) text += e + " ";
      insert(sentinel.file, sentinel.begin, text, "OG201");
    }
  }

  // The slots and spec replace the static definition, unless fields set at run time were folded
  // in: their values (functions, tables) may be declared only after it, so the definition goes
  // right before the function that readies the type, where all of them are known.
  void place_definition(const Global& g, const HeapTypeText& h) {
    bool folded = std::any_of(g.uses.begin(), g.uses.end(), [&](const GlobalUse& u) { return folded_fields_.count(&u); });
    const Function* readier = nullptr;
    for (const GlobalUse& u : g.uses)
      if (u.passed_to == "PyType_Ready") readier = module_function(u.function);
    if (!folded || !readier || readier->range.file != g.decl.file || readier->range.begin < g.decl.end) {
      replace(g.decl, h.definition, "OG201");
      return;
    }
    remove_statement(g.decl);
    insert(readier->range.file, static_cast<unsigned>(line_start(text(readier->range.file), readier->range.begin)),
           h.definition + "\n\n", "OG201");
  }

  // `PyType_Ready(&T)` in the exec function -> `create_type(module, &T_spec, base, &st->T)`.
  bool create_type_at(const GlobalUse& u, const Global& g, const HeapTypeText& h, const std::string& var,
                      const InitFunction& init, const std::set<std::string>& execs) {
    const Function* f = module_function(u.function);
    const Call* call = nullptr;
    if (f)
      for (const Call& c : f->calls)
        if (c.callee == u.passed_to && c.range.valid() && c.range.file == u.range.file && c.range.begin <= u.range.begin &&
            u.range.end <= c.range.end)
          call = &c;
    if (!f || (!execs.count(f->name) && !readying_helpers_.count(f->name))) {
      refuse(u.loc, "'" + g.name + "' is readied in '" + u.function + "', which is not the module's init or exec "
                        "function, nor a helper only they call: create the type there by hand");
      return false;
    }
    if (!call) {
      refuse(u.loc, "this call readying '" + g.name + "' is written by a macro");
      return false;
    }
    std::string module = readying_helpers_.count(f->name)                                     ? readying_helpers_.at(f->name)
                         : f->name == init.builder && init.style == InitStyle::SinglePhase ? init_module_param_
                                                                                            : module_parameter(*f, "OG201");
    std::string slot = "&" + var + "->" + g.name;
    if (h.spec.empty()) {  // PyStructSequence_InitType2(&T, desc)
      const std::string& src = text(call->range.file);
      std::string args = src.substr(call->args_begin, call->range.end - 1 - call->args_begin);
      size_t comma = args.find(',');
      if (comma == std::string::npos) {
        refuse(u.loc, "cannot read the description argument of this call");
        return false;
      }
      std::string desc = args.substr(comma + 1);
      desc.erase(0, desc.find_first_not_of(" \t\n"));
      replace(call->range, helper("create_struct_sequence") + "(" + desc + ", " + slot + ")", "OG201");
      return true;
    }
    std::string base = h.module_base.empty() ? "NULL" : var + "->" + h.module_base;
    replace(call->range, helper("create_type") + "(" + module + ", &" + h.spec + ", " + base + ", " + slot + ")", "OG201");
    return true;
  }

  // A type that becomes GC-tracked needs its objects allocated with the GC header.
  bool use_gc_allocator(const GlobalUse& u) {
    static const std::map<std::string, std::string> gc_versions = {{"PyObject_New", "PyObject_GC_New"},
                                                                   {"PyObject_NEW", "PyObject_GC_New"},
                                                                   {"PyObject_NewVar", "PyObject_GC_NewVar"},
                                                                   {"PyObject_NEW_VAR", "PyObject_GC_NewVar"}};
    auto it = gc_versions.find(u.in_macro_call);
    if (it == gc_versions.end()) return true;
    const SourceRange& r = u.macro_call_range;
    if (!r.valid() || text(r.file).compare(r.begin, it->first.size(), it->first) != 0) {
      refuse(u.loc, "cannot find the " + it->first + " call to make it allocate a GC object");
      return false;
    }
    rename_macro_call(r, it->first, it->second);
    return true;
  }

  // `PyObject_New(T, type)` with a type pointer (a helper's parameter, `Py_TYPE(self)`) may now be
  // given a type that became GC-tracked, whose objects need the GC header: PyType_GenericAlloc
  // allocates right for GC and other types alike (and zero-fills, which PyObject_New did not).
  void allocate_through_type_pointers() {
    static const std::set<std::string> allocators = {"_PyObject_New", "_PyObject_NewVar"};
    for (const Function& f : model_.functions) {
      if (!module_.files.count(f.loc.file)) continue;
      for (const Call& c : f.calls) {
        if (!allocators.count(c.callee) || !c.macro_range.valid()) continue;
        const SourceRange& r = c.macro_range;
        std::string spelled = text(r.file).substr(r.begin, r.end - r.begin);
        std::vector<std::string> args = macro_arguments(spelled);
        static const std::set<std::string> spellings = {"PyObject_New", "PyObject_NEW", "PyObject_NewVar", "PyObject_NEW_VAR"};
        std::string name = spelled.substr(0, spelled.find('('));
        bool var = c.callee == "_PyObject_NewVar";
        if (!spellings.count(name) || args.size() != (var ? 3u : 2u))
          return refuse(c.loc, "'" + f.name + "' allocates an object through macro '" + name + "', which fix cannot "
                               "rewrite; a converted type is GC-tracked now and needs PyType_GenericAlloc or PyObject_GC_New");
        if (args[1].rfind('&', 0) == 0) continue;  // a type named directly: the GC rename handles it
        replace(r, "((" + args[0] + " *)PyType_GenericAlloc(" + args[1] + ", " + (var ? args[2] : "0") + "))", "OG201");
      }
    }
  }

  // The METH_METHOD entry points go right before their method table, in the table's order.
  void insert_entry_points() {
    std::stable_sort(entry_points_.begin(), entry_points_.end(), [](const EntryPoint& a, const EntryPoint& b) {
      return std::tie(a.table->decl.file, a.table->decl.begin, a.row) < std::tie(b.table->decl.file, b.table->decl.begin, b.row);
    });
    for (const EntryPoint& e : entry_points_) {
      const SourceRange& decl = e.table->decl;
      insert(decl.file, static_cast<unsigned>(line_start(text(decl.file), decl.begin)), e.definition, "OG201");
    }
  }

  // The arguments of a macro invocation as spelled, trimmed: `M(a, f(b, c))` -> {"a", "f(b, c)"}.
  static std::vector<std::string> macro_arguments(const std::string& call) {
    std::vector<std::string> out;
    size_t open = call.find('(');
    if (open == std::string::npos || call.empty() || call.back() != ')') return out;
    std::string current;
    int depth = 0;
    auto flush = [&] {
      size_t b = current.find_first_not_of(" \t\n"), e = current.find_last_not_of(" \t\n");
      out.push_back(b == std::string::npos ? "" : current.substr(b, e + 1 - b));
      current.clear();
    };
    for (size_t i = open + 1; i + 1 < call.size(); ++i) {
      char ch = call[i];
      if (ch == '(' || ch == '[' || ch == '{') ++depth;
      if (ch == ')' || ch == ']' || ch == '}') --depth;
      if (ch == ',' && depth == 0) flush();
      else current += ch;
    }
    flush();
    return out;
  }

  // `PyObject_New(T, ...)` spelled at `call` becomes `PyObject_GC_New(T, ...)`: only the name changes.
  void rename_macro_call(const SourceRange& call, const std::string& from, const std::string& to) {
    replace({call.file, call.begin, static_cast<unsigned>(call.begin + from.size())}, to, "OG201");
  }

  // Instances of a heap type own a reference to it: tp_dealloc releases it, tp_traverse visits it,
  // and a type that becomes GC-tracked stops being tracked before it is torn down.
  bool adjust_for_heap_type(const StaticType& t, const HeapTypeText& h) {
    FileStyle st = style_of(t.loc.file, text(t.loc.file));
    const std::string& in = st.indent;
    // Several types may share a traverse or dealloc function: it is adjusted once.
    if (const Function* f = h.traverse.empty() ? nullptr : model_.function(h.traverse, t.loc.file);
        f && !f->visits_type && adjusted_.insert(f->key()).second) {
      std::string self = f->params.empty() ? "" : f->params[0].name;
      if (self.empty() || self.rfind("_unused_", 0) == 0 || !f->body_begin) {
        refuse(f->loc, "cannot find the object parameter of '" + f->name + "'");
        return false;
      }
      insert(f->range.file, f->body_begin, "\n" + in + "Py_VISIT(Py_TYPE(" + self + "));", "OG201");
    }
    const Function* f = h.dealloc.empty() ? nullptr : model_.function(h.dealloc, t.loc.file);
    if (!f || f->releases_type || !adjusted_.insert(f->key()).second) return true;
    const std::string& src = text(f->range.file);
    std::string body = src.substr(f->body_begin, f->range.end - f->body_begin);
    std::string self = f->params.empty() ? "" : f->params[0].name;
    if (self.empty() || !f->body_begin || src[f->range.end - 1] != '}') {
      refuse(f->loc, "cannot find the object parameter or the body of '" + f->name + "'");
      return false;
    }
    if (body.find("return") != std::string::npos) {
      refuse(f->loc, "'" + f->name + "' returns early: release the heap type (Py_DECREF(Py_TYPE(self))) by hand");
      return false;
    }
    if (h.adds_gc && !free_with_gc_allocator(*f)) return false;
    std::string tp = f->locals.count("tp") ? "self_type" : "tp";
    insert(f->range.file, f->body_begin,
           "\n" + in + "PyTypeObject *" + tp + " = Py_TYPE(" + self + ");" +
               (h.adds_gc ? "\n" + in + "PyObject_GC_UnTrack(" + self + ");" : ""),
           "OG201");
    size_t close = f->range.end - 1, start = line_start(src, close);
    if (only_whitespace(src, start, close))
      insert(f->range.file, static_cast<unsigned>(start), in + "Py_DECREF(" + tp + ");\n", "OG201");
    else
      insert(f->range.file, static_cast<unsigned>(close), " Py_DECREF(" + tp + "); ", "OG201");
    return true;
  }

  // Memory of a GC object starts before the object: `PyObject_Del(self)` in the dealloc of a type
  // that becomes GC-tracked must be `PyObject_GC_Del(self)`.
  bool free_with_gc_allocator(const Function& dealloc) {
    static const std::set<std::string> plain_frees = {"PyObject_Del", "PyObject_DEL", "PyObject_Free", "PyObject_FREE"};
    for (const Call& c : dealloc.calls) {
      if (c.callee != "PyObject_Free" && c.callee != "PyObject_Del") continue;
      const SourceRange& r = c.macro.empty() ? c.range : c.macro_range;
      std::string spelled = r.valid() ? text(r.file).substr(r.begin, r.end - r.begin) : "";
      std::string name = spelled.substr(0, spelled.find('('));
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
      if (!plain_frees.count(name)) {
        refuse(c.loc, "'" + dealloc.name + "' frees the object in a way fix cannot rewrite: a GC type needs "
                      "PyObject_GC_Del or Py_TYPE(self)->tp_free(self)");
        return false;
      }
      rename_macro_call(r, name, "PyObject_GC_Del");
    }
    return true;
  }

  // Ported types use what owngil_compat.h provides on older Pythons: the file includes it right
  // after <Python.h>, and the header is added beside it unless the tree has one.
  void include_compat_header(const std::string& target) {
    // In one translation unit made of headers, the file that includes them all includes it once.
    const std::string& file = single_unit_main_.empty() ? target : single_unit_main_;
    if (!compat_included_.insert(file).second) return;
    const std::string& src = text(file);
    if (src.find("owngil_compat.h") != std::string::npos) return;
    size_t dir_end = file.find_last_of('/');
    std::string header = (dir_end == std::string::npos ? "" : file.substr(0, dir_end + 1)) + "owngil_compat.h";
    if (read_(header).empty()) plan_.new_files[header] = kCompatHeader;
    size_t at = std::string::npos;
    for (size_t pos = 0; pos < src.size();) {
      size_t nl = src.find('\n', pos);
      std::string line = src.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (line.find("#include") != std::string::npos && line.find("Python.h") != std::string::npos) {
        at = nl == std::string::npos ? src.size() : nl + 1;
        break;
      }
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    if (at == std::string::npos) return refuse({file, 1, 1}, "cannot find where " + file + " includes <Python.h>, to include owngil_compat.h after it");
    insert(file, static_cast<unsigned>(at), "#include \"owngil_compat.h\"\n", "OG201");
  }

  // A module spread over files needs its state type in a header that every one of them includes:
  // the one that already declares a global (`extern PyObject *x;`), where the struct replaces it.
  // Headers that only one file includes, all together one translation unit (multidict's
  // `_multidict.c` includes `_multilib/*.h`): the state goes before the first moved variable or
  // function that needs it, in the order the compiler reads them.
  bool place_in_single_unit(const std::vector<const Global*>& globals, const std::set<std::string>& needs,
                            const std::set<std::string>& files, std::string* file, unsigned* at) {
    const TranslationUnit* unit = nullptr;
    for (const TranslationUnit& tu : model_.units) {
      bool has_all = std::all_of(files.begin(), files.end(), [&](const std::string& f) { return tu.user_files.count(f); });
      bool shares = std::any_of(files.begin(), files.end(), [&](const std::string& f) { return tu.user_files.count(f); });
      if (has_all && !unit) unit = &tu;
      else if (shares) return false;  // another unit includes one of the files too
    }
    if (!unit) return false;
    // A place's key: the offsets of the #includes leading to it from the main file, then its own.
    auto key = [&](const std::string& f, unsigned offset) {
      std::vector<unsigned> path{offset};
      std::string at = f;
      for (int depth = 0; at != unit->main_file && depth < 64; ++depth) {
        auto site = unit->included_at.find(at);
        if (site == unit->included_at.end()) return std::vector<unsigned>{};
        path.insert(path.begin(), site->second.second);
        at = site->second.first;
      }
      return path;
    };
    std::vector<unsigned> best;
    auto consider = [&](const std::string& f, unsigned offset) {
      std::vector<unsigned> here = key(f, offset);
      if (!here.empty() && (best.empty() || here < best)) best = here, *file = f, *at = offset;
    };
    for (const Global* g : globals)
      if (g->storage != Storage::FunctionStatic) consider(g->decl.file, g->decl.begin);
    for (const std::string& name : needs)
      if (const Function* f = module_function(name)) consider(f->range.file, f->range.begin);
    for (const Prototype& p : model_.prototypes)
      if (needs.count(p.function) && files.count(p.file)) consider(p.file, p.params_begin);
    if (best.empty()) return false;
    single_unit_main_ = unit->main_file;
    return true;
  }

  bool place_in_shared_header(const std::vector<const Global*>& globals, const std::set<std::string>& files,
                              const std::set<std::string>& receivers, std::string* header, unsigned* at) {
    auto included_by_all = [&](const std::string& h) {
      return std::all_of(files.begin(), files.end(), [&](const std::string& f) {
        return f == h || std::any_of(model_.units.begin(), model_.units.end(), [&](const TranslationUnit& tu) {
                 return tu.main_file == f && tu.user_files.count(h);
               });
      });
    };
    header->clear();
    *at = UINT32_MAX;
    for (const Global* g : globals)
      for (const SourceRange& r : g->redeclarations) {
        if (!included_by_all(r.file)) continue;
        if (header->empty()) *header = r.file;  // the first such header; offsets only within it
        if (r.file == *header) *at = std::min(*at, r.begin);
      }
    if (header->empty()) {
      refuse(globals.front()->loc, "the module state is used in several files, and no header they all include declares one of its globals");
      return false;
    }
    for (const Prototype& p : model_.prototypes)
      if (p.file == *header && p.params_begin && p.params_begin < *at && receivers.count(p.function)) {
        refuse({p.file, 0, 0}, "the prototype of '" + p.function + "' comes before the place for the state type");
        return false;
      }
    return true;
  }

  std::string other_module_sharing(const std::string& file) const {
    for (const Module& m : model_.modules)
      if (m.name != module_.name && m.files.count(file)) return m.name;
    return "";
  }

  const Function* module_function(const std::string& name) {
    for (const Function& f : model_.functions)
      if (f.name == name && module_.files.count(f.loc.file)) return &f;
    return nullptr;
  }

  // What the exec function made of PyInit calls its module: `module`, unless PyInit has a local
  // of that name (often the module it creates), which would shadow it.
  std::string exec_parameter_name(const InitFunction& init) const {
    const Function* f = model_.function(init.builder);
    std::string name = "module";
    for (int i = 2; f && f->locals.count(name); ++i) name = "module_" + std::to_string(i);
    return name;
  }

  // The functions that fill the module: its Py_mod_exec functions, and PyInit when it will become one.
  std::set<std::string> exec_functions(const InitFunction& init, const ModuleDef& def) {
    std::set<std::string> execs;
    if (init.style == InitStyle::SinglePhase) execs.insert(init.builder);
    if (const SlotTable* slots = model_.module_slots(def.slots))
      for (const SlotEntry& e : slots->entries)
        if (e.id == 2) execs.insert(e.value);
    return execs;
  }

  std::set<std::string> module_level_functions(const ModuleDef& def) {
    std::set<std::string> out;
    for (const MethodTable& t : model_.method_tables)
      if (t.owner == MethodOwner::Module && t.owner_name == def.name)
        for (const MethodEntry& e : t.entries) out.insert(e.function);
    return out;
  }

  // `st = get_state(module)` as the first statement.
  bool fetch_state_at_start(const Function& f, bool is_converted_init, const std::string& var, const std::string& getter,
                            const std::string& state_type, const FileStyle& st) {
    std::string module_param = is_converted_init ? init_module_param_ : module_parameter(f, "OG101");
    if (module_param.empty() || !f.body_begin) {
      refuse(f.loc, "cannot find the module parameter of '" + f.name + "'");
      return false;
    }
    insert(f.range.file, f.body_begin,
           "\n" + st.indent + state_type + " *" + var + " = " + getter + "(" + module_param + ");", "OG101");
    return true;
  }

  // The name of a module function's first parameter, the module; an unnamed or Py_UNUSED one is
  // named (once, whichever repair asks first). Empty when it cannot be found.
  std::string module_parameter(const Function& f, const char* rule) {
    auto known = module_params_.find(f.key());
    if (known != module_params_.end()) return known->second;
    if (f.params.empty() || !f.params[0].range.valid()) return "";
    const Param& p = f.params[0];
    std::string name = p.name;
    if (p.name.empty()) {
      name = "module";
      const std::string& src = text(p.range.file);
      bool after_star = p.range.end > 0 && src[p.range.end - 1] == '*';
      insert(p.range.file, p.range.end, after_star ? "module" : " module", rule);
    } else if (p.name.rfind("_unused_", 0) == 0) {  // Py_UNUSED(module)
      name = p.name.substr(strlen("_unused_"));
      plan_.edits.push_back({p.range.file, p.range.begin, p.range.end, "PyObject *" + name});
    }
    return module_params_[f.key()] = name;
  }

  // ---- OG302: PyState_FindModule/AddModule give way to the module at hand ------------------

  // Module functions and exec functions have the module as their first parameter, so
  // `PyState_FindModule(&def)` becomes that parameter; registering with PyState_AddModule goes.
  void use_module_at_hand(const InitFunction& init, const ModuleDef& def) {
    std::set<std::string> methods = module_level_functions(def), execs = exec_functions(init, def);
    for (const Function& f : model_.functions) {
      if (!module_.files.count(f.loc.file)) continue;
      for (const Call& c : f.calls) {
        if (c.callee.rfind("PyState_", 0) != 0 || !c.is_python_api) continue;
        if (!c.range.valid()) return refuse(c.loc, "this call to " + c.callee + " is written by a macro");
        bool converted_init = f.name == init.builder && init.style == InitStyle::SinglePhase;
        if (c.callee == "PyState_AddModule" && (execs.count(f.name))) {
          if (!c.statement_is_call_or_check)
            return refuse(c.loc, "the result of PyState_AddModule is used: remove the registration by hand");
          remove_statement(c.statement);
          plan_.repaired.insert("OG302");
        } else if (c.callee == "PyState_FindModule" && (methods.count(f.name) || execs.count(f.name))) {
          std::string module = converted_init ? (init.module_variable.empty() ? init_module_param_ : init.module_variable)
                                              : module_parameter(f, "OG302");
          if (module.empty()) return refuse(f.loc, "cannot find the module parameter of '" + f.name + "'");
          if (converted_init && init.module_variable.empty()) init_needs_state_ = true;
          replace(c.range, module, "OG302");
        } else {
          return refuse(c.loc, c.callee + " in '" + f.name +
                                   "', which has no module at hand: pass the module or its state to it by hand");
        }
      }
    }
  }

  // Lines removed one after another (`static PyTypeObject A;` then B, C) between two blank lines
  // would leave both blank lines: the run takes the one after it, as a single removal does.
  void take_blank_line_after_removed_runs() {
    std::vector<Edit*> removals;
    for (Edit& e : plan_.edits)
      if (e.text.empty() && e.end > e.begin) removals.push_back(&e);
    std::sort(removals.begin(), removals.end(), [](const Edit* a, const Edit* b) {
      return a->file != b->file ? a->file < b->file : a->begin < b->begin;
    });
    for (size_t i = 0; i < removals.size();) {
      size_t j = i;
      while (j + 1 < removals.size() && removals[j + 1]->file == removals[i]->file && removals[j + 1]->begin == removals[j]->end) ++j;
      const std::string& src = text(removals[i]->file);
      unsigned begin = removals[i]->begin, end = removals[j]->end;
      bool whole_lines = begin == line_start(src, begin) && end > 0 && src[end - 1] == '\n';
      bool blank_before = blank_line_before(src, begin), blank_after = blank_line_at(src, end);
      bool ends_with_blank = blank_line_before(src, end);  // the last removal took a blank line already
      bool edit_there = std::any_of(plan_.edits.begin(), plan_.edits.end(), [&](const Edit& e) {
        return e.file == removals[i]->file && e.begin == end;
      });
      if (j > i && whole_lines && blank_before && blank_after && !ends_with_blank && !edit_there) removals[j]->end++;
      i = j + 1;
    }
  }

  // Removing a statement removes what other repairs did inside it (an `if` that checked
  // PyState_AddModule loses its error path, and the edits there with it).
  void drop_redundant_edits() {
    // One use spelled once can be seen twice (`Py_SETREF(g, v)` also names g in __typeof__).
    auto same = [](const Edit& a, const Edit& b) {
      return a.file == b.file && a.begin == b.begin && a.end == b.end && a.text == b.text;
    };
    for (size_t i = 0; i < plan_.edits.size(); ++i)
      for (size_t j = plan_.edits.size(); j-- > i + 1;)
        if (same(plan_.edits[i], plan_.edits[j]) && plan_.edits[i].end > plan_.edits[i].begin)
          plan_.edits.erase(plan_.edits.begin() + static_cast<long>(j));
    std::vector<Edit> removals;
    for (const Edit& e : plan_.edits)
      if (e.text.empty() && e.end > e.begin) removals.push_back(e);
    auto inside = [&](const Edit& e) {
      return std::any_of(removals.begin(), removals.end(), [&](const Edit& r) {
        if (r.file != e.file || (r.begin == e.begin && r.end == e.end && e.text.empty())) return false;
        // An insertion at either end of the removed text stays: it belongs before or after it.
        if (e.begin == e.end) return r.begin < e.begin && e.begin < r.end;
        return r.begin <= e.begin && e.end <= r.end;
      });
    };
    plan_.edits.erase(std::remove_if(plan_.edits.begin(), plan_.edits.end(), inside), plan_.edits.end());
  }

  // `entry_table`: a method table whose reference to `f` is rewritten to an entry point that
  // passes the state, so it does not count as the address escaping.
  bool pass_state_as_parameter(const Function& f, const std::string& var, const std::string& state_type,
                               const std::string& entry_table = "", const std::string& extra_param = "") {
    bool escapes = std::any_of(model_.address_taken.begin(), model_.address_taken.end(), [&](const AddressTaken& a) {
      return a.function == f.name && module_.files.count(a.loc.file) && (entry_table.empty() || a.in_global != entry_table);
    });
    std::vector<const Prototype*> prototypes;
    for (const Prototype& p : model_.prototypes)
      if (p.function == f.name && (!f.is_static || p.file == f.loc.file)) prototypes.push_back(&p);
    bool foreign_prototype = std::any_of(prototypes.begin(), prototypes.end(),
                                         [&](const Prototype* p) { return !module_.files.count(p->file) || !p->params_begin; });
    std::string why = escapes ? "its address is taken (a callback or table entry with a fixed signature)"
                      : foreign_prototype ? "it has a prototype outside the module or written by a macro"
                      : !f.params_begin ? "its parameter list is written by a macro" : "";
    if (!why.empty()) {
      refuse(f.loc, "'" + f.name + "' needs the module state (" + chain_to_state(f.name) + ") but cannot receive it: " + why);
      return false;
    }
    std::string param = state_type + " *" + var + (extra_param.empty() ? "" : ", " + extra_param);
    add_first_parameter(f.range.file, f.params_begin, f.void_params, !f.params.empty(), param);
    for (const Prototype* p : prototypes) add_first_parameter(p->file, p->params_begin, p->void_params, p->has_params, param);
    return true;
  }

  // Why a function needs the state: "calls 'a', which calls 'b', which uses 'counter'".
  std::string chain_to_state(const std::string& function) {
    std::string chain, name = function;
    for (int hops = 0; hops < 32; ++hops) {
      auto step = reached_through_.find(name);
      if (step == reached_through_.end()) break;
      chain += (chain.empty() ? "" : ", which ") + step->second;
      if (step->second.rfind("calls '", 0) != 0) break;
      name = step->second.substr(7, step->second.size() - 8);
    }
    return chain;
  }

  void add_first_parameter(const std::string& file, unsigned at, bool void_params, bool has_params, const std::string& param) {
    if (void_params && text(file).compare(at, 4, "void") == 0)
      plan_.edits.push_back({file, at, at + 4, param});
    else
      insert(file, at, has_params ? param + ", " : param, "OG101");
  }

  std::string gc_hooks(const std::vector<const Global*>& objects, const std::string& state_type,
                       const std::string& getter, const FileStyle& st) {
    auto each = [&](const char* macro) {
      std::string body;
      for (const Global* g : objects) {
        std::string m = "st->" + member_name(*g);
        if (g->type.find('[') != std::string::npos)
          body += st.indent + "for (size_t i = 0; i < sizeof(" + m + ") / sizeof(" + m + "[0]); i++) {\n" + st.indent +
                  st.indent + macro + "(" + m + "[i]);\n" + st.indent + "}\n";
        else
          body += st.indent + macro + "(" + m + ");\n";
      }
      return body;
    };
    std::string fetch = st.indent + state_type + " *st = " + getter + "(module);\n";
    return "static int " + helper("traverse") + "(PyObject *module, visitproc visit, void *arg)\n{\n" + fetch +
           each("Py_VISIT") + st.indent + "return 0;\n}\n\nstatic int " + helper("clear") + "(PyObject *module)\n{\n" +
           fetch + each("Py_CLEAR") + st.indent + "return 0;\n}\n\nstatic void " + helper("free") + "(void *module)\n{\n" +
           st.indent + "(void)" + helper("clear") + "((PyObject *)module);\n}\n\n";
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
  MethodState method_state_;
  ModulePlan plan_;
  std::map<std::string, std::string> texts_;
  struct DefField {
    std::string field, value, rule;
  };
  std::vector<DefField> def_fields_;  // PyModuleDef fields to set, and the rule each repairs
  bool init_needs_state_ = false;
  std::string init_module_param_ = "module";  // the converted init uses its module parameter
  std::map<std::string, std::string> module_params_;    // function key -> its module parameter's name
  std::map<std::string, std::string> reached_through_;  // function -> "uses 'g'" or "calls 'helper'"
  std::map<std::string, HeapTypeText> types_;          // static type -> its heap-type text
  std::map<std::string, TypeAccess> type_access_;      // functions of converted types -> how they find the type
  std::map<std::string, std::string> helpers_;         // generated helper kind -> its name
  std::set<std::string> removed_tables_, compat_included_;
  std::set<std::string> adjusted_;  // traverse and dealloc functions already given their heap-type duties
  std::string def_ref_;  // C++: how code before the PyModuleDef reaches it (a function), else ""
  std::string single_unit_main_;  // the main file when the state spans headers of one unit
  std::set<std::string> execs_;                        // the functions that fill the module
  std::map<std::string, std::string> readying_helpers_;  // helper that readies types -> its new module parameter
  std::string replaced_free_;                          // an m_free the generated hooks replace
  std::set<const GlobalUse*> folded_fields_;           // `T.field = value;` moved into T's spec
  struct EntryPoint {
    const MethodTable* table;
    size_t row;              // index of the method's row in the table
    std::string definition;  // the entry point's text
  };
  std::vector<EntryPoint> entry_points_;
  bool uses_type_lookup_ = false, uses_operand_lookup_ = false;
  std::string size_rule_;
};

}  // namespace

std::vector<ModulePlan> plan_fixes(const Model& model, const std::vector<Finding>& findings, const FixOptions& options,
                                   const SourceReader& read) {
  std::vector<ModulePlan> plans;
  for (const Module& m : model.modules)
    plans.push_back(ModulePorter(model, m, read, options.method_state).plan(findings, options.rules));
  return plans;
}

}  // namespace owngil
