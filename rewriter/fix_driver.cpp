// The fix driver: each module's plan (plan*.cpp), then every repair of rewriter/repairs/ on it,
// their edits merged and checked, then each file's new text. Refusals win: a module is ported
// whole or not at all, and every reason found is reported at once.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "format.h"
#include "owngil/fix.h"
#include "plan.h"
#include "repairs/repair.h"

namespace owngil {
namespace {

enum class LineEnding { LF, CRLF, CR };

// The line ending most lines of the file use.
LineEnding line_ending(const std::string& text) {
  size_t crlf = 0, lf = 0, cr = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++crlf, ++i;
    else if (text[i] == '\n') ++lf;
    else if (text[i] == '\r') ++cr;
  }
  return cr > crlf + lf ? LineEnding::CR : crlf > lf ? LineEnding::CRLF : LineEnding::LF;
}

// New code takes the file's line endings (the repairs write `\n`, and copy source text that may
// hold `\r\n`). Files whose lines end in a bare CR are refused: the repairs place code by lines.
void match_line_endings(const std::function<const std::string&(const std::string&)>& text_of, ModulePlan& plan) {
  std::map<std::string, LineEnding> endings;
  for (Edit& e : plan.edits) {
    auto it = endings.find(e.file);
    if (it == endings.end()) it = endings.emplace(e.file, line_ending(text_of(e.file))).first;
    if (it->second == LineEnding::LF) continue;
    if (it->second == LineEnding::CR) {
      plan.refusals.push_back({{e.file, 0, 0}, "its lines end in a bare CR (old Mac style): convert it to LF or CRLF first"});
      endings[e.file] = LineEnding::LF;  // (once per file)
      continue;
    }
    std::string text;
    for (size_t i = 0; i < e.text.size(); ++i) {
      if (e.text[i] == '\r' && i + 1 < e.text.size() && e.text[i + 1] == '\n') continue;  // written below
      if (e.text[i] == '\n') text += '\r';
      text += e.text[i];
    }
    e.text = std::move(text);
  }
  if (!plan.refusals.empty()) plan.edits.clear();
}

// Runs the repairs on a plan that has no refusal and merges what they return.
ModulePlan repair(const Model& model, const PortPlan& port, const SourceReader& read) {
  ModulePlan out;
  out.module = port.module;
  out.plan = std::make_shared<PortPlan>(port);
  out.refusals = port.refusals;
  if (!port.refusals.empty() || !port.init || !port.def) return out;
  std::map<std::string, std::string> texts;
  auto text = [&](const std::string& file) -> const std::string& {
    auto it = texts.find(file);
    if (it == texts.end()) it = texts.emplace(file, read(file)).first;
    return it->second;
  };
  RepairContext ctx{model, *out.plan, text, [&](const std::string& file) { return !read(file).empty(); }};
  for (Repair run : kRepairs) {
    RepairResult result;
    run(ctx, result);
    out.edits.insert(out.edits.end(), result.edits.begin(), result.edits.end());
    out.refusals.insert(out.refusals.end(), result.refusals.begin(), result.refusals.end());
    out.repaired.insert(result.repaired.begin(), result.repaired.end());
    out.new_files.insert(result.new_files.begin(), result.new_files.end());
  }
  if (!out.refusals.empty()) {
    out.edits.clear();
    out.new_files.clear();
    sort_in_source_order(out.refusals);
  }
  // Edits shared by the state repairs (the struct, parameters) are labelled OG101: claim it only
  // when it was found.
  if (!port.found.count("OG101")) out.repaired.erase("OG101");
  drop_redundant_edits(out.edits);
  take_blank_line_after_removed_runs(out.edits, text);
  match_line_endings(text, out);
  return out;
}

}  // namespace

std::vector<ModulePlan> plan_fixes(const Model& model, const std::vector<Finding>& findings, const FixOptions& options,
                                   const SourceReader& read) {
  std::vector<ModulePlan> plans;
  for (const PortPlan& port : plan_ports(model, findings, options, read)) plans.push_back(repair(model, port, read));
  return plans;
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool TreeFix::refused() const {
  return std::any_of(modules.begin(), modules.end(), [](const ModuleFix& m) { return m.outcome == ModuleOutcome::Refused; });
}

// No component is `..` (a file may well be called `a..b.c`).
bool in_tree(const std::string& rel) {
  if (rel.empty() || rel[0] == '/') return false;
  for (const std::filesystem::path& part : std::filesystem::path(rel))
    if (part == "..") return false;
  return true;
}

SourceReader tree_reader(const Model& model) {
  return [&model](const std::string& rel) { return in_tree(rel) ? read_whole_file(model.root + "/" + rel) : ""; };
}

TreeFix fix_tree(const Model& model, const std::vector<Finding>& findings, const FixOptions& options) {
  return fix_tree(model, findings, options, tree_reader(model));
}

TreeFix fix_tree(const Model& model, const std::vector<Finding>& findings, const FixOptions& options,
                 const SourceReader& read) {
  // Each file is read once: the plan, the repairs and the edits' application see the same bytes
  // (and the writer compares the file with them before it replaces it).
  std::map<std::string, std::string> read_once;
  SourceReader reader = [&](const std::string& rel) {
    auto it = read_once.find(rel);
    if (it == read_once.end()) it = read_once.emplace(rel, read(rel)).first;
    return it->second;
  };
  TreeFix tree;
  for (ModulePlan& plan : plan_fixes(model, findings, options, reader)) {
    ModuleFix m;
    std::map<std::string, std::vector<Edit>> by_file;
    for (const Edit& e : plan.edits) by_file[e.file].push_back(e);
    for (auto& [file, edits] : by_file) {
      std::string before = reader(file), after, error;
      if (!in_tree(file)) plan.refusals.push_back({{file, 0, 0}, "outside the tree: not written"});
      else if (!apply_edits(before, edits, &after, &error)) plan.refusals.push_back({{file, 0, 0}, error});
      else m.files[file] = {before, after, false, std::move(edits)};
    }
    if (!plan.refusals.empty()) {
      m.outcome = ModuleOutcome::Refused;
      m.files.clear();
    } else if (!m.files.empty()) {
      m.outcome = ModuleOutcome::Ported;
      for (const auto& [file, content] : plan.new_files)
        if (in_tree(file) && !m.files.count(file)) m.files[file] = {"", content, true, {}};
    }
    m.plan = std::move(plan);
    tree.modules.push_back(std::move(m));
  }
  return tree;
}

std::string file_diff(const std::string& path, const FileChange& change) {
  if (change.created) return unified_diff(path, "", {{path, 0, 0, change.after}}, /*new_file=*/true);
  return unified_diff(path, change.before, change.edits);
}

std::string tree_diff(const TreeFix& fix) {
  // New files first, then changed ones, each in path order (two modules never share a file).
  std::map<std::string, const FileChange*> created, changed;
  for (const ModuleFix& m : fix.modules)
    for (const auto& [file, change] : m.files) (change.created ? created : changed)[file] = &change;
  std::string out;
  for (const auto& [file, change] : created)
    if (!changed.count(file)) out += file_diff(file, *change);
  for (const auto& [file, change] : changed) out += file_diff(file, *change);
  return out;
}

}  // namespace owngil
