#include "rule_helpers.h"

#include <set>

#include <algorithm>

namespace owngil::rules {

void note_macro_uses(const Global& g, Finding& f) {
  std::set<std::string> noted;
  for (const GlobalUse& u : g.uses) {
    if (u.macro.empty() || !noted.insert(u.macro).second) continue;
    if (u.macro_in_tree && u.spelling.valid()) {
      f.notes.push_back({u.loc, "used in the body of macro '" + u.macro +
                                    "' (defined in this tree): fix rewrites the body when every expansion can reach "
                                    "the module state"});
      continue;
    }
    if (u.name_pasted)
      f.notes.push_back({u.loc, "its name is pasted together (##) by macro '" + u.macro +
                                    "': no one place in the source spells it, so fix cannot rewrite it; port this use by hand"});
    else
      f.notes.push_back({u.loc, "used inside the expansion of macro '" + u.macro +
                                    "', defined outside this tree: fix cannot rewrite it there, port this use by hand"});
    if (f.fixable) f.manual_because = f.notes.back();
    f.fixable = false;
  }
}

// A const aggregate is never written: its object members keep the initializer's NULLs (or point at
// static objects, reported on their own).
bool is_object_aggregate(const Global& g) {
  return g.kind == GlobalKind::CData && !g.object_fields.empty() && !g.is_const;
}

std::string quoted_object_fields(const Global& g) {
  // The variable itself: a statically allocated object (`PyObject marker = {...}`) or a library
  // type holding objects (std::vector<PyObject *>).
  if (g.object_fields.size() == 1 && g.object_fields[0] == g.name) return "'" + g.name + "' itself";
  std::string out;
  for (const std::string& p : g.object_fields) out += (out.empty() ? "'" : ", '") + p + "'";
  return out;
}

void mark_aggregate_manual(const Global& g, Finding& f) {
  f.fixable = false;
  f.manual_because = Note{g.loc, "move it into the module state by hand: fix does not move aggregates yet"};
  note_every_use(g, f);
}

void note_every_use(const Global& g, Finding& f) {
  std::set<SourceLoc> seen;  // `Py_XSETREF(g.x, v)` reads, takes and writes at one place: one note
  for (const GlobalUse& u : g.uses) {
    if (!seen.insert(u.loc).second) continue;
    const char* what = u.kind == UseKind::Write ? "written here" : u.kind == UseKind::AddressOf ? "address taken here" : "read here";
    f.notes.push_back({u.loc, what + (u.function.empty() ? std::string(" in an initializer") : " in '" + u.function + "'")});
  }
}

const GlobalUse* first_use(const Global& g, UseKind kind) {
  for (const GlobalUse& u : g.uses)
    if (u.kind == kind) return &u;
  return nullptr;
}

std::vector<CallSite> calls_to(const Model& m, const std::vector<std::string>& names) {
  std::vector<CallSite> out;
  for (const Function& f : m.functions)
    for (const Call& c : f.calls)
      if (std::find(names.begin(), names.end(), c.callee) != names.end()) out.push_back({&f, &c});
  return out;
}

std::string describe_storage(const Global& g) {
  switch (g.storage) {
    case Storage::FileStatic: return "static global";
    case Storage::FunctionStatic: return "function-local static";
    case Storage::External: return "global";
  }
  return "global";
}

namespace {

const Function* function_around(const Model& m, const std::string& file, unsigned offset) {
  for (const Function& f : m.functions)
    if (f.range.file == file && f.range.begin <= offset && offset < f.range.end) return &f;
  return nullptr;
}

// The compiled code defines the same variable (in the same function, for a static local): an
// #ifdef/#else pair, or a header's second, skipped copy. Its own finding covers it.
bool compiled_here(const Model& m, const std::string& file, const std::string& function, const std::string& name) {
  return std::any_of(m.globals.begin(), m.globals.end(), [&](const Global& g) {
    return g.name == name && g.loc.file == file && g.function == function;
  });
}

}  // namespace

bool never_compiled(const std::string& condition) { return condition == "0" || condition == "!(1)"; }

std::string when(const InactiveRegion& r, const std::string& condition) {
  return condition.empty() ? "in the #if branch at lines " + std::to_string(r.begin_line) + "-" + std::to_string(r.end_line)
                           : "when " + condition;
}

std::vector<InactiveSite> inactive_definitions(const Model& m, GlobalKind kind, bool in_function) {
  std::vector<InactiveSite> out;
  std::set<std::string> seen;
  for (const InactiveRegion& r : m.inactive_regions)
    for (const InactiveDefinition& d : r.definitions) {
      if (d.kind != kind || never_compiled(d.condition)) continue;
      const Function* around = d.in_block ? nullptr : function_around(m, r.file, d.offset);
      bool local = d.in_block || around;
      if (local && !d.is_static) continue;  // an automatic variable: nothing outlives the call
      if (local != in_function) continue;
      std::string function = d.in_block ? d.function : around ? around->name : "";
      if (compiled_here(m, r.file, function, d.name)) continue;
      if (!seen.insert(r.file + ":" + function + ":" + d.name).second) continue;
      out.push_back({&r, &d, function});
    }
  return out;
}

Finding inactive_finding(const RuleInfo& info, const Model& m, const InactiveSite& s, const std::string& what,
                         const std::string& shares) {
  const InactiveRegion& r = *s.region;
  Finding f = finding(info, s.def->loc,
                      what + " is compiled only " + when(r, s.def->condition) + ", which this analysis did not see: where it is "
                          "built it " + shares + ", and fix cannot port code it does not compile",
                      s.function.empty() ? s.def->name : s.function + "::" + s.def->name);
  f.fixable = false;
  f.manual_because = Note{s.def->loc, "not compiled in the analysed configuration: analyse the configuration that "
                                      "compiles it (--extra-arg=-D...) or port it by hand"};
  for (const SourceLoc& at : s.def->mentions) f.notes.push_back({at, "used here, also only " + when(r, s.def->condition)});
  for (const InactiveRegion& other : m.inactive_regions)
    if (&other != &r && other.file == r.file && other.identifiers.count(s.def->name))
      f.notes.push_back({{other.file, other.begin_line, 1}, "mentioned in code compiled only " + when(other, other.condition)});
  return f;
}

}  // namespace owngil::rules
