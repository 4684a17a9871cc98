// The writer of ported files: a module's files all new or all old.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "owngil/fix.h"

using namespace owngil;
namespace fs = std::filesystem;

namespace {

struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "owngil-writer-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~ScratchDir() { fs::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const { std::ofstream(path / rel, std::ios::binary) << text; }
  std::string read(const std::string& rel) const {
    std::ifstream in(path / rel, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

ModuleFix two_file_port() {
  ModuleFix m;
  m.outcome = ModuleOutcome::Ported;
  m.files["a.c"] = {"old a\n", "new a\n", false, {}};
  m.files["b.c"] = {"old b\n", "new b\n", false, {}};
  m.files["owngil_compat.h"] = {"", "compat\n", true, {}};
  return m;
}

}  // namespace

TEST_CASE("writer: every file of the module is replaced, modes kept, no temporary left", "[writer]") {
  ScratchDir dir;
  dir.write("a.c", "old a\n");
  dir.write("b.c", "old b\n");
  chmod((dir.path / "b.c").c_str(), 0640);
  std::string error;
  REQUIRE(write_module(dir.path.string(), two_file_port(), &error));
  CHECK(dir.read("a.c") == "new a\n");
  CHECK(dir.read("b.c") == "new b\n");
  CHECK(dir.read("owngil_compat.h") == "compat\n");
  CHECK((fs::status(dir.path / "b.c").permissions() & fs::perms::mask) == static_cast<fs::perms>(0640));
  CHECK(dir.names() == std::vector<std::string>{"a.c", "b.c", "owngil_compat.h"});
}

TEST_CASE("writer: a file changed since the analysis leaves every file of the module as it was", "[writer]") {
  ScratchDir dir;
  dir.write("a.c", "old a\n");
  dir.write("b.c", "edited meanwhile\n");
  std::string error;
  CHECK_FALSE(write_module(dir.path.string(), two_file_port(), &error));
  CHECK(error.find("b.c: changed since it was analysed") != std::string::npos);
  CHECK(dir.read("a.c") == "old a\n");
  CHECK(dir.read("b.c") == "edited meanwhile\n");
  CHECK(dir.names() == std::vector<std::string>{"a.c", "b.c"});  // no compat header, no temporary
}

TEST_CASE("writer: a link in place of a file, or a path out of the tree, is never written", "[writer]") {
  ScratchDir dir, outside;
  outside.write("a.c", "old a\n");
  dir.write("b.c", "old b\n");
  fs::create_symlink(outside.path / "a.c", dir.path / "a.c");
  std::string error;
  CHECK_FALSE(write_module(dir.path.string(), two_file_port(), &error));
  CHECK(error.find("not a regular file") != std::string::npos);
  CHECK(outside.read("a.c") == "old a\n");
  CHECK(dir.read("b.c") == "old b\n");
  ModuleFix escape;
  escape.files["../x.c"] = {"", "x\n", true};
  CHECK_FALSE(write_module(dir.path.string(), escape, &error));
  CHECK(error.find("outside the tree") != std::string::npos);
}

TEST_CASE("writer: one file that cannot be created leaves the others of the module as they were", "[writer]") {
  ScratchDir dir;
  dir.write("a.c", "old a\n");
  fs::create_directory(dir.path / "sub");
  dir.write("sub/b.c", "old b\n");
  ModuleFix m;
  m.files["a.c"] = {"old a\n", "new a\n", false, {}};
  m.files["sub/b.c"] = {"old b\n", "new b\n", false, {}};
  m.files["sub/missing/c.h"] = {"", "c\n", true, {}};  // its directory does not exist
  std::string error;
  CHECK_FALSE(write_module(dir.path.string(), m, &error));
  CHECK(dir.read("a.c") == "old a\n");
  CHECK(dir.read("sub/b.c") == "old b\n");
  CHECK(dir.names() == std::vector<std::string>{"a.c", "sub"});
}
