#include "findings_filter.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

namespace owngil {

namespace {

bool covers(const Suppression& s, const Finding& f) {
  if (s.file != f.loc.file) return false;
  if (f.loc.line != s.line && !(s.own_line && f.loc.line == s.line + 1)) return false;
  return s.rules.empty() || std::find(s.rules.begin(), s.rules.end(), f.rule) != s.rules.end();
}

using Key = std::tuple<std::string, std::string, std::string>;
Key key_of(const Finding& f) { return {f.rule, f.loc.file, f.symbol}; }

}  // namespace

unsigned apply_suppressions(const Model& model, std::vector<Finding>& findings) {
  size_t before = findings.size();
  findings.erase(std::remove_if(findings.begin(), findings.end(),
                                [&](const Finding& f) {
                                  return std::any_of(model.suppressions.begin(), model.suppressions.end(),
                                                     [&](const Suppression& s) { return covers(s, f); });
                                }),
                 findings.end());
  return static_cast<unsigned>(before - findings.size());
}

bool write_baseline(const std::string& path, const std::vector<Finding>& findings, std::string* error) {
  nlohmann::json doc = {{"version", 1}, {"tool", "owngil"}, {"findings", nlohmann::json::array()}};
  for (const Finding& f : findings)
    doc["findings"].push_back({{"rule", f.rule}, {"file", f.loc.file}, {"symbol", f.symbol}, {"message", f.message}});
  // Write beside the target, then rename: a crash never leaves half a baseline.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) {
      *error = path + ": cannot write baseline";
      return false;
    }
    out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    if (!out.good()) {
      *error = path + ": cannot write baseline";
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    *error = path + ": " + ec.message();
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

bool apply_baseline(const std::string& path, std::vector<Finding>& findings, unsigned* matched, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": cannot read baseline";
    return false;
  }
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("findings") || !doc["findings"].is_array()) {
    *error = path + ": not an owngil baseline (expected a JSON object with a \"findings\" array)";
    return false;
  }
  std::map<Key, int> budget;
  for (const nlohmann::json& e : doc["findings"]) {
    if (!e.is_object()) continue;
    budget[{e.value("rule", ""), e.value("file", ""), e.value("symbol", "")}]++;
  }
  size_t before = findings.size();
  findings.erase(std::remove_if(findings.begin(), findings.end(),
                                [&](const Finding& f) {
                                  auto it = budget.find(key_of(f));
                                  if (it == budget.end() || it->second == 0) return false;
                                  --it->second;
                                  return true;
                                }),
                 findings.end());
  *matched = static_cast<unsigned>(before - findings.size());
  return true;
}

}  // namespace owngil
