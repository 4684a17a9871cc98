#include "owngil/model.h"

#include <algorithm>
#include <map>

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
    for (const ModuleDef& d : model.module_defs)
      if (d.methods == t.name) t.owner = MethodOwner::Module, t.owner_name = d.name;
    for (const StaticType& st : model.static_types)
      for (const TypeField& f : st.fields)
        if (f.field == "tp_methods" && f.value == t.name) t.owner = MethodOwner::Type, t.owner_name = st.name;
    for (const TypeSpec& spec : model.type_specs)
      if (const SlotTable* slots = model.type_slots(spec.slots))
        for (const SlotEntry& e : slots->entries)
          if (e.id == kTpMethods && e.value == t.name) t.owner = MethodOwner::Type, t.owner_name = spec.name;
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

const Function* Model::function(const std::string& name, const std::string& file) const {
  const Function* external = nullptr;
  for (const Function& f : functions) {
    if (f.name != name) continue;
    if (!f.is_static) external = &f;
    else if (file.empty() || f.loc.file == file) return &f;
  }
  return external;
}

const ModuleDef* Model::module_def(const std::string& name) const {
  for (const ModuleDef& d : module_defs)
    if (d.name == name) return &d;
  return nullptr;
}

namespace {
const SlotTable* find_table(const std::vector<SlotTable>& tables, const std::string& name) {
  for (const SlotTable& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}
}  // namespace

const SlotTable* Model::module_slots(const std::string& name) const {
  return find_table(module_slot_tables, name);
}
const SlotTable* Model::type_slots(const std::string& name) const {
  return find_table(type_slot_tables, name);
}

const MemberTable* Model::member_table(const std::string& name, const std::string& file) const {
  for (const MemberTable& t : member_tables)
    if (t.name == name && t.loc.file == file) return &t;
  return nullptr;
}

const MethodTable* Model::method_table(const std::string& name) const {
  for (const MethodTable& t : method_tables)
    if (t.name == name) return &t;
  return nullptr;
}

const InitFunction* Model::init_for(const Module& m) const {
  for (const InitFunction& i : inits)
    if (i.name == m.init) return &i;
  return nullptr;
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
  std::set<std::string> seen;
  std::vector<const Function*> todo;
  for (const std::string& r : roots)
    if (const Function* f = function(r)) todo.push_back(f);
  while (!todo.empty()) {
    const Function* f = todo.back();
    todo.pop_back();
    if (!seen.insert(f->name).second) continue;
    for (const Call& c : f->calls)
      if (!c.is_python_api)
        if (const Function* g = function(c.callee, f->loc.file)) todo.push_back(g);
  }
  return seen;
}

}  // namespace owngil
