#include <algorithm>
#include <map>

#include "owngil/rule.h"

namespace owngil {

// Each rule file defines one of these; listing them here (not through static registration, which
// a static library would drop) keeps the catalog explicit.
namespace rules {
Rule single_phase_init();
Rule multiple_interpreters_slot();
Rule negative_module_size();
Rule global_object();
Rule local_static_object();
Rule mutable_c_global();
Rule capsule_global();
Rule static_type();
Rule heap_type_gc();
Rule heap_type_dealloc();
Rule heap_type_attributes();
Rule gilstate_api();
Rule pystate_find_module();
Rule main_interpreter_call();
Rule process_wide_registration();
Rule state_without_gc_hooks();
Rule state_through_py_type();
}  // namespace rules

extern const std::map<std::string, const char*> kRuleDocs;  // generated from docs/rules/*.md

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "warning";
}

bool parse_severity(const std::string& text, Severity* out) {
  for (Severity s : {Severity::Note, Severity::Warning, Severity::Error})
    if (text == severity_name(s)) {
      *out = s;
      return true;
    }
  return false;
}

const std::vector<Rule>& all_rules() {
  static const std::vector<Rule> catalog = [] {
    std::vector<Rule> r = {
        rules::single_phase_init(),      rules::multiple_interpreters_slot(), rules::negative_module_size(),
        rules::global_object(),          rules::local_static_object(),        rules::mutable_c_global(),
        rules::capsule_global(),         rules::static_type(),                rules::heap_type_gc(),
        rules::heap_type_dealloc(),      rules::gilstate_api(),               rules::pystate_find_module(),
        rules::state_without_gc_hooks(), rules::state_through_py_type(),     rules::main_interpreter_call(),
        rules::heap_type_attributes(), rules::process_wide_registration(),
    };
    std::sort(r.begin(), r.end(), [](const Rule& a, const Rule& b) { return std::string(a.info.id) < b.info.id; });
    return r;
  }();
  return catalog;
}

const Rule* find_rule(const std::string& key) {
  for (const Rule& r : all_rules())
    if (key == r.info.id || key == r.info.name) return &r;
  return nullptr;
}

std::string rule_doc(const std::string& id) {
  auto it = kRuleDocs.find(id);
  return it == kRuleDocs.end() ? "" : it->second;
}

Finding finding(const RuleInfo& info, const SourceLoc& loc, std::string message, std::string symbol) {
  Finding f;
  f.rule = info.id;
  f.severity = info.severity;
  f.loc = loc;
  f.message = std::move(message);
  f.symbol = std::move(symbol);
  f.fixable = info.fixable;
  return f;
}

std::vector<Finding> run_rules(const Model& model, const std::set<std::string>& selected) {
  std::vector<Finding> out;
  for (const Rule& r : all_rules()) {
    if (!selected.empty() && !selected.count(r.info.id)) continue;
    for (Finding& f : r.check(model)) {
      if (f.module.empty()) f.module = model.module_of(f.loc.file);
      out.push_back(std::move(f));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (!(a.loc == b.loc)) return a.loc < b.loc;
    return a.rule < b.rule;
  });
  return out;
}

}  // namespace owngil
