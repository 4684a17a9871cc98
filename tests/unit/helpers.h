#pragma once

#include <string>
#include <vector>

#include "owngil/analyzer.h"
#include "owngil/rule.h"

// Findings of one rule on a snippet; fails the test if the rule is missing from the catalog.
std::vector<owngil::Finding> findings_of(const std::string& rule, const std::string& code,
                                         const std::string& file = "snippet.c");

// A module skeleton (multi-phase, per-interpreter GIL) around `body`, so a snippet shows one problem.
std::string isolated_module(const std::string& body, const std::string& extra_slots = "");
