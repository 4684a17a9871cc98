// What the fuzz target runs on one input: the whole of `owngil check` and `owngil fix` on a single
// file held in memory, parsed against stand-in headers (tests/fuzz/include/) instead of CPython's,
// so an input costs milliseconds. Shared by the libFuzzer target and the replay tool of the normal
// build (tests/fuzz/regressions/, the seeds).
#pragma once

#include <string>

namespace owngil::fuzz {

struct PipelineRun {
  unsigned input_errors = 0;  // Clang's errors, and the collector's (code it would not walk)
  std::string first_error;    // "line:column: message" of the first
  bool analysed = false;      // the file reached the rules
  unsigned modules = 0, findings = 0, ported = 0, refused = 0;
};

// Analyses `input` as one source file (C; C++ when it starts with the line "//c++"), runs every
// rule, the reporters (SARIF for one input in 16), the fix plan, its repairs, the diff and
// --explain, both method-state options. Aborts (a crash the fuzzer reports) when an output breaks an invariant: a ported
// module's diff must turn its old text into exactly the new one.
PipelineRun run_pipeline(const std::string& input);

}  // namespace owngil::fuzz
