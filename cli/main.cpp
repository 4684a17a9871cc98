// owngil: find (and, later, fix) what keeps a CPython extension out of own-GIL subinterpreters.
//
//   owngil check [PATH...]     lint a source tree (exit 0 clean, 1 findings, 2 usage or tool error)
//   owngil rules [ID]          list the rule catalog, or print one rule's documentation
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <iostream>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "config.h"
#include "findings_filter.h"
#include "owngil/analyzer.h"
#include "owngil/fix.h"
#include "paths.h"
#include "suggest.h"
#include "report.h"

namespace owngil {
namespace {

constexpr int kExitClean = 0, kExitFindings = 1, kExitError = 2;

// What to analyse and how: the options `check` and `fix` share.
struct InputFlags {
  std::vector<std::string> paths, extra_args, exclude;
  std::string compile_db, python, config, root;
  unsigned jobs = 0;
  bool no_config = false;
};

struct CheckFlags {
  InputFlags in;
  std::string format, output, fail_on, baseline, write_baseline, color = "auto";
  std::vector<std::string> select, ignore;
  bool quiet = false, parse_only = false;
};

struct FixFlags {
  InputFlags in;
  std::vector<std::string> rules;
  std::string method_state, format = "text";
  bool write = false, explain = false;
};

void add_input_options(CLI::App* cmd, InputFlags& in) {
  cmd->add_option("paths", in.paths, "Files or directories to analyse (default: .)");
  cmd->add_option("-p,--compile-commands", in.compile_db, "compile_commands.json, or the directory holding it");
  cmd->add_option("--root", in.root,
                  "Project root that reported paths are relative to (default: nearest directory upwards with "
                  "pyproject.toml or .git)");
  cmd->add_option("--python", in.python, "CPython interpreter or include directory (default: newest >= 3.12 found)");
  // Repeatable options take one value each time, so the paths after them stay positional.
  cmd->add_option("--extra-arg", in.extra_args, "Extra compiler argument, e.g. --extra-arg=-DNDEBUG (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--exclude", in.exclude, "Glob of paths to skip, relative to each directory given (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--config", in.config, "pyproject.toml to read [tool.owngil] from (default: nearest)");
  cmd->add_flag("--no-config", in.no_config, "Ignore pyproject.toml");
  cmd->add_option("-j,--jobs", in.jobs, "Files analysed in parallel (default: number of cores)");
}

std::vector<std::string> split_ids(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    std::stringstream s(item);
    for (std::string id; std::getline(s, id, ',');)
      if (!id.empty()) out.push_back(id);
  }
  return out;
}

// Rule ids or names to ids; false (with the bad one) when one is unknown.
bool resolve_rules(const std::vector<std::string>& keys, std::set<std::string>* out, std::string* bad) {
  for (const std::string& k : keys) {
    if (k == "ALL") {
      for (const Rule& r : all_rules()) out->insert(r.info.id);
      continue;
    }
    bool prefix = false;  // "OG1" selects OG1xx, as ruff's prefixes do
    for (const Rule& r : all_rules())
      if (std::string(r.info.id).rfind(k, 0) == 0) {
        out->insert(r.info.id);
        prefix = true;
      }
    if (prefix) continue;
    const Rule* r = find_rule(k);
    if (!r) {
      *bad = k;
      return false;
    }
    out->insert(r->info.id);
  }
  return true;
}

std::string unknown_rule(const std::string& key) {
  std::string hint = did_you_mean(key, rule_words());
  return "unknown rule '" + key + "'" + (hint.empty() ? " (see 'owngil rules')" : hint);
}

// Flags win over pyproject.toml, which wins over the defaults.
template <typename T>
void fill(T& flag, const std::optional<T>& from_config) {
  if (flag == T() && from_config) flag = *from_config;
}

int usage_error(const std::string& message) {
  std::cerr << "owngil: error: " << message << '\n';
  return kExitError;
}

// Reads pyproject.toml (unless --no-config) and fills what the flags left unset.
bool load_project_config(InputFlags& in, Config* cfg) {
  if (!in.no_config) {
    std::string path = in.config.empty() ? find_config(in.paths.empty() ? "." : in.paths.front()) : in.config;
    std::string error;
    if (!path.empty() && !load_config(path, cfg, &error)) {
      usage_error(error);
      return false;
    }
  }
  fill(in.exclude, cfg->exclude);
  fill(in.extra_args, cfg->extra_args);
  fill(in.python, cfg->python);
  if (in.jobs == 0) in.jobs = cfg->jobs ? *cfg->jobs : std::max(1u, std::thread::hardware_concurrency());
  if (in.paths.empty() && in.compile_db.empty()) in.paths.push_back(".");
  std::string error;
  if (!compile_db_directory(in.compile_db, &in.compile_db, &error) ||
      !choose_project_root(in.root, in.paths.empty() ? std::vector<std::string>{in.compile_db} : in.paths, &in.root,
                           &error)) {
    usage_error(error);
    return false;
  }
  return true;
}

AnalyzerOptions analyzer_options(const InputFlags& in) {
  AnalyzerOptions opt;
  opt.paths = in.paths;
  opt.compile_db_dir = in.compile_db;
  opt.python = in.python;
  opt.extra_args = in.extra_args;
  opt.exclude = in.exclude;
  opt.jobs = in.jobs;
  opt.root = in.root;
  opt.warn = [](const std::string& message) { std::cerr << "owngil: warning: " << message << '\n'; };
  return opt;
}

// The rules a project's pyproject.toml selects (`select`, less `ignore`): check reports them and
// fix treats the others like suppressed findings, so both agree on what the project accepts.
// False (with the bad id) on an unknown rule.
bool configured_rules(const Config& cfg, std::set<std::string>* rules, std::string* bad) {
  std::set<std::string> ignored;
  if (!resolve_rules(split_ids(cfg.select.value_or(std::vector<std::string>{})), rules, bad) ||
      !resolve_rules(split_ids(cfg.ignore.value_or(std::vector<std::string>{})), &ignored, bad))
    return false;
  if (rules->empty())
    for (const Rule& r : all_rules()) rules->insert(r.info.id);
  for (const std::string& id : ignored) rules->erase(id);
  return true;
}

// What `owngil fix` starts from: the configured rules' findings, suppressed ones aside.
std::vector<Finding> fix_findings(const Model& model, const std::set<std::string>& rules) {
  std::vector<Finding> findings = run_rules(model, rules);
  apply_suppressions(model, findings);
  return findings;
}

std::set<std::string> modules_fix_refuses(const Model& model, const std::set<std::string>& rules) {
  std::set<std::string> refused;
  for (const ModuleFix& m : fix_tree(model, fix_findings(model, rules), {}).modules)
    if (m.outcome == ModuleOutcome::Refused) refused.insert(m.plan.module);
  return refused;
}

// Every rule's findings; those of rules --select/--ignore leave out go to `ignored`, so the verdict
// can say that it did not show them.
std::vector<Finding> selected_findings(const Model& model, const std::set<std::string>& selected,
                                       std::vector<Finding>* ignored) {
  std::vector<Finding> shown;
  for (Finding& f : run_rules(model)) (selected.count(f.rule) ? shown : *ignored).push_back(std::move(f));
  return shown;
}

int run_check(CheckFlags f) {
  Config cfg;
  if (!load_project_config(f.in, &cfg)) return kExitError;
  fill(f.select, cfg.select);
  fill(f.ignore, cfg.ignore);
  fill(f.fail_on, cfg.fail_on);
  fill(f.baseline, cfg.baseline);
  fill(f.format, cfg.format);
  if (f.format.empty()) f.format = "text";
  if (f.fail_on.empty()) f.fail_on = "warning";

  const std::vector<std::string> formats = {"text", "concise", "json", "sarif", "github"};
  if (std::find(formats.begin(), formats.end(), f.format) == formats.end())
    return usage_error("--format must be text, concise, json, sarif or github, not '" + f.format + "'" +
                       did_you_mean(f.format, formats));
  Severity fail_level = Severity::Warning;
  bool never_fail = f.fail_on == "never";
  if (!never_fail && !parse_severity(f.fail_on, &fail_level))
    return usage_error("--fail-on must be error, warning, note or never, not '" + f.fail_on + "'");

  // fix_rules: what fix would repair (the project's configuration, not these flags).
  std::set<std::string> selected, ignored, fix_rules;
  std::string bad;
  if (!configured_rules(cfg, &fix_rules, &bad)) return usage_error(cfg.source + ": [tool.owngil]: " + unknown_rule(bad));
  if (!resolve_rules(split_ids(f.select), &selected, &bad) || !resolve_rules(split_ids(f.ignore), &ignored, &bad))
    return usage_error(unknown_rule(bad));
  if (selected.empty())
    for (const Rule& r : all_rules()) selected.insert(r.info.id);
  for (const std::string& id : ignored) selected.erase(id);

  AnalyzerOptions opt = analyzer_options(f.in);
  opt.parse_only = f.parse_only;
  AnalysisResult analysis = analyze(opt);

  Report report;
  report.model = &analysis.model;
  report.errors = analysis.errors;
  report.files_total = analysis.files_total;
  report.files_analyzed = analysis.files_analyzed;
  report.clang_resource_dir = clang_resource_dir();
  HiddenFindings hidden;
  report.findings = selected_findings(analysis.model, selected, &hidden.ignored);
  annotate_configurations(analysis.model, report.findings);
  std::vector<Finding> every_finding = report.findings;
  every_finding.insert(every_finding.end(), hidden.ignored.begin(), hidden.ignored.end());
  report.notices = check_suppressions(analysis.model, every_finding);
  report.suppressed = apply_suppressions(analysis.model, report.findings, &hidden.suppressed);
  std::string error;
  if (!f.baseline.empty() && f.write_baseline.empty() &&
      !apply_baseline(f.baseline, report.findings, &report.baselined, &error, &hidden.baselined))
    return usage_error(error);
  if (!f.write_baseline.empty()) {
    if (!write_baseline(f.write_baseline, report.findings, &error)) return usage_error(error);
    std::cerr << "owngil: wrote " << report.findings.size() << " finding(s) to baseline " << f.write_baseline << '\n';
  }
  report.modules = summarize(analysis.model, report.findings, modules_fix_refuses(analysis.model, fix_rules), hidden,
                             report.errors);
  if (analysis.files_analyzed > 0 && analysis.model.modules.empty())
    report.errors.push_back({{f.in.paths.empty() ? f.in.compile_db : f.in.paths.front(), 0, 0},
                             "no extension module found (no PyInit_* function defined)"});

  std::ofstream file;
  if (!f.output.empty()) {
    file.open(f.output);
    if (!file) return usage_error(f.output + ": cannot write");
  }
  std::ostream& out = f.output.empty() ? std::cout : file;
  bool color = f.color == "always" || (f.color == "auto" && f.output.empty() && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
  if (f.format == "json") write_json(out, report);
  else if (f.format == "sarif") write_sarif(out, report);
  else if (f.format == "github") write_github(out, report);
  else if (f.format == "concise") write_concise(out, report);
  else write_text(out, std::cerr, report, color && !f.quiet);
  if (f.format == "text" || f.format == "concise") write_notices(std::cerr, report);
  if (f.format != "text" && f.format != "github")
    for (const InputError& e : report.errors)
      std::cerr << (e.loc.file.empty() ? "owngil" : e.loc.file)
                << (e.loc.line ? ":" + std::to_string(e.loc.line) + ":" + std::to_string(e.loc.column) : "")
                << ": error: " << e.message << '\n';

  if (analysis.files_analyzed == 0) {
    std::cerr << "owngil: error: nothing could be analysed\n";
    return kExitError;
  }
  if (!f.write_baseline.empty()) return kExitClean;
  // A file that did not compile (or a path that is not there) was not checked: CI must not pass
  // it as clean, whatever --fail-on says about findings.
  if (!analysis.errors.empty()) return kExitFindings;
  if (never_fail) return kExitClean;
  for (const Finding& fd : report.findings)
    if (fd.severity >= fail_level) return kExitFindings;
  // No finding to show, but no claim of isolation either: CI must not pass on it.
  for (const ModuleSummary& m : report.modules)
    if (m.verdict == Verdict::Incomplete) return kExitFindings;
  return kExitClean;
}

// One line per module on stderr: ported (with the rules), not touched (with every reason), or
// nothing to fix.
void report_fix(const TreeFix& fix) {
  for (const ModuleFix& m : fix.modules) {
    const ModulePlan& plan = m.plan;
    if (m.outcome == ModuleOutcome::Refused) {
      std::cerr << "module '" << plan.module << "': not touched\n";
      for (const Refusal& r : plan.refusals) std::cerr << "  " << r.loc.to_string() << ": " << r.reason << '\n';
    } else if (m.outcome == ModuleOutcome::NothingToFix) {
      std::cerr << "module '" << plan.module << "': nothing to fix\n";
    } else {
      std::string repaired;
      for (const std::string& r : plan.repaired) repaired += (repaired.empty() ? "" : ", ") + r;
      std::cerr << "module '" << plan.module << "': ported (" << repaired << ")\n";
    }
  }
}

int run_fix(FixFlags f) {
  Config cfg;
  if (!load_project_config(f.in, &cfg)) return kExitError;
  FixOptions options;
  std::string bad;
  if (!resolve_rules(split_ids(f.rules), &options.rules, &bad)) return usage_error(unknown_rule(bad));
  std::set<std::string> configured;
  if (!configured_rules(cfg, &configured, &bad)) return usage_error(cfg.source + ": [tool.owngil]: " + unknown_rule(bad));
  bool from_config = f.method_state.empty() && cfg.method_state;
  if (f.method_state.empty()) f.method_state = cfg.method_state.value_or("fastest");
  if (f.method_state == "defining-class") options.method_state = MethodState::DefiningClass;
  else if (f.method_state != "fastest")
    return usage_error((from_config ? cfg.source + ": [tool.owngil] method-state" : std::string("--method-state")) +
                       " must be fastest or defining-class, not '" + f.method_state + "'");

  AnalysisResult analysis = analyze(analyzer_options(f.in));
  if (f.write && !analysis.model.root.empty()) {
    // A write that was killed half-way is finished or undone first, then the tree read again.
    std::string recovered;
    bool recovered_all = recover_interrupted_writes(analysis.model.root, &recovered);
    std::cerr << recovered;
    if (!recovered_all) return usage_error("could not finish an interrupted write in " + analysis.model.root);
    if (!recovered.empty()) analysis = analyze(analyzer_options(f.in));
  }
  for (const InputError& e : analysis.errors) std::cerr << e.loc.to_string() << ": error: " << e.message << '\n';
  if (analysis.files_analyzed == 0) {
    std::cerr << "owngil: error: nothing could be analysed\n";
    return kExitError;
  }
  const Model& model = analysis.model;
  TreeFix fix = fix_tree(model, fix_findings(model, configured), options);
  if (f.explain) {
    std::cout << (f.format == "json" ? explain_json(fix) : explain_text(fix));
    return fix.refused() ? kExitFindings : kExitClean;
  }
  report_fix(fix);
  if (!f.write) {
    std::cout << tree_diff(fix);
    return fix.refused() ? kExitFindings : kExitClean;
  }
  size_t written = 0;
  bool failed = false;

  for (const ModuleFix& m : fix.modules) {
    if (m.outcome != ModuleOutcome::Ported) continue;
    std::string error;
    if (!write_module(model.root, m, &error)) {
      std::cerr << "owngil: error: module '" << m.plan.module << "' not written, every file left as it was: " << error << '\n';
      failed = true;
      continue;
    }
    written += m.files.size();
  }
  if (written) std::cerr << "owngil: wrote " << written << " file(s)\n";
  if (failed) return kExitError;
  return fix.refused() ? kExitFindings : kExitClean;
}

int run_rules_command(const std::string& id) {
  if (id.empty()) {
    std::cout << "id     name                        severity  fix   summary\n";
    for (const Rule& r : all_rules()) {
      std::string name = r.info.name, sev = severity_name(r.info.severity);
      name.resize(std::max<size_t>(name.size(), 27), ' ');
      sev.resize(9, ' ');
      std::cout << r.info.id << "  " << name << ' ' << sev << ' ' << (r.info.fixable ? "yes " : "no  ") << "  "
                << r.info.summary << '\n';
    }
    return kExitClean;
  }
  const Rule* r = find_rule(id);
  if (!r) return usage_error(unknown_rule(id));
  std::cout << rule_doc(r->info.id);
  return kExitClean;
}

// What CLI11 says of a mistyped subcommand or option ("not expected") with the nearest right one.
// Empty when every word is known (the error is then another one).
std::string mistyped_word(CLI::App& app, int argc, char** argv) {
  std::vector<std::string> commands;
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) commands.push_back(sub->get_name());
  CLI::App* scope = &app;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(0, arg.find('='));
      std::vector<std::string> known = {"--help"};
      for (const CLI::Option* o : scope->get_options())
        for (const std::string& l : o->get_lnames()) known.push_back("--" + l);
      if (std::find(known.begin(), known.end(), name) == known.end())
        return "unknown option '" + name + "'" + (scope == &app ? "" : " for '" + scope->get_name() + "'") +
               did_you_mean(name, known);
    } else if (scope == &app && arg.rfind("-", 0) != 0) {
      if (std::find(commands.begin(), commands.end(), arg) == commands.end())
        return "unknown command '" + arg + "'" + did_you_mean(arg, commands);
      scope = app.get_subcommand(arg);
    }
  }
  return "";
}

}  // namespace
}  // namespace owngil

int main(int argc, char** argv) {
  using namespace owngil;
  CLI::App app{"owngil: make CPython extensions run in subinterpreters with their own GIL", "owngil"};
  app.set_version_flag("--version", std::string("owngil ") + OWNGIL_VERSION);
  app.require_subcommand(1);

  CheckFlags f;
  CLI::App* check = app.add_subcommand("check", "Report what keeps extension modules from own-GIL subinterpreters");
  add_input_options(check, f.in);
  check->add_option("--select", f.select, "Rules to run: ids, names or id prefixes, comma-separated (default: all)")->allow_extra_args(false);
  check->add_option("--ignore", f.ignore, "Rules not to run")->allow_extra_args(false);
  check->add_option("--format", f.format, "Output format: text, concise (one line per finding), json, sarif or github (Actions annotations)");
  check->add_option("-o,--output", f.output, "Write the report to a file instead of stdout");
  check->add_option("--fail-on", f.fail_on, "Exit 1 on findings at or above: error, warning (default), note, never");
  check->add_option("--baseline", f.baseline, "Ignore findings recorded in this baseline file");
  check->add_option("--write-baseline", f.write_baseline, "Record the current findings as the baseline and exit 0");
  check->add_option("--color", f.color, "Colour: auto, always, never")->check(CLI::IsMember({"auto", "always", "never"}));
  check->add_flag("-q,--quiet", f.quiet, "No colour, no decoration");
  // For bench/: the same Clang invocations with nothing collected, the baseline of the analysis cost.
  check->add_flag("--parse-only", f.parse_only, "Only parse (benchmark baseline)")->group("");

  FixFlags fx;
  CLI::App* fix = app.add_subcommand("fix", "Port modules: print a unified diff (git apply, patch -p1), or --write it");
  add_input_options(fix, fx.in);
  fix->add_option("--rules", fx.rules, "Repairs to make: ids or prefixes, comma-separated (default: all)")->allow_extra_args(false);
  fix->add_option("--method-state", fx.method_state,
                  "How methods of converted types reach the module state: fastest (default: the defining class for "
                  "METH_VARARGS methods, their type for the calls CPython specializes) or defining-class (every method)")
      ->allow_extra_args(false);
  fix->add_flag("--write", fx.write, "Apply the changes to the files (atomically, per module all or nothing)");
  fix->add_flag("--explain", fx.explain,
                "Print each module's port plan (what moves where, how each function gets the state, every refusal) "
                "instead of the diff");
  fix->add_option("--format", fx.format, "With --explain: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));

  std::string rule_id;
  CLI::App* rules = app.add_subcommand("rules", "List the rules, or print the documentation of one");
  rules->add_option("id", rule_id, "Rule id (OG101) or name (global-object)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (std::string word = mistyped_word(app, argc, argv); !word.empty() && e.get_exit_code() != 0)
      return usage_error(word);
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    if (check->parsed()) return run_check(f);
    if (rules->parsed()) return run_rules_command(rule_id);
    if (fix->parsed()) return run_fix(fx);
  } catch (const std::exception& e) {
    std::cerr << "owngil: internal error: " << e.what() << '\n';
    return 2;
  }
  return 2;
}
