#include "owngil/edit.h"

#include <algorithm>
#include <sstream>

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

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start + 1));
    start = nl + 1;
  }
  return lines;
}

struct Change {  // lines [a_begin, a_end) of the old file become [b_begin, b_end) of the new one
  size_t a_begin, a_end, b_begin, b_end;
};

// Myers' O(ND) shortest edit script on the lines between the common head and tail. The rewriter's
// edits are small, so D (the number of changed lines) stays small.
std::vector<Change> line_changes(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  const long n = static_cast<long>(a.size() - head - tail), m = static_cast<long>(b.size() - head - tail);
  auto A = [&](long i) -> const std::string& { return a[head + i]; };
  auto B = [&](long j) -> const std::string& { return b[head + j]; };
  const long max = n + m, offset = max + 1;
  std::vector<long> v(2 * max + 3, 0);
  std::vector<std::vector<long>> trace;
  for (long d = 0; d <= max; ++d) {
    trace.push_back(v);
    bool done = false;
    for (long k = -d; k <= d && !done; k += 2) {
      long x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      long y = x - k;
      while (x < n && y < m && A(x) == B(y)) ++x, ++y;
      v[offset + k] = x;
      done = x >= n && y >= m;
    }
    if (done) break;
  }
  // Walk back from the end: each step of d is one deleted or inserted line, then a diagonal.
  std::vector<std::pair<char, long>> ops;  // ('-', old line) or ('+', new line), reversed
  long x = n, y = m;
  for (long d = static_cast<long>(trace.size()) - 1; d > 0; --d) {
    const std::vector<long>& prev = trace[d];
    long k = x - y;
    long prev_k = (k == -d || (k != d && prev[offset + k - 1] < prev[offset + k + 1])) ? k + 1 : k - 1;
    long prev_x = prev[offset + prev_k], prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) --x, --y;
    if (x == prev_x) ops.push_back({'+', --y});
    else ops.push_back({'-', --x});
  }
  std::reverse(ops.begin(), ops.end());
  // Runs of consecutive operations become changes, in old/new line numbers of the whole files.
  std::vector<Change> changes;
  long ai = 0, bi = 0;
  for (size_t i = 0; i < ops.size();) {
    long a_at = ops[i].first == '-' ? ops[i].second : ai + (ops[i].second - bi);
    long b_at = ops[i].first == '+' ? ops[i].second : bi + (ops[i].second - ai);
    Change c{head + a_at, head + a_at, head + b_at, head + b_at};
    while (i < ops.size() && ((ops[i].first == '-' && ops[i].second == static_cast<long>(c.a_end - head)) ||
                              (ops[i].first == '+' && ops[i].second == static_cast<long>(c.b_end - head)))) {
      (ops[i].first == '-' ? c.a_end : c.b_end)++;
      ++i;
    }
    ai = static_cast<long>(c.a_end - head);
    bi = static_cast<long>(c.b_end - head);
    changes.push_back(c);
  }
  return changes;
}

void emit_line(std::ostringstream& out, char tag, const std::string& line) {
  out << tag << line;
  if (line.empty() || line.back() != '\n') out << "\n\\ No newline at end of file\n";
}

}  // namespace

std::string unified_diff(const std::string& path, const std::string& before, const std::string& after, bool new_file) {
  if (before == after) return "";
  std::vector<std::string> a = split_lines(before), b = split_lines(after);
  std::vector<Change> changes = line_changes(a, b);
  const size_t context = 3;
  std::ostringstream out;
  out << (new_file ? "--- /dev/null" : "--- a/" + path) << "\n+++ b/" << path << "\n";
  for (size_t c = 0; c < changes.size();) {
    // Group changes whose contexts touch into one hunk.
    size_t last = c;
    while (last + 1 < changes.size() && changes[last + 1].a_begin - changes[last].a_end <= 2 * context) ++last;
    size_t a_start = changes[c].a_begin > context ? changes[c].a_begin - context : 0;
    size_t b_start = changes[c].b_begin - (changes[c].a_begin - a_start);
    size_t a_stop = std::min(a.size(), changes[last].a_end + context);
    size_t b_stop = changes[last].b_end + (a_stop - changes[last].a_end);
    out << "@@ -" << (a_stop > a_start ? a_start + 1 : a_start) << ',' << a_stop - a_start << " +"
        << (b_stop > b_start ? b_start + 1 : b_start) << ',' << b_stop - b_start << " @@\n";
    size_t i = a_start;
    for (size_t k = c; k <= last; ++k) {
      for (; i < changes[k].a_begin; ++i) emit_line(out, ' ', a[i]);
      for (size_t x = changes[k].a_begin; x < changes[k].a_end; ++x) emit_line(out, '-', a[x]);
      for (size_t y = changes[k].b_begin; y < changes[k].b_end; ++y) emit_line(out, '+', b[y]);
      i = changes[k].a_end;
    }
    for (; i < a_stop; ++i) emit_line(out, ' ', a[i]);
    c = last + 1;
  }
  return out.str();
}

}  // namespace owngil
