// A type that becomes GC-tracked (heap types hold a reference to their type, a cycle only the
// GC can break) needs its objects allocated with the GC header and freed as GC objects.
#include <algorithm>
#include <map>

#include "repair.h"

namespace owngil {
namespace {

// `PyObject_New(T, ...)` spelled at `call` becomes `PyObject_GC_New(T, ...)`: only the name changes.
void rename_macro_call(const SourceRange& call, const std::string& from, const std::string& to, RepairResult& out) {
  out.replace({call.file, call.begin, static_cast<unsigned>(call.begin + from.size())}, to, "OG201");
}

// `PyObject_New(T, &Type)`: the GC version of the allocator.
void allocate_gc_object(const RepairContext& ctx, const GlobalUse& u, RepairResult& out) {
  static const std::map<std::string, std::string> gc_versions = {{"PyObject_New", "PyObject_GC_New"},
                                                                 {"PyObject_NEW", "PyObject_GC_New"},
                                                                 {"PyObject_NewVar", "PyObject_GC_NewVar"},
                                                                 {"PyObject_NEW_VAR", "PyObject_GC_NewVar"}};
  auto it = gc_versions.find(u.in_macro_call);
  if (it == gc_versions.end()) return;
  const SourceRange& r = u.macro_call_range;
  if (!r.valid() || ctx.text(r.file).compare(r.begin, it->first.size(), it->first) != 0)
    return out.refuse(u.loc, "cannot find the " + it->first + " call to make it allocate a GC object");
  rename_macro_call(r, it->first, it->second, out);
}

// Memory of a GC object starts before the object: `PyObject_Del(self)` in the dealloc of a type
// that becomes GC-tracked must be `PyObject_GC_Del(self)`.
void free_gc_object(const RepairContext& ctx, const Function& dealloc, RepairResult& out) {
  static const std::set<std::string> plain_frees = {"PyObject_Del", "PyObject_DEL", "PyObject_Free", "PyObject_FREE"};
  for (const Call& c : dealloc.calls) {
    if (c.callee != "PyObject_Free" && c.callee != "PyObject_Del") continue;
    const SourceRange& r = c.macro.empty() ? c.range : c.macro_range;
    std::string spelled = r.valid() ? ctx.text(r.file).substr(r.begin, r.end - r.begin) : "";
    std::string name = spelled.substr(0, spelled.find('('));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (!plain_frees.count(name)) {
      out.refuse(c.loc, "'" + dealloc.name + "' frees the object in a way fix cannot rewrite: a GC type needs "
                        "PyObject_GC_Del or Py_TYPE(self)->tp_free(self)");
      continue;
    }
    rename_macro_call(r, name, "PyObject_GC_Del", out);
  }
}

// `PyObject_New(T, type)` with a type pointer (a helper's parameter, `Py_TYPE(self)`) may now be
// given a type that became GC-tracked, whose objects need the GC header: PyType_GenericAlloc
// allocates right for GC and other types alike (and zero-fills, which PyObject_New did not).
void allocate_through_type_pointers(const RepairContext& ctx, RepairResult& out) {
  static const std::set<std::string> allocators = {"_PyObject_New", "_PyObject_NewVar"};
  static const std::set<std::string> spellings = {"PyObject_New", "PyObject_NEW", "PyObject_NewVar", "PyObject_NEW_VAR"};
  for (const Function& f : ctx.model.functions) {
    if (!ctx.plan.mod->files.count(f.loc.file)) continue;
    for (const Call& c : f.calls) {
      if (!allocators.count(c.callee) || !c.macro_range.valid()) continue;
      const SourceRange& r = c.macro_range;
      std::string spelled = ctx.text(r.file).substr(r.begin, r.end - r.begin);
      std::vector<std::string> args = macro_arguments(spelled);
      std::string name = spelled.substr(0, spelled.find('('));
      bool var = c.callee == "_PyObject_NewVar";
      if (!spellings.count(name) || args.size() != (var ? 3u : 2u))
        return out.refuse(c.loc, "'" + f.name + "' allocates an object through macro '" + name + "', which fix cannot "
                                 "rewrite; a converted type is GC-tracked now and needs PyType_GenericAlloc or PyObject_GC_New");
      if (args[1].rfind('&', 0) == 0) continue;  // a type named directly: allocate_gc_object renames it
      out.replace(r, "((" + args[0] + " *)PyType_GenericAlloc(" + args[1] + ", " + (var ? args[2] : "0") + "))", "OG201");
    }
  }
}

}  // namespace

void repair_gc_allocation(const RepairContext& ctx, RepairResult& out) {
  std::set<std::string> freed;
  bool any = false;
  for (const ConvertedType& t : ctx.plan.types) {
    if (!t.text.adds_gc) continue;
    any = true;
    for (const GlobalUse& u : t.global->uses)
      if (!u.function.empty() && u.kind == UseKind::AddressOf && !t.folded.count(&u) && u.passed_to != "PyType_Ready" &&
          u.passed_to != "PyStructSequence_InitType2")
        allocate_gc_object(ctx, u, out);
    const Function* f = t.text.dealloc.empty() ? nullptr : ctx.model.function(t.text.dealloc, t.type->loc.file);
    if (f && !f->releases_type && freed.insert(f->key()).second) free_gc_object(ctx, *f, out);
  }
  if (any) allocate_through_type_pointers(ctx, out);
}

}  // namespace owngil
