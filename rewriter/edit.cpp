#include "owngil/edit.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

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

// Each distinct line as a number, so the searches compare ints, not strings.
std::pair<std::vector<int>, std::vector<int>> line_ids(const std::vector<std::string>& a,
                                                        const std::vector<std::string>& b) {
  std::unordered_map<std::string_view, int> ids;
  auto number = [&](const std::vector<std::string>& lines) {
    std::vector<int> out;
    out.reserve(lines.size());
    for (const std::string& l : lines) out.push_back(ids.emplace(l, static_cast<int>(ids.size())).first->second);
    return out;
  };
  std::vector<int> ia = number(a);
  return {std::move(ia), number(b)};
}

// Myers' O(ND) greedy search ("An O(ND) Difference Algorithm and Its Variations", 1986) on the
// lines between the common head and tail, and the walk back from the end that reads the edit
// script off the furthest-reaching frontiers. The walk needs every frontier, last first; keeping
// them all took 10 GB on a 12k-line change. Here only a few are kept at a time: the walk over steps
// (lo, hi] recomputes the frontier halfway from the one at lo, walks the upper half, then the lower
// (checkpointing). The script, and so the diff, is exactly the one the full trace gives.
class GreedyMyers {
 public:
  using Ops = std::vector<std::pair<char, long>>;

  GreedyMyers(const std::vector<int>& a, const std::vector<int>& b, size_t head, size_t tail)
      : a_(a.data() + head), b_(b.data() + head), n_(static_cast<long>(a.size() - head - tail)),
        m_(static_cast<long>(b.size() - head - tail)), offset_(2 * (n_ + m_) + 2),
        work_(static_cast<size_t>(2 * offset_ + 1), 0) {}

  // ('-', old line) or ('+', new line) per edit, last edit first, lines counted from the head.
  Ops reversed_script() {
    Ops ops;
    long x = n_, y = m_;
    if (disjoint()) {  // every line is an edit, in one change: no diagonal worth (n + m)^2 to search
      while (y > 0) ops.push_back({'+', --y});
      while (x > 0) ops.push_back({'-', --x});
      return ops;
    }
    advance(0);  // from x = 0 everywhere: the run of equal lines from the start
    const Frontier first = snapshot(0);
    long d = 0;
    while (!reaches_end(d)) advance(++d);
    walk_back(first, d, x, y, ops);
    return ops;
  }

 private:
  // The furthest x on each diagonal k = x - y after d edits (Myers' V), for k in [-d-2, d+2].
  struct Frontier {
    long d;
    std::vector<long> x;
  };

  // Entries of whole frontiers kept at once (16 MB), and steps walked with partial ones.
  static constexpr size_t kBudget = size_t(1) << 21;
  static constexpr long kNear = 1000;

  // Whether the path to diagonal k after d edits comes down from k + 1 (an insertion) rather than
  // across from k - 1 (a deletion): the tie rule the forward search and the walk back share.
  template <typename At>
  static bool from_below(At at, long k, long d) {
    return k == -d || (k != d && at(k - 1) < at(k + 1));
  }

  // work_ from the frontier after d - 1 edits to the one after d, in place: step d writes the
  // diagonals of d's parity and reads only the others.
  void advance(long d) {
    long* v = work_.data() + offset_;
    for (long k = -d; k <= d; k += 2) {
      long x = from_below([v](long i) { return v[i]; }, k, d) ? v[k + 1] : v[k - 1] + 1;
      long y = x - k;
      while (x < n_ && y < m_ && a_[x] == b_[y]) ++x, ++y;
      v[k] = x;
    }
  }

  Frontier snapshot(long d) const {
    auto from = work_.begin() + (offset_ - d - 2);
    return {d, std::vector<long>(from, from + (2 * d + 5))};
  }

  void restore(const Frontier& f) { std::copy(f.x.begin(), f.x.end(), work_.begin() + (offset_ - f.d - 2)); }

  // Whether work_, the frontier after d edits, reaches (n, m): on diagonal n - m, of d's parity.
  bool reaches_end(long d) const {
    const long k = n_ - m_;
    return std::abs(k) <= d && (d - k) % 2 == 0 && work_[static_cast<size_t>(k + offset_)] >= n_;
  }

  // True when no line is in both middles.
  bool disjoint() const {
    std::unordered_set<int> in_a(a_, a_ + n_);
    return std::none_of(b_, b_ + m_, [&](int id) { return in_a.count(id) > 0; });
  }

  // Steps hi, hi - 1, ..., lo.d + 1 of the walk back, from `lo`, the frontier after lo.d edits.
  // A few steps are walked at once (walk_near); more are cut into stretches of at most kNear by
  // frontiers kept on one pass forward (as many as fit in kBudget), walked the last first.
  void walk_back(const Frontier& lo, long hi, long& x, long& y, Ops& ops) {
    const long steps = hi - lo.d;
    restore(lo);
    if (steps <= kNear) return walk_near(lo.d, hi, x, y, ops);
    // As many stretches as needed if they fit, and two at least, to make progress.
    const long fit = static_cast<long>(kBudget) / (2 * hi + 5);
    const long stretches = std::max(2L, std::min(fit, (steps + kNear - 1) / kNear));
    const long spacing = (steps + stretches - 1) / stretches;
    std::vector<Frontier> kept = {lo};
    for (long d = lo.d + 1; d < hi; ++d) {
      advance(d);
      if ((d - lo.d) % spacing == 0) kept.push_back(snapshot(d));
    }
    for (size_t i = kept.size(); i-- > 0;) walk_back(kept[i], i + 1 < kept.size() ? kept[i + 1].d : hi, x, y, ops);
  }

  // Steps hi..lo + 1, with work_ the frontier after lo edits. The walk moves one diagonal a step,
  // so each frontier is kept only around the diagonal it starts on: (2 kNear)^2 entries at most.
  void walk_near(long lo, long hi, long& x, long& y, Ops& ops) {
    const long steps = hi - lo, k0 = x - y, w = steps + 1, width = 2 * w + 1;
    std::vector<long> rows(static_cast<size_t>(steps * width));
    for (long i = 0; i < steps; ++i) {
      if (i > 0) advance(lo + i);
      std::copy_n(work_.begin() + (offset_ + k0 - w), width, rows.begin() + i * width);
    }
    for (long d = hi; d > lo; --d) {
      const long row = (d - 1 - lo) * width + w - k0;  // rows[row + k]: diagonal k after d - 1 edits
      back_step([&](long k) { return rows[static_cast<size_t>(row + k)]; }, d, x, y, ops);
    }
  }

  // One step of the walk back: the diagonal run that ends at (x, y), then the edit before it;
  // prev(k) is the frontier after d - 1 edits.
  template <typename At>
  static void back_step(At prev, long d, long& x, long& y, Ops& ops) {
    const long k = x - y;
    const long prev_k = from_below(prev, k, d) ? k + 1 : k - 1;
    const long prev_x = prev(prev_k), prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) --x, --y;
    if (x == prev_x) ops.push_back({'+', --y});
    else ops.push_back({'-', --x});
  }

  const int* a_;
  const int* b_;
  long n_, m_, offset_;
  // The frontier being advanced: x of diagonal k at work_[k + offset_]; twice as wide as the
  // diagonals go, so that walk_near's windows need no clipping.
  std::vector<long> work_;
};

std::vector<Change> line_changes(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  auto [ia, ib] = line_ids(a, b);
  std::vector<std::pair<char, long>> ops = GreedyMyers(ia, ib, head, tail).reversed_script();
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
