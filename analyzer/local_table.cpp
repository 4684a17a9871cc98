#include "local_table.h"

#include "ast_queries.h"

#include <set>
#include <string>

#include <clang/AST/ParentMapContext.h>
#include <clang/AST/RecursiveASTVisitor.h>

namespace owngil {
namespace {

using namespace clang;

// Calls that take over (steal) the reference they are given: a pointer read from the table and
// passed to one would give away the reference the table's slot holds.
const std::set<std::string> kStealing = {"PyModule_AddObject", "PyModule_Add", "PyTuple_SetItem", "PyList_SetItem",
                                         "PyCell_Set", "PyStructSequence_SetItem"};
class LocalTable {
 public:
  explicit LocalTable(ASTContext& ctx) : ctx_(ctx) {}

  bool kept_in_local_table(const Expr* address) {
    // Up through the initializer lists to the variable they initialize.
    DynTypedNode node = DynTypedNode::create(*address);
    for (int hops = 0; hops < 16; ++hops) {
      DynTypedNode parent = parent_of(node);
      if (const auto* e = parent.get<Expr>()) {
        if (!isa<InitListExpr>(e) && !isa<ImplicitCastExpr>(e) && !isa<ParenExpr>(e)) return false;
        node = parent;
        continue;
      }
      const auto* var = parent.get<VarDecl>();
      address_type_ = ctx_.getCanonicalType(address->getType()).getUnqualifiedType();
      return var && var->isLocalVarDecl() && !var->isStaticLocal() && table_only_indexed(var);
    }
    return false;
  }

 private:
  // Every use of the table reads one of its pointers (`t[i].slot`, `t.slot`) and dereferences it.
  bool table_only_indexed(const VarDecl* var) {
    const auto* fn = dyn_cast_or_null<FunctionDecl>(var->getParentFunctionOrMethod());
    if (!fn || !fn->hasBody()) return false;
    for (const DeclRefExpr* use : uses_in_its_function(var))
      if (!element_pointer_dereferenced(use)) return false;
    return true;
  }

  // From a use of the table, down its subscripts and members to a pointer that is read and then
  // dereferenced; `sizeof`, which reads nothing, is fine too.
  bool element_pointer_dereferenced(const Expr* e) {
    for (int hops = 0; hops < 16; ++hops) {
      DynTypedNode parent = parent_of(DynTypedNode::create(*e));
      if (parent.get<UnaryExprOrTypeTraitExpr>()) return true;  // sizeof(t), sizeof(t[0])
      const auto* p = parent.get<Expr>();
      if (!p) return false;
      if (const auto* as = dyn_cast<ArraySubscriptExpr>(p)) {
        if (as->getBase()->IgnoreParenImpCasts() != e->IgnoreParenImpCasts()) return false;  // the table as an index
        e = as;
        continue;
      }
      if (isa<ParenExpr>(p) || (isa<ImplicitCastExpr>(p) && cast<ImplicitCastExpr>(p)->getCastKind() == CK_ArrayToPointerDecay)) {
        e = p;
        continue;
      }
      if (const auto* me = dyn_cast<MemberExpr>(p)) {
        if (me->isArrow()) return false;
        e = me;
        continue;
      }
      if (const auto* ice = dyn_cast<ImplicitCastExpr>(p); ice && ice->getCastKind() == CK_LValueToRValue) {
        if (!could_hold_the_address(e->getType())) return true;  // another column: `t[i].name`
        const auto* deref = dyn_cast_or_null<UnaryOperator>(parent_of(DynTypedNode::create(*ice)).get<Expr>());
        return deref && deref->getOpcode() == UO_Deref && pointee_used_safely(deref);
      }
      return false;
    }
    return false;
  }

  // `*p = new_reference()`, `if (!*p)`, `*p == NULL`, `f(..., *p, ...)` with f not stealing.
  bool pointee_used_safely(const UnaryOperator* deref) {
    DynTypedNode parent = parent_of(DynTypedNode::create(*deref));
    const auto* p = parent.get<Expr>();
    if (!p) return false;
    if (const auto* bo = dyn_cast<BinaryOperator>(p); bo && bo->getOpcode() == BO_Assign) {
      if (bo->getLHS()->IgnoreParens() != deref) return false;  // `x = *p`: the pointee is copied elsewhere
      const auto* call = dyn_cast<CallExpr>(bo->getRHS()->IgnoreParenCasts());
      const FunctionDecl* callee = call ? call->getDirectCallee() : nullptr;
      return callee && !returns_borrowed_reference(callee->getNameAsString());  // a reference of its own
    }
    const auto* ice = dyn_cast<ImplicitCastExpr>(p);
    if (!ice || ice->getCastKind() != CK_LValueToRValue) return false;
    const auto* use = parent_of(DynTypedNode::create(*ice)).get<Expr>();
    while (use && (isa<ParenExpr>(use) || isa<ImplicitCastExpr>(use) || isa<CStyleCastExpr>(use)))
      use = parent_of(DynTypedNode::create(*use)).get<Expr>();
    if (!use) {  // a condition: `if (*p)`, `while (*p)`
      DynTypedNode top = parent_of(DynTypedNode::create(*ice));
      return top.get<IfStmt>() || top.get<WhileStmt>() || top.get<ForStmt>() || top.get<DoStmt>();
    }
    if (const auto* uo = dyn_cast<UnaryOperator>(use)) return uo->getOpcode() == UO_LNot;
    if (const auto* bo = dyn_cast<BinaryOperator>(use)) return bo->isComparisonOp() || bo->isLogicalOp();
    if (const auto* call = dyn_cast<CallExpr>(use)) {
      const FunctionDecl* callee = call->getDirectCallee();
      return callee && !kStealing.count(callee->getNameAsString());
    }
    return false;
  }

  // An element of that type, or an untyped pointer, may be the address; others (`const char *`
  // names, counts) cannot hold it without a cast, which no use of the table has.
  bool could_hold_the_address(QualType t) const {
    QualType c = ctx_.getCanonicalType(t).getUnqualifiedType();
    return c == address_type_ || c->isVoidPointerType();
  }

  DynTypedNode parent_of(const DynTypedNode& node) { return owngil::parent_of(ctx_, node); }

  ASTContext& ctx_;
  QualType address_type_;
};

}  // namespace

bool address_kept_in_local_table(ASTContext& ctx, const Expr* address) {
  return address && LocalTable(ctx).kept_in_local_table(address);
}

}  // namespace owngil
