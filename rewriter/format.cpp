#include "format.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

namespace owngil {

FileStyle style_of(const std::string& path, const std::string& text) {
  FileStyle st;
  size_t dot = path.find_last_of('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  st.cxx = ext == ".cpp" || ext == ".cc" || ext == ".cxx" || ext == ".c++" || ext == ".cp" ||
           (dot != std::string::npos && path.substr(dot) == ".C");  // .C is C++, .c is C
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    size_t lead = line.find_first_not_of(" \t");
    if (lead != std::string::npos && lead > 0 && line[lead] != '*') {
      st.indent = line.substr(0, lead);
      break;
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return st;
}

size_t line_start(const std::string& text, size_t offset) {
  size_t nl = offset == 0 ? std::string::npos : text.rfind('\n', offset - 1);
  return nl == std::string::npos ? 0 : nl + 1;
}

bool blank_line_before(const std::string& text, size_t line_begin) {
  return line_begin >= 2 && text[line_begin - 1] == '\n' && text[line_begin - 2] == '\n';
}

bool blank_line_at(const std::string& text, size_t pos) { return pos < text.size() && text[pos] == '\n'; }

bool only_whitespace(const std::string& text, size_t from, size_t to) {
  return std::all_of(text.begin() + from, text.begin() + to, [](char c) { return c == ' ' || c == '\t'; });
}

bool is_header(const std::string& file) {
  for (const char* ext : {".h", ".hh", ".hpp", ".hxx"})
    if (file.size() > strlen(ext) && file.compare(file.size() - strlen(ext), strlen(ext), ext) == 0) return true;
  return false;
}

namespace {

// Only blanks and one comment that ends on this line (`  /* what x holds */`, `// why`) between
// `from` and `to` (a line's end): the comment describes the statement before it on the line.
bool only_trailing_comment(const std::string& src, size_t from, size_t to) {
  size_t at = src.find_first_not_of(" \t\r", from);
  if (at == std::string::npos || at >= to) return true;
  if (src.compare(at, 2, "//") == 0) return true;
  if (src.compare(at, 2, "/*") != 0) return false;
  size_t close = src.find("*/", at + 2);
  return close != std::string::npos && close + 2 <= to && only_whitespace(src, close + 2, to);
}

}  // namespace

// A comment after the statement on its line goes with it: it describes what is removed.
Edit removal_of(const std::string& src, const SourceRange& r) {
  size_t begin = line_start(src, r.begin), end = src.find('\n', r.end);
  if (only_whitespace(src, begin, r.begin) && end != std::string::npos && only_trailing_comment(src, r.end, end)) {
    // Between two blank lines, take one of them too, so no double blank line is left.
    if (blank_line_before(src, begin) && blank_line_at(src, end + 1)) ++end;
    return {r.file, static_cast<unsigned>(begin), static_cast<unsigned>(end + 1), ""};
  }
  return {r.file, r.begin, r.end, ""};
}

std::string failure_value(const std::string& return_type) {
  if (return_type.find('*') != std::string::npos) return "NULL";
  static const std::set<std::string> integers = {"int", "long", "Py_ssize_t", "Py_hash_t", "long long"};
  return integers.count(return_type) ? "-1" : "";
}

SourceLoc loc_of(const std::string& src, const SourceRange& r) {
  size_t end = std::min<size_t>(r.begin, src.size());
  unsigned line = 1 + static_cast<unsigned>(std::count(src.begin(), src.begin() + end, '\n'));
  return {r.file, line, static_cast<unsigned>(r.begin - line_start(src, r.begin) + 1)};
}

std::string first_argument(const std::string& text, unsigned args_begin) {
  int depth = 0;
  size_t i = args_begin;
  for (; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '(' || ch == '[' || ch == '{') ++depth;
    if ((ch == ')' || ch == ']' || ch == '}') && depth-- == 0) break;
    if (ch == ',' && depth == 0) break;
  }
  std::string arg = text.substr(args_begin, i - args_begin);
  size_t b = arg.find_first_not_of(" \t\r\n"), e = arg.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : arg.substr(b, e + 1 - b);
}

std::vector<std::string> macro_arguments(const std::string& call) {
  std::vector<std::string> out;
  size_t open = call.find('(');
  if (open == std::string::npos || call.empty() || call.back() != ')') return out;
  std::string current;
  int depth = 0;
  auto flush = [&] {
    size_t b = current.find_first_not_of(" \t\n"), e = current.find_last_not_of(" \t\n");
    out.push_back(b == std::string::npos ? "" : current.substr(b, e + 1 - b));
    current.clear();
  };
  for (size_t i = open + 1; i + 1 < call.size(); ++i) {
    char ch = call[i];
    if (ch == '(' || ch == '[' || ch == '{') ++depth;
    if (ch == ')' || ch == ']' || ch == '}') --depth;
    if (ch == ',' && depth == 0) flush();
    else current += ch;
  }
  flush();
  return out;
}

void take_blank_line_after_removed_runs(std::vector<Edit>& edits,
                                       const std::function<const std::string&(const std::string&)>& text_of) {
  std::vector<Edit*> removals;
  for (Edit& e : edits)
    if (e.text.empty() && e.end > e.begin) removals.push_back(&e);
  std::sort(removals.begin(), removals.end(), [](const Edit* a, const Edit* b) {
    return a->file != b->file ? a->file < b->file : a->begin < b->begin;
  });
  for (size_t i = 0; i < removals.size();) {
    size_t j = i;
    while (j + 1 < removals.size() && removals[j + 1]->file == removals[i]->file && removals[j + 1]->begin == removals[j]->end) ++j;
    const std::string& src = text_of(removals[i]->file);
    unsigned begin = removals[i]->begin, end = removals[j]->end;
    bool whole_lines = begin == line_start(src, begin) && end > 0 && src[end - 1] == '\n';
    bool blank_before = blank_line_before(src, begin), blank_after = blank_line_at(src, end);
    bool ends_with_blank = blank_line_before(src, end);  // the last removal took a blank line already
    // Text inserted at the run's end, or inside it (the state struct where the globals were),
    // brings its own layout: the run is no longer a gap to close.
    bool edit_there = std::any_of(edits.begin(), edits.end(), [&](const Edit& e) {
      return e.file == removals[i]->file &&
             (e.begin == end || (e.begin == e.end && !e.text.empty() && e.begin > begin && e.begin < end));
    });
    if (j > i && whole_lines && blank_before && blank_after && !ends_with_blank && !edit_there) removals[j]->end++;
    i = j + 1;
  }
}

namespace {

// Later copies of an edit that replaces or removes text (same file, range and text) go; repeated
// insertions stay, each inserts its text. Sorting indices keeps it O(E log E): a port of a large
// file has tens of thousands of edits.
void drop_repeated_changes(std::vector<Edit>& edits) {
  auto key = [&](size_t i) { return std::tie(edits[i].file, edits[i].begin, edits[i].end, edits[i].text); };
  std::vector<size_t> order(edits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  std::vector<bool> repeated(edits.size(), false);
  for (size_t k = 1; k < order.size(); ++k)
    if (key(order[k]) == key(order[k - 1]) && edits[order[k]].end > edits[order[k]].begin) repeated[order[k]] = true;
  size_t kept = 0;
  for (size_t i = 0; i < edits.size(); ++i) {
    if (repeated[i]) continue;
    if (kept != i) edits[kept] = std::move(edits[i]);
    ++kept;
  }
  edits.resize(kept);
}

// One file's removals ordered by start, those that start together longest first, with the
// furthest end reached by each prefix: "is this range inside a removal" is a binary search.
struct Removals {
  std::vector<std::pair<unsigned, unsigned>> ranges;  // (begin, end)
  std::vector<unsigned> furthest_end;                 // max end of ranges[0..k]

  void index() {
    std::sort(ranges.begin(), ranges.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    for (const auto& r : ranges) furthest_end.push_back(std::max(furthest_end.empty() ? 0u : furthest_end.back(), r.second));
  }
  // Whether one of the first `n` ranges ends at or past `end` (past it when `strictly`).
  bool reaches(size_t n, unsigned end, bool strictly) const {
    return n > 0 && (strictly ? furthest_end[n - 1] > end : furthest_end[n - 1] >= end);
  }
  size_t starting_before(unsigned at) const {  // ranges with begin < at
    return std::lower_bound(ranges.begin(), ranges.end(), at, [](const auto& r, unsigned v) { return r.first < v; }) -
           ranges.begin();
  }
  size_t starting_at_or_before(unsigned at) const {  // ranges with begin <= at
    return std::upper_bound(ranges.begin(), ranges.end(), at, [](unsigned v, const auto& r) { return v < r.first; }) -
           ranges.begin();
  }
  size_t ordered_before(unsigned begin, unsigned end) const {  // begin earlier, or the same and end later
    return std::lower_bound(ranges.begin(), ranges.end(), std::make_pair(begin, end),
                            [](const auto& r, const auto& v) { return r.first != v.first ? r.first < v.first : r.second > v.second; }) -
           ranges.begin();
  }
};

// Whether a removal (other than `e` itself) covers `e`. An insertion at either end of the removed
// text stays: it belongs before or after it.
bool inside_a_removal(const Edit& e, const Removals& r) {
  if (e.begin == e.end) return r.reaches(r.starting_before(e.begin), e.begin, /*strictly=*/true);
  if (e.text.empty()) return r.reaches(r.ordered_before(e.begin, e.end), e.end, false);
  return r.reaches(r.starting_at_or_before(e.begin), e.end, false);
}

}  // namespace

void drop_redundant_edits(std::vector<Edit>& edits) {
  drop_repeated_changes(edits);
  std::map<std::string, Removals> removals;
  for (const Edit& e : edits)
    if (e.text.empty() && e.end > e.begin) removals[e.file].ranges.emplace_back(e.begin, e.end);
  for (auto& [file, r] : removals) r.index();
  edits.erase(std::remove_if(edits.begin(), edits.end(),
                             [&](const Edit& e) {
                               auto it = removals.find(e.file);
                               return it != removals.end() && inside_a_removal(e, it->second);
                             }),
              edits.end());
}

}  // namespace owngil
