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

// Removes the findings `drop` selects (asked once per finding, in order: the baseline's budget
// counts down), hands them to `dropped` when given, and returns how many.
template <typename Pred>
unsigned drop_findings(std::vector<Finding>& findings, std::vector<Finding>* dropped, Pred drop) {
  std::vector<Finding> kept;
  unsigned n = 0;
  for (Finding& f : findings) {
    if (!drop(f)) {
      kept.push_back(std::move(f));
      continue;
    }
    ++n;
    if (dropped) dropped->push_back(std::move(f));
  }
  findings = std::move(kept);
  return n;
}

}  // namespace

unsigned apply_suppressions(const Model& model, std::vector<Finding>& findings, std::vector<Finding>* dropped) {
  return drop_findings(findings, dropped, [&](const Finding& f) {
    return std::any_of(model.suppressions.begin(), model.suppressions.end(),
                       [&](const Suppression& s) { return covers(s, f); });
  });
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

bool apply_baseline(const std::string& path, std::vector<Finding>& findings, unsigned* matched, std::string* error,
                    std::vector<Finding>* dropped) {
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
  *matched = drop_findings(findings, dropped, [&](const Finding& f) {
    auto it = budget.find(key_of(f));
    if (it == budget.end() || it->second == 0) return false;
    --it->second;
    return true;
  });
  return true;
}

void annotate_configurations(const Model& model, std::vector<Finding>& findings) {
  for (Finding& f : findings)
    for (const Global& g : model.globals) {
      if (g.name != f.symbol || (g.loc.file != f.loc.file && g.storage != Storage::External)) continue;
      for (const GlobalUse& u : g.uses)
        if (!u.configuration.empty() &&
            std::none_of(f.notes.begin(), f.notes.end(), [&](const Note& n) { return n.loc == u.loc && n.message == "only " + u.configuration; }))
          f.notes.push_back({u.loc, "only " + u.configuration});
    }
}

}  // namespace owngil
