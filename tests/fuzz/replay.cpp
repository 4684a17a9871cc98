// Replays inputs through the fuzz target's pipeline in a normal build (no libFuzzer): the kept
// crashers of tests/fuzz/regressions/ must all run through, and with --seeds every seed made from
// corpus/ must parse without an error against the stand-in headers (else the stand-ins lack
// something and the fuzzer would start from inputs that stop at Clang's errors).
//
//   owngil_fuzz_replay [--seeds] FILE|DIR...
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_in(const std::vector<std::string>& args) {
  std::vector<fs::path> inputs;
  for (const std::string& a : args) {
    if (!fs::is_directory(a)) {
      inputs.push_back(a);
      continue;
    }
    for (const auto& entry : fs::directory_iterator(a))
      if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') inputs.push_back(entry.path());
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  bool seeds = argc > 1 && std::string(argv[1]) == "--seeds";
  std::vector<std::string> args(argv + 1 + (seeds ? 1 : 0), argv + argc);
  std::vector<fs::path> inputs = inputs_in(args);
  if (inputs.empty()) {
    std::fprintf(stderr, "owngil_fuzz_replay: no inputs in the paths given\n");
    return 2;
  }
  unsigned passed = 0, failed = 0;
  for (const fs::path& p : inputs) {
    owngil::fuzz::PipelineRun run = owngil::fuzz::run_pipeline(read_file(p));
    bool ok = !seeds || (run.input_errors == 0 && run.analysed);
    std::printf("%s %s: %u input error(s), %u module(s), %u finding(s), %u ported, %u refused\n",
                ok ? "ok  " : "FAIL", p.string().c_str(), run.input_errors, run.modules, run.findings, run.ported,
                run.refused);
    if (!ok && !run.first_error.empty()) std::printf("     first error: %s\n", run.first_error.c_str());
    ++(ok ? passed : failed);
  }
  std::printf("%u passed, %u failed\n", passed, failed);
  return failed ? 1 : 0;
}
