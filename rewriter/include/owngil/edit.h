// Byte-range replacements in a file, and the unified diff they make.
#pragma once

#include <string>
#include <vector>

namespace owngil {

struct Edit {
  std::string file;  // relative to the project root
  unsigned begin = 0, end = 0;  // [begin, end) of the original bytes; begin == end inserts
  std::string text;
};

// Applies edits to one file's text. False (and a message) when two edits overlap or one is out of
// bounds: the plan is wrong and nothing must be written.
bool apply_edits(const std::string& original, std::vector<Edit> edits, std::string* result, std::string* error);

// The unified diff the edits (not overlapping) make of `before`, `a/PATH` and `b/PATH` headers,
// three lines of context: what `git apply` and `patch -p1` take. Empty when they change nothing.
// It is read off the edits, not searched for: each edit's lines, whole, are removed and added
// (less lines left equal at either end), in time and memory linear in the text and the edits.
// new_file: the file does not exist yet (`--- /dev/null`, as git and patch expect for a creation).
std::string unified_diff(const std::string& path, const std::string& before, std::vector<Edit> edits,
                         bool new_file = false);

}  // namespace owngil
