// The Clang front end: from a source tree (or a compile database) to a Model.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "owngil/model.h"

namespace owngil {

struct AnalyzerOptions {
  std::vector<std::string> paths;       // files or directories
  std::string compile_db_dir;           // -p: a directory holding compile_commands.json
  std::string python;                   // interpreter or include dir; empty: newest >= 3.12 found
  std::vector<std::string> extra_args;  // appended to every compile command
  std::vector<std::string> exclude;     // glob patterns (relative to the root) to skip
  // The project root every location is relative to (absolute, canonical); empty: the deepest
  // directory holding the inputs. The tree's include path (-I) still comes from the inputs.
  std::string root;
  unsigned jobs = 1;
  bool parse_only = false;  // benchmarks: run Clang's bare SyntaxOnlyAction, collect nothing
  // Told once per compile flag dropped from the database's commands or extra_args (see
  // drop_unsafe_flags); null: dropped silently.
  std::function<void(const std::string&)> warn;
};

// A problem with the input itself (not an isolation finding): unreadable file, parse error, ...
struct InputError {
  SourceLoc loc;  // file always set; line 0 when the problem is with the whole file
  std::string message;
};

struct AnalysisResult {
  Model model;
  std::vector<InputError> errors;
  unsigned files_total = 0;
  unsigned files_analyzed = 0;  // parsed well enough to use
};

// Where Python.h lives for an interpreter path, an include dir, or (empty) the newest CPython >= 3.12
// found. Empty string and a message in `why` when there is none.
std::string find_python_include(const std::string& python, std::string* why);

// Source files under `paths` (.c .cc .cpp .cxx .C .CPP ...), skipping build and hidden
// directories and symlink loops. Problems (missing paths, FIFOs and devices, which are never
// opened, ...) are appended to `errors`.
std::vector<std::string> discover_sources(const std::vector<std::string>& paths,
                                          const std::vector<std::string>& exclude,
                                          std::vector<InputError>& errors);

AnalysisResult analyze(const AnalyzerOptions& options);

// `args` without the flags that would make Clang write files (-MD -MF, -Wp,..., -o, traces),
// read files other than sources and headers (@file, --config, -ivfsoverlay) or load plugins
// (-fplugin, -Xclang -load); a compile command from a stranger's tree gets none of that. Each
// dropped flag (with its value) goes into `dropped`; args before `first` are kept as they are.
std::vector<std::string> drop_unsafe_flags(const std::vector<std::string>& args, std::set<std::string>* dropped,
                                           size_t first = 0);

// The analysis of one file in a file system of its own, in memory: Clang reads nothing from disk
// (the fuzz target parses each input against stand-in headers). `files` maps absolute paths to
// their text, `main_file` among them; `args` are its compile flags (include directories among
// them), filtered like a compile database's. The root is the main file's directory.
AnalysisResult analyze_in_memory(const std::string& main_file, const std::map<std::string, std::string>& files,
                                 const std::vector<std::string>& args);

// For tests: the model of one in-memory file (named `file_name`), compiled with `args`
// plus the newest Python include dir found ($OWNGIL_PYTHON overrides).
Model analyze_snippet(const std::string& code, const std::string& file_name = "snippet.c",
                      const std::vector<std::string>& args = {});

// Where Clang's own headers (stddef.h, ...) live; fixed at build time, overridable with
// $OWNGIL_CLANG_RESOURCE_DIR.
std::string clang_resource_dir();

}  // namespace owngil
