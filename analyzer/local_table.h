// Whether an address of a global stays inside one call of the function that takes it: it is an
// element of the initializer of a local table (`struct {PyObject **slot; ...} t[] = {{&E}};`)
// that the function only indexes, and each pointer read from the table is only dereferenced —
// written with a new reference, or read to test it or to pass it to a call that does not steal
// it. Nothing keeps the address after the function returns, and every write through it can be
// told apart as a new reference: the rewriter can point it into the module state instead.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/AST/Expr.h>

namespace owngil {

bool address_kept_in_local_table(clang::ASTContext& ctx, const clang::Expr* address);

}  // namespace owngil
