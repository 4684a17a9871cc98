// `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it (rules with help, levels,
// relative URIs against %SRCROOT%, partial fingerprints).
#include <nlohmann/json.hpp>

#include "report.h"

namespace owngil {

namespace {

const char* level_of(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "warning";
}

// A path as a URI reference (RFC 3986): every byte but the unreserved ones and `/` percent-encoded,
// so that spaces, `#`, `%`, `?` and non-ASCII names stay part of the path for SARIF readers.
std::string uri_path(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

nlohmann::json physical(const SourceLoc& l) {
  nlohmann::json loc = {{"artifactLocation", {{"uri", uri_path(l.file)}, {"uriBaseId", "SRCROOT"}}}};
  if (l.line) loc["region"] = {{"startLine", l.line}, {"startColumn", std::max(1u, l.column)}};
  return loc;
}

nlohmann::json rule_descriptor(const Rule& r) {
  std::string doc = rule_doc(r.info.id);
  return {{"id", r.info.id},
          {"name", r.info.name},
          {"shortDescription", {{"text", r.info.summary}}},
          {"fullDescription", {{"text", r.info.summary}}},
          {"help", {{"text", doc.empty() ? r.info.summary : doc}, {"markdown", doc.empty() ? r.info.summary : doc}}},
          {"defaultConfiguration", {{"level", level_of(r.info.severity)}}},
          {"properties", {{"tags", {"subinterpreters", "isolation"}}, {"fixable", r.info.fixable}}}};
}

}  // namespace

void write_sarif(std::ostream& out, const Report& r) {
  nlohmann::json rules = nlohmann::json::array();
  for (const Rule& rule : all_rules()) rules.push_back(rule_descriptor(rule));
  nlohmann::json results = nlohmann::json::array();
  for (const Finding& f : r.findings) {
    int index = 0;
    for (const Rule& rule : all_rules()) {
      if (f.rule == rule.info.id) break;
      ++index;
    }
    nlohmann::json related = nlohmann::json::array();
    int id = 0;
    for (const Note& n : f.notes) {
      nlohmann::json rel = {{"id", id++}, {"physicalLocation", physical(n.loc)}, {"message", {{"text", n.message}}}};
      related.push_back(rel);
    }
    nlohmann::json result = {{"ruleId", f.rule},
                             {"ruleIndex", index},
                             {"level", level_of(f.severity)},
                             {"message", {{"text", f.message}}},
                             {"locations", {{{"physicalLocation", physical(f.loc)}}}},
                             {"partialFingerprints", {{"owngilFingerprint/v1", fingerprint(f)}}},
                             {"properties", {{"module", f.module}, {"fixable", f.fixable}}}};
    if (!related.empty()) result["relatedLocations"] = related;
    results.push_back(result);
  }
  nlohmann::json notifications = nlohmann::json::array();
  for (const InputError& e : r.errors)
    notifications.push_back({{"level", "error"},
                             {"message", {{"text", e.message}}},
                             {"locations", {{{"physicalLocation", physical(e.loc)}}}}});
  for (const Notice& n : r.notices)
    notifications.push_back({{"level", "warning"},
                             {"descriptor", {{"id", n.tag}}},
                             {"message", {{"text", n.message}}},
                             {"locations", {{{"physicalLocation", physical(n.loc)}}}}});
  std::string root = r.model ? r.model->root : "";
  nlohmann::json run = {
      {"tool",
       {{"driver",
         {{"name", "owngil"},
          {"version", OWNGIL_VERSION},
          {"semanticVersion", OWNGIL_VERSION},
          {"rules", rules}}}}},
      {"originalUriBaseIds", {{"SRCROOT", {{"uri", "file://" + uri_path(root) + "/"}}}}},
      {"results", results},
      {"invocations",
       {{{"executionSuccessful", r.files_analyzed > 0}, {"toolExecutionNotifications", notifications}}}}};
  nlohmann::json doc = {
      {"$schema", "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", {run}}};
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace owngil
