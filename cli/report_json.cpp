// `--format json`: schema "owngil-check", version 1, documented in docs/json-format.md.
#include <nlohmann/json.hpp>

#include "report.h"

namespace owngil {

namespace {
nlohmann::json location(const SourceLoc& l) {
  return {{"file", l.file}, {"line", l.line}, {"column", l.column}};
}
}  // namespace

void write_json(std::ostream& out, const Report& r) {
  nlohmann::json doc;
  doc["schema"] = "owngil-check";
  doc["version"] = 1;
  doc["tool"] = {{"name", "owngil"}, {"version", OWNGIL_VERSION}};
  doc["root"] = r.model ? r.model->root : "";
  doc["python_include"] = r.model ? r.model->python_include : "";
  doc["clang_resource_dir"] = r.clang_resource_dir;
  doc["files"] = {{"total", r.files_total}, {"analyzed", r.files_analyzed}};
  doc["findings"] = nlohmann::json::array();
  for (const Finding& f : r.findings) {
    const Rule* rule = find_rule(f.rule);
    nlohmann::json j = location(f.loc);
    j["rule"] = f.rule;
    j["name"] = rule ? rule->info.name : "";
    j["severity"] = severity_name(f.severity);
    j["message"] = f.message;
    j["symbol"] = f.symbol;
    j["module"] = f.module;
    j["fixable"] = f.fixable;
    j["fingerprint"] = fingerprint(f);
    j["notes"] = nlohmann::json::array();
    for (const Note& n : f.notes) {
      nlohmann::json note = location(n.loc);
      note["message"] = n.message;
      j["notes"].push_back(note);
    }
    doc["findings"].push_back(j);
  }
  doc["modules"] = nlohmann::json::array();
  for (const ModuleSummary& m : r.modules)
    doc["modules"].push_back({{"name", m.name},
                              {"files", m.files},
                              {"verdict", verdict_id(m.verdict)},
                              {"counts",
                               {{"error", m.errors},
                                {"warning", m.warnings},
                                {"note", m.notes},
                                {"fixable", m.fixable},
                                {"manual", m.manual},
                                {"suppressed", m.suppressed},
                                {"baselined", m.baselined},
                                {"ignored", m.ignored},
                                {"input_errors", m.input_errors + m.stray_errors}}}});
  doc["errors"] = nlohmann::json::array();
  for (const InputError& e : r.errors) {
    nlohmann::json j = location(e.loc);
    j["message"] = e.message;
    doc["errors"].push_back(j);
  }
  doc["notices"] = nlohmann::json::array();
  for (const Notice& n : r.notices)
    doc["notices"].push_back({{"file", n.loc.file}, {"line", n.loc.line}, {"kind", n.tag}, {"message", n.message}});
  doc["suppressed"] = r.suppressed;
  doc["baselined"] = r.baselined;
  // Source files need not be UTF-8: replace what is not rather than fail.
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace owngil
