// Small queries over the model that several rules share.
#pragma once

#include <string>
#include <vector>

#include "owngil/model.h"
#include "owngil/rule.h"

namespace owngil::rules {

// Slot and flag numbers from CPython's stable ABI (moduleobject.h, typeslots.h, object.h).
constexpr int kModExec = 2;
constexpr int kModMultipleInterpreters = 3;
constexpr int kTpDealloc = 52;
constexpr int kTpTraverse = 71;
constexpr unsigned long long kTpFlagsHaveGc = 1ULL << 14;

// Notes for the uses of a global that `fix` cannot rewrite (spelled inside a macro body); marks the
// finding as needing manual work when there is one.
void note_macro_uses(const Global& g, Finding& f);

// A CData global that holds objects in its members (Global::object_fields): fix does not move it.
bool is_object_aggregate(const Global& g);
// Its object members quoted for a message: `'names.open', 'names.close'`.
std::string quoted_object_fields(const Global& g);
// Marks `f` as a hand port because fix does not move aggregates, and lists every use of `g`.
void mark_aggregate_manual(const Global& g, Finding& f);

// A note for each use of a global ("written here in 'f'", ...), for findings ported by hand.
void note_every_use(const Global& g, Finding& f);

// The first use of `kind` (write, address taken), or null.
const GlobalUse* first_use(const Global& g, UseKind kind);

// Every call to one of `names` in the tree, with its function.
struct CallSite {
  const Function* function;
  const Call* call;
};
std::vector<CallSite> calls_to(const Model& m, const std::vector<std::string>& names);

std::string describe_storage(const Global& g);

// `#if 0` (and the #else of `#if 1`) is code no configuration compiles: commented out, not another
// platform's.
bool never_compiled(const std::string& condition);
// "when defined(HAVE_X)", or "in the #if branch at lines a-b" when the condition is unknown.
std::string when(const InactiveRegion& r, const std::string& condition);

// A definition a token scan found in an inactive #if region (InactiveRegion::definitions).
struct InactiveSite {
  const InactiveRegion* region;
  const InactiveDefinition* def;
  std::string function;  // the function it is a static of; "" at file scope
};
// Those of `kind` at file scope (in_function false) or static inside a function (true). Locals,
// names the compiled code defines in the same file (their own findings cover them) and repeats in
// other branches are left out.
std::vector<InactiveSite> inactive_definitions(const Model& m, GlobalKind kind, bool in_function);
// Its finding: `what` ("static type 'T'") only compiled under the region's condition, so not
// fixable, with each mention in inactive code as a note.
Finding inactive_finding(const RuleInfo& info, const Model& m, const InactiveSite& s, const std::string& what,
                         const std::string& shares);

}  // namespace owngil::rules
