// The writer of ported files. A module's files are written together or not at all: each new text
// goes to an exclusive temporary file beside its target (never through a link), is synced and
// checked (every write and the close), and only when all of them are ready are they renamed over
// their targets. An original that changed since it was analysed stops the module before anything
// is written. Modes and ownership of existing files are kept; new files get the default mode.
// A journal in the root makes the module's write all-or-nothing across a crash too (SIGKILL,
// power loss): recover_interrupted_writes finishes or undoes it on the next `fix --write`.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "owngil/fix.h"

namespace owngil {
namespace {

struct Pending {
  std::string target, temp;
};

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : "";
}

std::string directory_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// The directory the file goes in is the root or below it, reached without leaving it.
bool inside_root(const std::string& root, const std::string& path) {
  std::string real_root = real_path(root), dir = real_path(directory_of(path));
  return !real_root.empty() && !dir.empty() && (dir == real_root || dir.rfind(real_root + "/", 0) == 0);
}

mode_t default_mode() {
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

bool write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The new text in the temporary file `p.temp` beside its target (created exclusively, never
// through a link), with the mode and owner the target must have.
bool prepare(const Pending& p, const std::string& text, const struct stat* existing, std::string* error) {
  int fd = open(p.temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = p.target + ": cannot create a temporary file beside it: " + strerror(errno);
    return false;
  }
  mode_t mode = existing ? existing->st_mode & 07777 : default_mode();
  bool ok = write_all(fd, text) && fchmod(fd, mode) == 0 && fsync(fd) == 0;
  int saved = errno;
  if (ok && existing && geteuid() == 0 && fchown(fd, existing->st_uid, existing->st_gid) != 0) ok = false, saved = errno;
  if (::close(fd) != 0 && ok) ok = false, saved = errno;
  if (!ok) {
    unlink(p.temp.c_str());
    *error = p.target + ": cannot write: " + strerror(saved);
    return false;
  }
  return true;
}

void sync_directory(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  fsync(fd);
  ::close(fd);
}

// Fault injection for the kill test (tests/cli): a pause before each step of the write, so a
// SIGKILL can land between any two of them.
void test_pause() {
  static const char* delay = getenv("OWNGIL_TEST_WRITE_DELAY_US");
  if (delay) usleep(static_cast<useconds_t>(atoi(delay)));
}

std::string journal_name(const std::string& root, const char* state) {
  return root + "/.owngil-" + state + "-" + std::to_string(getpid());
}

// The journal lists each temporary file and its target, one `temp\ttarget` line each, relative to
// the root: written (as "pending") before any temporary exists, renamed to "commit" once all of
// them are complete. recover_interrupted_writes rolls a pending one back and a committed one forward.
bool write_journal(const std::string& path, const std::vector<Pending>& files, const std::string& root, std::string* error) {
  std::string text;
  for (const Pending& p : files) text += p.temp.substr(root.size() + 1) + "\t" + p.target.substr(root.size() + 1) + "\n";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && write_all(fd, text) && fsync(fd) == 0;
  int saved = errno;
  if (fd >= 0 && ::close(fd) != 0 && ok) ok = false, saved = errno;
  if (!ok) {
    unlink(path.c_str());
    *error = path + ": cannot write the journal: " + strerror(saved);
  }
  return ok;
}

std::vector<std::pair<std::string, std::string>> read_journal(const std::string& root, const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(read_whole_file(path));
  for (std::string line; std::getline(in, line);) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string temp = line.substr(0, tab), target = line.substr(tab + 1);
    if (!in_tree(temp) || !in_tree(target)) continue;  // only ever names files of the tree
    out.push_back({root + "/" + temp, root + "/" + target});
  }
  return out;
}

}  // namespace

bool recover_interrupted_writes(const std::string& root, std::string* report) {
  DIR* dir = opendir(root.c_str());
  if (!dir) return true;
  std::vector<std::string> journals;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.rfind(".owngil-pending-", 0) == 0 || name.rfind(".owngil-commit-", 0) == 0) journals.push_back(name);
  }
  closedir(dir);
  bool ok = true;
  for (const std::string& name : journals) {
    std::string path = root + "/" + name;
    bool committed = name.rfind(".owngil-commit-", 0) == 0;
    for (const auto& [temp, target] : read_journal(root, path)) {
      struct stat st;
      if (lstat(temp.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (committed ? rename(temp.c_str(), target.c_str()) != 0 : unlink(temp.c_str()) != 0) ok = false;
    }
    if (ok) unlink(path.c_str());
    *report += path + (committed ? ": finished an interrupted write\n" : ": undid an interrupted write\n");
  }
  if (!journals.empty()) sync_directory(root);
  return ok;
}

// One file of the module to write: its names, what it was (its stat, when it exists), its new text.
struct Planned {
  Pending names;
  struct stat st;
  bool exists = false;
  const std::string* text = nullptr;
};

bool write_module(const std::string& root, const ModuleFix& module, std::string* error) {
  std::vector<Planned> files;
  size_t temps_written = 0;  // the temporaries of files[0, temps_written) exist
  std::string journal = journal_name(root, "pending");
  bool journal_written = false;
  auto fail = [&](const std::string& why) {
    for (size_t k = 0; k < temps_written; ++k) unlink(files[k].names.temp.c_str());
    if (journal_written) unlink(journal.c_str());
    *error = why;
    return false;
  };
  for (const auto& [file, change] : module.files) {
    Planned p;
    std::string target = root + "/" + file;
    if (!in_tree(file) || !inside_root(root, target)) return fail(target + ": outside the tree: not written");
    p.exists = lstat(target.c_str(), &p.st) == 0;
    if (p.exists && !S_ISREG(p.st.st_mode)) return fail(target + ": not a regular file (a link?): not written");
    if (change.created && p.exists) {
      if (read_whole_file(target) == change.after) continue;  // another module of the tree added it already
      return fail(target + ": exists already: not overwritten");
    }
    if (!change.created && (!p.exists || read_whole_file(target) != change.before))
      return fail(target + ": changed since it was analysed: not written; run owngil fix again");
    p.names = {target, target + ".owngil-" + std::to_string(getpid()) + "-" + std::to_string(files.size())};
    p.text = &change.after;
    files.push_back(p);
  }
  std::vector<Pending> names;
  for (const Planned& p : files) names.push_back(p.names);
  test_pause();
  if (!write_journal(journal, names, root, error)) return fail(*error);
  journal_written = true;
  for (const Planned& p : files) {
    test_pause();
    std::string why;
    if (!prepare(p.names, *p.text, p.exists ? &p.st : nullptr, &why)) return fail(why);
    ++temps_written;
  }
  test_pause();
  std::string commit = journal_name(root, "commit");
  if (rename(journal.c_str(), commit.c_str()) != 0) return fail(journal + ": " + strerror(errno));
  sync_directory(root);
  for (const Pending& p : names) {
    test_pause();
    if (rename(p.temp.c_str(), p.target.c_str()) != 0) {
      // The journal is committed: the next `owngil fix --write` finishes the renames.
      *error = p.target + ": " + strerror(errno) + " (the next owngil fix --write finishes the write)";
      return false;
    }
  }
  for (const Pending& p : names) sync_directory(directory_of(p.target));
  test_pause();
  unlink(commit.c_str());
  sync_directory(root);
  return true;
}

}  // namespace owngil
