// What `owngil check` produced, and the writers that print it. Reporters know findings, never rules.
#pragma once

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "findings_filter.h"
#include "owngil/analyzer.h"
#include "owngil/rule.h"

namespace owngil {

// Isolated only when check saw all of the module and showed every finding: a module with findings
// hidden (suppressed, baselined, --select/--ignore) is IsolatedExceptHidden, one with input errors
// (a file that did not compile, a file not found) Incomplete.
enum class Verdict { Isolated, Automatic, Manual, IsolatedExceptHidden, Incomplete };
const char* verdict_id(Verdict v);     // isolated / automatic / manual / isolated-except-hidden / incomplete
const char* verdict_text(Verdict v);   // for people

struct ModuleSummary {
  std::string name;
  std::vector<std::string> files;
  Verdict verdict = Verdict::Isolated;
  unsigned errors = 0, warnings = 0, notes = 0, fixable = 0, manual = 0;
  unsigned suppressed = 0, baselined = 0, ignored = 0;  // its findings check did not show
  unsigned input_errors = 0;  // in its files (and the headers they include)
  unsigned stray_errors = 0;  // input errors in no module's files (a file not found, ...)
};
// The verdict for people, with what makes it so ("isolated except for 2 suppressed findings").
std::string verdict_text(const ModuleSummary& m);

// Findings check computed but does not show, by why.
struct HiddenFindings {
  std::vector<Finding> suppressed, baselined, ignored;
};

struct Report {
  const Model* model = nullptr;
  std::vector<Finding> findings;  // after suppressions and baseline
  std::vector<InputError> errors;
  std::vector<Notice> notices;  // about suppression comments: unknown rules, unused ones
  std::vector<ModuleSummary> modules;
  unsigned files_total = 0, files_analyzed = 0;
  std::string clang_resource_dir;  // Clang's builtin headers the analysis used
  unsigned suppressed = 0, baselined = 0;
};

// `refused`: modules `owngil fix` would not port; their verdict is manual work whatever the
// rules' fixable flags say, so check and fix never disagree.
std::vector<ModuleSummary> summarize(const Model& model, const std::vector<Finding>& findings,
                                     const std::set<std::string>& refused = {}, const HiddenFindings& hidden = {},
                                     const std::vector<InputError>& errors = {});

void write_text(std::ostream& out, std::ostream& err, const Report& report, bool color);
void write_json(std::ostream& out, const Report& report);
void write_sarif(std::ostream& out, const Report& report);
void write_github(std::ostream& out, const Report& report);   // GitHub Actions annotations
void write_concise(std::ostream& out, const Report& report);  // one line per finding
// `file:line: warning: message [tag]` per notice (text and concise put them on stderr).
void write_notices(std::ostream& err, const Report& report);

// A stable fingerprint of a finding (rule, file, symbol): survives edits that move lines.
std::string fingerprint(const Finding& f);

}  // namespace owngil
