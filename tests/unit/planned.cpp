#include "planned.h"

#include <catch2/catch.hpp>

#include "helpers.h"

using namespace owngil;

Planned planned(const std::string& code, const FixOptions& options) {
  Planned p;
  p.model = std::make_unique<Model>(analyze_snippet(code, "snippet.c"));
  p.code = code;
  for (const TranslationUnit& tu : p.model->units)
    for (const ParseError& e : tu.errors) FAIL_CHECK("the code does not compile: line " << e.loc.line << ": " << e.message);
  p.plans = plan_ports(*p.model, run_rules(*p.model), options, [code](const std::string&) { return code; });
  REQUIRE(!p.plans.empty());
  return p;
}

RepairResult run_repair(const Planned& p, Repair repair) {
  RepairContext ctx{*p.model, p.plan(), [&](const std::string&) -> const std::string& { return p.code; },
                    [](const std::string&) { return false; }};
  RepairResult out;
  repair(ctx, out);
  return out;
}

std::string applied(const Planned& p, const RepairResult& r) {
  std::string out, error;
  REQUIRE(apply_edits(p.code, r.edits, &out, &error));
  return out;
}
