#include "pipeline.h"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

#include "findings_filter.h"
#include "owngil/analyzer.h"
#include "owngil/fix.h"
#include "report.h"

namespace owngil {
extern const std::map<std::string, std::string> kStandInHeaders;  // tests/fuzz/include/, embedded
}

namespace owngil::fuzz {
namespace {

constexpr const char* kRoot = "/src";
constexpr const char* kIncludeDir = "/stand-in/include";
constexpr const char* kCxxMarker = "//c++\n";

// The C library headers extension code includes; each is the one libc stand-in.
constexpr const char* kLibcHeaders[] = {"assert.h", "ctype.h",  "errno.h",  "float.h",    "inttypes.h",
                                        "limits.h", "math.h",   "stdarg.h", "stdbool.h",  "stddef.h",
                                        "stdint.h", "stdio.h",  "stdlib.h", "string.h",   "time.h",
                                        "unistd.h", "wchar.h",  "signal.h", "sys/types.h"};

std::map<std::string, std::string> file_system(const std::string& main_file, const std::string& input) {
  std::map<std::string, std::string> files;
  for (const auto& [name, text] : kStandInHeaders) files[std::string(kIncludeDir) + "/" + name] = text;
  for (const char* name : kLibcHeaders)
    files[std::string(kIncludeDir) + "/" + name] = "#include <owngil_fuzz_libc.h>\n";
  files[main_file] = input;
  return files;
}

[[noreturn]] void invariant_broken(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "owngil fuzz: invariant broken: %s\n%s\n", what.c_str(), detail.c_str());
  std::abort();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

// `before` with the hunks of a one-file unified diff applied, as `patch` would; false when the
// diff does not match `before` (a context or removed line differs, a bad header or hunk).
bool apply_diff(const std::string& before, const std::string& diff, std::string* after) {
  std::vector<std::string> old_lines = lines_of(before), d = lines_of(diff);
  if (d.size() < 2 || d[0].rfind("--- ", 0) != 0 || d[1].rfind("+++ ", 0) != 0) return false;
  std::string out;
  size_t at = 0;  // the next line of `before` to copy
  for (size_t i = 2; i < d.size();) {
    unsigned long a_start = 0, a_count = 0, b_start = 0, b_count = 0;
    if (std::sscanf(d[i].c_str(), "@@ -%lu,%lu +%lu,%lu @@", &a_start, &a_count, &b_start, &b_count) != 4) return false;
    size_t first = a_count == 0 ? a_start : a_start - 1;  // "-0,0": before line 1
    if (first < at || first > old_lines.size()) return false;
    for (; at < first; ++at) out += old_lines[at];
    for (++i; i < d.size() && d[i].rfind("@@ ", 0) != 0; ++i) {
      char tag = d[i][0];
      std::string line = d[i].substr(1);
      if (i + 1 < d.size() && d[i + 1][0] == '\\') {  // "\ No newline at end of file": the line has none
        if (line.empty() || line.back() != '\n') return false;
        line.pop_back();
        ++i;
      }
      if (tag == ' ' || tag == '-') {
        if (at >= old_lines.size() || old_lines[at] != line) return false;
        ++at;
      } else if (tag != '+') {
        return false;
      }
      if (tag != '-') out += line;
    }
  }
  for (; at < old_lines.size(); ++at) out += old_lines[at];
  *after = std::move(out);
  return true;
}

// Every ported file's diff turns its old text into exactly its new text.
void check_diffs(const TreeFix& fix) {
  for (const ModuleFix& m : fix.modules) {
    for (const auto& [file, change] : m.files) {
      std::string diff = file_diff(file, change), applied;
      if (change.before == change.after) invariant_broken("a file of ported module '" + m.plan.module + "' is unchanged", file);
      if (!apply_diff(change.before, diff, &applied) || applied != change.after)
        invariant_broken("the diff of '" + file + "' does not give its new text", diff);
    }
  }
}

// fix on the file, its diff and --explain; counts what it ported and refused into `run`, returns
// the refused modules.
std::set<std::string> run_fix(const AnalysisResult& analysis, const std::vector<Finding>& fixable,
                              MethodState method_state, const SourceReader& read, PipelineRun& run) {
  FixOptions options;
  options.method_state = method_state;
  TreeFix fix = fix_tree(analysis.model, fixable, options, read);
  check_diffs(fix);
  std::string diff = tree_diff(fix), text = explain_text(fix), json = explain_json(fix);
  std::set<std::string> refused;
  for (const ModuleFix& m : fix.modules) {
    if (m.outcome == ModuleOutcome::Ported) ++run.ported;
    if (m.outcome == ModuleOutcome::Refused) refused.insert(m.plan.module);
  }
  run.refused += refused.size();
  return refused;
}

// `sarif`: SARIF too. Most of its cost is the catalog of rules with their pages, the same for
// every input, so the pipeline writes it for one input in 16 (by content, so each input always
// takes the same path).
void run_reporters(const AnalysisResult& analysis, std::vector<Finding> findings, const std::set<std::string>& refused,
                   bool sarif) {
  Report report;
  report.model = &analysis.model;
  report.errors = analysis.errors;
  report.files_total = analysis.files_total;
  report.files_analyzed = analysis.files_analyzed;
  HiddenFindings hidden;
  report.suppressed = apply_suppressions(analysis.model, findings, &hidden.suppressed);
  report.findings = std::move(findings);
  report.modules = summarize(analysis.model, report.findings, refused, hidden, report.errors);
  std::ostringstream out, err;
  write_text(out, err, report, /*color=*/true);
  write_json(out, report);
  if (sarif) write_sarif(out, report);
}

}  // namespace

PipelineRun run_pipeline(const std::string& input) {
  bool cxx = input.rfind(kCxxMarker, 0) == 0;
  std::string main_file = std::string(kRoot) + (cxx ? "/input.cpp" : "/input.c");
  std::map<std::string, std::string> files = file_system(main_file, input);
  AnalysisResult analysis = analyze_in_memory(main_file, files, {"-isystem", kIncludeDir});
  PipelineRun run;
  run.input_errors = analysis.errors.size();
  if (!analysis.errors.empty()) run.first_error = analysis.errors[0].loc.to_string() + ": " + analysis.errors[0].message;
  run.analysed = analysis.files_analyzed > 0;
  if (!run.analysed) return run;  // as `owngil check` and `fix`: nothing reaches the rules
  const Model& model = analysis.model;
  run.modules = model.modules.size();

  std::vector<Finding> findings = run_rules(model);
  run.findings = findings.size();
  std::vector<Finding> fixable = findings;
  apply_suppressions(model, fixable);
  SourceReader read = [&](const std::string& rel) {
    auto it = files.find(std::string(kRoot) + "/" + rel);
    return it == files.end() || !in_tree(rel) ? std::string() : it->second;
  };
  std::set<std::string> refused = run_fix(analysis, fixable, MethodState::Fastest, read, run);
  PipelineRun other;  // (counted once: the default's)
  run_fix(analysis, fixable, MethodState::DefiningClass, read, other);
  run_reporters(analysis, findings, refused, std::hash<std::string>()(input) % 16 == 0);
  return run;
}

}  // namespace owngil::fuzz
