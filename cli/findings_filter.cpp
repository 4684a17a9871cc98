#include "findings_filter.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "suggest.h"

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

namespace {

std::string comment_text(const Suppression& s) {
  std::string ids;
  for (const std::string& id : s.rules) ids += (ids.empty() ? "" : ",") + id;
  return "owngil: ignore" + (ids.empty() ? std::string() : "[" + ids + "]");
}

// Why `id` in a suppression matches no rule ("" when it is a rule's id).
std::string unknown_rule_reason(const std::string& id) {
  const Rule* by_name = find_rule(id);
  if (by_name && id == by_name->info.id) return "";
  if (by_name) return "'" + id + "' is a rule's name; suppressions take its id: " + by_name->info.id;
  std::vector<std::string> ids;
  for (const Rule& r : all_rules()) ids.push_back(r.info.id);
  return "unknown rule '" + id + "'" + did_you_mean(id, ids);
}

}  // namespace

std::vector<Notice> check_suppressions(const Model& model, const std::vector<Finding>& findings) {
  std::vector<Notice> out;
  for (const Suppression& s : model.suppressions) {
    SourceLoc at{s.file, s.line, 0};
    bool named_unknown = false;
    for (const std::string& id : s.rules)
      if (std::string why = unknown_rule_reason(id); !why.empty()) {
        out.push_back({at, "unknown-rule", "suppression '" + comment_text(s) + "': " + why});
        named_unknown = true;
      }
    if (named_unknown) continue;  // its own message says why it covers nothing
    bool used = std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return covers(s, f); });
    if (!used)
      out.push_back({at, "unused-suppression",
                     "unused suppression '" + comment_text(s) + "': no finding " +
                         (s.own_line ? "on this line or the next" : "on this line") + "; remove it"});
  }
  return out;
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
