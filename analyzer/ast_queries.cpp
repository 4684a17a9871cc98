#include "ast_queries.h"

#include <set>

#include <clang/AST/ParentMapContext.h>
#include <clang/AST/RecursiveASTVisitor.h>

namespace owngil {

using namespace clang;

DynTypedNode parent_of(ASTContext& ctx, const DynTypedNode& node) {
  auto parents = ctx.getParents(node);
  return parents.empty() ? DynTypedNode() : parents[0];
}

std::vector<const DeclRefExpr*> uses_in_its_function(const VarDecl* var) {
  const auto* fn = dyn_cast_or_null<FunctionDecl>(var->getParentFunctionOrMethod());
  if (!fn || !fn->hasBody()) return {};
  struct Collector : RecursiveASTVisitor<Collector> {
    const VarDecl* var;
    std::vector<const DeclRefExpr*> uses;
    bool VisitDeclRefExpr(DeclRefExpr* dre) {
      if (dre->getDecl() == var) uses.push_back(dre);
      return true;
    }
  } collector;
  collector.var = var;
  collector.TraverseStmt(fn->getBody());
  return collector.uses;
}

bool returns_borrowed_reference(const std::string& callee) {
  static const std::set<std::string> borrowing = {
      "PyModule_GetDict", "PyDict_GetItem", "PyDict_GetItemString", "PyDict_GetItemWithError",
      "PyTuple_GetItem", "PyList_GetItem", "PySys_GetObject", "PyImport_GetModuleDict", "PyEval_GetBuiltins",
      "PyEval_GetGlobals", "PyEval_GetLocals", "PyErr_Occurred", "PyState_FindModule", "PyWeakref_GetObject",
      "PyFunction_GetCode", "PyFunction_GetGlobals", "PyCell_Get", "PyMethod_Function", "PyMethod_Self",
      "PyStructSequence_GetItem", "PyType_GetModule", "PyType_GetModuleByDef", "PyException_GetContext"};
  return borrowing.count(callee) > 0;
}

}  // namespace owngil
