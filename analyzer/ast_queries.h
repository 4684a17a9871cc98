// Small questions about the AST that several analyses ask in the same way.
#pragma once

#include <string>
#include <vector>

#include <clang/AST/ASTContext.h>
#include <clang/AST/ASTTypeTraits.h>
#include <clang/AST/Decl.h>
#include <clang/AST/Expr.h>

namespace owngil {

// The first parent of `node` (an empty node at the top).
clang::DynTypedNode parent_of(clang::ASTContext& ctx, const clang::DynTypedNode& node);

// Every reference to `var` in the body of the function that declares it (empty: no such body).
std::vector<const clang::DeclRefExpr*> uses_in_its_function(const clang::VarDecl* var);

// Whether a C API function returns a reference the caller does not own (CPython documents each
// as "Return value: Borrowed reference").
bool returns_borrowed_reference(const std::string& callee);

}  // namespace owngil
