// Where the project is: the directory every reported path is relative to, whatever the paths and
// working directory given, so that SARIF URIs, JSON paths, baseline keys, fingerprints and diffs
// are the same for `check src/`, `check .` and `check src/x.c` (and `git apply` works from it).
#pragma once

#include <string>
#include <vector>

namespace owngil {

// The nearest directory, from the inputs upwards, holding `pyproject.toml` or `.git` (a directory,
// or the file of a git worktree or submodule); "" when there is none. Inputs that are files start
// from their directory; several inputs from the deepest directory holding them all.
std::string find_project_root(const std::vector<std::string>& inputs);

// `--root` as given (must be a directory), or the one found above; false with a message when
// `--root` is not a directory.
bool choose_project_root(const std::string& flag, const std::vector<std::string>& inputs, std::string* root,
                         std::string* error);

// `-p` takes a directory holding compile_commands.json or that file itself: the directory, or
// false with a message for any other file.
bool compile_db_directory(const std::string& given, std::string* dir, std::string* error);

}  // namespace owngil
