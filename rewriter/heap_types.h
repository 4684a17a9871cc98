// Static types into heap types: the text that replaces a `static PyTypeObject X = {...};`, and how
// each function of the type reaches its defining module. Pure functions of the model; the module
// porter (port_module.cpp) turns them into edits.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "owngil/model.h"
#include "owngil/rewriter.h"

namespace owngil {

// METH_* flags of PyMethodDef (methodobject.h), as the rewriter reads and writes them.
constexpr long long kMethVarargs = 0x1, kMethKeywords = 0x2, kMethNoargs = 0x4, kMethO = 0x8, kMethClass = 0x10,
                    kMethStatic = 0x20, kMethFastcall = 0x80;

// How a function that a type calls through a slot or its method table finds the type whose module
// holds the state.
enum class TypeAccess {
  Self,       // Py_TYPE(first parameter): methods, getters, unary slots, tp_dealloc
  TypeParam,  // the first parameter is the type itself: tp_new, tp_alloc
  Either,     // binary number slots: either operand may be the instance
  DefiningClass,  // an instance method: METH_METHOD gives it the class that defines it
  NoType,     // a METH_STATIC method: nothing leads to the type
};

// Whether a method with these METH_* flags is rewritten into METH_METHOD | METH_FASTCALL |
// METH_KEYWORDS to receive its defining class. Only plain calling conventions convert; METH_CLASS,
// METH_STATIC, METH_COEXIST and METH_METHOD keep their form.
bool converts_to_defining_class(long long flags, MethodState mode);

struct HeapTypeText {
  std::string definition;           // slot table and spec, in place of the static definition
  std::string spec;                 // name of the PyType_Spec
  std::string module_base;          // a converted type of the module used as tp_base, or ""
  std::vector<std::string> sub_tables;  // PyNumberMethods etc. folded into the slots
  bool adds_gc = false;             // the type was not GC: it needs a traverse and GC-aware code
  std::string traverse;             // the existing tp_traverse function, if any
  std::string dealloc;              // the existing tp_dealloc function, if any
  std::string new_traverse;         // a traverse function to add before the definition, if any
  // Offsets that become entries of the type's existing tp_members table: the entries (one
  // `{"__weaklistoffset__", ...},` per offset, without indent) and the table's sentinel.
  std::vector<std::string> member_entries;
  SourceRange members_sentinel;
  std::string refusal;              // why it cannot be converted; empty when it can
  SourceLoc refusal_loc;
};

// `names_taken` says whether an identifier is used in the tree already; `module_types` are the
// static types converted along with this one.
// `cxx`: the text goes into a C++ file (slot values cast to void *, the spec initialized by position).
HeapTypeText heap_type_text(const Model& model, const StaticType& type, const std::set<std::string>& module_types,
                            const std::string& indent, const std::function<bool(const std::string&)>& names_taken,
                            bool cxx = false);

// The functions the type's slots, sub-tables and method table name, and how each reaches the type.
std::map<std::string, TypeAccess> type_functions(const Model& model, const StaticType& type, MethodState mode);

}  // namespace owngil
