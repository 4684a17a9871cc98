// A snippet's port plan, and one repair run on it alone: the tests of rewriter/plan*.cpp and of
// each file of rewriter/repairs/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plan.h"
#include "repairs/repair.h"

struct Planned {
  std::unique_ptr<owngil::Model> model;  // the plans point into it
  std::string code;
  std::vector<owngil::PortPlan> plans;
  const owngil::PortPlan& plan() const { return plans.at(0); }
};

Planned planned(const std::string& code, const owngil::FixOptions& options = {});

// The edits, refusals and rules of one repair on the snippet's first module.
owngil::RepairResult run_repair(const Planned& p, owngil::Repair repair);

// The snippet with only that repair's edits applied.
std::string applied(const Planned& p, const owngil::RepairResult& r);

// A single-phase module with a global, a helper, module functions and a static type (planned.cpp).
extern const char* const kTypedModule;
