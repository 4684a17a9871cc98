// `--format github`: GitHub Actions workflow commands, one annotation per finding and input error
// (`::error file=src/x.c,line=6,col=18,title=OG101::message`), shown on the pull request's diff.
// `--format concise`: one line per finding (`file:line:col: severity: message [OG101]`), one per
// module verdict, for editors' error parsers and grep.
#include "report.h"

namespace owngil {

namespace {

// The runner's escaping: data may not hold newlines (nor `%`, their escape); a property value may
// not hold `:` or `,` either, which would end it.
std::string escape_data(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string escape_property(const std::string& s) {
  std::string out;
  for (char c : escape_data(s)) {
    if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

const char* command_of(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "notice";
  }
  return "warning";
}

void annotation(std::ostream& out, const char* command, const SourceLoc& loc, const std::string& title,
                const std::string& message) {
  out << "::" << command;
  std::string props;
  if (!loc.file.empty()) props += "file=" + escape_property(loc.file);
  if (loc.line) {
    props += ",line=" + std::to_string(loc.line);
    if (loc.column) props += ",col=" + std::to_string(loc.column);
  }
  if (!title.empty()) props += (props.empty() ? "" : ",") + std::string("title=") + escape_property(title);
  if (!props.empty()) out << ' ' << props;
  out << "::" << escape_data(message) << '\n';
}

// A note's location and text, folded into the finding's message: an annotation has one place.
std::string with_notes(const Finding& f) {
  std::string text = f.message;
  for (const Note& n : f.notes) text += "\n" + n.loc.to_string() + ": " + n.message;
  return text;
}

}  // namespace

void write_github(std::ostream& out, const Report& r) {
  for (const InputError& e : r.errors) annotation(out, "error", e.loc, "owngil", e.message);
  for (const Notice& n : r.notices) annotation(out, "warning", n.loc, n.tag, n.message);
  for (const Finding& f : r.findings) annotation(out, command_of(f.severity), f.loc, f.rule, with_notes(f));
  for (const ModuleSummary& m : r.modules) out << "module '" << m.name << "': " << verdict_text(m) << '\n';
}

void write_concise(std::ostream& out, const Report& r) {
  for (const Finding& f : r.findings)
    out << f.loc.to_string() << ": " << severity_name(f.severity) << ": " << f.message << " [" << f.rule << "]\n";
  for (const ModuleSummary& m : r.modules) out << "module '" << m.name << "': " << verdict_text(m) << '\n';
}

}  // namespace owngil
