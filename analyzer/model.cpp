#include "owngil/model.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace owngil {

namespace {

template <typename T, typename KeyFn>
void append_unique(std::vector<T>& into, std::vector<T>&& from, KeyFn key) {
  std::set<std::string> seen;
  for (const T& item : into) seen.insert(key(item));
  for (T& item : from)
    if (seen.insert(key(item)).second) into.push_back(std::move(item));
}

std::string loc_key(const SourceLoc& l) {
  return l.file + ":" + std::to_string(l.line) + ":" + std::to_string(l.column);
}

void merge_uses(Global& into, std::vector<GlobalUse>&& uses) {
  std::set<std::string> seen;
  for (const GlobalUse& u : into.uses) seen.insert(loc_key(u.loc));
  for (GlobalUse& u : uses)
    if (seen.insert(loc_key(u.loc)).second) into.uses.push_back(std::move(u));
}

// A global declared in a header and defined in one .c file is one global: keep the definition.
void merge_globals(std::vector<Global>& into, std::vector<Global>&& from) {
  std::map<std::string, size_t> index;
  auto identity = [](const Global& g) {
    // External globals are one object across files; statics are one per file.
    return g.storage == Storage::External ? "extern:" + g.name : g.key();
  };
  for (size_t i = 0; i < into.size(); ++i) index[identity(into[i])] = i;
  for (Global& g : from) {
    auto it = index.find(identity(g));
    if (it == index.end()) {
      index[identity(g)] = into.size();
      into.push_back(std::move(g));
      continue;
    }
    Global& existing = into[it->second];
    for (const SourceRange& r : g.redeclarations)
      if (std::none_of(existing.redeclarations.begin(), existing.redeclarations.end(),
                       [&](const SourceRange& e) { return e.file == r.file && e.begin == r.begin; }))
        existing.redeclarations.push_back(r);
    // A unit that only declares it can come first: every fact of the definition comes with it
    // (its declaration statement above all, which the rewriter removes).
    if (g.is_definition && !existing.is_definition) {
      existing.loc = g.loc;
      existing.is_definition = true;
      existing.type = g.type;
      existing.kind = g.kind;
      existing.is_const = g.is_const;
      existing.decl = g.decl;
      existing.has_initializer = g.has_initializer;
      existing.zero_initialized = g.zero_initialized;
      existing.in_header = g.in_header;
      existing.object_fields = g.object_fields;
    }
    merge_uses(existing, std::move(g.uses));
  }
}

}  // namespace

namespace {

std::string global_identity(const Global& g) { return g.storage == Storage::External ? "extern:" + g.name : g.key(); }

std::string call_key(const Call& c) { return c.callee + "@" + loc_key(c.loc); }

// Tags every use of `uses` that `other` lacks with `label`.
void tag_uses_missing_from(std::vector<GlobalUse>& uses, const std::set<std::string>& other, const std::string& label) {
  for (GlobalUse& u : uses)
    if (!other.count(loc_key(u.loc)) && u.configuration.empty()) u.configuration = label;
}

std::set<std::string> use_keys(const std::vector<GlobalUse>& uses) {
  std::set<std::string> keys;
  for (const GlobalUse& u : uses) keys.insert(loc_key(u.loc));
  return keys;
}

// The globals of both configurations: a use either has is a use, tagged when only one has it.
void merge_configuration_globals(Model& base, std::vector<Global>&& alt, const std::string& base_label,
                                 const std::string& alt_label) {
  std::map<std::string, Global*> in_alt;
  for (Global& g : alt) in_alt[global_identity(g)] = &g;
  std::set<std::string> in_base;
  for (Global& g : base.globals) {
    in_base.insert(global_identity(g));
    auto it = in_alt.find(global_identity(g));
    std::set<std::string> alt_keys = it == in_alt.end() ? std::set<std::string>() : use_keys(it->second->uses);
    if (!base_label.empty()) tag_uses_missing_from(g.uses, alt_keys, base_label);
    if (it == in_alt.end()) continue;
    std::set<std::string> base_keys = use_keys(g.uses);
    for (GlobalUse& u : it->second->uses)
      if (base_keys.insert(loc_key(u.loc)).second) {
        u.configuration = alt_label;
        g.uses.push_back(std::move(u));
      }
  }
  for (Global& g : alt)
    if (!in_base.count(global_identity(g))) {
      tag_uses_missing_from(g.uses, {}, alt_label);
      base.globals.push_back(std::move(g));
    }
}

// A function both configurations define makes the calls of either (an assert() that calls a
// helper exists only without NDEBUG).
void merge_configuration_functions(Model& base, std::vector<Function>& alt) {
  std::map<std::string, Function*> by_key;
  for (Function& f : base.functions) by_key[f.key()] = &f;
  std::vector<Function> only_alt;
  for (Function& f : alt) {
    auto it = by_key.find(f.key());
    if (it == by_key.end()) {
      only_alt.push_back(std::move(f));
      continue;
    }
    Function& into = *it->second;
    std::set<std::string> calls;
    for (const Call& c : into.calls) calls.insert(call_key(c));
    for (Call& c : f.calls)
      if (calls.insert(call_key(c)).second) into.calls.push_back(std::move(c));
    into.locals.insert(f.locals.begin(), f.locals.end());
    into.releases_type = into.releases_type || f.releases_type;
    into.visits_type = into.visits_type || f.visits_type;
  }
  alt = std::move(only_alt);
}

}  // namespace

void merge_configuration(Model& base, Model&& alt, const std::string& base_label, const std::string& alt_label) {
  if (base.units.size() != 1 || alt.units.size() != 1 || alt.units[0].failed) return;
  TranslationUnit& tu = base.units[0];
  if (!base_label.empty() && tu.configurations.empty()) tu.configurations.push_back(base_label);
  tu.configurations.push_back(alt_label);
  std::set<std::string> errors;
  for (const ParseError& e : tu.errors) errors.insert(loc_key(e.loc) + e.message);
  for (const ParseError& e : alt.units[0].errors)
    if (!errors.count(loc_key(e.loc) + e.message)) tu.errors.push_back({e.loc, e.message + " (" + alt_label + ")"});
  alt.units.clear();
  merge_configuration_globals(base, std::move(alt.globals), base_label, alt_label);
  alt.globals.clear();
  merge_configuration_functions(base, alt.functions);
  merge_into(base, std::move(alt));
}

void merge_into(Model& model, Model&& unit) {
  for (TranslationUnit& tu : unit.units) model.units.push_back(std::move(tu));
  merge_globals(model.globals, std::move(unit.globals));
  append_unique(model.functions, std::move(unit.functions), [](const Function& f) { return f.key(); });
  append_unique(model.address_taken, std::move(unit.address_taken),
                [](const AddressTaken& a) { return a.function + "@" + loc_key(a.loc); });
  append_unique(model.inits, std::move(unit.inits), [](const InitFunction& i) { return i.name; });
  append_unique(model.prototypes, std::move(unit.prototypes),
                [](const Prototype& p) { return p.file + ":" + std::to_string(p.params_begin) + ":" + p.function; });
  auto by_loc_name = [](const auto& x) { return x.name + "@" + loc_key(x.loc); };
  append_unique(model.module_defs, std::move(unit.module_defs), by_loc_name);
  append_unique(model.module_slot_tables, std::move(unit.module_slot_tables), by_loc_name);
  append_unique(model.type_slot_tables, std::move(unit.type_slot_tables), by_loc_name);
  append_unique(model.method_tables, std::move(unit.method_tables), by_loc_name);
  append_unique(model.static_types, std::move(unit.static_types), by_loc_name);
  append_unique(model.sub_tables, std::move(unit.sub_tables), by_loc_name);
  append_unique(model.member_tables, std::move(unit.member_tables), by_loc_name);
  append_unique(model.getset_tables, std::move(unit.getset_tables), by_loc_name);
  append_unique(model.type_specs, std::move(unit.type_specs), by_loc_name);
  append_unique(model.state_structs, std::move(unit.state_structs), by_loc_name);
  append_unique(model.suppressions, std::move(unit.suppressions),
                [](const Suppression& s) { return s.file + ":" + std::to_string(s.line); });
  append_unique(model.inactive_regions, std::move(unit.inactive_regions), [](const InactiveRegion& r) {
    return r.file + ":" + std::to_string(r.begin_line);
  });
  if (model.python_include.empty()) model.python_include = unit.python_include;
}

namespace {

// A method table is a module's when a PyModuleDef's m_methods names it, a type's when tp_methods
// or a Py_tp_methods slot does.
void attribute_method_tables(Model& model) {
  constexpr int kTpMethods = 64;  // typeslots.h
  for (MethodTable& t : model.method_tables) {
    auto names_this = [&](const std::string& name, const SourceLoc& from) {
      return model.method_table(name, from.file) == &t;
    };
    auto own = [&](MethodOwner owner, const std::string& name, const SourceLoc& loc) {
      t.owner = owner, t.owner_name = name, t.owner_loc = loc;
    };
    for (const ModuleDef& d : model.module_defs)
      if (names_this(d.methods, d.loc)) own(MethodOwner::Module, d.name, d.loc);
    for (const StaticType& st : model.static_types)
      for (const TypeField& f : st.fields)
        if (f.field == "tp_methods" && names_this(f.value, st.loc)) own(MethodOwner::Type, st.name, st.loc);
    for (const TypeSpec& spec : model.type_specs)
      if (const SlotTable* slots = model.type_slots(spec.slots, spec.loc.file))
        for (const SlotEntry& e : slots->entries)
          if (e.id == kTpMethods && names_this(e.value, slots->loc)) own(MethodOwner::Type, spec.name, spec.loc);
  }
}

}  // namespace

// Files belong to the module whose translation unit defines PyInit_<name>; a unit without an init
// function joins the module that calls into it (through external functions), transitively. When the
// tree holds a single module, everything belongs to it.
void build_modules(Model& model) {
  attribute_method_tables(model);
  model.modules.clear();
  std::map<std::string, std::set<std::string>> owners;  // main file -> modules
  for (const InitFunction& init : model.inits) {
    Module m;
    m.name = init.module_name;
    m.init = init.name;
    m.def = init.def;
    model.modules.push_back(m);
    for (const TranslationUnit& tu : model.units)
      if (tu.user_files.count(init.loc.file)) owners[tu.main_file].insert(init.module_name);
  }
  bool changed = true;
  while (changed) {
    changed = false;
    for (const TranslationUnit& caller : model.units) {
      auto from = owners.find(caller.main_file);
      if (from == owners.end()) continue;
      for (const TranslationUnit& callee : model.units) {
        bool linked = std::any_of(caller.references.begin(), caller.references.end(),
                                  [&](const std::string& f) { return callee.defines.count(f) > 0; });
        if (!linked) continue;
        auto& mods = owners[callee.main_file];
        size_t before = mods.size();
        mods.insert(from->second.begin(), from->second.end());
        changed |= mods.size() != before;
        from = owners.find(caller.main_file);  // owners may have rehashed
      }
    }
  }
  for (Module& m : model.modules) {
    for (const TranslationUnit& tu : model.units) {
      auto it = owners.find(tu.main_file);
      bool owned = it != owners.end() ? it->second.count(m.name) > 0 : model.modules.size() == 1;
      if (owned) m.files.insert(tu.user_files.begin(), tu.user_files.end());
    }
  }
}

namespace {

// Among functions of one name, in model order, the one a call from `file` reaches: a static one
// of that file (any, when `file` is empty), else a static one of its translation unit (a file a
// unity build includes), else the last external one. A static function is seen only by its own
// translation unit; an external one by every file.
const Function* resolve_call(const Model& model, const std::vector<const Function*>& named, const std::string& file) {
  const Function *external = nullptr, *in_unit = nullptr;
  for (const Function* f : named) {
    if (!f->is_static) external = f;
    else if (file.empty() || f->loc.file == file) return f;
    else if (!in_unit && model.same_unit(f->loc.file, file)) in_unit = f;
  }
  return in_unit ? in_unit : external;
}

}  // namespace

const Function* Model::function(const std::string& name, const std::string& file) const {
  std::vector<const Function*> named;
  for (const Function& f : functions)
    if (f.name == name) named.push_back(&f);
  return resolve_call(*this, named, file);
}

bool Model::same_unit(const std::string& a, const std::string& b) const {
  if (a == b) return true;
  return std::any_of(units.begin(), units.end(),
                     [&](const TranslationUnit& tu) { return tu.user_files.count(a) && tu.user_files.count(b); });
}

namespace {
// The definition named `name` that a reference in `from` means: the one in that file, else one in
// its translation unit, else (external linkage, or no file given) the first.
template <typename T>
const T* resolve(const Model& model, const std::vector<T>& items, const std::string& name, const std::string& from) {
  const T *first = nullptr, *in_unit = nullptr;
  for (const T& item : items) {
    if (item.name != name) continue;
    if (!from.empty() && item.loc.file == from) return &item;
    if (!in_unit && !from.empty() && model.same_unit(item.loc.file, from)) in_unit = &item;
    if (!first) first = &item;
  }
  return in_unit ? in_unit : first;
}
}  // namespace

const ModuleDef* Model::module_def(const std::string& name, const std::string& from) const {
  return resolve(*this, module_defs, name, from);
}
const SlotTable* Model::module_slots(const std::string& name, const std::string& from) const {
  return resolve(*this, module_slot_tables, name, from);
}
const SlotTable* Model::type_slots(const std::string& name, const std::string& from) const {
  return resolve(*this, type_slot_tables, name, from);
}

const MemberTable* Model::member_table(const std::string& name, const std::string& file) const {
  for (const MemberTable& t : member_tables)
    if (t.name == name && t.loc.file == file) return &t;
  return nullptr;
}

const MethodTable* Model::method_table(const std::string& name, const std::string& from) const {
  return resolve(*this, method_tables, name, from);
}

const InitFunction* Model::init_for(const Module& m) const {
  for (const InitFunction& i : inits)
    if (i.name == m.init) return &i;
  return nullptr;
}

const ModuleDef* Model::def_of(const InitFunction& init) const {
  return module_def(init.def, init.create_call.valid() ? init.create_call.file : init.loc.file);
}

std::string Model::module_of(const std::string& file) const {
  std::string found;
  for (const Module& m : modules) {
    if (!m.files.count(file)) continue;
    if (!found.empty()) return "";  // shared between modules: no single owner
    found = m.name;
  }
  return found;
}

std::set<std::string> Model::reachable_from(const std::vector<std::string>& roots) const {
  // Functions by name, once: a walk over every call must not scan every function for each.
  std::unordered_map<std::string, std::vector<const Function*>> by_name;
  for (const Function& f : functions) by_name[f.name].push_back(&f);
  auto find = [&](const std::string& name, const std::string& file) -> const Function* {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : resolve_call(*this, it->second, file);
  };
  std::set<std::string> seen, visited;  // names; functions (a static name is one per file)
  std::vector<const Function*> todo;
  for (const std::string& r : roots) {
    auto it = by_name.find(r);
    if (it != by_name.end()) todo.insert(todo.end(), it->second.begin(), it->second.end());
  }
  while (!todo.empty()) {
    const Function* f = todo.back();
    todo.pop_back();
    if (!visited.insert(f->key()).second) continue;
    seen.insert(f->name);
    for (const Call& c : f->calls)
      if (!c.is_python_api)
        if (const Function* g = find(c.callee, f->loc.file)) todo.push_back(g);
  }
  return seen;
}

}  // namespace owngil
