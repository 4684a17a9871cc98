#include <algorithm>
#include <fstream>
#include <map>
#include <tuple>
#include <sstream>

#include "report.h"

namespace owngil {

const char* verdict_id(Verdict v) {
  switch (v) {
    case Verdict::Isolated: return "isolated";
    case Verdict::Automatic: return "automatic";
    case Verdict::Manual: return "manual";
    case Verdict::IsolatedExceptHidden: return "isolated-except-hidden";
    case Verdict::Incomplete: return "incomplete";
  }
  return "manual";
}

const char* verdict_text(Verdict v) {
  switch (v) {
    case Verdict::Isolated: return "already isolated";
    case Verdict::Automatic: return "can be ported automatically (owngil fix)";
    case Verdict::Manual: return "needs manual work (see owngil fix for why)";
    case Verdict::IsolatedExceptHidden: return "isolated except for hidden findings";
    case Verdict::Incomplete: return "could not be analysed completely";
  }
  return "";
}

namespace {

std::string count_of(unsigned n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// "suppressed", "suppressed/baselined", ... for the kinds of hiding that apply.
std::string hidden_kinds(const ModuleSummary& m) {
  std::string out;
  for (auto [n, kind] : {std::pair{m.suppressed, "suppressed"}, {m.baselined, "baselined"}, {m.ignored, "ignored"}})
    if (n) out += (out.empty() ? "" : "/") + std::string(kind);
  return out;
}

}  // namespace

std::string verdict_text(const ModuleSummary& m) {
  switch (m.verdict) {
    case Verdict::IsolatedExceptHidden:
      return "isolated except for " + count_of(m.suppressed + m.baselined + m.ignored, hidden_kinds(m) + " finding");
    case Verdict::Incomplete:
      return m.input_errors
                 ? "could not be analysed completely: " + count_of(m.input_errors, "input error") +
                       " in its files; no verdict until they are fixed"
                 : "could not be analysed completely: " + count_of(m.stray_errors, "input error") +
                       " outside its files (one of them may be missing); not called isolated";
    case Verdict::Manual:
      return verdict_text(m.verdict) +
             (m.input_errors ? "; also " + count_of(m.input_errors, "input error") + " in its files" : std::string());
    default: return verdict_text(m.verdict);
  }
}

namespace {

// The files a module's analysis read: its own, and the headers of the tree its units include.
std::set<std::string> files_read_for(const Model& model, const Module& m) {
  std::set<std::string> out(m.files.begin(), m.files.end());
  for (const TranslationUnit& u : model.units)
    if (m.files.count(u.main_file)) out.insert(u.user_files.begin(), u.user_files.end());
  return out;
}

// A unit that an error-free unit of the tree includes (a piece of a unity build, parsed alone as
// well, where it lacks what the including file declares first): the including unit analysed it in
// context, so its own errors leave nothing unseen.
bool seen_in_context(const Model& model, const TranslationUnit& u) {
  return std::any_of(model.units.begin(), model.units.end(), [&](const TranslationUnit& other) {
    return &other != &u && other.errors.empty() && !other.failed && other.user_files.count(u.main_file);
  });
}

using ErrorKey = std::tuple<std::string, unsigned, unsigned, std::string>;

// For each input error, the file whose analysis it leaves incomplete: the main file of the unit
// that reported it, or where it is for the others (a file not found, an unreadable directory).
// Errors of units seen in context are left out.
std::vector<std::string> incompletely_read(const Model& model, const std::vector<InputError>& errors) {
  std::map<ErrorKey, const TranslationUnit*> from_unit;
  for (const TranslationUnit& u : model.units)
    for (const ParseError& e : u.errors) {
      SourceLoc l = e.loc.file.empty() ? SourceLoc{u.main_file, 0, 0} : e.loc;  // as analyze() reports it
      from_unit.emplace(ErrorKey{l.file, l.line, l.column, e.message}, &u);
    }
  std::vector<std::string> out;
  for (const InputError& e : errors) {
    auto it = from_unit.find({e.loc.file, e.loc.line, e.loc.column, e.message});
    if (it == from_unit.end()) out.push_back(e.loc.file);
    else if (!seen_in_context(model, *it->second)) out.push_back(it->second->main_file);
  }
  return out;
}

unsigned hidden_in(const std::vector<Finding>& findings, const std::string& module) {
  return static_cast<unsigned>(
      std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.module == module; }));
}

// Manual work stays the verdict with input errors too (it is true whatever was missed, and says
// more); the claims that nothing or only fix's repairs are needed need the whole module.
Verdict verdict_of(const ModuleSummary& s, bool refused) {
  if (s.manual || (s.fixable && refused)) return Verdict::Manual;
  if (s.input_errors) return Verdict::Incomplete;
  if (s.fixable) return Verdict::Automatic;
  // Nothing shown: isolated only if nothing was left unread or hidden.
  if (s.stray_errors) return Verdict::Incomplete;
  if (s.suppressed || s.baselined || s.ignored) return Verdict::IsolatedExceptHidden;
  return Verdict::Isolated;
}

}  // namespace

std::vector<ModuleSummary> summarize(const Model& model, const std::vector<Finding>& findings,
                                     const std::set<std::string>& refused, const HiddenFindings& hidden,
                                     const std::vector<InputError>& errors) {
  std::vector<std::set<std::string>> read(model.modules.size());
  for (size_t i = 0; i < model.modules.size(); ++i) read[i] = files_read_for(model, model.modules[i]);
  std::vector<std::string> unread = incompletely_read(model, errors);
  auto is_own = [&](size_t i, const std::string& file) { return read[i].count(file) > 0; };
  std::vector<ModuleSummary> out;
  for (size_t i = 0; i < model.modules.size(); ++i) {
    const Module& m = model.modules[i];
    ModuleSummary s;
    s.name = m.name;
    s.files.assign(m.files.begin(), m.files.end());
    for (const Finding& f : findings) {
      if (f.module != m.name) continue;
      (f.severity == Severity::Error ? s.errors : f.severity == Severity::Warning ? s.warnings : s.notes)++;
      if (f.severity != Severity::Note) (f.fixable ? s.fixable : s.manual)++;  // a note asks for nothing
    }
    s.suppressed = hidden_in(hidden.suppressed, m.name);
    s.baselined = hidden_in(hidden.baselined, m.name);
    s.ignored = hidden_in(hidden.ignored, m.name);
    for (const std::string& file : unread) {
      bool anyone = false;
      for (size_t j = 0; j < model.modules.size() && !anyone; ++j) anyone = is_own(j, file);
      if (is_own(i, file)) ++s.input_errors;
      else if (!anyone) ++s.stray_errors;
    }
    s.verdict = verdict_of(s, refused.count(m.name) > 0);
    out.push_back(std::move(s));
  }
  return out;
}

std::string fingerprint(const Finding& f) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const std::string& part : {f.rule, f.loc.file, f.symbol})
    for (char c : part + '\0') h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  std::ostringstream s;
  s << std::hex << h;
  return s.str();
}

namespace {

class SourceLines {
 public:
  explicit SourceLines(std::string root) : root_(std::move(root)) {}
  std::string line(const std::string& file, unsigned n) {
    auto it = files_.find(file);
    if (it == files_.end()) {
      std::vector<std::string> lines;
      std::ifstream in(file.empty() || file[0] == '/' ? file : root_ + "/" + file);
      for (std::string l; std::getline(in, l);) lines.push_back(l);
      it = files_.emplace(file, std::move(lines)).first;
    }
    return n >= 1 && n <= it->second.size() ? it->second[n - 1] : "";
  }

 private:
  std::string root_;
  std::map<std::string, std::vector<std::string>> files_;
};

struct Style {
  bool on;
  std::string bold() const { return on ? "\033[1m" : ""; }
  std::string reset() const { return on ? "\033[0m" : ""; }
  std::string of(const std::string& level) const {
    if (!on) return "";
    if (level == "error") return "\033[1;31m";
    if (level == "warning") return "\033[1;35m";
    return "\033[1;36m";
  }
};

void print_location(std::ostream& out, const SourceLoc& loc) {
  out << loc.file;
  if (loc.line) out << ':' << loc.line << ':' << loc.column;
}

void print_snippet(std::ostream& out, SourceLines& src, const SourceLoc& loc, const Style& st) {
  if (!loc.line) return;
  std::string text = src.line(loc.file, loc.line);
  if (text.empty()) return;
  std::string number = std::to_string(loc.line);
  out << ' ' << std::string(number.size() < 4 ? 4 - number.size() : 0, ' ') << number << " | " << text << '\n';
  std::string pad;
  for (unsigned i = 1; i < loc.column && i <= text.size(); ++i) pad += text[i - 1] == '\t' ? '\t' : ' ';
  out << ' ' << std::string(number.size() < 4 ? 4 : number.size(), ' ') << " | " << pad << st.of("note") << '^'
      << st.reset() << '\n';
}

void print_diagnostic(std::ostream& out, SourceLines& src, const SourceLoc& loc, const std::string& level,
                      const std::string& message, const std::string& tag, const Style& st) {
  out << st.bold();
  print_location(out, loc);
  out << ": " << st.reset() << st.of(level) << level << ": " << st.reset() << st.bold() << message;
  if (!tag.empty()) out << " [" << tag << ']';
  out << st.reset() << '\n';
  print_snippet(out, src, loc, st);
}

}  // namespace

void write_notices(std::ostream& err, const Report& r) {
  for (const Notice& n : r.notices)
    err << n.loc.file << ':' << n.loc.line << ": warning: " << n.message << " [" << n.tag << "]\n";
}

void write_text(std::ostream& out, std::ostream& err, const Report& r, bool color) {
  Style st{color};
  SourceLines src(r.model ? r.model->root : "");
  for (const InputError& e : r.errors) {
    err << st.bold();
    print_location(err, e.loc);
    err << ": " << st.reset() << st.of("error") << "error: " << st.reset() << e.message << '\n';
  }
  for (const Finding& f : r.findings) {
    print_diagnostic(out, src, f.loc, severity_name(f.severity), f.message, f.rule, st);
    for (const Note& n : f.notes) print_diagnostic(out, src, n.loc, "note", n.message, "", st);
  }
  if (!r.findings.empty()) out << '\n';
  for (const ModuleSummary& m : r.modules) {
    out << "module '" << m.name << "': " << verdict_text(m);
    unsigned total = m.errors + m.warnings + m.notes;
    if (total)
      out << " - " << total << " finding" << (total == 1 ? "" : "s") << " (" << m.errors << " error"
          << (m.errors == 1 ? "" : "s") << ", " << m.warnings << " warning" << (m.warnings == 1 ? "" : "s")
          << (m.notes ? ", " + std::to_string(m.notes) + " note" + (m.notes == 1 ? "" : "s") : std::string())
          << "; " << m.fixable << " fixable, " << m.manual << " manual)";
    out << '\n';
  }
  out << r.findings.size() << " finding" << (r.findings.size() == 1 ? "" : "s") << " in " << r.files_analyzed
      << " of " << r.files_total << " file" << (r.files_total == 1 ? "" : "s") << " analysed";
  if (r.suppressed) out << ", " << r.suppressed << " suppressed";
  if (r.baselined) out << ", " << r.baselined << " in baseline";
  if (!r.errors.empty()) out << ", " << r.errors.size() << " input error" << (r.errors.size() == 1 ? "" : "s");
  out << '\n';
}

}  // namespace owngil
