#include "read_only.h"

#include "ast_queries.h"

#include <clang/AST/ParentMapContext.h>
#include <clang/AST/RecursiveASTVisitor.h>

namespace owngil {
namespace {

using namespace clang;

constexpr int kMaxDepth = 4;  // calls followed into callees' bodies, locals followed through

class ReadOnlyUses {
 public:
  explicit ReadOnlyUses(ASTContext& ctx) : ctx_(ctx) {}

  // A pointer value: what is done with it only reads what it points to.
  bool pointer_only_read(const Expr* value, int depth) {
    if (depth > kMaxDepth) return false;
    DynTypedNode parent = parent_of(value);
    if (const auto* e = parent.get<Expr>()) {
      if (isa<ParenExpr>(e) || is_value_cast(e)) return pointer_only_read(e, depth);
      if (const auto* me = dyn_cast<MemberExpr>(e)) return me->isArrow() && lvalue_only_read(me, depth);
      if (const auto* uo = dyn_cast<UnaryOperator>(e)) return uo->getOpcode() == UO_Deref && lvalue_only_read(uo, depth);
      if (const auto* as = dyn_cast<ArraySubscriptExpr>(e)) return as->getBase()->IgnoreParenImpCasts() == value->IgnoreParenImpCasts() && lvalue_only_read(as, depth);
      if (const auto* bo = dyn_cast<BinaryOperator>(e)) {
        if (bo->isComparisonOp()) return true;
        if (bo->isAdditiveOp()) return pointer_only_read(bo, depth);  // `p + i`
        return false;
      }
      if (const auto* call = dyn_cast<CallExpr>(e)) return argument_only_read(call, value, depth);
      if (const auto* cond = dyn_cast<ConditionalOperator>(e))  // `c ? p : q`: the value goes on
        return cond->getCond()->IgnoreParenImpCasts() != value->IgnoreParenImpCasts() && pointer_only_read(cond, depth);
      return false;
    }
    if (parent.get<ReturnStmt>()) return returns_pointer_to_const(parent);  // the caller gets only a view
    if (const auto* var = parent.get<VarDecl>())  // `T *p = &g;`: a local that is only read through
      return var->isLocalVarDecl() && var->getInit() && var->getInit()->IgnoreParenImpCasts() == value->IgnoreParenImpCasts() &&
             local_only_read(var, depth + 1);
    return false;
  }

 private:
  // What an lvalue reached through the pointer is used for: read (or, for an array or a function,
  // decayed to a pointer that is only read / called).
  bool lvalue_only_read(const Expr* lv, int depth) {
    DynTypedNode parent = parent_of(lv);
    const auto* e = parent.get<Expr>();
    if (!e) return false;
    if (isa<ParenExpr>(e)) return lvalue_only_read(e, depth);
    if (const auto* ice = dyn_cast<ImplicitCastExpr>(e)) {
      if (ice->getCastKind() == CK_LValueToRValue || ice->getCastKind() == CK_FunctionToPointerDecay) return true;
      if (ice->getCastKind() == CK_ArrayToPointerDecay) return pointer_only_read(ice, depth + 1);
      return false;
    }
    if (const auto* me = dyn_cast<MemberExpr>(e)) return !me->isArrow() && lvalue_only_read(me, depth);  // `p->s.x`
    if (const auto* as = dyn_cast<ArraySubscriptExpr>(e)) return lvalue_only_read(as, depth);
    if (const auto* call = dyn_cast<CallExpr>(e)) return call->getCallee()->IgnoreParens() == lv;  // a member function call
    return false;
  }

  // A pointer handed to a function: its parameter points to const, or the callee's body (in this
  // translation unit) only reads through it.
  bool argument_only_read(const CallExpr* call, const Expr* value, int depth) {
    const FunctionDecl* callee = call->getDirectCallee();
    if (!callee) return false;
    for (unsigned i = 0; i < call->getNumArgs() && i < callee->getNumParams(); ++i) {
      if (call->getArg(i)->IgnoreParenImpCasts() != value->IgnoreParenImpCasts() && call->getArg(i) != value) continue;
      const ParmVarDecl* param = callee->getParamDecl(i);
      QualType pointee = param->getType()->getPointeeType();
      if (!pointee.isNull() && pointee.isConstQualified()) return true;
      const FunctionDecl* def = callee->getDefinition();
      if (!def || !def->hasBody()) return false;
      return local_only_read(def->getParamDecl(i), depth + 1);
    }
    return false;
  }

  // Every use of a local pointer (or parameter) only reads through it. Assigning it another
  // pointer is fine; storing it elsewhere, returning it or writing through it is not.
  bool local_only_read(const VarDecl* var, int depth) {
    if (depth > kMaxDepth) return false;
    const auto* fn = dyn_cast_or_null<FunctionDecl>(var->getParentFunctionOrMethod());
    if (!fn || !fn->hasBody()) return false;
    for (const DeclRefExpr* use : uses_in_its_function(var))
      if (!use_only_reads(use, depth)) return false;
    return true;
  }

  bool use_only_reads(const DeclRefExpr* use, int depth) {
    DynTypedNode parent = parent_of(use);
    const auto* e = parent.get<Expr>();
    if (!e) return false;
    if (const auto* ice = dyn_cast<ImplicitCastExpr>(e); ice && ice->getCastKind() == CK_LValueToRValue)
      return pointer_only_read(ice, depth);
    if (const auto* bo = dyn_cast<BinaryOperator>(e)) return bo->isAssignmentOp() && bo->getLHS()->IgnoreParens() == use;
    if (const auto* uo = dyn_cast<UnaryOperator>(e)) return uo->isIncrementDecrementOp();  // `p++`: the local moves
    return false;
  }

  // The function a `return` belongs to returns a pointer to const.
  bool returns_pointer_to_const(DynTypedNode node) {
    for (int hops = 0; hops < 256; ++hops) {
      auto parents = ctx_.getParents(node);
      if (parents.empty()) return false;
      node = parents[0];
      if (const auto* fn = node.get<FunctionDecl>()) {
        QualType pointee = fn->getReturnType()->getPointeeType();
        return !pointee.isNull() && pointee.isConstQualified();
      }
    }
    return false;
  }

  // Casts that keep a pointer's value: `(const T *)p`, no-op and bit casts, decays.
  static bool is_value_cast(const Expr* e) {
    const auto* cast = dyn_cast<CastExpr>(e);
    if (!cast) return false;
    switch (cast->getCastKind()) {
      case CK_NoOp:
      case CK_BitCast:
        return true;
      default:
        return false;
    }
  }

  DynTypedNode parent_of(const Expr* e) { return owngil::parent_of(ctx_, DynTypedNode::create(*e)); }

  ASTContext& ctx_;
};

}  // namespace

bool address_only_read(ASTContext& ctx, const Expr* address) {
  return address && ReadOnlyUses(ctx).pointer_only_read(address, 0);
}

}  // namespace owngil
