// OG301: a thread the module starts enters the interpreter that started it. The start goes
// through owngil_compat.h's wrapper, which records the caller's interpreter for the new thread;
// PyGILState_Ensure/Release in what the thread runs become owngil_thread_ensure/release, and
// when the interpreter is gone the function returns its error value instead of running Python.
#include "repair.h"

namespace owngil {

void repair_thread_handoff(const RepairContext& ctx, RepairResult& out) {
  for (const Call* c : ctx.plan.thread_starts)
    out.replace({c->range.file, c->range.begin, static_cast<unsigned>(c->range.begin + c->callee.size())},
                "owngil_" + c->callee, "OG301");
  for (const ThreadEntry& e : ctx.plan.thread_entries) {
    const std::string& src = ctx.text(e.call->range.file);
    out.replace(e.call->range, "owngil_thread_ensure(\"" + e.function->name + "\")", "OG301");
    size_t line = line_start(src, e.call->statement.begin);
    size_t indent_end = src.find_first_not_of(" \t", line);
    std::string indent = src.substr(line, (indent_end == std::string::npos ? src.size() : indent_end) - line);
    out.insert(e.call->statement.file, e.call->statement.end,
               "\n" + indent + "if (owngil_thread_ensure_failed()) " + e.failure +
                   "  /* the interpreter that started this thread is gone */",
               "OG301");
  }
  for (const Call* c : ctx.plan.thread_leaves)
    out.replace({c->range.file, c->range.begin, static_cast<unsigned>(c->range.begin + c->callee.size())},
                "owngil_thread_release", "OG301");
}

}  // namespace owngil
