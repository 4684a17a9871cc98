// Ported types use what owngil_compat.h provides on older Pythons: each file the plan names
// includes it right after <Python.h>, and the header is added beside it unless the tree has one.
#include "repair.h"

namespace owngil {

extern const char* const kCompatHeader;  // runtime/include/owngil_compat.h, embedded at build time

namespace {

// Just after the line that includes Python.h; npos when there is none.
size_t after_python_include(const std::string& src) {
  for (size_t pos = 0; pos < src.size();) {
    size_t nl = src.find('\n', pos);
    std::string line = src.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (line.find("#include") != std::string::npos && line.find("Python.h") != std::string::npos)
      return nl == std::string::npos ? src.size() : nl + 1;
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return std::string::npos;
}

// An `#include` line names owngil_compat.h already (a comment mentioning it does not count).
bool includes_compat_header(const std::string& src) {
  for (size_t at = src.find("owngil_compat.h"); at != std::string::npos; at = src.find("owngil_compat.h", at + 1)) {
    size_t line = src.rfind('\n', at);
    line = line == std::string::npos ? 0 : line + 1;
    size_t hash = src.find_first_not_of(" \t", line);
    if (hash != std::string::npos && src.compare(hash, 1, "#") == 0 && src.find("include", hash) < at) return true;
  }
  return false;
}

}  // namespace

void repair_compat_header(const RepairContext& ctx, RepairResult& out) {
  for (const std::string& file : ctx.plan.compat_files) {
    const std::string& src = ctx.text(file);
    if (includes_compat_header(src)) continue;
    size_t dir_end = file.find_last_of('/');
    std::string header = (dir_end == std::string::npos ? "" : file.substr(0, dir_end + 1)) + "owngil_compat.h";
    if (!ctx.exists(header)) out.new_files[header] = kCompatHeader;
    size_t at = after_python_include(src);
    if (at == std::string::npos) {
      out.refuse({file, 1, 1}, "cannot find where " + file + " includes <Python.h>, to include owngil_compat.h after it");
      continue;
    }
    // Converted types need it; without them OG101's repairs (PyModule_AddObjectRef, Py_XNewRef on 3.9), or the
    // thread hand-off (OG301).
    const char* rule = !ctx.plan.types.empty() ? "OG201" : !ctx.plan.globals.empty() ? "OG101" : "OG301";
    out.insert(file, static_cast<unsigned>(at), "#include \"owngil_compat.h\"\n", rule);
  }
}

}  // namespace owngil
