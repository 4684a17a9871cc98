// Whether an address of a global is only ever used to read it: passed to a parameter that is
// only read (a pointer to const, or one the callee's body only reads through), compared, or
// kept in a local pointer that is only read through. Such a use is no write and no escape.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/AST/Expr.h>

namespace owngil {

// `address` is the pointer-valued expression: `&g`, `&g[i]`, or the decay of array `g`.
bool address_only_read(clang::ASTContext& ctx, const clang::Expr* address);

}  // namespace owngil
