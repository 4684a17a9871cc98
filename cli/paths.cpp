#include "paths.h"

#include <filesystem>

namespace owngil {

namespace fs = std::filesystem;

namespace {

// An input as the directory to search from: itself when a directory, else its parent.
fs::path start_directory(const std::string& input) {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(fs::absolute(input, ec), ec);
  return fs::is_directory(real, ec) ? real : real.parent_path();
}

// The deepest directory containing both (component by component).
fs::path common_ancestor(const fs::path& a, const fs::path& b) {
  fs::path out;
  for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end() && *i == *j; ++i, ++j) out /= *i;
  return out;
}

bool marks_project(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "pyproject.toml", ec) || fs::exists(dir / ".git", ec);
}

}  // namespace

std::string find_project_root(const std::vector<std::string>& inputs) {
  if (inputs.empty()) return "";
  fs::path start = start_directory(inputs.front());
  for (size_t i = 1; i < inputs.size(); ++i) start = common_ancestor(start, start_directory(inputs[i]));
  for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    if (marks_project(dir)) return dir == dir.root_path() ? "" : dir.string();
    if (dir == dir.parent_path()) break;
  }
  return "";
}

bool choose_project_root(const std::string& flag, const std::vector<std::string>& inputs, std::string* root,
                         std::string* error) {
  if (flag.empty()) {
    *root = find_project_root(inputs);
    return true;
  }
  std::error_code ec;
  if (!fs::is_directory(flag, ec)) {
    *error = "--root " + flag + ": not a directory";
    return false;
  }
  *root = fs::weakly_canonical(fs::absolute(flag, ec), ec).string();
  if (*root == "/") *root = "";  // "" reads as the filesystem root: paths stay absolute
  return true;
}

bool compile_db_directory(const std::string& given, std::string* dir, std::string* error) {
  std::error_code ec;
  if (given.empty() || fs::is_directory(given, ec) || !fs::exists(given, ec)) {
    *dir = given;  // a missing one is reported by the analyzer, naming the file it looked for
    return true;
  }
  if (fs::path(given).filename() != "compile_commands.json") {
    *error = "-p " + given + ": expected compile_commands.json or the directory holding it";
    return false;
  }
  fs::path parent = fs::path(given).parent_path();
  *dir = parent.empty() ? "." : parent.string();
  return true;
}

}  // namespace owngil
