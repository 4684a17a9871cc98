// OG204: a static type whose attributes read differently once it is a heap type (as OG201's port
// makes it): a getset or member named __module__, __annotations__ or __doc__, or a tp_name without
// a dot. Measured on 3.12 and 3.13; the rule page has the table. fix does not convert such a type
// silently: the finding needs a maintainer's decision (a suppression accepts the change).
#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG204", "heap-type-attributes", Severity::Warning, false,
                         "an attribute of the type reads differently once it is a heap type"};

// What changes for a type attribute of that name, when the type has a doc (tp_doc) or not; "" if nothing.
std::string change_for(const std::string& name, bool has_doc) {
  if (name == "__module__")
    return "a heap type reads its class's __module__ from its dict, where this descriptor is: 'T.__module__' "
           "becomes the descriptor object instead of the module name (pickle, repr of subclasses' bases, help "
           "and inspect read it)";
  if (name == "__annotations__")
    return "a heap type answers 'T.__annotations__' from its dict (this descriptor, where a static type raised "
           "AttributeError), and a heap subtype without one stores a new empty dict in its own dict on first "
           "access, which then hides this descriptor from the subtype's instances";
  if (name == "__doc__" && has_doc)
    return "PyType_FromSpec stores the type's doc (tp_doc) under __doc__ in the type's dict, in place of this "
           "descriptor: instances no longer reach it ('obj.__doc__' becomes the class docstring)";
  return "";
}

const TypeField* field_named(const StaticType& t, const std::string& field) {
  for (const TypeField& f : t.fields)
    if (f.field == field) return &f;
  return nullptr;
}

const MemberTable* table_named(const std::vector<MemberTable>& tables, const std::string& name, const std::string& file) {
  for (const MemberTable& t : tables)
    if (t.name == name && t.loc.file == file) return &t;
  return nullptr;
}

// The attribute tables a static type points to, in its initializer or assigned at run time.
std::vector<const MemberTable*> attribute_tables(const Model& m, const StaticType& t) {
  std::vector<const MemberTable*> out;
  auto add = [&](const std::string& field, const std::string& value) {
    const auto& tables = field == "tp_getset" ? m.getset_tables : m.member_tables;
    if (field != "tp_getset" && field != "tp_members") return;
    if (const MemberTable* table = table_named(tables, value, t.loc.file)) out.push_back(table);
  };
  for (const TypeField& f : t.fields) add(f.field, f.value);
  for (const Global& g : m.globals)
    if (g.name == t.name && g.loc.file == t.loc.file)
      for (const GlobalUse& u : g.uses)
        if (!u.field.empty()) add(u.field, u.field_value_name);
  return out;
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  for (const StaticType& t : m.static_types) {
    bool has_doc = field_named(t, "tp_doc") != nullptr;
    for (const MemberTable* table : attribute_tables(m, t))
      for (size_t i = 0; i < table->members.size(); ++i) {
        std::string why = change_for(table->members[i], has_doc);
        if (why.empty()) continue;
        SourceLoc at = i < table->member_locs.size() ? table->member_locs[i] : table->loc;
        Finding f = finding(kInfo, at,
                            "'" + table->members[i] + "' of static type '" + t.name + "' (in '" + table->name +
                                "') reads differently once the type is a heap type: " + why,
                            t.name + "." + table->members[i]);
        f.notes.push_back({t.loc, "the type, which must become a heap type (OG201)"});
        f.manual_because = Note{at, "the port would change what Python code sees; rename the attribute, or accept "
                                    "the change with a suppression comment"};
        out.push_back(std::move(f));
      }
    if (!t.tp_name.empty() && t.tp_name.find('.') == std::string::npos) {
      const TypeField* name = field_named(t, "tp_name");
      Finding f = finding(kInfo, name ? name->loc : t.loc,
                          "tp_name '" + t.tp_name + "' of static type '" + t.name + "' has no module part: a static "
                          "type's __module__ is then 'builtins', but a heap type made from it has none "
                          "('T.__module__' raises AttributeError, and its creation warns 'builtin type " + t.tp_name +
                          " has no __module__ attribute', an error under -W error)",
                          t.name);
      f.manual_because = Note{f.loc, "name it '<module>." + t.tp_name + "' (its repr and pickling by reference "
                                     "then name that module), or accept the change with a suppression comment"};
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace

Rule heap_type_attributes() { return {kInfo, check}; }

}  // namespace owngil::rules
