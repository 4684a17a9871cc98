// From the model and its findings to an edit plan per module: what `owngil fix` does.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "owngil/edit.h"
#include "owngil/model.h"
#include "owngil/rule.h"

namespace owngil {

struct Refusal {
  SourceLoc loc;
  std::string reason;
};

struct ModulePlan {
  std::string module;
  std::vector<Edit> edits;           // empty with no refusals: nothing to do
  std::vector<Refusal> refusals;     // any refusal: the module is not touched at all
  std::set<std::string> repaired;    // rule ids this plan repairs
  std::map<std::string, std::string> new_files;  // files to add (root-relative path -> text)
  bool ported() const { return refusals.empty() && !edits.empty(); }
};

// Reads a file of the tree by its root-relative path ("" when unreadable).
using SourceReader = std::function<std::string(const std::string&)>;

// Repairs implemented so far: OG001 (single-phase into multi-phase init), OG002 (the
// per-interpreter GIL slot, and Py_mod_gil), OG003 (negative m_size). `rules` limits the repairs
// (empty: all). A module with any other finding is refused, with the reason, never half ported.
std::vector<ModulePlan> plan_fixes(const Model& model, const std::vector<Finding>& findings,
                                   const std::set<std::string>& rules, const SourceReader& read);

}  // namespace owngil
