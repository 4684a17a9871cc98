// Layout helpers every repair shares: the file's style, line arithmetic, and the removal of a
// statement with the blank lines around it, so new code looks like the code around it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "owngil/edit.h"
#include "owngil/model.h"

namespace owngil {

// Layout facts read off the file.
struct FileStyle {
  std::string indent = "    ";  // the first indentation of a code line (comments' ` *` skipped)
  bool cxx = false;             // a C++ file: casts and initializers differ
};

FileStyle style_of(const std::string& path, const std::string& text);

size_t line_start(const std::string& text, size_t offset);
// The line that ends just before `line_begin` is empty.
bool blank_line_before(const std::string& text, size_t line_begin);
// The line that starts at `pos` is empty.
bool blank_line_at(const std::string& text, size_t pos);
bool only_whitespace(const std::string& text, size_t from, size_t to);
bool is_header(const std::string& file);

// The edit that removes the statement at `r`: its whole lines when it stands alone on them (and
// one of two blank lines around it, so no double blank line is left), else only its text.
Edit removal_of(const std::string& text, const SourceRange& r);

// What a function returning `return_type` returns to report an error: NULL, -1, or "" (none).
std::string failure_value(const std::string& return_type);

// Line and column of a range's start, for messages.
SourceLoc loc_of(const std::string& text, const SourceRange& r);

// The first argument of a call whose arguments start at `args_begin` (just after `(`), trimmed.
std::string first_argument(const std::string& text, unsigned args_begin);

// The arguments of a macro invocation as spelled, trimmed: `M(a, f(b, c))` -> {"a", "f(b, c)"}.
std::vector<std::string> macro_arguments(const std::string& call);

// Lines removed one after another between two blank lines would leave both blank lines: the run
// takes the one after it, as a single removal does. `text_of` reads a file of the edits.
void take_blank_line_after_removed_runs(std::vector<Edit>& edits,
                                       const std::function<const std::string&(const std::string&)>& text_of);

// One use spelled once can be seen twice (`Py_SETREF(g, v)` also names g in __typeof__), and
// removing a statement removes what other repairs did inside it: both kinds of edit go.
void drop_redundant_edits(std::vector<Edit>& edits);

}  // namespace owngil
