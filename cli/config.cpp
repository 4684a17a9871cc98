#include "config.h"

#include <unistd.h>

#include <filesystem>
#include <set>

#include <toml++/toml.h>

namespace fs = std::filesystem;

namespace owngil {

std::string find_config(const std::string& start) {
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(fs::absolute(start, ec), ec);
  if (!fs::is_directory(dir, ec)) dir = dir.parent_path();
  for (; !dir.empty(); dir = dir.parent_path()) {
    fs::path candidate = dir / "pyproject.toml";
    if (fs::exists(candidate, ec)) {
      try {
        toml::table t = toml::parse_file(candidate.string());
        if (t["tool"]["owngil"].is_table()) return candidate.string();
      } catch (const toml::parse_error&) {
        return candidate.string();  // let load_config report the error with its position
      }
    }
    if (dir == dir.root_path()) break;
  }
  return "";
}

namespace {

std::string where(const std::string& path, const toml::node& n) {
  return path + ":" + std::to_string(n.source().begin.line);
}

bool read_list(const std::string& path, const toml::node& n, const char* key,
               std::optional<std::vector<std::string>>* out, std::string* error) {
  const toml::array* arr = n.as_array();
  if (!arr) {
    *error = where(path, n) + ": [tool.owngil] " + key + " must be a list of strings";
    return false;
  }
  std::vector<std::string> values;
  for (const toml::node& item : *arr) {
    if (!item.is_string()) {
      *error = where(path, item) + ": [tool.owngil] " + key + " must be a list of strings";
      return false;
    }
    values.push_back(item.as_string()->get());
  }
  *out = values;
  return true;
}

bool read_string(const std::string& path, const toml::node& n, const char* key, std::optional<std::string>* out,
                 std::string* error) {
  if (!n.is_string()) {
    *error = where(path, n) + ": [tool.owngil] " + key + " must be a string";
    return false;
  }
  *out = n.as_string()->get();
  return true;
}

// `python` from a pyproject.toml is the tree's say, and owngil may run it to ask for its include
// directory: only a directory (never run) or an executable named python* is taken. Relative
// paths are relative to the file, as `baseline` is.
bool read_python(const std::string& path, const toml::node& n, std::optional<std::string>* out, std::string* error) {
  if (!read_string(path, n, "python", out, error)) return false;
  fs::path p = fs::path(path).parent_path() / **out;  // an absolute value replaces the base
  std::error_code ec;
  bool interpreter = fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0 &&
                     p.filename().string().rfind("python", 0) == 0;
  if (!interpreter && !fs::is_directory(p, ec)) {
    *error = where(path, n) + ": [tool.owngil] python must be an include directory or an executable named python*, not '" +
             **out + "' (owngil runs nothing else from a configuration)";
    return false;
  }
  *out = p.string();
  return true;
}

}  // namespace

bool load_config(const std::string& path, Config* out, std::string* error) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    *error = path + ":" + std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column) +
             ": invalid TOML: " + std::string(e.description());
    return false;
  }
  out->source = path;
  const toml::table* table = doc["tool"]["owngil"].as_table();
  if (!table) return true;
  fs::path base = fs::path(path).parent_path();
  for (const auto& [k, node] : *table) {
    std::string key(k.str());
    bool ok = true;
    if (key == "select") ok = read_list(path, node, "select", &out->select, error);
    else if (key == "ignore") ok = read_list(path, node, "ignore", &out->ignore, error);
    else if (key == "exclude") ok = read_list(path, node, "exclude", &out->exclude, error);
    else if (key == "extra-args") ok = read_list(path, node, "extra-args", &out->extra_args, error);
    else if (key == "fail-on") ok = read_string(path, node, "fail-on", &out->fail_on, error);
    else if (key == "python") ok = read_python(path, node, &out->python, error);
    else if (key == "format") ok = read_string(path, node, "format", &out->format, error);
    else if (key == "method-state") ok = read_string(path, node, "method-state", &out->method_state, error);
    else if (key == "baseline") {
      ok = read_string(path, node, "baseline", &out->baseline, error);
      if (ok && fs::path(*out->baseline).is_relative()) out->baseline = (base / *out->baseline).string();
    } else if (key == "jobs") {
      if (!node.is_integer() || node.as_integer()->get() < 1) {
        *error = where(path, node) + ": [tool.owngil] jobs must be a positive integer";
        return false;
      }
      out->jobs = static_cast<unsigned>(node.as_integer()->get());
    } else {
      *error = where(path, node) + ": unknown key '" + key + "' in [tool.owngil]";
      return false;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace owngil
