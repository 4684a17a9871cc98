#include "heap_types.h"

#include <algorithm>

namespace owngil {
namespace {

constexpr unsigned long long kTpFlagsHaveGc = 1ULL << 14;

// tp_* fields with a Py_tp_* slot of the same name (typeslots.h).
const std::set<std::string> kTpSlots = {
    "tp_alloc",    "tp_call",    "tp_clear",    "tp_dealloc",   "tp_del",      "tp_descr_get", "tp_descr_set",
    "tp_doc",      "tp_getattr", "tp_getattro", "tp_hash",      "tp_init",     "tp_is_gc",     "tp_iter",
    "tp_iternext", "tp_methods", "tp_new",      "tp_repr",      "tp_richcompare", "tp_setattr", "tp_setattro",
    "tp_str",      "tp_traverse", "tp_members", "tp_getset",    "tp_free",     "tp_finalize"};

// Sub-table fields with a slot: Py_nb_add for nb_add, and so on.
const std::set<std::string> kSubSlots = {
    "nb_add", "nb_subtract", "nb_multiply", "nb_remainder", "nb_divmod", "nb_power", "nb_negative",
    "nb_positive", "nb_absolute", "nb_bool", "nb_invert", "nb_lshift", "nb_rshift", "nb_and", "nb_xor", "nb_or",
    "nb_int", "nb_float", "nb_inplace_add", "nb_inplace_subtract", "nb_inplace_multiply", "nb_inplace_remainder",
    "nb_inplace_power", "nb_inplace_lshift", "nb_inplace_rshift", "nb_inplace_and", "nb_inplace_xor",
    "nb_inplace_or", "nb_floor_divide", "nb_true_divide", "nb_inplace_floor_divide", "nb_inplace_true_divide",
    "nb_index", "nb_matrix_multiply", "nb_inplace_matrix_multiply", "sq_length", "sq_concat", "sq_repeat",
    "sq_item", "sq_ass_item", "sq_contains", "sq_inplace_concat", "sq_inplace_repeat", "mp_length",
    "mp_subscript", "mp_ass_subscript", "am_await", "am_aiter", "am_anext", "am_send", "bf_getbuffer",
    "bf_releasebuffer"};

// Binary number slots are called with the instance on either side (`1 + p` calls p's nb_add).
const std::set<std::string> kEitherOperand = {
    "nb_add", "nb_subtract", "nb_multiply", "nb_remainder", "nb_divmod", "nb_power", "nb_lshift", "nb_rshift",
    "nb_and", "nb_xor", "nb_or", "nb_floor_divide", "nb_true_divide", "nb_matrix_multiply"};

const std::set<std::string> kOffsetsAsMembers = {"tp_dictoffset", "tp_weaklistoffset", "tp_vectorcall_offset"};

const SubTable* sub_table(const Model& model, const std::string& name, const std::string& file) {
  for (const SubTable& t : model.sub_tables)
    if (t.name == name && t.loc.file == file) return &t;
  return nullptr;
}

std::string fresh(const std::string& wanted, const std::function<bool(const std::string&)>& taken) {
  std::string name = wanted;
  for (int i = 2; taken(name); ++i) name = wanted + "_" + std::to_string(i);
  return name;
}

const TypeField* field_of(const StaticType& type, const std::string& name) {
  for (const TypeField& f : type.fields)
    if (f.field == name) return &f;
  return nullptr;
}

// The type that makes `type` GC-tracked: itself (its own flag), or the base of the module it
// inherits GC, traverse and clear from; null when it is not tracked.
const StaticType* gc_source(const Model& model, const StaticType& type, int depth) {
  if (type.flags && (*type.flags & kTpFlagsHaveGc)) return &type;
  const TypeField* base = field_of(type, "tp_base");
  if (!base || depth > 16 || field_of(type, "tp_traverse")) return nullptr;
  for (const StaticType& t : model.static_types)
    if (t.name == base->value && t.loc.file == type.loc.file) return gc_source(model, t, depth + 1);
  return nullptr;
}

}  // namespace

HeapTypeText heap_type_text(const Model& model, const StaticType& type, const std::set<std::string>& module_types,
                            const std::string& indent, const std::function<bool(const std::string&)>& names_taken,
                            bool cxx) {
  HeapTypeText out;
  auto refuse = [&](const SourceLoc& loc, std::string why) {
    out.refusal = std::move(why);
    out.refusal_loc = loc;
    return out;
  };
  const StaticType* gc_from = gc_source(model, type, 0);
  out.adds_gc = gc_from == nullptr;
  std::vector<std::pair<std::string, std::string>> slots;  // slot name, value
  std::vector<std::pair<std::string, std::string>> offsets;  // __weaklistoffset__ and the like, value
  std::string name_text, basicsize = "0", itemsize = "0", flags = "Py_TPFLAGS_DEFAULT";
  bool has_new = false, has_base = false;
  for (const TypeField& f : type.fields) {
    if (f.field == "tp_name") name_text = f.text;
    else if (f.field == "tp_basicsize") basicsize = f.text;
    else if (f.field == "tp_itemsize") itemsize = f.text;
    else if (f.field == "tp_flags") flags = f.text;
    else if (f.field == "tp_base") {
      has_base = true;
      if (module_types.count(f.value)) out.module_base = f.value;
      else slots.push_back({"Py_tp_base", f.text});
    } else if (f.field.rfind("tp_as_", 0) == 0) {
      const SubTable* table = sub_table(model, f.value, type.loc.file);
      if (!table) return refuse(f.loc, "'" + type.name + "'." + f.field + " is not a table defined in the same file");
      for (const TypeField& sf : table->fields) {
        if (!kSubSlots.count(sf.field)) return refuse(sf.loc, "'" + table->name + "'." + sf.field + " has no slot equivalent");
        slots.push_back({"Py_" + sf.field, sf.text});
      }
      out.sub_tables.push_back(table->name);
    } else if (kOffsetsAsMembers.count(f.field)) {
      offsets.push_back({"__" + f.field.substr(3, f.field.size() - 3 - 6) + "offset__", f.text});
    } else if (kTpSlots.count(f.field)) {
      std::string value = f.text;
      if (f.field == "tp_new") has_new = true;
      if (f.field == "tp_traverse") out.traverse = f.value;
      if (f.field == "tp_dealloc") out.dealloc = f.value;
      // Memory of a GC object starts before the object: only the GC allocator can free it.
      if (f.field == "tp_free" && out.adds_gc && (f.value == "PyObject_Del" || f.value == "PyObject_Free"))
        value = "PyObject_GC_Del";
      // The slot is a `void *`: a `const char[]` docstring needs the cast that tp_doc did not.
      if (f.field == "tp_doc") value = "(void *)" + value;
      slots.push_back({"Py_" + f.field, value});
    } else {
      return refuse(f.loc, "'" + type.name + "'." + f.field + " has no PyType_Slot equivalent");
    }
  }
  if (name_text.empty()) return refuse(type.loc, "'" + type.name + "' has no tp_name");
  std::string base = type.name;
  out.spec = fresh(base + "_spec", names_taken);
  std::string slots_name = fresh(base + "_slots", names_taken);
  if (out.adds_gc) flags += " | Py_TPFLAGS_HAVE_GC";
  // A heap type inherits GC only from its spec's flags: one that inherited it from a static base
  // says so itself, with the base's traverse and clear, as PyType_Ready copied them before.
  if (gc_from && gc_from != &type) {
    flags += " | Py_TPFLAGS_HAVE_GC";
    for (const char* inherited : {"tp_traverse", "tp_clear"})
      if (const TypeField* f = field_of(*gc_from, inherited)) slots.push_back({std::string("Py_") + inherited, f->text});
  }
  // A static type was immutable; one without tp_new (and object as base) could not be created
  // from Python. The heap type keeps both properties.
  flags += " | Py_TPFLAGS_IMMUTABLETYPE";
  if (!has_new && !has_base) flags += " | Py_TPFLAGS_DISALLOW_INSTANTIATION";
  if (out.traverse.empty() && out.adds_gc) {
    std::string traverse = fresh(base + "_traverse", names_taken);
    out.new_traverse = "static int " + traverse + "(PyObject *self, visitproc visit, void *arg)\n{\n" + indent +
                       "Py_VISIT(Py_TYPE(self));\n" + indent + "return 0;\n}\n\n";
    slots.push_back({"Py_tp_traverse", traverse});
  }
  // Heap types take their dict, weakref and vectorcall offsets from special members: entries of
  // the type's own members table, or a new table.
  std::string members;
  if (const TypeField* own = field_of(type, "tp_members"); own && !offsets.empty()) {
    const MemberTable* table = model.member_table(own->value, type.loc.file);
    if (!table || !table->sentinel.valid())
      return refuse(own->loc, "'" + type.name + "' has offsets that must become entries of its tp_members table, "
                              "and fix cannot find that table's {NULL} entry");
    for (const StaticType& other : model.static_types)
      if (other.name != type.name)
        if (const TypeField* theirs = field_of(other, "tp_members"); theirs && theirs->value == table->name)
          return refuse(own->loc, "'" + table->name + "' is the tp_members table of '" + other.name + "' too: adding '" +
                                  type.name + "'s offsets to it would change that type");
    for (const auto& [name, value] : offsets)
      out.member_entries.push_back("{\"" + name + "\", Py_T_PYSSIZET, " + value + ", Py_READONLY, NULL},");
    out.members_sentinel = table->sentinel;
  } else if (!offsets.empty()) {
    std::string members_name = fresh(base + "_members", names_taken);
    members = "static PyMemberDef " + members_name + "[] = {\n";
    for (const auto& [name, value] : offsets)
      members += indent + "{\"" + name + "\", Py_T_PYSSIZET, " + value + ", Py_READONLY, NULL},\n";
    members += indent + "{NULL, 0, 0, 0, NULL},\n};\n\n";
    slots.push_back({"Py_tp_members", members_name});
  }
  std::string text = out.new_traverse + members + "static PyType_Slot " + slots_name + "[] = {\n";
  for (const auto& [slot, value] : slots) {
    // C++ converts neither function pointers nor const data to the slot's void * by itself.
    bool cast = cxx && value.rfind("(void *)", 0) != 0;
    text += indent + "{" + slot + ", " + (cast ? "(void *)" + value : value) + "},\n";
  }
  text += indent + "{0, NULL},\n};\n\nstatic PyType_Spec " + out.spec + " = {\n";
  if (cxx)  // designated initializers are C++20
    text += indent + name_text + ",\n" + indent + basicsize + ",\n" + indent + itemsize + ",\n" + indent + flags + ",\n" +
            indent + slots_name + ",\n};";
  else
    text += indent + ".name = " + name_text + ",\n" + indent + ".basicsize = " + basicsize + ",\n" + indent +
            ".itemsize = " + itemsize + ",\n" + indent + ".flags = " + flags + ",\n" + indent + ".slots = " + slots_name + ",\n};";
  out.definition = text;
  return out;
}

bool converts_to_defining_class(long long flags, MethodState mode) {
  static const std::set<long long> tuple_calls = {kMethVarargs, kMethVarargs | kMethKeywords};
  static const std::set<long long> specialized = {kMethNoargs, kMethO, kMethFastcall, kMethFastcall | kMethKeywords};
  return tuple_calls.count(flags) || (mode == MethodState::DefiningClass && specialized.count(flags));
}

std::map<std::string, TypeAccess> type_functions(const Model& model, const StaticType& type, MethodState mode) {
  std::map<std::string, TypeAccess> out;
  auto add = [&](const std::string& field, const std::string& function) {
    if (!model.function(function, type.loc.file)) return;
    TypeAccess access = field == "tp_new" || field == "tp_alloc" ? TypeAccess::TypeParam
                        : kEitherOperand.count(field)             ? TypeAccess::Either
                                                                  : TypeAccess::Self;
    out.emplace(function, access);
  };
  for (const TypeField& f : type.fields) {
    if (f.field.rfind("tp_as_", 0) == 0) {
      if (const SubTable* t = sub_table(model, f.value, type.loc.file))
        for (const TypeField& sf : t->fields) add(sf.field, sf.value);
    } else {
      add(f.field, f.value);
    }
  }
  // Getters and setters of the type's PyGetSetDef table receive the object first, like slots.
  if (const TypeField* getset = field_of(type, "tp_getset"))
    for (const AddressTaken& a : model.address_taken)
      if (a.in_global == getset->value && a.loc.file == type.loc.file && model.function(a.function, type.loc.file))
        out.emplace(a.function, TypeAccess::Self);
  if (const TypeField* methods = field_of(type, "tp_methods"))
    if (const MethodTable* table = model.method_table(methods->value, type.loc.file))
      for (const MethodEntry& e : table->entries) {
        if (!model.function(e.function, type.loc.file)) continue;
        long long flags = e.flags.value_or(-1);
        TypeAccess access = flags >= 0 && (flags & kMethStatic)  ? TypeAccess::NoType
                            : flags >= 0 && (flags & kMethClass) ? TypeAccess::TypeParam
                            : converts_to_defining_class(flags, mode) ? TypeAccess::DefiningClass
                                                                   : TypeAccess::Self;
        out.emplace(e.function, access);
      }
  return out;
}

}  // namespace owngil
