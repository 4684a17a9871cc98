#include "owngil/analyzer.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticLex.h>
#include <clang/Basic/FileManager.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Basic/Stack.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/FrontendAction.h>
#include <clang/Frontend/FrontendActions.h>
#include <clang/Tooling/ArgumentsAdjusters.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/JSONCompilationDatabase.h>
#include <clang/Tooling/Tooling.h>
#include <llvm/Support/VirtualFileSystem.h>
#include <llvm/Support/thread.h>

#include "fact_collector.h"

namespace fs = std::filesystem;

namespace owngil {

namespace {
// An installed owngil carries Clang's builtin headers (stddef.h, ...) beside it, so that it runs
// where only Clang's libraries are installed and keeps working when its prefix moves; "" when this
// executable has none there (a build tree).
std::string bundled_resource_dir() {
#ifdef OWNGIL_BUNDLED_CLANG_RESOURCE_DIR
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  fs::path dir = exe.parent_path() / OWNGIL_BUNDLED_CLANG_RESOURCE_DIR;
  if (fs::exists(dir / "include" / "stddef.h", ec)) return fs::weakly_canonical(dir, ec).string();
#endif
  return "";
}
}  // namespace

std::string clang_resource_dir() {
  if (const char* env = std::getenv("OWNGIL_CLANG_RESOURCE_DIR")) return env;
  static const std::string bundled = bundled_resource_dir();
  return bundled.empty() ? OWNGIL_CLANG_RESOURCE_DIR : bundled;
}

// ---------------------------------------------------------------------------------------------
// Which Python's headers.

namespace {

// What a child writes to `fd` until it closes it, at most 64 KiB, giving up after `ms`.
std::string read_with_deadline(int fd, int ms) {
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  char buf[4096];
  while (text.size() < (64u << 10)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

// 3.13 for ".../include/python3.13", -1 when the name says nothing.
int minor_version_of(const fs::path& include_dir) {
  std::smatch m;
  std::string name = include_dir.filename().string();
  static const std::regex pattern(R"(python3\.(\d+)[a-z]*)");
  return std::regex_match(name, m, pattern) ? std::stoi(m[1]) : -1;
}

// The first line `interpreter` prints for `code`, "" when it fails or takes over 30 s. Run with
// posix_spawn and a fixed argv, never through a shell (the path may come from a stranger's
// pyproject.toml: quotes in it stay part of the name); -I keeps the working directory, maybe that
// tree, off sys.path and ignores PYTHON* variables.
std::string run_interpreter(const std::string& interpreter, const std::string& code) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = {interpreter, "-I", "-c", code};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int failed = posix_spawn(&pid, interpreter.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string text;
  if (!failed) text = read_with_deadline(out[0], 30000);
  close(out[0]);
  if (failed) return "";
  kill(pid, SIGKILL);  // done or too slow: either way it has nothing more to say
  waitpid(pid, nullptr, 0);
  return text.substr(0, text.find_first_of("\r\n"));
}

std::string run_for_include(const std::string& interpreter) {
  return run_interpreter(interpreter, "import sysconfig; print(sysconfig.get_paths()['include'])");
}

bool has_python_h(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "Python.h", ec);
}

// The include dirs of every CPython >= 3.12 we can see, without running anything.
std::vector<fs::path> candidate_include_dirs() {
  std::vector<fs::path> prefixes;
  for (const char* var : {"PYENV_ROOT"})
    if (const char* v = std::getenv(var)) prefixes.push_back(fs::path(v) / "versions");
  if (const char* home = std::getenv("HOME")) prefixes.push_back(fs::path(home) / ".pyenv" / "versions");
  std::vector<fs::path> includes;
  std::error_code ec;
  for (const fs::path& versions : prefixes)
    for (const auto& v : fs::directory_iterator(versions, ec))
      for (const auto& inc : fs::directory_iterator(v.path() / "include", ec)) includes.push_back(inc.path());
  for (const char* sys : {"/usr/local/include", "/usr/include"})
    for (const auto& inc : fs::directory_iterator(sys, ec))
      if (inc.path().filename().string().rfind("python3.", 0) == 0) includes.push_back(inc.path());
  for (const char* built_in : {OWNGIL_DEFAULT_PYTHON_INCLUDES})
    if (*built_in) includes.push_back(built_in);
  includes.erase(std::remove_if(includes.begin(), includes.end(),
                                [](const fs::path& p) { return minor_version_of(p) < 12 || !has_python_h(p); }),
                 includes.end());
  return includes;
}

// The headers of each CPython version found (2.7, 3.9 ... 3.13: one directory per version, the
// first found), without running anything. For configurations: a tree with version branches is
// analysed against each.
std::map<std::string, fs::path> headers_by_version() {
  std::vector<fs::path> dirs;
  std::error_code ec;
  std::vector<fs::path> prefixes;
  if (const char* v = std::getenv("PYENV_ROOT")) prefixes.push_back(fs::path(v) / "versions");
  if (const char* home = std::getenv("HOME")) prefixes.push_back(fs::path(home) / ".pyenv" / "versions");
  for (const fs::path& versions : prefixes)
    for (const auto& v : fs::directory_iterator(versions, ec))
      for (const auto& inc : fs::directory_iterator(v.path() / "include", ec)) dirs.push_back(inc.path());
  std::sort(dirs.begin(), dirs.end());
  std::map<std::string, fs::path> out;
  static const std::regex pattern(R"(python(2\.7|3\.(9|1[0-3])))");
  for (const fs::path& dir : dirs) {
    std::smatch m;
    std::string name = dir.filename().string();
    if (std::regex_match(name, m, pattern) && has_python_h(dir)) out.emplace(m[1].str(), dir);
  }
  return out;
}

}  // namespace

std::string find_python_include(const std::string& python, std::string* why) {
  if (python.empty()) {
    if (const char* env = std::getenv("OWNGIL_PYTHON"); env && *env) return find_python_include(env, why);
    std::vector<fs::path> found = candidate_include_dirs();
    auto newest = std::max_element(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
      return minor_version_of(a) < minor_version_of(b);
    });
    if (newest != found.end()) return newest->string();
    if (why) *why = "no CPython >= 3.12 headers found; pass --python PATH (an interpreter or its include directory)";
    return "";
  }
  std::error_code ec;
  fs::path p(python);
  if (fs::is_directory(p, ec)) {
    if (has_python_h(p)) return p.string();
    for (const auto& inc : fs::directory_iterator(p / "include", ec))
      if (has_python_h(inc.path())) return inc.path().string();
    if (why) *why = python + ": no Python.h in this directory or its include/python3.*";
    return "";
  }
  if (!fs::exists(p, ec)) {
    if (why) *why = python + ": no such interpreter or directory";
    return "";
  }
  // <prefix>/bin/python3.X -> <prefix>/include/python3.X, else ask the interpreter.
  fs::path guess = p.parent_path().parent_path() / "include" / p.filename();
  if (has_python_h(guess)) return guess.string();
  std::string asked = run_for_include(python);
  if (!asked.empty() && has_python_h(asked)) return asked;
  if (why) *why = python + ": could not find its Python.h (is the development package installed?)";
  return "";
}

// ---------------------------------------------------------------------------------------------
// Which files.

namespace {

// The extensions Clang's driver reads as C or C++ (`.C` and `.CPP` are C++, as for GCC).
bool is_source(const fs::path& p) {
  static const std::set<std::string> exts = {".c", ".cc", ".cpp", ".cxx", ".c++", ".cp",
                                             ".C", ".CC", ".CPP", ".CXX", ".C++"};
  return exts.count(p.extension().string()) > 0;
}

bool is_header(const fs::path& p) {
  static const std::set<std::string> exts = {".h", ".hh", ".hpp", ".hxx", ".h++", ".H", ".HPP"};
  return exts.count(p.extension().string()) > 0;
}

// What a path is when it is not a regular file Clang could read: FIFOs would block the reader
// forever and devices never end, so neither is ever opened. "" for a regular file.
std::string special_file_kind(const fs::path& p) {
  std::error_code ec;
  switch (fs::status(p, ec).type()) {
    case fs::file_type::regular: return "";
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::character: return "a character device";
    case fs::file_type::block: return "a block device";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::directory: return "a directory";
    default: return "not a file";
  }
}

std::string skipped_message(const std::string& kind) { return "skipped: " + kind + ", not a regular file"; }

bool is_skipped_dir(const fs::path& p) {
  std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..") return false;
  if (name[0] == '.') return true;
  static const std::set<std::string> skipped = {"__pycache__", "node_modules", "venv", "dist", "CMakeFiles"};
  return skipped.count(name) || name.rfind("build", 0) == 0 || name.rfind("cmake-build", 0) == 0;
}

bool excluded(const std::string& path, const std::vector<std::string>& patterns) {
  for (const std::string& pat : patterns)
    if (fnmatch(pat.c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

void walk(const fs::path& dir, const std::vector<std::string>& exclude, std::set<std::string>& out,
          std::vector<InputError>& errors) {
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    errors.push_back({{dir.string(), 0, 0}, "cannot read directory: " + ec.message()});
    return;
  }
  for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec) {
      errors.push_back({{it->path().string(), 0, 0}, "cannot read: " + ec.message()});
      ec.clear();
      continue;
    }
    const fs::path& p = it->path();
    // Directory symlinks are not followed (the iterator's default), so loops cannot hang the walk.
    if (it->is_directory(ec) && !it->is_symlink(ec) && is_skipped_dir(p)) {
      it.disable_recursion_pending();
      continue;
    }
    if (!is_source(p)) continue;
    if (!it->is_regular_file(ec)) {
      std::string kind = special_file_kind(p);
      // Directories named x.c and symlink loops are left as before: silently.
      if (kind != "a directory" && kind != "not a file") errors.push_back({{p.string(), 0, 0}, skipped_message(kind)});
      continue;
    }
    fs::path real = fs::weakly_canonical(p, ec);
    if (ec) {
      errors.push_back({{p.string(), 0, 0}, "cannot resolve path: " + ec.message()});
      ec.clear();
      continue;
    }
    if (!excluded(fs::relative(real, fs::weakly_canonical(dir)).string(), exclude)) out.insert(real.string());
  }
}

}  // namespace

std::vector<std::string> discover_sources(const std::vector<std::string>& paths,
                                          const std::vector<std::string>& exclude,
                                          std::vector<InputError>& errors) {
  std::set<std::string> found;
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      errors.push_back({{path, 0, 0}, ec && fs::is_symlink(fs::symlink_status(path, ec))
                                          ? "broken or looping symbolic link"
                                          : "no such file or directory"});
      continue;
    }
    if (fs::is_directory(st)) {
      walk(path, exclude, found, errors);
    } else if (std::string kind = special_file_kind(path); !kind.empty()) {
      errors.push_back({{path, 0, 0}, skipped_message(kind)});
    } else if (!is_source(path) && !is_header(path)) {
      // A header named on the command line is analysed through a unit that includes it, or alone.
      errors.push_back({{path, 0, 0}, "not a C or C++ source file or header (.c .cc .cpp .h .hpp ...)"});
    } else {
      found.insert(fs::weakly_canonical(path, ec).string());
    }
  }
  return {found.begin(), found.end()};
}

// ---------------------------------------------------------------------------------------------
// Compile flags from the tree (its compile database, its pyproject.toml's extra-args).

namespace {

// Flags that make Clang write a file (dependency files, diagnostics, traces, module caches), read
// one that is not a source or a header (response, config, VFS overlay files; sanitizer, profile
// and XRay lists, which Clang quotes when malformed and then aborts the whole process on) or load
// code (plugins). `value`: the next argument belongs to it.
struct UnsafeFlag {
  const char* spelling;
  bool prefix;  // also "-MF<path>", "-fplugin=<so>", ...
  bool value;
};
constexpr UnsafeFlag kUnsafeFlags[] = {
    {"-MF", false, true},          {"-MT", false, true},
    {"-MQ", false, true},          {"-MJ", false, true},
    {"-M", true, false},           {"-Wp,", true, false},
    {"--config", false, true},     {"--config", true, false},
    {"-fplugin", true, false},     {"-fpass-plugin", true, false},
    {"-load", false, true},        {"-ivfsoverlay", false, true},
    {"-ivfsoverlay", true, false}, {"--serialize-diagnostics", false, true},
    {"-ftime-trace", true, false}, {"-save-temps", true, false},
    {"-fcrash-diagnostics", true, false}, {"-fmodules-cache-path", true, false},
    {"-fproc-stat-report", true, false},  {"-fprofile", true, false},
    {"-fsanitize-ignorelist", true, false}, {"-fsanitize-blacklist", true, false},
    {"-fsanitize-system-ignorelist", true, false}, {"-fsanitize-coverage-allowlist", true, false},
    {"-fsanitize-coverage-ignorelist", true, false}, {"-fxray-always-instrument", true, false},
    {"-fxray-never-instrument", true, false}, {"-fxray-attr-list", true, false},
};

const UnsafeFlag* unsafe_flag(const std::string& arg) {
  if (!arg.empty() && arg[0] == '@') {  // a response file: its contents become arguments
    static const UnsafeFlag response{"@", true, false};
    return &response;
  }
  for (const UnsafeFlag& f : kUnsafeFlags)
    if (f.prefix ? arg.rfind(f.spelling, 0) == 0 : arg == f.spelling) return &f;
  return nullptr;
}

// Flags whose value is another tool's flag, passed on unchecked by the driver.
bool forwards_a_flag(const std::string& arg) {
  return arg == "-Xclang" || arg == "-Xpreprocessor" || arg.rfind("-Xarch_", 0) == 0;
}

// What Clang's own options that write or load look like (-dependency-file, -load, -add-plugin).
bool unsafe_forwarded(const std::string& value) {
  return unsafe_flag(value) || value.find("file") != std::string::npos ||
         value.find("plugin") != std::string::npos || value.find("load") != std::string::npos;
}

// How many arguments from args[i] on form a flag to drop: 0 to keep args[i].
size_t unsafe_width(const std::vector<std::string>& args, size_t i) {
  bool has_next = i + 1 < args.size();
  if (forwards_a_flag(args[i])) {
    if (!has_next || !unsafe_forwarded(args[i + 1])) return 0;
    // `-Xclang -dependency-file -Xclang deps.d`: the path comes forwarded too.
    bool value_follows = i + 3 < args.size() && args[i + 2] == args[i] && args[i + 3].rfind('-', 0) != 0;
    return value_follows ? 4 : 2;
  }
  const UnsafeFlag* f = unsafe_flag(args[i]);
  if (!f) return 0;
  return f->value && has_next ? 2 : 1;
}

// How a dropped flag is named in the warning, once per run: without its value (`-MF`, not every
// file's `-MF x.d`), with what a forwarding flag forwards (`-Xclang -load`).
std::string flag_name(const std::vector<std::string>& args, size_t i) {
  if (forwards_a_flag(args[i])) return args[i] + " " + args[i + 1];
  return args[i].substr(0, args[i][0] == '@' ? std::string::npos : args[i].find_first_of("=,"));
}

}  // namespace

std::vector<std::string> drop_unsafe_flags(const std::vector<std::string>& args, std::set<std::string>* dropped,
                                           size_t first) {
  std::vector<std::string> kept(args.begin(), args.begin() + std::min(first, args.size()));
  for (size_t i = kept.size(); i < args.size();) {
    size_t width = unsafe_width(args, i);
    if (width == 0) {
      kept.push_back(args[i++]);
      continue;
    }
    if (dropped) dropped->insert(flag_name(args, i));
    i += width;
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Running Clang.

namespace {

// The deepest directory that contains every file (compared component by component).
std::string common_root(const std::vector<std::string>& files) {
  if (files.empty()) return fs::current_path().string();
  fs::path first = fs::path(files.front()).parent_path();
  std::vector<fs::path> common(first.begin(), first.end());
  for (const std::string& f : files) {
    fs::path dir = fs::path(f).parent_path();
    size_t n = 0;
    for (auto it = dir.begin(); it != dir.end() && n < common.size() && *it == common[n]; ++it) ++n;
    common.resize(n);
  }
  fs::path root;
  for (const fs::path& part : common) root /= part;
  std::string out = root.string();
  return out == "/" ? "" : out;  // "" reads as the filesystem root: paths stay absolute
}

// The project root: where the user pointed, so that locations read as they think of them.
std::string project_root(const AnalyzerOptions& opt, const std::vector<std::string>& files) {
  std::vector<std::string> dirs;
  std::error_code ec;
  for (const std::string& p : opt.paths) {
    fs::path real = fs::weakly_canonical(p, ec);
    dirs.push_back((fs::is_directory(real, ec) ? real / "x" : real).string());
  }
  if (dirs.empty()) dirs = files;
  return common_root(dirs);
}

// Every directory under the root that holds a header: the tree's own include path.
std::vector<std::string> header_dirs(const std::string& root) {
  std::set<std::string> dirs;
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
  for (auto end = fs::recursive_directory_iterator(); !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && is_skipped_dir(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    std::string ext = it->path().extension().string();
    if (ext == ".h" || ext == ".hpp" || ext == ".hh") dirs.insert(it->path().parent_path().string());
  }
  return {dirs.begin(), dirs.end()};
}

class ErrorCollector : public clang::DiagnosticConsumer {
 public:
  ErrorCollector(std::string root, std::vector<ParseError>& out) : root_(std::move(root)), out_(out) {}
  void HandleDiagnostic(clang::DiagnosticsEngine::Level level, const clang::Diagnostic& info) override {
    clang::DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level < clang::DiagnosticsEngine::Error) return;
    if (level == clang::DiagnosticsEngine::Fatal) fatal = true;
    if (out_.size() >= kShown) {  // the first errors say it; the rest are usually consequences
      ++not_shown;
      return;
    }
    llvm::SmallString<256> msg;
    info.FormatDiagnostic(msg);
    ParseError e;
    e.message = std::string(msg.str());
    if (info.hasSourceManager() && info.getLocation().isValid()) {
      clang::PresumedLoc p = info.getSourceManager().getPresumedLoc(info.getLocation());
      if (p.isValid()) {
        std::string file = p.getFilename();
        if (!root_.empty() && file.rfind(root_ + "/", 0) == 0) file = file.substr(root_.size() + 1);
        e.loc = {file, p.getLine(), p.getColumn()};
      }
    }
    out_.push_back(std::move(e));
  }
  // After the unit: one line for the errors not listed, so the count stays true.
  void finish(const std::string& main_file) {
    if (not_shown == 0) return;
    out_.push_back({{main_file, 0, 0}, "and " + std::to_string(not_shown) + " more error" +
                                           (not_shown == 1 ? "" : "s") + " (not shown)"});
  }
  bool fatal = false;
  static constexpr size_t kShown = 20;
  size_t not_shown = 0;

 private:
  std::string root_;
  std::vector<ParseError>& out_;
};

// Lets the analysis go on past a missing header. Clang's "file not found" is fatal by default,
// which silences every later diagnostic and marks the unit unusable; as a plain error the
// include is skipped, the rest of the file is parsed (what needed the header gets its own
// errors), and the unit's verdict still says it was not seen whole.
class RecoverFromMissingHeaders : public clang::WrapperFrontendAction {
 public:
  using clang::WrapperFrontendAction::WrapperFrontendAction;

 protected:
  bool BeginSourceFileAction(clang::CompilerInstance& ci) override {
    ci.getDiagnostics().setSeverity(clang::diag::err_pp_file_not_found, clang::diag::Severity::Error,
                                    clang::SourceLocation());
    return clang::WrapperFrontendAction::BeginSourceFileAction(ci);
  }
};

struct Job {
  std::string file;
  std::string directory;
  std::vector<std::string> command;  // argv, argv[0] a compiler
};

// `file` as the model names it: relative to the root when it is below it.
std::string relative_to(const std::string& root, const std::string& file) {
  return !root.empty() && file.rfind(root + "/", 0) == 0 ? file.substr(root.size() + 1) : file;
}

// The disk, as seen from a compile command's directory.
llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> disk_from(const std::string& directory) {
  auto vfs = llvm::vfs::createPhysicalFileSystem();
  vfs->setCurrentWorkingDirectory(directory);
  return llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>(vfs.release());
}

// `fs`: every file Clang reads comes through it (the disk, or files in memory).
Model run_job(const Job& job, const std::string& root, bool parse_only,
              llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs) {
  Model facts;
  std::vector<ParseError> errors;
  ErrorCollector diagnostics(root, errors);
  llvm::IntrusiveRefCntPtr<clang::FileManager> files(new clang::FileManager(clang::FileSystemOptions(), fs));
  std::unique_ptr<clang::FrontendAction> action =
      parse_only ? std::make_unique<clang::SyntaxOnlyAction>() : make_fact_collector(facts, root);
  clang::tooling::ToolInvocation invocation(
      job.command, std::make_unique<RecoverFromMissingHeaders>(std::move(action)), files.get());
  invocation.setDiagnosticConsumer(&diagnostics);
  invocation.run();
  bool reached_ast = !facts.units.empty();
  if (!reached_ast) {  // a bad command line, a fatal error, an input Clang did not take for C
    TranslationUnit tu;
    tu.main_file = relative_to(root, job.file);
    facts.units.push_back(tu);
  }
  TranslationUnit& tu = facts.units.back();
  diagnostics.finish(tu.main_file);
  // Clang's errors first, then the collector's own (code it refused to walk).
  errors.insert(errors.end(), tu.errors.begin(), tu.errors.end());
  tu.errors = std::move(errors);
  tu.failed = tu.failed || diagnostics.fatal || !reached_ast;
  if (tu.failed) {  // a partial AST: its facts would mislead the rules
    TranslationUnit keep = tu;
    facts = Model();
    facts.units.push_back(keep);
  }
  return facts;
}

// CPython-internal macros a tree may use where the headers it is analysed with leave them out.
// `_Py_IDENTIFIER` is hidden by Py_BUILD_CORE (CPython's own modules define Py_BUILD_CORE_MODULE
// and used it until 3.12): without it the declaration is a parse error and every use of `PyId_x`
// an undeclared name. The definitions are those of 3.12's cpython/object.h, token for token, so
// where the headers define them too the redefinition is identical and changes nothing.
const std::vector<std::string>& internal_macro_fallbacks() {
  static const std::vector<std::string> defines = {
      "-D_Py_static_string_init(value)={ .string = (value), .index = -1 }",
      "-D_Py_static_string(varname, value)=static _Py_Identifier varname = _Py_static_string_init(value)",
      "-D_Py_IDENTIFIER(varname)=_Py_static_string(PyId_##varname, #varname)",
  };
  return defines;
}

std::vector<std::string> adjust(std::vector<std::string> cmd, const std::string& file,
                                std::vector<std::string> extra, std::set<std::string>& dropped) {
  using namespace clang::tooling;
  cmd = drop_unsafe_flags(cmd, &dropped, /*first=*/1);  // argv[0] is the compiler
  extra = drop_unsafe_flags(extra, &dropped);
  cmd = getClangStripOutputAdjuster()(cmd, file);
  cmd = getClangStripDependencyFileAdjuster()(cmd, file);
  cmd = getClangSyntaxOnlyAdjuster()(cmd, file);
  // Warnings are not ours to report (and Clang would print "N warnings generated"). No clang.cfg
  // from beside the compiler the database names: it could be the tree's own.
  // No error limit: after clang's default 20 it stops analysing, and a file that calls removed API
  // 21 times would be lost whole. No caret snippets: we print our own, and with them clang would
  // print its raw "N errors generated." on stderr.
  std::vector<std::string> tail = {"-resource-dir=" + clang_resource_dir(), "--no-default-config", "-w",
                                   "-ferror-limit=0", "-fno-caret-diagnostics"};
  tail.insert(tail.end(), internal_macro_fallbacks().begin(), internal_macro_fallbacks().end());
  tail.insert(tail.end(), extra.begin(), extra.end());
  cmd = getInsertArgumentAdjuster(tail, ArgumentInsertPosition::END)(cmd, file);
  return cmd;
}

std::vector<Job> jobs_from_database(const AnalyzerOptions& opt, std::vector<InputError>& errors,
                                    std::set<std::string>& dropped) {
  std::string why, path = (fs::path(opt.compile_db_dir) / "compile_commands.json").string();
  // Not CompilationDatabase::loadFromDirectory: it expands `@file` arguments, reading any file the
  // database names before drop_unsafe_flags could refuse it.
  std::unique_ptr<clang::tooling::CompilationDatabase> db = clang::tooling::JSONCompilationDatabase::loadFromFile(
      path, why, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  if (!db) {
    errors.push_back({{path, 0, 0}, "cannot load compile database: " + why});
    return {};
  }
  db = clang::tooling::inferTargetAndDriverMode(std::move(db));
  std::set<std::string> wanted;
  if (!opt.paths.empty()) {
    std::vector<std::string> listed = discover_sources(opt.paths, opt.exclude, errors);
    wanted.insert(listed.begin(), listed.end());
  }
  std::vector<Job> jobs;
  std::error_code ec;
  for (const clang::tooling::CompileCommand& c : db->getAllCompileCommands()) {
    fs::path file = fs::path(c.Filename).is_absolute() ? fs::path(c.Filename) : fs::path(c.Directory) / c.Filename;
    std::string real = fs::weakly_canonical(file, ec).string();
    if (!wanted.empty() && !wanted.count(real)) continue;
    if (!is_source(file) && !is_source(real)) continue;
    if (!fs::exists(file, ec)) {
      errors.push_back({{file.string(), 0, 0}, "listed in " + path + " but missing"});
      continue;
    }
    if (std::string kind = special_file_kind(file); !kind.empty()) {
      errors.push_back({{file.string(), 0, 0}, skipped_message(kind)});
      continue;
    }
    jobs.push_back({real, c.Directory, adjust(c.CommandLine, c.Filename, opt.extra_args, dropped)});
  }
  return jobs;
}

// The files of `candidates` that `file` names in a quoted `#include` (`#include "part.c"`), looked
// up as the preprocessor would: beside the file, then in the tree's include directories. A text
// scan, so an include in a comment or an inactive branch counts too: analyze() checks afterwards
// that each part was really seen.
std::vector<std::string> included_candidates(const std::string& file, const std::vector<std::string>& include_dirs,
                                             const std::set<std::string>& candidates) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> found;
  static const std::regex directive(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::error_code ec;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, directive)) continue;
    std::vector<fs::path> places = {fs::path(file).parent_path() / m[1].str()};
    for (const std::string& dir : include_dirs) places.push_back(fs::path(dir) / m[1].str());
    for (const fs::path& place : places) {
      std::string real = fs::weakly_canonical(place, ec).string();
      if (!ec && candidates.count(real)) {
        found.push_back(real);
        break;
      }
    }
  }
  return found;
}

// The files to parse as translation units: those no other input includes. A `.c` that another
// `.c` includes (a unity build, `#include "part.c"`) only compiles there, where the includer's
// headers and declarations come first; parsed alone it gives hundreds of errors and facts twice.
// Files that include each other in a cycle with no outside includer: the first of the cycle.
// `parts`: every input some unit includes, with the file that includes it.
std::vector<std::string> unit_roots(const std::vector<std::string>& files, const std::vector<std::string>& include_dirs,
                                    std::map<std::string, std::string>* parts) {
  std::set<std::string> all(files.begin(), files.end());
  std::map<std::string, std::vector<std::string>> includes;
  std::map<std::string, std::string> includer;
  for (const std::string& f : files)
    for (const std::string& inc : included_candidates(f, include_dirs, all))
      if (inc != f) {
        includes[f].push_back(inc);
        includer.emplace(inc, f);
      }
  std::vector<std::string> roots;
  std::set<std::string> reached;
  auto reach = [&](const std::string& from) {
    std::vector<std::string> todo = {from};
    while (!todo.empty()) {
      std::string f = todo.back();
      todo.pop_back();
      if (!reached.insert(f).second) continue;
      for (const std::string& inc : includes[f]) todo.push_back(inc);
    }
  };
  for (const std::string& f : files)
    if (!includer.count(f)) roots.push_back(f), reach(f);
  for (const std::string& f : files)  // cycles no root reaches
    if (!reached.count(f)) roots.push_back(f), reach(f);
  std::set<std::string> root_set(roots.begin(), roots.end());
  for (const auto& [part, by] : includer)
    if (!root_set.count(part)) (*parts)[part] = by;
  return roots;
}

std::vector<std::string> tree_include_flags(const std::string& root, const std::string& python_include) {
  std::vector<std::string> flags = {"-isystem", python_include};
  for (const std::string& dir : header_dirs(root)) flags.push_back("-I" + dir);
  return flags;
}

std::vector<Job> jobs_from_tree(const std::vector<std::string>& files, const std::string& root,
                                const std::vector<std::string>& flags, const std::vector<std::string>& extra,
                                std::set<std::string>& dropped) {
  std::vector<Job> jobs;
  for (const std::string& f : files) {
    std::vector<std::string> cmd = {"clang"};
    cmd.insert(cmd.end(), flags.begin(), flags.end());
    // A header analysed alone (no input includes it) comes after Python.h in every file that
    // uses it, as extension headers do; its include guard makes this a no-op when it includes it.
    if (is_header(f)) cmd.insert(cmd.end(), {"-include", "Python.h"});
    cmd.push_back(f);
    jobs.push_back({f, root.empty() ? "/" : root, adjust(cmd, f, extra, dropped)});
  }
  return jobs;
}

using FileSystemFor = std::function<llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>(const std::string& directory)>;

// Each job's facts, `threads` at a time, each file through the file system `fs_for` gives for its
// command's directory.
std::vector<Model> run_jobs(const std::vector<Job>& jobs, const std::string& root, bool parse_only, unsigned threads,
                            const FileSystemFor& fs_for) {
  std::vector<Model> per_file(jobs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    clang::noteBottomOfStack();  // lets Clang move its own deep recursions onto fresh stacks
    for (size_t i = next++; i < jobs.size(); i = next++)
      per_file[i] = run_job(jobs[i], root, parse_only, fs_for(jobs[i].directory));
  };
  // Every worker gets the same stack, whatever `ulimit -s` says: the collector's depth limit
  // (and Clang's recursion on deep code) is sized for it.
  constexpr unsigned kWorkerStack = 64u << 20;
  unsigned n = std::max(1u, std::min<unsigned>(threads, jobs.size()));
  std::vector<llvm::thread> workers;
  for (unsigned t = 0; t < n; ++t) workers.emplace_back(std::optional<unsigned>(kWorkerStack), worker);
  for (llvm::thread& t : workers) t.join();
  return per_file;
}

// The parts (files another input includes) that no unit which parsed saw: the text scan found an
// include in a comment or in a branch not compiled here. Those are analysed on their own.
std::vector<std::string> parts_not_seen(const std::map<std::string, std::string>& parts,
                                        const std::vector<Model>& per_file, const std::string& root) {
  std::set<std::string> seen;
  for (const Model& facts : per_file)
    for (const TranslationUnit& tu : facts.units)
      if (!tu.failed) seen.insert(tu.user_files.begin(), tu.user_files.end());
  std::vector<std::string> left;
  for (const auto& [part, by] : parts)
    if (!seen.count(relative_to(root, part))) left.push_back(part);
  return left;
}

// Files a unit covers: its main file and the parts it includes.
unsigned files_covered(const TranslationUnit& tu, const std::map<std::string, std::string>& parts,
                       const std::string& root) {
  unsigned n = 1;
  for (const auto& [part, by] : parts)
    if (tu.user_files.count(relative_to(root, part)) && relative_to(root, part) != tu.main_file) ++n;
  return n;
}

// Whether the command defines NDEBUG: its last -DNDEBUG / -UNDEBUG decides, as for the compiler.
bool defines_ndebug(const std::vector<std::string>& cmd) {
  bool defined = false;
  for (size_t i = 0; i < cmd.size(); ++i) {
    std::string arg = cmd[i];
    if ((arg == "-D" || arg == "-U") && i + 1 < cmd.size()) arg += cmd[++i];
    if (arg == "-DNDEBUG" || arg.rfind("-DNDEBUG=", 0) == 0) defined = true;
    if (arg == "-UNDEBUG") defined = false;
  }
  return defined;
}

std::string ndebug_label(bool defined) { return defined ? "with NDEBUG" : "without NDEBUG"; }

// The same unit with NDEBUG the other way, for the units whose code depends on it (an assert(), an
// #ifndef NDEBUG): a use only in assert() must be found whatever NDEBUG the command gave, or the
// port keeps it and fails to build in the other configuration. Merged into each unit's facts.
void analyse_other_ndebug(const std::vector<Job>& jobs, std::vector<Model>& per_file, const std::string& root,
                          const AnalyzerOptions& opt) {
  std::vector<Job> other;
  std::vector<size_t> of;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Model& facts = per_file[i];
    if (facts.units.size() != 1 || facts.units[0].failed || !facts.units[0].condition_macros.count("NDEBUG")) continue;
    Job alt = jobs[i];
    // Last, so it wins over every -D / -U before it (the compile database's, --extra-arg's).
    alt.command.push_back(defines_ndebug(jobs[i].command) ? "-UNDEBUG" : "-DNDEBUG");
    other.push_back(std::move(alt));
    of.push_back(i);
  }
  std::vector<Model> facts = run_jobs(other, root, opt.parse_only, opt.jobs, disk_from);
  for (size_t k = 0; k < other.size(); ++k) {
    bool base_defines = defines_ndebug(jobs[of[k]].command);
    merge_configuration(per_file[of[k]], std::move(facts[k]), ndebug_label(base_defines), ndebug_label(!base_defines));
  }
}

bool depends_on_python_version(const TranslationUnit& tu) {
  for (const char* m : {"PY_VERSION_HEX", "PY_MAJOR_VERSION", "PY_MINOR_VERSION"})
    if (tu.condition_macros.count(m)) return true;
  return false;
}

bool has_new_errors(const Model& alt, const Model& base) {
  if (alt.units.size() != 1 || alt.units[0].failed) return true;
  std::set<std::string> known;
  for (const ParseError& e : base.units[0].errors) known.insert(e.loc.to_string() + e.message);
  for (const ParseError& e : alt.units[0].errors)
    if (!known.count(e.loc.to_string() + e.message)) return true;
  return false;
}

// The units whose own code has version branches (an #if on PY_VERSION_HEX, PY_MAJOR_VERSION,
// PY_MINOR_VERSION), analysed again against the headers of every other CPython found (3.9 to 3.13,
// and 2.7 where the tree tests PY_MAJOR_VERSION): a global used only in a branch for another Python
// is still found, its uses tagged "with Python 3.9". A version the unit does not compile against
// (a module that needs newer API than it has) says nothing about the module and is left out.
void analyse_other_pythons(const std::vector<Job>& jobs, std::vector<Model>& per_file, const std::string& root,
                           const std::string& python_include, const AnalyzerOptions& opt) {
  std::map<std::string, fs::path> versions = headers_by_version();
  std::vector<Job> other;
  std::vector<std::pair<size_t, std::string>> of;  // job, version
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Model& facts = per_file[i];
    if (facts.units.size() != 1 || facts.units[0].failed || !depends_on_python_version(facts.units[0])) continue;
    auto at = std::find(jobs[i].command.begin(), jobs[i].command.end(), python_include);
    if (at == jobs[i].command.end()) continue;  // a compile database's own include flags: not ours to swap
    for (const auto& [version, dir] : versions) {
      if (dir == fs::path(python_include) || (version == "2.7" && !facts.units[0].condition_macros.count("PY_MAJOR_VERSION")))
        continue;
      Job alt = jobs[i];
      alt.command[at - jobs[i].command.begin()] = dir.string();
      other.push_back(std::move(alt));
      of.push_back({i, version});
    }
  }
  std::vector<Model> facts = run_jobs(other, root, opt.parse_only, opt.jobs, disk_from);
  for (size_t k = 0; k < other.size(); ++k) {
    Model& base = per_file[of[k].first];
    if (has_new_errors(facts[k], base)) continue;
    merge_configuration(base, std::move(facts[k]), "", "with Python " + of[k].second);
  }
}

// Merges the units' facts into `result` (its errors, counts and modules).
void collect(std::vector<Model>& per_file, const std::map<std::string, std::string>& parts, const std::string& root,
             AnalysisResult& result) {
  for (Model& facts : per_file) {
    for (const TranslationUnit& tu : facts.units) {
      for (const ParseError& e : tu.errors) result.errors.push_back({e.loc.file.empty() ? SourceLoc{tu.main_file, 0, 0} : e.loc, e.message});
      if (!tu.failed) result.files_analyzed += files_covered(tu, parts, root);
    }
    merge_into(result.model, std::move(facts));
  }
  build_modules(result.model);
}

}  // namespace

AnalysisResult analyze(const AnalyzerOptions& opt) {
  AnalysisResult result;
  std::string why;
  std::string python_include = find_python_include(opt.python, &why);
  std::vector<Job> jobs;
  std::set<std::string> dropped;
  std::vector<std::string> files;             // every input file
  std::map<std::string, std::string> parts;  // inputs another input includes -> that includer
  std::vector<std::string> tree_flags;
  if (!opt.compile_db_dir.empty()) {
    jobs = jobs_from_database(opt, result.errors, dropped);
    for (const Job& j : jobs) files.push_back(j.file);
  } else {
    files = discover_sources(opt.paths, opt.exclude, result.errors);
    if (python_include.empty()) {
      result.errors.push_back({{"", 0, 0}, why});
      result.files_total = files.size();
      return result;
    }
    tree_flags = tree_include_flags(project_root(opt, files), python_include);
    std::vector<std::string> include_dirs;
    for (const std::string& flag : tree_flags)
      if (flag.rfind("-I", 0) == 0) include_dirs.push_back(flag.substr(2));
    jobs = jobs_from_tree(unit_roots(files, include_dirs, &parts), project_root(opt, files), tree_flags,
                          opt.extra_args, dropped);
  }
  std::string root = !opt.root.empty()               ? opt.root
                     : opt.compile_db_dir.empty() ? project_root(opt, files)
                                                  : common_root(files);
  result.model.root = root;
  result.model.python_include = python_include;
  result.files_total = files.size();

  std::vector<Model> per_file = run_jobs(jobs, root, opt.parse_only, opt.jobs, disk_from);
  if (!opt.parse_only) {
    analyse_other_ndebug(jobs, per_file, root, opt);
    analyse_other_pythons(jobs, per_file, root, python_include, opt);
  }
  if (std::vector<std::string> alone = parts_not_seen(parts, per_file, root); !alone.empty()) {
    for (const std::string& part : alone) parts.erase(part);
    std::vector<Model> more = run_jobs(jobs_from_tree(alone, root, tree_flags, opt.extra_args, dropped), root,
                                       opt.parse_only, opt.jobs, disk_from);
    for (Model& m : more) per_file.push_back(std::move(m));
  }
  if (opt.warn)
    for (const std::string& flag : dropped)
      opt.warn("compile flag '" + flag + "' dropped: owngil lets no compile command write files, or read "
               "files other than sources and headers");
  collect(per_file, parts, root, result);
  return result;
}

AnalysisResult analyze_in_memory(const std::string& main_file, const std::map<std::string, std::string>& files,
                                 const std::vector<std::string>& args) {
  auto memory = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
  for (const auto& [path, text] : files)
    memory->addFile(path, 0, llvm::MemoryBuffer::getMemBufferCopy(text, path));
  std::string root = fs::path(main_file).parent_path().string();
  std::vector<std::string> cmd = {"clang", "-nostdinc"};
  cmd.insert(cmd.end(), args.begin(), args.end());
  cmd.push_back(main_file);
  std::set<std::string> dropped;
  std::vector<Job> jobs = {{main_file, root, adjust(cmd, main_file, {}, dropped)}};
  AnalysisResult result;
  result.model.root = root;
  result.files_total = 1;
  auto in_memory = [&](const std::string& directory) {
    memory->setCurrentWorkingDirectory(directory);
    return llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>(memory);
  };
  std::vector<Model> per_file = run_jobs(jobs, root, /*parse_only=*/false, 1, in_memory);
  collect(per_file, {}, root, result);
  return result;
}

Model analyze_snippet(const std::string& code, const std::string& file_name,
                      const std::vector<std::string>& args) {
  std::string why;
  std::string python_include = find_python_include("", &why);
  std::vector<std::string> all = {"-isystem", python_include, "-resource-dir=" + clang_resource_dir(), "-w"};
  all.insert(all.end(), internal_macro_fallbacks().begin(), internal_macro_fallbacks().end());
  all.insert(all.end(), args.begin(), args.end());
  Model facts;
  clang::tooling::runToolOnCodeWithArgs(make_fact_collector(facts, ""), code, all, file_name);
  build_modules(facts);
  return facts;
}

}  // namespace owngil
