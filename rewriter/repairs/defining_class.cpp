// Methods of converted types that receive their defining class: the method becomes a helper that
// takes the state first (state_parameters.cpp adds it), and a METH_METHOD | METH_FASTCALL |
// METH_KEYWORDS entry point before its table checks and unpacks the arguments as CPython did for
// the old convention, then calls it with the state of the class that defines the method (right
// for Python subclasses too, and cheaper than walking the MRO).
#include <algorithm>
#include <cstring>
#include <tuple>

#include "repair.h"

namespace owngil {
namespace {

struct EntryPoint {
  const MethodTable* table;
  size_t row;              // index of the method's row in the table
  std::string definition;  // the entry point's text
};

// The body that checks the arguments of the old calling convention and calls the method.
std::string entry_body(const FunctionPlan& fp, const std::string& call, const std::string& shown, const std::string& in) {
  const Function& f = *fp.function;
  std::string ret = f.return_type, sep = !ret.empty() && ret.back() == '*' ? "" : " ";
  auto check = [&](const std::string& test) {
    return in + "if (" + test + " < 0) {\n" + in + in + "return NULL;\n" + in + "}\n";
  };
  switch (*fp.row->flags) {
    case kMethNoargs:
      return check("owngil_no_arguments(" + shown + ", nargs, kwnames)") + in + "return " + call +
             (f.params.size() == 2 ? ", NULL);\n" : ");\n");
    case kMethO: return check("owngil_one_argument(" + shown + ", nargs, kwnames)") + in + "return " + call + ", args[0]);\n";
    case kMethFastcall: return check("owngil_no_keywords(" + shown + ", kwnames)") + in + "return " + call + ", args, nargs);\n";
    case kMethFastcall | kMethKeywords: return in + "return " + call + ", args, nargs, kwnames);\n";
    default: {  // METH_VARARGS, with or without METH_KEYWORDS: the tuple (and dict) CPython built
      bool keywords = *fp.row->flags & kMethKeywords;
      return in + "PyObject *tuple" + (keywords ? ", *kwargs" : "") + ";\n" +
             check("owngil_unpack_varargs(" + shown + ", args, nargs, kwnames, &tuple, " + (keywords ? "&kwargs" : "NULL") + ")") +
             in + ret + sep + "result = " + call + ", tuple" + (keywords ? ", kwargs" : "") + ");\n" + in +
             "Py_DECREF(tuple);\n" + (keywords ? in + "Py_XDECREF(kwargs);\n" : "") + in + "return result;\n";
    }
  }
}

// False (with a refusal) when the first parameter cannot be read.
bool entry_point(const RepairContext& ctx, const FunctionPlan& fp, RepairResult& out, EntryPoint* e) {
  const Function& f = *fp.function;
  const std::string& src = ctx.text(f.loc.file);
  const Param& p = f.params[0];
  std::string self_decl = src.substr(p.range.begin, p.range.end - p.range.begin), self = p.name;
  if (self.rfind("_unused_", 0) == 0) {  // Py_UNUSED(self): the entry point uses the plain name
    self = self.substr(strlen("_unused_"));
    size_t at = self_decl.find("Py_UNUSED(");
    size_t close = at == std::string::npos ? at : self_decl.find(')', at);
    if (close == std::string::npos) {
      out.refuse(f.loc, "cannot read the first parameter of '" + f.name + "'");
      return false;
    }
    self_decl.replace(at, close + 1 - at, self);
  }
  FileStyle st = style_of(f.loc.file, src);
  const StaticType* type = nullptr;
  for (const StaticType& t : ctx.model.static_types)
    if (t.name == fp.defining_type && t.loc.file == f.loc.file) type = &t;
  std::string type_name = type && !type->tp_name.empty() ? type->tp_name.substr(type->tp_name.rfind('.') + 1)
                                                         : fp.defining_type;
  std::string shown = "\"" + type_name + "." + fp.row->py_name + "\"";
  std::string ret = f.return_type, sep = !ret.empty() && ret.back() == '*' ? "" : " ";
  std::string state = "(" + ctx.plan.state_type + " *)PyType_GetModuleState(defining_class)";
  std::string call = f.name + "(" + state + ", " + self;
  std::string head = "static " + ret + sep + fp.entry_point + "(";
  std::string def = head + self_decl + ", PyTypeObject *defining_class,\n" + std::string(head.size(), ' ') +
                    (*fp.row->flags == kMethNoargs ? "PyObject *const *Py_UNUSED(args)" : "PyObject *const *args") +
                    ", Py_ssize_t nargs, PyObject *kwnames)\n{\n" + entry_body(fp, call, shown, st.indent) + "}\n\n";
  *e = {fp.table, static_cast<size_t>(fp.row - fp.table->entries.data()), def};
  return true;
}

}  // namespace

void repair_defining_class(const RepairContext& ctx, RepairResult& out) {
  std::vector<EntryPoint> entries;
  for (const auto& [name, fp] : ctx.plan.functions) {
    if (fp.access != StateAccess::DefiningClass) continue;
    EntryPoint e;
    if (!entry_point(ctx, fp, out, &e)) continue;
    entries.push_back(e);
    out.replace(fp.row->meth_range, "(PyCFunction)(void (*)(void))" + fp.entry_point, "OG201");
    out.replace(fp.row->flags_range, "METH_METHOD | METH_FASTCALL | METH_KEYWORDS", "OG201");
  }
  // The entry points go right before their method table, in the table's order.
  std::stable_sort(entries.begin(), entries.end(), [](const EntryPoint& a, const EntryPoint& b) {
    return std::tie(a.table->decl.file, a.table->decl.begin, a.row) < std::tie(b.table->decl.file, b.table->decl.begin, b.row);
  });
  for (const EntryPoint& e : entries) {
    const SourceRange& decl = e.table->decl;
    out.insert(decl.file, static_cast<unsigned>(line_start(ctx.text(decl.file), decl.begin)), e.definition, "OG201");
  }
}

}  // namespace owngil
