// Rules: each a pure function of the Model that returns findings. One rule per file in rules/.
#pragma once

#include <set>
#include <optional>
#include <string>
#include <vector>

#include "owngil/model.h"

namespace owngil {

enum class Severity { Note = 0, Warning = 1, Error = 2 };
const char* severity_name(Severity s);
bool parse_severity(const std::string& text, Severity* out);

struct Note {
  SourceLoc loc;
  std::string message;
};

struct Finding {
  std::string rule;   // OG101
  Severity severity = Severity::Warning;
  SourceLoc loc;
  std::string message;
  std::vector<Note> notes;
  std::string symbol;  // what it is about (a global, a type, a function): stable across edits
  std::string module;  // the extension module it belongs to, "" when none
  bool fixable = false;  // `owngil fix` is meant to repair it (false: needs manual work)
  // When a finding of a fixable rule is not fixable here: where and why (e.g. a use in a macro body).
  std::optional<Note> manual_because;
};

struct RuleInfo {
  const char* id;        // stable: OG101
  const char* name;      // kebab-case: global-object
  Severity severity;
  bool fixable;
  const char* summary;   // one line, for `owngil rules` and SARIF
};

struct Rule {
  RuleInfo info;
  std::vector<Finding> (*check)(const Model&);
};

// The catalog, ordered by id.
const std::vector<Rule>& all_rules();
const Rule* find_rule(const std::string& id_or_name);
// The rule's documentation page (Markdown), embedded at build time from docs/rules/<id>.md.
std::string rule_doc(const std::string& id);

// Runs the selected rules (all when empty), fills in each finding's module, sorts by location.
std::vector<Finding> run_rules(const Model& model, const std::set<std::string>& selected = {});

// Helper for rules: a finding with the rule's defaults.
Finding finding(const RuleInfo& info, const SourceLoc& loc, std::string message, std::string symbol);

}  // namespace owngil
