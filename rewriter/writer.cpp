// The writer of ported files. A module's files are written together or not at all: each new text
// goes to an exclusive temporary file beside its target (never through a link), is synced and
// checked (every write and the close), and only when all of them are ready are they renamed over
// their targets. An original that changed since it was analysed stops the module before any
// rename. Modes and ownership of existing files are kept; new files get the directory's default.
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

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

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

// The new text in a temporary file beside `target`, with the mode and owner it must have.
bool prepare(const std::string& target, const std::string& text, const struct stat* existing, Pending* out,
             std::string* error) {
  std::string temp = target + ".owngil-XXXXXX";
  int fd = mkstemp(temp.data());  // O_CREAT | O_EXCL: never an existing file or a planted link
  if (fd < 0) {
    *error = target + ": cannot create a temporary file beside it: " + strerror(errno);
    return false;
  }
  mode_t mode = existing ? existing->st_mode & 07777 : default_mode();
  bool ok = write_all(fd, text) && fchmod(fd, mode) == 0 && fsync(fd) == 0;
  int saved = errno;
  if (ok && existing && geteuid() == 0 && fchown(fd, existing->st_uid, existing->st_gid) != 0) ok = false, saved = errno;
  if (::close(fd) != 0 && ok) ok = false, saved = errno;
  if (!ok) {
    unlink(temp.c_str());
    *error = target + ": cannot write: " + strerror(saved);
    return false;
  }
  *out = {target, temp};
  return true;
}

void sync_directory(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  fsync(fd);
  ::close(fd);
}

}  // namespace

bool write_module(const std::string& root, const ModuleFix& module, std::string* error) {
  std::vector<Pending> pending;
  auto fail = [&](const std::string& why) {
    for (const Pending& p : pending) unlink(p.temp.c_str());
    *error = why;
    return false;
  };
  for (const auto& [file, change] : module.files) {
    std::string target = root + "/" + file;
    if (!in_tree(file) || !inside_root(root, target)) return fail(target + ": outside the tree: not written");
    struct stat st;
    bool exists = lstat(target.c_str(), &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) return fail(target + ": not a regular file (a link?): not written");
    if (change.created && exists) {
      if (read_whole(target) == change.after) continue;  // another module of the tree added it already
      return fail(target + ": exists already: not overwritten");
    }
    if (!change.created && (!exists || read_whole(target) != change.before))
      return fail(target + ": changed since it was analysed: not written; run owngil fix again");
    Pending p;
    std::string why;
    if (!prepare(target, change.after, exists ? &st : nullptr, &p, &why)) return fail(why);
    pending.push_back(p);
  }
  for (size_t i = 0; i < pending.size(); ++i)
    if (rename(pending[i].temp.c_str(), pending[i].target.c_str()) != 0) {
      std::string why = pending[i].target + ": " + strerror(errno);
      pending.erase(pending.begin(), pending.begin() + static_cast<long>(i));  // those are in place already
      return fail(why);
    }
  for (const Pending& p : pending) sync_directory(directory_of(p.target));
  return true;
}

}  // namespace owngil
