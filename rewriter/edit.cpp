#include "owngil/edit.h"

#include <algorithm>
#include <sstream>
#include <string_view>

namespace owngil {

bool apply_edits(const std::string& original, std::vector<Edit> edits, std::string* result, std::string* error) {
  std::stable_sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  std::string out;
  unsigned at = 0;
  for (const Edit& e : edits) {
    if (e.begin < at || e.end < e.begin || e.end > original.size()) {
      *error = e.file + ": overlapping or out-of-range edits at byte " + std::to_string(e.begin);
      return false;
    }
    out.append(original, at, e.begin - at);
    out += e.text;
    at = e.end;
  }
  out.append(original, at, std::string::npos);
  *result = std::move(out);
  return true;
}

namespace {

// The lines of a text (each with its '\n'; the last may have none), as byte offsets: line i is
// [start(i), start(i + 1)); start(count()) is the end of the text.
class Lines {
 public:
  explicit Lines(const std::string& text) : text_(text) {
    for (size_t at = 0; at < text.size();) {
      starts_.push_back(at);
      size_t nl = text.find('\n', at);
      at = nl == std::string::npos ? text.size() : nl + 1;
    }
  }
  size_t count() const { return starts_.size(); }
  size_t start(size_t line) const { return line < starts_.size() ? starts_[line] : text_.size(); }
  std::string_view line(size_t i) const { return std::string_view(text_).substr(start(i), start(i + 1) - start(i)); }
  // The line that holds byte `at`; count() for the end of a text whose last line is complete.
  size_t line_of(size_t at) const {
    return static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), at) - starts_.begin()) - 1 +
           (at >= text_.size() && (text_.empty() || text_.back() == '\n'));
  }
  // The line that starts at `at` (a line start or the end): count() at the end.
  size_t line_starting_at(size_t at) const { return at >= text_.size() ? count() : line_of(at); }
  bool starts_line(size_t at) const { return at >= text_.size() || at == 0 || text_[at - 1] == '\n'; }

 private:
  const std::string& text_;
  std::vector<size_t> starts_;
};

// Old lines [a_begin, a_end) become `added`.
struct Change {
  size_t a_begin, a_end;
  std::vector<std::string> added;
};

// Old lines [a_begin, a_end), whole, and the whole lines `text` the edits in them make of them.
struct Region {
  size_t a_begin, a_end;
  std::string text;
};

// The edits (sorted, not overlapping) as regions of whole lines: an edit takes every line it
// touches, and edits that touch a common line share a region. A region ends before the line
// that holds the edit's end when the new text ends a line there (a whole-line deletion or an
// insertion of whole lines), else after it.
std::vector<Region> regions_of(const Lines& lines, const std::string& before, const std::vector<Edit>& edits) {
  std::vector<Region> regions;
  size_t at = 0;  // the old bytes of the last region are in its text up to here
  auto close = [&] {
    if (!regions.empty()) regions.back().text.append(before, at, lines.start(regions.back().a_end) - at);
  };
  for (const Edit& e : edits) {
    size_t first = lines.line_of(e.begin);
    if (regions.empty() || first >= regions.back().a_end) {
      close();
      regions.push_back({first, first, {}});
      at = lines.start(first);
    }
    Region& r = regions.back();
    r.text.append(before, at, e.begin - at);
    r.text += e.text;
    at = e.end;
    const bool ends_line = r.text.empty() || r.text.back() == '\n';
    const size_t end = lines.starts_line(e.end) && ends_line ? lines.line_starting_at(e.end)
                                                             : std::min(lines.line_of(e.end) + 1, lines.count());
    r.a_end = std::max(r.a_end, end);
  }
  close();
  return regions;
}

// The region as a change, merged with the change before when they touch (so a hunk shows all the
// removed lines of a run, then all the added ones), less the lines it leaves equal at its start
// and end (an edit inside a line that adds lines after it, a blank line an insertion ends with
// and a deletion starts with), as a line diff would show them.
void add_change(const Lines& lines, const Region& r, std::vector<Change>& changes) {
  if (changes.empty() || changes.back().a_end != r.a_begin) changes.push_back({r.a_begin, r.a_begin, {}});
  Change& c = changes.back();
  c.a_end = r.a_end;
  const Lines added(r.text);
  for (size_t i = 0; i < added.count(); ++i) c.added.emplace_back(added.line(i));
  size_t head = 0, tail = 0;
  while (c.a_begin < c.a_end && head < c.added.size() && lines.line(c.a_begin) == c.added[head]) ++c.a_begin, ++head;
  while (c.a_begin < c.a_end && head + tail < c.added.size() &&
         lines.line(c.a_end - 1) == c.added[c.added.size() - 1 - tail])
    --c.a_end, ++tail;
  c.added.erase(c.added.end() - static_cast<long>(tail), c.added.end());
  c.added.erase(c.added.begin(), c.added.begin() + static_cast<long>(head));
  if (c.a_begin == c.a_end && c.added.empty()) changes.pop_back();
}

void emit_line(std::ostringstream& out, char tag, std::string_view line) {
  out << tag << line;
  if (line.empty() || line.back() != '\n') out << "\n\\ No newline at end of file\n";
}

}  // namespace

std::string unified_diff(const std::string& path, const std::string& before, std::vector<Edit> edits, bool new_file) {
  std::stable_sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  const Lines a(before);
  std::vector<Change> changes;
  for (const Region& r : regions_of(a, before, edits)) add_change(a, r, changes);
  if (changes.empty()) return "";
  const size_t context = 3;
  std::ostringstream out;
  out << (new_file ? "--- /dev/null" : "--- a/" + path) << "\n+++ b/" << path << "\n";
  long shift = 0;  // new line number minus old line number, before the change at hand
  for (size_t c = 0; c < changes.size();) {
    // Group changes whose contexts touch into one hunk.
    size_t last = c;
    long hunk_shift = 0;
    while (last + 1 < changes.size() && changes[last + 1].a_begin - changes[last].a_end <= 2 * context) ++last;
    for (size_t k = c; k <= last; ++k)
      hunk_shift += static_cast<long>(changes[k].added.size()) - static_cast<long>(changes[k].a_end - changes[k].a_begin);
    size_t a_start = changes[c].a_begin > context ? changes[c].a_begin - context : 0;
    size_t a_stop = std::min(a.count(), changes[last].a_end + context);
    size_t b_start = static_cast<size_t>(static_cast<long>(a_start) + shift);
    size_t b_stop = static_cast<size_t>(static_cast<long>(a_stop) + shift + hunk_shift);
    out << "@@ -" << (a_stop > a_start ? a_start + 1 : a_start) << ',' << a_stop - a_start << " +"
        << (b_stop > b_start ? b_start + 1 : b_start) << ',' << b_stop - b_start << " @@\n";
    size_t i = a_start;
    for (size_t k = c; k <= last; ++k) {
      for (; i < changes[k].a_begin; ++i) emit_line(out, ' ', a.line(i));
      for (size_t x = changes[k].a_begin; x < changes[k].a_end; ++x) emit_line(out, '-', a.line(x));
      for (const std::string& added : changes[k].added) emit_line(out, '+', added);
      i = changes[k].a_end;
    }
    for (; i < a_stop; ++i) emit_line(out, ' ', a.line(i));
    shift += hunk_shift;
    c = last + 1;
  }
  return out.str();
}

}  // namespace owngil
