// OG103: plain C state (counters, flags, buffers) written after the module is initialized. With a GIL
// per interpreter, two interpreters run that code at the same time: a data race.
#include <algorithm>
#include <utility>

#include "rule_helpers.h"

namespace owngil::rules {
namespace {

constexpr RuleInfo kInfo{"OG103", "mutable-c-global", Severity::Warning, true,
                         "mutable C global written after module initialization (races between interpreters)"};

// Functions that only ever run while a module initializes: reachable from PyInit_* and Py_mod_exec
// functions, and from nothing else (no method table, no other exported entry).
std::set<std::string> init_only_functions(const Model& m) {
  std::vector<std::string> init_roots, other_roots;
  for (const InitFunction& i : m.inits) init_roots.push_back(i.name);
  for (const SlotTable& t : m.module_slot_tables)
    for (const SlotEntry& e : t.entries)
      if (e.id == kModExec) init_roots.push_back(e.value);
  for (const AddressTaken& a : m.address_taken)
    if (std::find(init_roots.begin(), init_roots.end(), a.function) == init_roots.end()) other_roots.push_back(a.function);
  for (const Function& f : m.functions)
    if (!f.is_static && !f.is_init) other_roots.push_back(f.name);
  std::set<std::string> init = m.reachable_from(init_roots), other = m.reachable_from(other_roots);
  std::set<std::string> only;
  for (const std::string& f : init)
    if (!other.count(f)) only.insert(f);
  return only;
}

// Keyword lists handed to the argument parsers are read, never written, whatever their C type says;
// so is an address only used to read (a const or read-only parameter, a comparison, a local
// pointer only read through).
bool is_read_only_use(const GlobalUse& u) {
  return u.kind == UseKind::Read || u.assigned_from == "PyCapsule_Import" ||
         (u.kind == UseKind::AddressOf && u.address_only_read) ||
         (u.kind == UseKind::AddressOf && u.passed_to.find("PyArg_") != std::string::npos &&
          u.passed_to.find("Keywords") != std::string::npos);
}

// `p = &g;`, `return &g;`: the pointer outlives the statement, and whoever holds it can write
// through it at any time, even when the address was taken during init.
bool address_is_kept(const GlobalUse& u) { return u.kind == UseKind::AddressOf && u.passed_to.empty(); }

// Aggregates holding objects are OG101's (which fix refuses): one finding each, not two.
// `_Py_IDENTIFIER`s are per interpreter by CPython's design (see Global::cpython_identifier).
bool is_candidate(const Global& g) {
  return g.kind == GlobalKind::CData && !g.is_const && !g.thread_local_storage && g.is_definition &&
         !is_object_aggregate(g) && !g.cpython_identifier;
}

// A write during init that code running later reads: each interpreter's init rewrites the global
// (its own value, or the same one) while the others read it, and the value is the last
// interpreter's, not the reader's. Null when there is none.
std::pair<const GlobalUse*, const GlobalUse*> init_write_read_later(const Global& g, const std::set<std::string>& init_only) {
  const GlobalUse *write = nullptr, *read = nullptr;
  for (const GlobalUse& u : g.uses) {
    if (u.function.empty()) continue;
    bool in_init = init_only.count(u.function) > 0;
    if (in_init && !write && u.kind == UseKind::Write && !is_read_only_use(u)) write = &u;
    if (!in_init && !read && u.kind == UseKind::Read) read = &u;
  }
  if (!write || !read) return {nullptr, nullptr};
  return {write, read};
}

// A global that init reads before it writes it (`if (ready) return 0; ... ready = 1;`): a run-once
// guard, which carries what one interpreter's init did into the next one's. Null when none.
const GlobalUse* run_once_guard(const Global& g, const std::set<std::string>& init_only) {
  for (const GlobalUse& read : g.uses) {
    if (read.kind != UseKind::Read || !init_only.count(read.function)) continue;
    bool written_later = std::any_of(g.uses.begin(), g.uses.end(), [&](const GlobalUse& w) {
      return w.kind == UseKind::Write && w.function == read.function && w.range.file == read.range.file &&
             w.range.begin > read.range.begin;
    });
    if (written_later) return &read;
  }
  return nullptr;
}

// Not fixable: whether the guarded work is per interpreter (then the guard belongs in the module
// state) or process-wide (a C library's setup: then it must stay, under a lock) is the author's call.
Finding run_once_finding(const Global& g, const GlobalUse& read) {
  std::string symbol = g.storage == Storage::FunctionStatic ? g.function + "::" + g.name : g.name;
  Finding f = finding(kInfo, g.loc,
                      describe_storage(g) + " '" + g.name + "' (" + g.type + ") is read in '" + read.function +
                          "' before it is written there: a run-once guard of init, so the second interpreter's "
                          "init sees what the first did and skips its own work",
                      symbol);
  f.fixable = false;
  f.manual_because = Note{g.loc, "a run-once guard: if the work it guards is the module's own (objects, "
                                 "state), keep the flag in the module state; if it sets up something of the "
                                 "process (a C library), keep it global and guard it with a lock"};
  f.notes.push_back({read.loc, "read here, before init writes it"});
  note_macro_uses(g, f);
  return f;
}

Finding init_write_finding(const Global& g, const GlobalUse& write, const GlobalUse& read) {
  std::string symbol = g.storage == Storage::FunctionStatic ? g.function + "::" + g.name : g.name;
  Finding f = finding(kInfo, g.loc,
                      describe_storage(g) + " '" + g.name + "' (" + g.type + ") is written while the module initializes "
                          "(in '" + write.function + "') and read later (in '" + read.function +
                          "'): every interpreter's init writes it again while the others read it, so it holds the "
                          "last interpreter's value, not the reader's; move it into the module state",
                      symbol);
  f.notes.push_back({write.loc, "written here, during init"});
  f.notes.push_back({read.loc, "read here, after init"});
  note_macro_uses(g, f);
  return f;
}

std::vector<Finding> check(const Model& m) {
  std::vector<Finding> out;
  std::set<std::string> init_only = init_only_functions(m);
  for (const Global& g : m.globals) {
    if (!is_candidate(g)) continue;
    const GlobalUse* late_write = nullptr;
    for (const GlobalUse& u : g.uses)
      if (!is_read_only_use(u) && !u.function.empty() && (!init_only.count(u.function) || address_is_kept(u))) {
        late_write = &u;
        break;
      }
    if (!late_write) {
      auto [write, read] = init_write_read_later(g, init_only);
      if (write) out.push_back(init_write_finding(g, *write, *read));
      else if (const GlobalUse* guard = run_once_guard(g, init_only)) out.push_back(run_once_finding(g, *guard));
      continue;
    }
    std::string symbol = g.storage == Storage::FunctionStatic ? g.function + "::" + g.name : g.name;
    Finding f = finding(kInfo, g.loc,
                        describe_storage(g) + " '" + g.name + "' (" + g.type + ") is " +
                            (late_write->kind == UseKind::Write ? "written in '" + late_write->function + "' after initialization"
                             : address_is_kept(*late_write) ? "reachable through a pointer kept in '" + late_write->function + "'"
                                                            : "passed by address in '" + late_write->function + "' after initialization") +
                            ": interpreters running in parallel race on it; move it into "
                            "the module state (or make it const, or guard it with a lock)",
                        symbol);
    f.notes.push_back({late_write->loc, late_write->kind == UseKind::Write ? "written here" : "its address is taken here"});
    note_macro_uses(g, f);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Rule mutable_c_global() { return {kInfo, check}; }

}  // namespace owngil::rules
