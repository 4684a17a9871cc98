// What a project says about findings: suppression comments, a baseline of accepted findings.
#pragma once

#include <string>
#include <vector>

#include "owngil/model.h"
#include "owngil/rule.h"

namespace owngil {

// Drops findings covered by an `owngil: ignore[ID] reason` comment on their line (or alone on the
// line above). Returns how many it dropped; `dropped`, when given, receives them (the verdict names
// what it hid).
unsigned apply_suppressions(const Model& model, std::vector<Finding>& findings, std::vector<Finding>* dropped = nullptr);

// Something about the project's own annotations worth telling, not a finding: a suppression naming
// no rule, or covering nothing.
struct Notice {
  SourceLoc loc;        // column 0: the whole comment
  std::string tag;      // unknown-rule / unused-suppression
  std::string message;
};

// Suppression comments that name a rule the catalog does not know (with the nearest id), and those
// that cover none of `findings` (every finding the rules produced, shown or not), as ruff's RUF100
// does: a suppression outliving its finding would silently hide the next one on that line.
std::vector<Notice> check_suppressions(const Model& model, const std::vector<Finding>& findings);

// Where a unit was analysed in several configurations (with and without NDEBUG), a note on each
// finding about a global at every use only one configuration has: `note: only without NDEBUG`.
void annotate_configurations(const Model& model, std::vector<Finding>& findings);

// Baseline file: JSON {"version": 1, "findings": [{"rule", "file", "symbol", "message"}]}. A finding
// matches an entry with the same rule, file and symbol (each entry absorbs one finding), so line moves
// do not resurrect old findings but a second new global does show.
bool write_baseline(const std::string& path, const std::vector<Finding>& findings, std::string* error);
bool apply_baseline(const std::string& path, std::vector<Finding>& findings, unsigned* matched, std::string* error,
                    std::vector<Finding>* dropped = nullptr);

}  // namespace owngil
