// From the model and its findings to an edit plan per module: what `owngil fix` does.
#pragma once

#include <functional>
#include <map>
#include <memory>
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

struct PortPlan;  // the decisions behind the edits (rewriter/plan.h)

struct ModulePlan {
  std::string module;
  std::shared_ptr<const PortPlan> plan;  // null when the module's findings stopped planning early
  std::vector<Edit> edits;           // empty with no refusals: nothing to do
  std::vector<Refusal> refusals;     // any refusal: the module is not touched at all
  std::set<std::string> repaired;    // rule ids this plan repairs
  std::map<std::string, std::string> new_files;  // files to add (root-relative path -> text)
  bool ported() const { return refusals.empty() && !edits.empty(); }
};

// Reads a file of the tree by its root-relative path ("" when unreadable).
using SourceReader = std::function<std::string(const std::string&)>;

// How methods of converted types that need the module state reach it.
enum class MethodState {
  // The defining class (METH_METHOD) for METH_VARARGS methods, which CPython calls through a
  // tuple either way; the type's module (PyType_GetModuleByDef) for METH_NOARGS, METH_O and
  // METH_FASTCALL, whose calls CPython 3.11+ specializes and METH_METHOD would lose (measured in
  // docs/benchmarks.md).
  Fastest,
  DefiningClass,  // the defining class for every method whose calling convention converts
};

struct FixOptions {
  std::set<std::string> rules;  // repairs to make; empty: all
  MethodState method_state = MethodState::Fastest;
};

// The port plan of each module, then its repairs' edits (rewriter/fix_driver.cpp). A module with
// a finding fix cannot repair (or that `rules` leaves) is refused, with every reason, never half
// ported.
std::vector<ModulePlan> plan_fixes(const Model& model, const std::vector<Finding>& findings, const FixOptions& options,
                                   const SourceReader& read);

}  // namespace owngil
