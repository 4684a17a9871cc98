// `[tool.owngil]` in pyproject.toml: the project's defaults for `owngil check`; flags override them.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace owngil {

struct Config {
  std::string source;  // the pyproject.toml it came from, "" when none
  std::optional<std::vector<std::string>> select, ignore, exclude, extra_args;
  std::optional<std::string> fail_on, python, baseline, format, method_state;
  std::optional<unsigned> jobs;
};

// The nearest pyproject.toml with a [tool.owngil] table, from `start` upwards.
std::string find_config(const std::string& start);
// Reads one; false and a message naming the file and line on errors (bad TOML, unknown key, wrong type).
bool load_config(const std::string& path, Config* out, std::string* error);

}  // namespace owngil
