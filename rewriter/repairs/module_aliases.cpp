// OG101 on a global that only ever holds the module being built: each read becomes the module
// the function is given, each write goes (a statement of its own, or its link of a chain
// `m = the_module = PyModule_Create(...)`), and so does the declaration. Nothing owns it twice.
#include <cctype>

#include "repair.h"

namespace owngil {
namespace {

size_t previous_non_blank(const std::string& text, size_t at) {
  while (at > 0 && std::isspace(static_cast<unsigned char>(text[at - 1]))) --at;
  return at;
}

size_t next_non_blank(const std::string& text, size_t at) {
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
  return at;
}

// `g = value;` standing alone goes whole; `m = g = value` loses `g = `. Anything else (a write
// inside a condition, `if (x) g = m;` with no braces) is left to a person.
void remove_write(const RepairContext& ctx, const Global& g, const GlobalUse& u, RepairResult& out) {
  const std::string& text = ctx.text(u.range.file);
  size_t before = previous_non_blank(text, u.range.begin);
  char prev = before ? text[before - 1] : ';';
  size_t after = next_non_blank(text, u.assigned_range.end);
  bool statement = (prev == ';' || prev == '{' || prev == '}') && after < text.size() && text[after] == ';';
  bool chained = prev == '=' && before >= 2 && std::string("=!<>").find(text[before - 2]) == std::string::npos;
  if (statement) {
    out.remove(text, {u.range.file, u.range.begin, static_cast<unsigned>(after + 1)});
  } else if (chained) {
    out.replace({u.range.file, u.range.begin, u.assigned_range.begin}, "", "OG101");
  } else {
    out.refuse(loc_of(text, u.range), "'" + g.name + "' holds the module object itself, and this write of it is "
                                      "neither a statement of its own nor a link of an assignment chain: remove it by hand");
  }
}

}  // namespace

void repair_module_aliases(const RepairContext& ctx, RepairResult& out) {
  for (const ModuleAlias& alias : ctx.plan.module_aliases) {
    const Global& g = *alias.global;
    out.remove(ctx.text(g.decl.file), g.decl);
    for (const auto& [use, module] : alias.reads) out.replace(use->range, module, "OG101");
    for (const GlobalUse* w : alias.writes) remove_write(ctx, g, *w, out);
    out.repaired.insert("OG101");
  }
}

}  // namespace owngil
