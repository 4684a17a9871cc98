// OG201: each static type becomes a spec (its text is in the plan) created in exec into the
// state; `&T` becomes the state's pointer; instances own a reference to their heap type, so
// tp_traverse visits it and tp_dealloc releases it.
#include "repair.h"

namespace owngil {
namespace {

// The slots and spec replace the static definition, or go right before the function that
// readies the type when folded run-time fields name things declared only after it.
void place_definition(const RepairContext& ctx, const ConvertedType& t, RepairResult& out) {
  const Global& g = *t.global;
  if (!t.placed_before_readier) {
    out.replace(g.decl, t.text.definition, "OG201");
    return;
  }
  out.remove(ctx.text(g.decl.file), g.decl);
  const Function& readier = *t.readier;
  out.insert(readier.range.file, static_cast<unsigned>(line_start(ctx.text(readier.range.file), readier.range.begin)),
             t.text.definition + "\n\n", "OG201");
}

// `{"__weaklistoffset__", ...}` and the like go before the {NULL} entry of the type's members
// table, on lines of their own when the sentinel has one, in the table's indent.
void add_offset_members(const RepairContext& ctx, const HeapTypeText& h, RepairResult& out) {
  if (h.member_entries.empty()) return;
  const SourceRange& sentinel = h.members_sentinel;
  const std::string& src = ctx.text(sentinel.file);
  size_t start = line_start(src, sentinel.begin);
  std::string text;
  if (only_whitespace(src, start, sentinel.begin)) {
    std::string indent = src.substr(start, sentinel.begin - start);
    for (const std::string& e : h.member_entries) text += indent + e + "\n";
    out.insert(sentinel.file, static_cast<unsigned>(start), text, "OG201");
  } else {
    for (const std::string& e : h.member_entries) text += e + " ";
    out.insert(sentinel.file, sentinel.begin, text, "OG201");
  }
}

void visit_type_in_traverse(const Function& f, const FileStyle& st, RepairResult& out) {
  std::string self = f.params.empty() ? "" : f.params[0].name;
  if (self.empty() || self.rfind("_unused_", 0) == 0 || !f.body_begin)
    return out.refuse(f.loc, "cannot find the object parameter of '" + f.name + "'");
  out.insert(f.range.file, f.body_begin, "\n" + st.indent + "Py_VISIT(Py_TYPE(" + self + "));", "OG201");
}

// The dealloc reads the type first and releases it last; a type that becomes GC-tracked stops
// being tracked before it is torn down.
void release_type_in_dealloc(const RepairContext& ctx, const Function& f, bool adds_gc, const FileStyle& st,
                             RepairResult& out) {
  const std::string& in = st.indent;
  const std::string& src = ctx.text(f.range.file);
  std::string self = f.params.empty() ? "" : f.params[0].name;
  if (self.empty() || !f.body_begin || src[f.range.end - 1] != '}')
    return out.refuse(f.loc, "cannot find the object parameter or the body of '" + f.name + "'");
  std::string body = src.substr(f.body_begin, f.range.end - f.body_begin);
  if (body.find("return") != std::string::npos)
    return out.refuse(f.loc, "'" + f.name + "' returns early: release the heap type (Py_DECREF(Py_TYPE(self))) by hand");
  std::string tp = f.locals.count("tp") ? "self_type" : "tp";
  out.insert(f.range.file, f.body_begin,
             "\n" + in + "PyTypeObject *" + tp + " = Py_TYPE(" + self + ");" +
                 (adds_gc ? "\n" + in + "PyObject_GC_UnTrack(" + self + ");" : ""),
             "OG201");
  size_t close = f.range.end - 1, start = line_start(src, close);
  if (only_whitespace(src, start, close))
    out.insert(f.range.file, static_cast<unsigned>(start), in + "Py_DECREF(" + tp + ");\n", "OG201");
  else
    out.insert(f.range.file, static_cast<unsigned>(close), " Py_DECREF(" + tp + "); ", "OG201");
}

// The type's traverse visits the type and its dealloc releases it, where the plan says.
void adjust_for_heap_type(const RepairContext& ctx, const ConvertedType& t, RepairResult& out) {
  FileStyle st = style_of(t.type->loc.file, ctx.text(t.type->loc.file));
  if (t.visit_in) visit_type_in_traverse(*t.visit_in, st, out);
  if (t.release_in) release_type_in_dealloc(ctx, *t.release_in, t.text.adds_gc, st, out);
  if (t.untrack_in && !t.untrack_in->params.empty() && t.untrack_in->body_begin)
    out.insert(t.untrack_in->range.file, t.untrack_in->body_begin,
               "\n" + st.indent + "PyObject_GC_UnTrack(" + t.untrack_in->params[0].name + ");", "OG201");
}

// `PyType_Ready(&T)` -> `create_type(module, &T_spec, base, &st->T)`; for a struct sequence
// `PyStructSequence_InitType2(&T, desc)` -> `create_struct_sequence(desc, &st->T)`.
void create_type(const RepairContext& ctx, const ConvertedType& t, const TypeCreation& c, RepairResult& out) {
  const PortPlan& plan = ctx.plan;
  std::string slot = "&" + plan.var + "->" + t.global->name;
  const Call& call = *c.call;
  if (t.text.spec.empty()) {
    const std::string& src = ctx.text(call.range.file);
    std::string args = src.substr(call.args_begin, call.range.end - 1 - call.args_begin);
    size_t comma = args.find(',');
    if (comma == std::string::npos) return out.refuse(c.use->loc, "cannot read the description argument of this call");
    std::string desc = args.substr(comma + 1);
    desc.erase(0, desc.find_first_not_of(" \t\n"));
    out.replace(call.range, plan.helper("create_struct_sequence") + "(" + desc + ", " + slot + ")", "OG201");
    return;
  }
  std::string base = t.text.module_base.empty() ? "NULL" : plan.var + "->" + t.text.module_base;
  out.replace(call.range, plan.helper("create_type") + "(" + c.module + ", &" + t.text.spec + ", " + base + ", " + slot + ")",
              "OG201");
}

void rewrite_uses(const RepairContext& ctx, const ConvertedType& t, RepairResult& out) {
  const Global& g = *t.global;
  const std::string& var = ctx.plan.var;
  for (const TypeCreation& c : t.creations) create_type(ctx, t, c, out);
  for (const SourceRange& r : t.dropped) out.remove(ctx.text(r.file), r);
  for (const GlobalUse& u : g.uses) {
    if (u.function.empty() || u.passed_to == "PyType_Ready" || u.passed_to == "PyStructSequence_InitType2") continue;
    if (u.kind == UseKind::AddressOf && (u.passed_to == "Py_SET_TYPE" || u.in_macro_call == "Py_SET_TYPE")) continue;
    if (t.folded.count(&u)) {  // now in the spec
      out.remove(ctx.text(u.field_statement.file), u.field_statement);
      continue;
    }
    if (u.kind != UseKind::AddressOf) {
      out.replace(u.macro.empty() ? u.range : u.spelling, "(*" + var + "->" + g.name + ")", "OG201");
      continue;
    }
    out.replace(u.macro.empty() ? u.address_range : u.address_spelling, var + "->" + g.name, "OG201");
  }
}

}  // namespace

void repair_heap_types(const RepairContext& ctx, RepairResult& out) {
  std::set<std::string> removed_tables;
  for (const ConvertedType& t : ctx.plan.types) {
    const Global& g = *t.global;
    if (!t.text.spec.empty()) {
      place_definition(ctx, t, out);
      for (const std::string& table : t.text.sub_tables)
        for (const Global& sub : ctx.model.globals)
          if (sub.name == table && sub.loc.file == g.loc.file && sub.decl.valid() && removed_tables.insert(table).second)
            out.remove(ctx.text(sub.decl.file), sub.decl);
      adjust_for_heap_type(ctx, t, out);
      add_offset_members(ctx, t.text, out);
    } else {
      out.remove(ctx.text(g.decl.file), g.decl);
    }
    for (const SourceRange& r : g.redeclarations) out.remove(ctx.text(r.file), r);
    rewrite_uses(ctx, t, out);
  }
}

}  // namespace owngil
