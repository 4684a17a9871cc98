#include "fact_collector.h"

#include "ast_queries.h"
#include "local_table.h"
#include "read_only.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

#include <clang/AST/ASTConsumer.h>
#include <clang/AST/ASTContext.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Lex/Lexer.h>
#include <clang/Lex/PPCallbacks.h>
#include <clang/Lex/Preprocessor.h>
#include <clang/Sema/Sema.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>

#include <regex>

using namespace clang;

namespace owngil {
namespace {

// ---------------------------------------------------------------------------------------------
// Where things are: user files, locations relative to the root, macro facts.

class Locator {
 public:
  Locator(SourceManager& sm, const LangOptions& lo, std::string root)
      : sm_(sm), lo_(lo), root_(std::move(root)) {}

  // Whether a location belongs to the analysed tree (not a system or outside header).
  bool is_user(SourceLocation loc) {
    if (loc.isInvalid()) return false;
    SourceLocation file_loc = sm_.getFileLoc(loc);
    FileID fid = sm_.getFileID(file_loc);
    auto it = user_.find(fid.getHashValue());
    if (it != user_.end()) return it->second;
    bool user = !sm_.isInSystemHeader(file_loc);
    std::string path = path_of(fid);
    if (user && !root_.empty()) user = path.rfind(root_ + "/", 0) == 0;
    if (path.empty()) user = false;
    user_[fid.getHashValue()] = user;
    if (user) {
      user_files_.insert(relative(path));
      SourceLocation include = sm_.getIncludeLoc(fid);
      if (include.isValid()) {
        std::pair<FileID, unsigned> at = sm_.getDecomposedLoc(sm_.getFileLoc(include));
        included_at_.emplace(relative(path), std::make_pair(relative(path_of(at.first)), at.second));
      }
    }
    return user;
  }

  const std::map<std::string, std::pair<std::string, unsigned>>& included_at() const { return included_at_; }

  SourceLoc loc(SourceLocation l) {
    SourceLoc out;
    if (l.isInvalid()) return out;
    SourceLocation file_loc = sm_.getFileLoc(l);
    FileID fid = sm_.getFileID(file_loc);
    out.file = relative(path_of(fid));
    out.line = sm_.getSpellingLineNumber(file_loc);
    out.column = sm_.getSpellingColumnNumber(file_loc);
    return out;
  }

  // The macro whose replacement list spells the token at `l` ("" when spelled in the file itself,
  // including as a macro argument: the rewriter can edit those).
  std::string macro_body_of(SourceLocation l) {
    if (!l.isMacroID()) return "";
    if (sm_.getSpellingLoc(l) == sm_.getFileLoc(l)) return "";
    while (l.isMacroID() && sm_.isMacroArgExpansion(l)) l = sm_.getImmediateSpellingLoc(l);
    if (!l.isMacroID()) return "";
    return Lexer::getImmediateMacroName(l, sm_, lo_).str();
  }

  // The name of the outermost macro invocation that `l` is part of (`PyObject_New` for a
  // use spelled in its arguments).
  std::string outermost_macro_name(SourceLocation l) {
    SourceLocation start = sm_.getExpansionRange(l).getBegin();
    Token tok;
    if (Lexer::getRawToken(start, tok, sm_, lo_, /*IgnoreWhiteSpace=*/true)) return "";
    return tok.is(tok::raw_identifier) ? tok.getRawIdentifier().str() : "";
  }

  // The macro name spelled at `l`, if `l` is the start of a macro expansion (e.g. Py_mod_exec).
  std::string macro_at(SourceLocation l) {
    if (!l.isMacroID() || !sm_.isMacroBodyExpansion(l)) return "";
    return Lexer::getImmediateMacroName(l, sm_, lo_).str();
  }

  // The bytes a piece of code covers as written; with_semicolon takes the `;` that follows too.
  // Code spelled in a macro's arguments (`Py_NewRef(PyState_FindModule(&d))`) is that text in the
  // file, not the whole invocation; code a macro's body makes is the invocation.
  owngil::SourceRange range(clang::SourceRange r, bool with_semicolon = false) {
    CharSourceRange cr = Lexer::makeFileCharRange(CharSourceRange::getTokenRange(r), sm_, lo_);
    if (cr.isInvalid()) cr = sm_.getExpansionRange(r);
    SourceLocation b = cr.getBegin();
    SourceLocation e = cr.isTokenRange() ? Lexer::getLocForEndOfToken(cr.getEnd(), 0, sm_, lo_) : cr.getEnd();
    if (b.isInvalid() || e.isInvalid()) return {};
    std::pair<FileID, unsigned> begin = sm_.getDecomposedLoc(b), end = sm_.getDecomposedLoc(e);
    if (begin.first != end.first) return {};
    if (with_semicolon) {
      llvm::StringRef buf = sm_.getBufferData(begin.first);
      size_t i = end.second;
      while (i < buf.size() && (buf[i] == ' ' || buf[i] == '\t')) ++i;
      if (i < buf.size() && buf[i] == ';') end.second = static_cast<unsigned>(i + 1);
    }
    return {relative(path_of(begin.first)), begin.second, end.second};
  }

  // The whole macro invocation that `l`, in one of its arguments, is part of.
  owngil::SourceRange invocation(SourceLocation l) {
    CharSourceRange cr = sm_.getExpansionRange(l);
    SourceLocation e = cr.isTokenRange() ? Lexer::getLocForEndOfToken(cr.getEnd(), 0, sm_, lo_) : cr.getEnd();
    if (cr.getBegin().isInvalid() || e.isInvalid()) return {};
    std::pair<FileID, unsigned> begin = sm_.getDecomposedLoc(cr.getBegin()), end = sm_.getDecomposedLoc(e);
    if (begin.first != end.first) return {};
    return {relative(path_of(begin.first)), begin.second, end.second};
  }

  unsigned offset(SourceLocation l) { return sm_.getDecomposedLoc(sm_.getFileLoc(l)).second; }

  // From the token at `first` to the end of the token at `last`, where they are spelled in the
  // file (also inside a macro's arguments), e.g. `Stats::calls`.
  owngil::SourceRange tokens(SourceLocation first, SourceLocation last) {
    SourceLocation file_loc = sm_.getFileLoc(first);
    SourceLocation end = Lexer::getLocForEndOfToken(sm_.getFileLoc(last), 0, sm_, lo_);
    if (file_loc.isInvalid() || end.isInvalid()) return {};
    std::pair<FileID, unsigned> b = sm_.getDecomposedLoc(file_loc), e = sm_.getDecomposedLoc(end);
    if (b.first != e.first) return {};
    return {relative(path_of(b.first)), b.second, e.second};
  }

  std::string text(clang::SourceRange r) {
    CharSourceRange range = sm_.getExpansionRange(r);
    return Lexer::getSourceText(range, sm_, lo_).str();
  }

  std::string relative(const std::string& path) const {
    if (!root_.empty() && path.rfind(root_ + "/", 0) == 0) return path.substr(root_.size() + 1);
    return path;
  }

  std::string path_of(FileID fid) {
    auto it = paths_.find(fid.getHashValue());
    if (it != paths_.end()) return it->second;
    std::string out;
    if (OptionalFileEntryRef fe = sm_.getFileEntryRefForID(fid)) {
      llvm::SmallString<256> p(fe->getName());
      // Relative names are relative to the compile command's directory, not to our own.
      sm_.getFileManager().makeAbsolutePath(p);
      llvm::sys::path::remove_dots(p, /*remove_dot_dot=*/true);
      out = std::string(p.str());
    }
    paths_[fid.getHashValue()] = out;
    return out;
  }

  const std::set<std::string>& user_files() const { return user_files_; }
  // The macros the tree's own code depends on through the preprocessor (TranslationUnit::
  // condition_macros), filled by PreprocessorFacts.
  std::set<std::string> condition_macros;
  SourceManager& sm() { return sm_; }
  const LangOptions& lang() { return lo_; }

 private:
  SourceManager& sm_;
  const LangOptions& lo_;
  std::string root_;
  std::unordered_map<unsigned, bool> user_;
  std::unordered_map<unsigned, std::string> paths_;
  std::set<std::string> user_files_;
  std::map<std::string, std::pair<std::string, unsigned>> included_at_;
};

// ---------------------------------------------------------------------------------------------
// Type classification.

std::string record_name(const RecordDecl* rd) {
  if (!rd) return "";
  if (!rd->getName().empty()) return rd->getName().str();
  if (const TypedefNameDecl* td = rd->getTypedefNameForAnonDecl()) return td->getName().str();
  return "";
}

const RecordDecl* record_of(QualType t) {
  if (t.isNull()) return nullptr;
  return t.getCanonicalType()->getAsRecordDecl();
}

// The struct a `{...}` initializer fills, or null when the code is invalid: Clang's recovery from
// an error leaves lists typed void or with an incomplete or invalid record.
const RecordDecl* initialized_record(const InitListExpr* list) {
  if (!list || list->getType().isNull() || list->getType()->containsErrors()) return nullptr;
  const RecordDecl* rd = record_of(list->getType());
  if (!rd || rd->isInvalidDecl()) return nullptr;
  return rd->getDefinition();
}

// PyObject itself, or any struct that starts with PyObject_HEAD / PyObject_VAR_HEAD.
bool is_object_record(const RecordDecl* rd) {
  if (!rd) return false;
  std::string name = record_name(rd);
  if (name == "_object" || name == "_typeobject") return true;
  const RecordDecl* def = rd->getDefinition();
  if (!def || def->field_empty()) return false;
  const FieldDecl* first = *def->field_begin();
  return first->getName() == "ob_base" && is_object_record(record_of(first->getType()));
}

bool is_object_pointer(QualType t) {
  return !t.isNull() && t->isPointerType() && is_object_record(record_of(t->getPointeeType()));
}

bool is_type_pointer(QualType t) {
  return !t.isNull() && t->isPointerType() && record_name(record_of(t->getPointeeType())) == "_typeobject";
}

bool is_table_record(const std::string& name) {
  static const std::set<std::string> tables = {
      "PyMethodDef",      "PyModuleDef",      "PyMemberDef",       "PyGetSetDef",
      "PyModuleDef_Slot", "PyType_Slot",      "PyType_Spec",       "PyNumberMethods",
      "PySequenceMethods", "PyMappingMethods", "PyAsyncMethods",   "PyBufferProcs",
      "PyStructSequence_Desc", "PyStructSequence_Field", "_PyArg_Parser", "PyModuleDef_Base"};
  return tables.count(name) > 0;
}

GlobalKind classify(ASTContext& ctx, QualType t) {
  QualType base = ctx.getBaseElementType(t);
  if (is_object_pointer(base)) return GlobalKind::ObjectPointer;
  std::string rec = record_name(record_of(base));
  if (rec == "_typeobject") return GlobalKind::TypeObject;
  if (is_table_record(rec)) return GlobalKind::Table;
  return GlobalKind::CData;
}

void collect_record_paths(ASTContext& ctx, const RecordDecl* def, const std::string& path, unsigned depth,
                          std::vector<std::string>& out);

// The members of an aggregate of type `t` that hold Python objects, appended to `out` as paths
// below `path`. Object pointers (also typedef'd) count, objects embedded by value, and pointers to
// object pointers (`PyObject **items`, what a std::vector<PyObject *> holds): the objects they
// point at are the global's all the same. Definition tables are CPython's own business. Other
// pointers to structs are not followed (not the global's storage), C++ base classes are; a depth
// limit guards pathological nesting.
void collect_object_paths(ASTContext& ctx, QualType t, const std::string& path, unsigned depth,
                          std::vector<std::string>& out) {
  if (t.isNull() || depth > 16) return;
  if (const ArrayType* array = ctx.getAsArrayType(t)) {
    collect_object_paths(ctx, array->getElementType(), path + "[]", depth + 1, out);
    return;
  }
  if (is_object_pointer(t)) {
    out.push_back(path);
    return;
  }
  if (t->isPointerType() && is_object_pointer(t->getPointeeType())) {
    out.push_back(path + "[]");
    return;
  }
  const RecordDecl* rd = record_of(t);
  if (!rd || is_table_record(record_name(rd))) return;
  if (is_object_record(rd)) {  // a statically allocated object: shared as a whole
    out.push_back(path);
    return;
  }
  const RecordDecl* def = rd->getDefinition();
  if (!def) return;
  // A library's type (std::vector<PyObject *>, Py_buffer): its members' names are its own
  // business, the variable itself is what holds the objects.
  if (ctx.getSourceManager().isInSystemHeader(def->getLocation())) {
    std::vector<std::string> inside;
    collect_record_paths(ctx, def, path, depth, inside);
    if (!inside.empty()) out.push_back(path);
    return;
  }
  collect_record_paths(ctx, def, path, depth, out);
}

void collect_record_paths(ASTContext& ctx, const RecordDecl* def, const std::string& path, unsigned depth,
                          std::vector<std::string>& out) {
  if (const auto* cxx = dyn_cast<CXXRecordDecl>(def); cxx && cxx->hasDefinition())
    for (const CXXBaseSpecifier& base : cxx->bases()) collect_object_paths(ctx, base.getType(), path, depth + 1, out);
  for (const FieldDecl* field : def->fields()) {
    // An anonymous struct or union member adds no name of its own: `s.x`, not `s..x`.
    std::string name = field->isAnonymousStructOrUnion() ? path : path + "." + field->getNameAsString();
    collect_object_paths(ctx, field->getType(), name, depth + 1, out);
  }
}

// A type as Clang spells it, without the file path Clang gives unnamed structs ("struct (unnamed
// struct at /abs/x.c:3:8)"): messages and goldens must not depend on where the tree lives.
std::string type_spelling(ASTContext& ctx, QualType t) {
  PrintingPolicy policy(ctx.getPrintingPolicy());
  policy.AnonymousTagLocations = false;
  return t.getAsString(policy);
}

const Expr* strip(const Expr* e) { return e ? e->IgnoreParenCasts() : nullptr; }

const FunctionDecl* called_function(const Expr* e) {
  if (const auto* call = dyn_cast_or_null<CallExpr>(strip(e))) return call->getDirectCallee();
  return nullptr;
}

std::string called_name(const Expr* e) {
  const FunctionDecl* fd = called_function(e);
  return fd ? fd->getNameAsString() : "";
}

// The name a table entry refers to: a function or variable (also through &), else "".
std::string referenced_name(const Expr* e) {
  e = strip(e);
  if (const auto* uo = dyn_cast_or_null<UnaryOperator>(e))
    if (uo->getOpcode() == UO_AddrOf) e = strip(uo->getSubExpr());
  if (const auto* dre = dyn_cast_or_null<DeclRefExpr>(e)) return dre->getDecl()->getNameAsString();
  return "";
}

bool is_zero(ASTContext& ctx, const Expr* e) {
  if (!e || isa<ImplicitValueInitExpr>(e)) return true;
  Expr::EvalResult r;
  if (e->isValueDependent()) return false;
  if (e->EvaluateAsRValue(r, ctx)) {
    if (r.Val.isInt()) return r.Val.getInt() == 0;
    if (r.Val.isLValue()) return r.Val.isNullPointer();
  }
  return false;
}

// Every scalar in the initializer is 0 or NULL (so zeroed module state gives the same start).
bool is_zero_init(const Expr* e) {
  e = e->IgnoreParenImpCasts();
  if (const auto* list = dyn_cast<InitListExpr>(e)) {
    for (const Expr* i : list->inits())
      if (!is_zero_init(i)) return false;
    return true;
  }
  if (isa<ImplicitValueInitExpr>(e)) return true;
  if (const auto* lit = dyn_cast<IntegerLiteral>(e)) return lit->getValue() == 0;
  if (const auto* lit = dyn_cast<FloatingLiteral>(e)) return lit->getValue().isZero();
  if (isa<GNUNullExpr>(e) || isa<CXXNullPtrLiteralExpr>(e)) return true;
  if (const auto* cast = dyn_cast<CastExpr>(e)) return is_zero_init(cast->getSubExpr());
  return false;
}

std::optional<long long> constant(ASTContext& ctx, const Expr* e) {
  if (!e || e->isValueDependent()) return std::nullopt;
  Expr::EvalResult r;
  if (!e->EvaluateAsRValue(r, ctx)) return std::nullopt;
  if (r.Val.isInt()) return r.Val.getInt().getExtValue();
  // (void *)2 and the like: an lvalue with no base and an offset.
  if (r.Val.isLValue() && !r.Val.getLValueBase()) return r.Val.getLValueOffset().getQuantity();
  return std::nullopt;
}

std::string string_literal(const Expr* e) {
  if (const auto* s = dyn_cast_or_null<StringLiteral>(strip(e))) return s->getString().str();
  return "";
}

// ---------------------------------------------------------------------------------------------
// The AST walk.

class Visitor : public RecursiveASTVisitor<Visitor> {
  using Base = RecursiveASTVisitor<Visitor>;

 public:
  Visitor(ASTContext& ctx, Locator& where, Model& facts, TranslationUnit& tu)
      : ctx_(ctx), where_(where), facts_(facts), tu_(tu) {}

  bool shouldVisitImplicitCode() const { return false; }

  // RecursiveASTVisitor recurses once per level of a statement, and generated code like
  // `1+1+...+1` nests thousands of levels deep (Clang's parser is not recursive there). Past this
  // depth the walk stops and the file is reported instead of overflowing the stack. A level takes
  // about 560 bytes of stack: 4000 levels fit well in the 8 MB of a main thread.
  static constexpr size_t kMaxNesting = 4000;

  // The statement past kMaxNesting, null when the walk was complete.
  const Stmt* too_deep() const { return too_deep_; }

  // Keep a stack of parents so a use knows its context without building Clang's parent map,
  // which would cover every Python header and cost more than the parse.
  bool TraverseStmt(Stmt* s, DataRecursionQueue* = nullptr) {
    if (!s) return true;
    if (stack_.size() >= kMaxNesting) {
      too_deep_ = s;
      return false;  // stops the whole walk: a file walked in part would give wrong facts
    }
    stack_.push_back(s);
    bool ok = Base::TraverseStmt(s, nullptr);
    stack_.pop_back();
    return ok;
  }

  bool TraverseDecl(Decl* d) {
    if (!d) return true;
    if (!isa<TranslationUnitDecl>(d) && !isa<LinkageSpecDecl>(d) && !where_.is_user(d->getLocation()))
      return true;  // Python's and the system's headers: nothing of ours in there
    if (auto* fd = dyn_cast<FunctionDecl>(d); fd && fd->doesThisDeclarationHaveABody()) {
      const FunctionDecl* saved = function_;
      function_ = fd;
      bool ok = Base::TraverseDecl(d);
      function_ = saved;
      return ok;
    }
    if (auto* vd = dyn_cast<VarDecl>(d); vd && vd->hasGlobalStorage() && !vd->isStaticLocal()) {
      const VarDecl* saved = global_;
      global_ = vd;
      bool ok = Base::TraverseDecl(d);
      global_ = saved;
      return ok;
    }
    return Base::TraverseDecl(d);
  }

  bool VisitFunctionDecl(FunctionDecl* fd) {
    if (!fd->doesThisDeclarationHaveABody()) {
      record_prototype(fd);
      return true;
    }
    Function f;
    f.name = fd->getNameAsString();
    f.loc = where_.loc(fd->getLocation());
    f.is_static = !fd->isExternallyVisible();
    f.is_init = f.name.rfind("PyInit_", 0) == 0;
    f.range = where_.range(fd->getSourceRange());
    f.return_type = fd->getReturnType().getAsString();
    if (const Stmt* body = fd->getBody()) f.body_begin = where_.offset(body->getBeginLoc()) + 1;
    if (const TypeSourceInfo* tsi = fd->getTypeSourceInfo())
      if (auto proto = tsi->getTypeLoc().getAsAdjusted<FunctionProtoTypeLoc>())
        if (proto.getLParenLoc().isValid() && !proto.getLParenLoc().isMacroID())
          f.params_begin = where_.offset(proto.getLParenLoc()) + 1;
    f.void_params = fd->param_empty() && fd->hasWrittenPrototype() && !ctx_.getLangOpts().CPlusPlus;
    for (const ParmVarDecl* p : fd->parameters()) {
      f.params.push_back({p->getNameAsString(), where_.range(p->getSourceRange())});
      f.locals.insert(p->getNameAsString());
    }
    if (!f.is_static) tu_.defines.insert(f.name);
    function_index_[fd] = facts_.functions.size();
    facts_.functions.push_back(f);
    if (f.is_init) record_init(fd);
    return true;
  }

  void record_prototype(const FunctionDecl* fd) {
    Prototype p;
    p.function = fd->getNameAsString();
    p.file = where_.loc(fd->getLocation()).file;
    if (const TypeSourceInfo* tsi = fd->getTypeSourceInfo())
      if (auto proto = tsi->getTypeLoc().getAsAdjusted<FunctionProtoTypeLoc>())
        if (proto.getLParenLoc().isValid() && !proto.getLParenLoc().isMacroID())
          p.params_begin = where_.offset(proto.getLParenLoc()) + 1;
    p.has_params = !fd->param_empty();
    p.decl = where_.range(fd->getSourceRange(), /*with_semicolon=*/true);
    p.void_params = fd->param_empty() && fd->hasWrittenPrototype() && !ctx_.getLangOpts().CPlusPlus;
    facts_.prototypes.push_back(std::move(p));
  }

  bool VisitVarDecl(VarDecl* vd) {
    if (function_ && !isa<ParmVarDecl>(vd))
      if (Function* f = current_function()) f->locals.insert(vd->getNameAsString());
    if (!vd->hasGlobalStorage() || isa<ParmVarDecl>(vd)) return true;
    Global& g = global_for(vd);
    if (vd->isThisDeclarationADefinition() == VarDecl::DeclarationOnly && !vd->isStaticLocal())
      g.redeclarations.push_back(where_.range(vd->getSourceRange(), /*with_semicolon=*/true));
    // `static PyTypeObject T;` before `static PyTypeObject T = {...};` is a tentative definition:
    // the one with the initializer is the definition, the earlier one a redeclaration.
    bool completes_tentative = g.is_definition && !g.has_initializer && vd->getInit();
    if (completes_tentative && g.decl.valid()) g.redeclarations.push_back(g.decl);
    if (vd->isThisDeclarationADefinition() != VarDecl::DeclarationOnly && (!g.is_definition || completes_tentative)) {
      g.is_definition = true;
      g.has_initializer = vd->getInit() != nullptr;
      g.loc = where_.loc(vd->getLocation());
      g.zero_initialized = !vd->getInit() || is_zero_init(vd->getInit());
      g.decl = where_.range(vd->getSourceRange(), /*with_semicolon=*/true);

      g.in_header = !where_.sm().isInMainFile(where_.sm().getFileLoc(vd->getLocation()));
    }
    if (const Expr* init = vd->getInit()) record_table(vd, init);
    else if (g.kind == GlobalKind::TypeObject && vd->isThisDeclarationADefinition())
      record_static_type(vd, nullptr);
    return true;
  }

  bool VisitDeclRefExpr(DeclRefExpr* dre) {
    if (!where_.is_user(dre->getLocation())) return true;
    if (auto* vd = dyn_cast<VarDecl>(dre->getDecl())) {
      if (vd->hasGlobalStorage() && !isa<ParmVarDecl>(vd)) record_use(vd, dre);
    } else if (auto* fd = dyn_cast<FunctionDecl>(dre->getDecl())) {
      record_function_reference(fd, dre);
    }
    return true;
  }

  bool VisitCallExpr(CallExpr* call) {
    if (!function_ || !where_.is_user(call->getBeginLoc())) return true;
    Function* caller = current_function();
    if (!caller) return true;
    const FunctionDecl* callee = call->getDirectCallee();
    const Expr* arg0 = call->getNumArgs() > 0 ? call->getArg(0) : nullptr;
    bool arg0_type_ptr = arg0 && is_type_pointer(strip(arg0)->getType());
    if (!callee) {
      // Py_VISIT(x) expands to a call of the visitproc parameter.
      if (arg0_type_ptr && is_visit_callback(call->getCallee())) caller->visits_type = true;
      return true;
    }
    Call c;
    c.callee = callee->getNameAsString();
    c.loc = where_.loc(call->getBeginLoc());
    c.macro = where_.macro_body_of(call->getBeginLoc());
    c.is_python_api = !where_.is_user(callee->getLocation());
    c.arg0_is_type_of = arg0 && called_name(arg0) == "Py_TYPE";
    c.has_args = call->getNumArgs() > 0;
    if (c.macro.empty() && !call->getCallee()->getEndLoc().isMacroID()) {
      SourceLocation after_callee = Lexer::getLocForEndOfToken(call->getCallee()->getEndLoc(), 0, where_.sm(), where_.lang());
      if (after_callee.isValid()) {  // past the `(`, which may follow blanks: `f (x)`
        bool invalid = false;
        const char* at = where_.sm().getCharacterData(where_.sm().getFileLoc(after_callee), &invalid);
        unsigned skipped = 0;
        while (!invalid && at && (at[skipped] == ' ' || at[skipped] == '\t' || at[skipped] == '\n' || at[skipped] == '\r')) ++skipped;
        if (!invalid && at && at[skipped] == '(') c.args_begin = where_.offset(after_callee) + skipped + 1;
      }
    }
    if (!c.macro.empty()) c.macro_args = spelled_arguments(call);
    c.arg0_is_type_pointer = arg0_type_ptr;
    if (arg0_type_ptr && c.callee.find("DECREF") != std::string::npos) caller->releases_type = true;
    if (arg0 && c.callee.find("DECREF") != std::string::npos) note_parameter_release(caller, arg0, c.loc);
    if (c.callee == "PyModule_GetState" || c.callee == "PyType_GetModuleState") record_state_cast(call);
    if (c.macro.empty()) c.range = where_.range(call->getSourceRange());
    else c.macro_range = where_.range(call->getSourceRange());
    if ((c.callee.rfind("PyState_", 0) == 0 || c.callee.rfind("PyGILState_", 0) == 0) && c.macro.empty())
      locate_statement(call, c);
    for (const Expr* arg : call->arguments()) c.args.push_back(argument(arg));
    caller->calls.push_back(std::move(c));
    return true;
  }

  // `std::thread t(entry, arg)` (and std::jthread) is a construction, not a call: recorded as a
  // call of "std::thread" so the entry point is found like pthread_create's.
  bool VisitCXXConstructExpr(CXXConstructExpr* construct) {
    if (!function_ || !where_.is_user(construct->getBeginLoc())) return true;
    Function* caller = current_function();
    const CXXRecordDecl* record = construct->getConstructor()->getParent();
    if (!caller || !record || !record->isInStdNamespace()) return true;
    std::string name = record->getNameAsString();
    if (name != "thread" && name != "jthread") return true;
    Call c;
    c.callee = "std::thread";
    c.loc = where_.loc(construct->getBeginLoc());
    c.macro = where_.macro_body_of(construct->getBeginLoc());
    c.is_python_api = true;  // declared outside the tree, as a library's function
    c.has_args = construct->getNumArgs() > 0;
    for (const Expr* arg : construct->arguments()) c.args.push_back(argument(arg));
    caller->calls.push_back(std::move(c));
    return true;
  }

 private:
  void note_parameter_release(Function* caller, const Expr* arg, const SourceLoc& at) {
    const auto* dre = dyn_cast<DeclRefExpr>(strip(arg));
    const auto* param = dre ? dyn_cast<ParmVarDecl>(dre->getDecl()) : nullptr;
    if (!param || param->getDeclContext() != function_) return;
    caller->released_params.push_back({param->getFunctionScopeIndex(), at});
  }

  // A call a macro of the tree makes: where its `(` is spelled in that macro's definition, when
  // the callee's name and the `(` both are (not pasted, not brought by another macro's argument).
  owngil::SourceRange spelled_arguments(const CallExpr* call) {
    SourceManager& sm = where_.sm();
    SourceLocation name = sm.getSpellingLoc(call->getCallee()->getEndLoc());
    if (name.isInvalid() || sm.isWrittenInScratchSpace(name) || !where_.is_user(name)) return {};
    SourceLocation after = Lexer::getLocForEndOfToken(name, 0, sm, where_.lang());
    if (after.isInvalid()) return {};
    bool invalid = false;
    const char* at = sm.getCharacterData(after, &invalid);
    unsigned skipped = 0;
    while (!invalid && at && (at[skipped] == ' ' || at[skipped] == '\t')) ++skipped;
    if (invalid || !at || at[skipped] != '(') return {};
    std::pair<FileID, unsigned> spot = sm.getDecomposedLoc(after);
    unsigned offset = spot.second + skipped + 1;
    return {where_.loc(after).file, offset, offset};
  }

  // What the call graph needs of one argument: the function or parameter it names (through `&`
  // and casts), whether it is a Python object or a constant.
  CallArgument argument(const Expr* arg) {
    CallArgument a;
    a.loc = where_.loc(arg->getBeginLoc());
    const Expr* bare = strip(arg);
    if (const auto* address = dyn_cast<UnaryOperator>(bare); address && address->getOpcode() == UO_AddrOf)
      bare = strip(address->getSubExpr());
    if (const auto* dre = dyn_cast<DeclRefExpr>(bare)) {
      if (const auto* fd = dyn_cast<FunctionDecl>(dre->getDecl())) a.function = fd->getNameAsString();
      else if (const auto* pd = dyn_cast<ParmVarDecl>(dre->getDecl())) a.parameter = pd->getNameAsString();
    }
    a.is_object = is_object_pointer(strip(arg)->getType());
    a.is_constant = isa<StringLiteral>(strip(arg)) ||
                    (!arg->isValueDependent() && arg->isEvaluatable(ctx_) && !a.is_object && a.function.empty());
    return a;
  }

  // The statement of the enclosing `{ }` block that holds `call`, and whether it is only the call
  // (`f(x);`) or a check of its result with no else (`if (f(x) < 0) { ... }`).
  void locate_statement(const CallExpr* call, Call& c) {
    const Stmt* stmt = call;
    for (;;) {
      DynTypedNodeList parents = ctx_.getParents(*stmt);
      if (parents.empty()) return;
      const Stmt* parent = parents[0].get<Stmt>();
      if (const auto* var = parents[0].get<VarDecl>(); !parent && var) {  // `T v = f();`: its DeclStmt
        DynTypedNodeList above = ctx_.getParents(*var);
        parent = above.empty() ? nullptr : above[0].get<DeclStmt>();
      }
      if (!parent) return;  // an initializer of a global, for instance
      if (isa<CompoundStmt>(parent)) break;
      stmt = parent;
    }
    if (const auto* ds = dyn_cast<DeclStmt>(stmt)) {  // `T v = f();`: the variable it initializes
      c.statement = where_.range(stmt->getSourceRange(), /*with_semicolon=*/true);
      if (const auto* vd = ds->isSingleDecl() ? dyn_cast<VarDecl>(ds->getSingleDecl()) : nullptr;
          vd && vd->getInit() && strip(vd->getInit()) == call)
        c.assigned_to = vd->getNameAsString();
    } else if (const auto* e = dyn_cast<Expr>(stmt)) {
      c.statement = where_.range(stmt->getSourceRange(), /*with_semicolon=*/true);
      c.statement_is_call_or_check = strip(e) == call;
      if (const auto* bo = dyn_cast<BinaryOperator>(strip(e)); bo && bo->isAssignmentOp() && strip(bo->getRHS()) == call)
        if (const auto* lhs = dyn_cast<DeclRefExpr>(strip(bo->getLHS()))) c.assigned_to = lhs->getDecl()->getNameAsString();
    } else if (const auto* is = dyn_cast<IfStmt>(stmt)) {
      c.statement = where_.range(stmt->getSourceRange(), /*with_semicolon=*/!isa<CompoundStmt>(is->getThen()));
      c.statement_is_call_or_check = !is->getElse() && !is->getInit() && !is->getConditionVariable() &&
                                     mentions_only(is->getCond(), call);
    }
  }

  // `cond` is `call`, or `call` compared with a constant (`f(x) < 0`, `!f(x)`).
  bool mentions_only(const Expr* cond, const CallExpr* call) const {
    cond = strip(cond);
    if (cond == call) return true;
    if (const auto* u = dyn_cast<UnaryOperator>(cond)) return strip(u->getSubExpr()) == call;
    if (const auto* b = dyn_cast<BinaryOperator>(cond))
      return b->isComparisonOp() && ((strip(b->getLHS()) == call && b->getRHS()->isIntegerConstantExpr(ctx_)) ||
                                     (strip(b->getRHS()) == call && b->getLHS()->isIntegerConstantExpr(ctx_)));
    return false;
  }

  Function* current_function() {
    auto it = function_index_.find(function_);
    return it == function_index_.end() ? nullptr : &facts_.functions[it->second];
  }

  std::string function_name() const { return function_ ? function_->getNameAsString() : ""; }

  static bool is_visit_callback(const Expr* callee) {
    const auto* dre = dyn_cast_or_null<DeclRefExpr>(strip(callee));
    if (!dre || !isa<ParmVarDecl>(dre->getDecl())) return false;
    QualType t = dre->getDecl()->getType();
    if (const auto* td = t->getAs<TypedefType>()) return td->getDecl()->getName() == "visitproc";
    return false;
  }

  // `_Py_Identifier` (a typedef of `struct _Py_Identifier`), however it is spelled.
  static bool is_cpython_identifier(QualType t) {
    const RecordType* rt = t.getCanonicalType()->getAs<RecordType>();
    return rt && rt->getDecl()->getName() == "_Py_Identifier";
  }

  Global& global_for(const VarDecl* vd) {
    const VarDecl* canon = vd->getCanonicalDecl();
    auto it = global_index_.find(canon);
    if (it != global_index_.end()) return facts_.globals[it->second];
    Global g;
    g.name = vd->getNameAsString();
    g.type = type_spelling(ctx_, vd->getType());
    g.loc = where_.loc(vd->getLocation());
    g.kind = classify(ctx_, vd->getType());
    if (g.kind == GlobalKind::CData) collect_object_paths(ctx_, vd->getType(), g.name, 0, g.object_fields);
    g.is_const = ctx_.getBaseElementType(vd->getType()).isConstQualified();
    g.cpython_identifier = is_cpython_identifier(vd->getType());
    g.thread_local_storage = vd->getTLSKind() != VarDecl::TLS_None;
    if (vd->isStaticLocal()) {
      g.storage = Storage::FunctionStatic;
      if (const auto* fd = dyn_cast_or_null<FunctionDecl>(vd->getParentFunctionOrMethod()))
        g.function = fd->getNameAsString();
    } else {
      g.storage = vd->isExternallyVisible() ? Storage::External : Storage::FileStatic;
    }
    g.in_header = !where_.sm().isInMainFile(where_.sm().getFileLoc(vd->getLocation()));
    global_index_[canon] = facts_.globals.size();
    facts_.globals.push_back(g);
    return facts_.globals.back();
  }

  void record_use(const VarDecl* vd, const DeclRefExpr* dre) {
    bool ours = where_.is_user(vd->getLocation());
    // A `static` global from a header outside the tree (PyDateTimeAPI in datetime.h) is still one
    // copy per translation unit of ours, written by our code: track it too.
    if (!ours && (vd->isExternallyVisible() || vd->isStaticLocal())) return;
    Global& g = global_for(vd);
    if (!ours && !g.is_definition) g.is_definition = vd->hasDefinition() != VarDecl::DeclarationOnly;
    GlobalUse use;
    use.loc = where_.loc(dre->getLocation());
    if (use.macro.empty()) use.range = where_.tokens(dre->getBeginLoc(), dre->getLocation());
    use.function = function_name();
    use.macro = where_.macro_body_of(dre->getLocation());
    const Expr* rhs = nullptr;
    use.kind = use_kind(dre, &rhs);
    if (rhs) use.assigned_from = called_name(rhs);
    if (const auto* var = rhs ? dyn_cast<DeclRefExpr>(strip(rhs)) : nullptr)
      if (const auto* vd = dyn_cast<VarDecl>(var->getDecl()); vd && !vd->hasGlobalStorage())
        use.assigned_variable = vd->getNameAsString();
    if (rhs && is_object_pointer(vd->getType())) {
      use.assigned_borrowed = is_borrowed_value(rhs);
      use.assigned_range = where_.range(rhs->getSourceRange());
    }
    if (use.kind == UseKind::AddressOf) {
      use.passed_to = enclosing_callee();
      const Expr* address = address_op_ ? static_cast<const Expr*>(address_op_) : decay_of(dre);
      use.address_only_read = address_only_read(ctx_, address);
      use.address_in_local_table = !use.address_only_read && address_kept_in_local_table(ctx_, address);
    }
    // `Py_CLEAR(g)`, `Py_SETREF(g, v)`: the macro takes the address for its own statement and keeps
    // it nowhere; count the macro as where the address goes.
    if (use.kind == UseKind::AddressOf && use.passed_to.empty() && address_op_ && address_op_->getOperatorLoc().isMacroID())
      use.passed_to = where_.macro_body_of(address_op_->getOperatorLoc());
    if (use.kind == UseKind::AddressOf && address_op_ && where_.macro_body_of(address_op_->getOperatorLoc()).empty())
      use.address_range = where_.tokens(address_op_->getOperatorLoc(), dre->getLocation());
    if (!use.macro.empty()) {
      SourceLocation spelled = where_.sm().getSpellingLoc(dre->getLocation());
      use.macro_in_tree = where_.is_user(spelled);
      if (where_.sm().isWrittenInScratchSpace(spelled)) {  // `_str_##name`: no single place spells it
        use.name_pasted = true;
        use.macro = where_.outermost_macro_name(dre->getLocation());
      }
      use.spelling = where_.tokens(spelled, spelled);
      if (use.kind == UseKind::AddressOf && address_op_ && !where_.macro_body_of(address_op_->getOperatorLoc()).empty())
        use.address_spelling = where_.tokens(where_.sm().getSpellingLoc(address_op_->getOperatorLoc()), spelled);
    }
    if (dre->getLocation().isMacroID() && use.macro.empty()) {
      use.in_macro_call = where_.outermost_macro_name(dre->getLocation());
      use.macro_call_range = where_.invocation(dre->getLocation());
    }
    address_op_ = nullptr;
    if (use.kind == UseKind::Write && use.macro.empty()) record_field_assignment(dre, use);
    g.uses.push_back(std::move(use));
  }

  // `name.field = value;` as a statement of its own.
  void record_field_assignment(const DeclRefExpr* dre, GlobalUse& use) {
    size_t n = stack_.size();
    if (n < 4) return;
    const auto* member = dyn_cast<MemberExpr>(stack_[n - 2]);
    const auto* assign = dyn_cast<BinaryOperator>(stack_[n - 3]);
    if (!member || member->isArrow() || member->getBase()->IgnoreParenImpCasts() != dre) return;
    if (!assign || assign->getOpcode() != BO_Assign || assign->getLHS()->IgnoreParens() != member) return;
    if (!isa<CompoundStmt>(stack_[n - 4])) return;
    const Expr* value = assign->getRHS();
    use.field = member->getMemberDecl()->getNameAsString();
    use.field_statement = where_.range(assign->getSourceRange(), /*with_semicolon=*/true);
    use.field_value = where_.text(value->getSourceRange());
    use.field_value_name = referenced_name(value);
    use.field_value_null = value->isNullPointerConstant(ctx_, Expr::NPC_ValueDependentIsNull) != Expr::NPCK_NotNull;
    use.field_value_constant = !value->isValueDependent() && value->isConstantInitializer(ctx_, false);
    use.field_value_int = constant(ctx_, value);
  }

  // How the expression on top of the stack (a DeclRefExpr) is used: walk up through the parts of
  // an lvalue (member, element, parentheses) to what consumes it.
  UseKind use_kind(const Expr* self, const Expr** rhs) {
    const Stmt* child = self;
    for (size_t i = stack_.size() - 1; i-- > 0;) {
      const Stmt* p = stack_[i];
      if (isa<ParenExpr>(p)) { child = p; continue; }
      if (const auto* me = dyn_cast<MemberExpr>(p)) {
        if (me->isArrow()) return UseKind::Read;
        child = p;
        continue;
      }
      if (isa<ArraySubscriptExpr>(p)) { child = p; continue; }
      if (const auto* ice = dyn_cast<ImplicitCastExpr>(p)) {
        if (ice->getCastKind() == CK_LValueToRValue) return UseKind::Read;
        if (ice->getCastKind() == CK_ArrayToPointerDecay) {
          if (i > 0 && isa<ArraySubscriptExpr>(stack_[i - 1])) { child = p; continue; }
          return UseKind::AddressOf;
        }
        child = p;
        continue;
      }
      if (const auto* bo = dyn_cast<BinaryOperator>(p)) {
        if (bo->isAssignmentOp() && bo->getLHS()->IgnoreParens() == child) {
          *rhs = bo->getRHS();
          return UseKind::Write;
        }
        return UseKind::Read;
      }
      if (const auto* uo = dyn_cast<UnaryOperator>(p)) {
        if (uo->isIncrementDecrementOp()) return UseKind::Write;
        if (uo->getOpcode() == UO_AddrOf) {
          address_op_ = uo;
          return UseKind::AddressOf;
        }
        return UseKind::Read;
      }
      return UseKind::Read;
    }
    return UseKind::Read;
  }

  void record_function_reference(const FunctionDecl* fd, const DeclRefExpr* dre) {
    if (fd->isExternallyVisible()) tu_.references.insert(fd->getNameAsString());
    if (!where_.is_user(fd->getLocation()) || is_direct_callee(dre)) return;
    AddressTaken a;
    a.function = fd->getNameAsString();
    a.loc = where_.loc(dre->getLocation());
    a.in_function = function_name();
    if (global_) a.in_global = global_->getNameAsString();
    a.passed_to = enclosing_callee();
    facts_.address_taken.push_back(std::move(a));
  }

  // The function the expression on top of the stack is an argument of (through &, casts), or "".
  // The array-to-pointer decay of `dre` (`g` passed where a pointer goes), or null.
  const Expr* decay_of(const DeclRefExpr* dre) {
    auto parents = ctx_.getParents(*dre);
    const auto* cast = parents.empty() ? nullptr : parents[0].get<ImplicitCastExpr>();
    return cast && cast->getCastKind() == CK_ArrayToPointerDecay ? cast : nullptr;
  }

  std::string enclosing_callee() const {
    for (size_t i = stack_.size() - 1; i-- > 0;) {
      const Stmt* p = stack_[i];
      if (isa<ParenExpr>(p) || isa<CastExpr>(p) || isa<UnaryOperator>(p)) continue;
      if (const auto* call = dyn_cast<CallExpr>(p))
        if (const FunctionDecl* fd = call->getDirectCallee()) return fd->getNameAsString();
      if (const auto* construct = dyn_cast<CXXConstructExpr>(p))
        if (const CXXRecordDecl* record = construct->getConstructor()->getParent();
            record && record->isInStdNamespace() && (record->getName() == "thread" || record->getName() == "jthread"))
          return "std::thread";
      return "";
    }
    return "";
  }

  bool is_direct_callee(const DeclRefExpr* dre) const {
    for (size_t i = stack_.size() - 1; i-- > 0;) {
      const Stmt* p = stack_[i];
      if (isa<ParenExpr>(p) || isa<ImplicitCastExpr>(p)) continue;
      if (const auto* call = dyn_cast<CallExpr>(p)) return call->getCallee()->IgnoreParenImpCasts() == dre;
      return false;
    }
    return false;
  }

  // PyInit_foo: single-phase when it builds the module (PyModule_Create), multi-phase when it
  // returns PyModuleDef_Init(&def). Either may happen in a helper the init function calls, so
  // this runs once the whole unit is seen (finish()).
  void record_init(const FunctionDecl* fd) {
    InitFunction init;
    init.name = fd->getNameAsString();
    init.module_name = init.name.substr(strlen("PyInit_"));
    init.loc = where_.loc(fd->getLocation());
    init.builder = init.name;
    facts_.inits.push_back(init);
    init_decls_.push_back(fd);
  }

 public:
  void finish() {
    for (size_t i = 0; i < init_decls_.size(); ++i) {
      std::set<const FunctionDecl*> seen;
      InitFunction& init = facts_.inits[facts_.inits.size() - init_decls_.size() + i];
      pending_create_ = nullptr;
      pending_builder_ = current_function_ = nullptr;
      find_module_creation(init_decls_[i], init, seen, 0);
      const FunctionDecl* def = nullptr;
      if (!pending_create_ || !init_decls_[i]->hasBody(def)) continue;
      if (!init.create_in_helper) {
        record_init_shape(def, pending_create_, init);
      } else if (forwards_to(def, pending_builder_)) {
        record_init_shape(pending_builder_, pending_create_, init);
        init.builder = pending_builder_->getNameAsString();
        init.forwarder = where_.range(def->getSourceRange());
      }
    }
  }

 private:
  void find_module_creation(const FunctionDecl* fd, InitFunction& init, std::set<const FunctionDecl*>& seen,
                            int depth) {
    const FunctionDecl* def = nullptr;
    if (!fd->hasBody(def) || !def || !seen.insert(def).second || depth > 3) return;
    if (!where_.is_user(def->getLocation())) return;
    const FunctionDecl* caller = current_function_;
    current_function_ = def;
    find_module_creation(def->getBody(), init, seen, depth);
    current_function_ = caller;
  }

  // `PyInit_m(void) { return helper(); }`, with `helper` a parameterless function of the tree:
  // the helper's body is the init's body in all but name.
  bool forwards_to(const FunctionDecl* init, const FunctionDecl* helper) const {
    const auto* body = dyn_cast_or_null<CompoundStmt>(init->getBody());
    if (!helper || !body || body->size() != 1 || helper->getNumParams() != 0) return false;
    const auto* ret = dyn_cast<ReturnStmt>(body->body_front());
    const auto* call = ret ? dyn_cast_or_null<CallExpr>(strip(ret->getRetValue())) : nullptr;
    return call && call->getNumArgs() == 0 && call->getDirectCallee() &&
           call->getDirectCallee()->getCanonicalDecl() == helper->getCanonicalDecl();
  }

  // Everything the rewrite of a single-phase PyInit into an exec function needs to know.
  void record_init_shape(const FunctionDecl* fd, const CallExpr* create, InitFunction& init) {
    const Stmt* body = fd->getBody();
    init.head = where_.range(fd->getSourceRange());
    init.in_namespace = fd->getDeclContext()->getEnclosingNamespaceContext()->isNamespace();
    init.head.end = where_.offset(body->getBeginLoc());
    init.whole = where_.range(fd->getSourceRange());
    init.create_range = where_.range(create->getSourceRange());
    // The variable the module is kept in. In a chain (`m = the_module = PyModule_Create(...)`)
    // every link holds it: a local is the one init works with and returns, a global only a copy.
    const VarDecl* module_var = nullptr;
    auto consider = [&](const VarDecl* vd) {
      if (vd && (!module_var || (module_var->hasGlobalStorage() && !vd->hasGlobalStorage()))) module_var = vd;
    };
    walk_init_body(body, nullptr, [&](const Stmt* s, const Stmt*) {
      if (const auto* ds = dyn_cast<DeclStmt>(s))
        for (const Decl* d : ds->decls())
          if (const auto* vd = dyn_cast<VarDecl>(d))
            if (vd->getInit() && ends_in(vd->getInit(), create)) consider(vd);
      if (const auto* bo = dyn_cast<BinaryOperator>(s))
        if (bo->isAssignmentOp() && ends_in(bo->getRHS(), create))
          if (const auto* dre = dyn_cast<DeclRefExpr>(strip(bo->getLHS()))) consider(dyn_cast<VarDecl>(dre->getDecl()));
    });
    if (module_var) init.module_variable = module_var->getNameAsString();
    auto is_module_var = [&](const Expr* e) {
      const auto* dre = dyn_cast_or_null<DeclRefExpr>(strip(e));
      return module_var && dre && dre->getDecl() == module_var;
    };
    // `fail: Py_XDECREF(m); return NULL;`: a labelled release with a statement after the label
    // goes like one in a block; the label then labels that statement.
    std::set<const Stmt*> followed_labels;
    walk_init_body(body, nullptr, [&](const Stmt* s, const Stmt*) {
      if (const auto* block = dyn_cast<CompoundStmt>(s))
        for (auto it = block->body_begin(); it != block->body_end(); ++it)
          if (isa<LabelStmt>(*it) && std::next(it) != block->body_end()) followed_labels.insert(*it);
    });
    walk_init_body(body, nullptr, [&](const Stmt* s, const Stmt* parent) {
      if (const auto* ret = dyn_cast<ReturnStmt>(s)) {
        InitReturn r;
        r.range = where_.range(ret->getSourceRange(), /*with_semicolon=*/true);
        r.loc = where_.loc(ret->getBeginLoc());
        const Expr* value = ret->getRetValue();
        if (value && value->isNullPointerConstant(ctx_, Expr::NPC_ValueDependentIsNull)) r.kind = InitReturnKind::Null;
        else if (is_module_var(value)) r.kind = InitReturnKind::ModuleVariable;
        else if (value && strip(value) == create) r.kind = InitReturnKind::CreateCall;
        init.returns.push_back(r);
      }
      if (const auto* call = dyn_cast<CallExpr>(s)) {
        std::string name = called_name(call);
        bool release = name.find("DECREF") != std::string::npos;
        if (release && call->getNumArgs() == 1 && is_module_var(call->getArg(0))) {
          init.module_releases.push_back(where_.range(call->getSourceRange(), /*with_semicolon=*/true));
          if (!parent || !(isa<CompoundStmt>(parent) || followed_labels.count(parent))) init.release_outside_block = true;
        }
      }
    });
  }

  // `e` is `value`, or an assignment chain whose last right-hand side is `value` (`a = b = value`).
  static bool ends_in(const Expr* e, const Expr* value) {
    for (int links = 0; e && links < 16; ++links) {
      e = strip(e);
      if (e == value) return true;
      const auto* bo = dyn_cast<BinaryOperator>(e);
      if (!bo || !bo->isAssignmentOp()) return false;
      e = bo->getRHS();
    }
    return false;
  }

  // A value the code does not own a reference to (see GlobalUse::assigned_borrowed).
  bool is_borrowed_value(const Expr* value) const {
    const Expr* e = value->IgnoreParenCasts();
    if (e->isNullPointerConstant(ctx_, Expr::NPC_ValueDependentIsNull)) return false;
    if (const auto* call = dyn_cast<CallExpr>(e)) {
      const FunctionDecl* fd = call->getDirectCallee();
      return fd && returns_borrowed_reference(fd->getNameAsString());
    }
    if (const auto* dre = dyn_cast<DeclRefExpr>(e)) {
      const auto* vd = dyn_cast<VarDecl>(dre->getDecl());
      return vd && vd->hasGlobalStorage();  // another global (a local's reference is taken over)
    }
    return isa<MemberExpr>(e) || isa<ArraySubscriptExpr>(e) || isa<UnaryOperator>(e);  // read from elsewhere
  }

  template <typename Fn>
  void walk_init_body(const Stmt* s, const Stmt* parent, Fn&& fn) {
    if (!s) return;
    fn(s, parent);
    if (const auto* ds = dyn_cast<DeclStmt>(s))
      for (const Decl* d : ds->decls())
        if (const auto* vd = dyn_cast<VarDecl>(d))
          if (vd->getInit()) walk_init_body(vd->getInit(), s, fn);
    for (const Stmt* child : s->children()) walk_init_body(child, s, fn);
  }

  void find_module_creation(const Stmt* s, InitFunction& init, std::set<const FunctionDecl*>& seen, int depth) {
    if (!s || init.style != InitStyle::Unknown) return;
    if (const auto* call = dyn_cast<CallExpr>(s)) {
      const FunctionDecl* callee = call->getDirectCallee();
      std::string name = callee ? callee->getNameAsString() : "";
      InitStyle style = InitStyle::Unknown;
      if (name == "PyModuleDef_Init") style = InitStyle::MultiPhase;
      if (name == "PyModule_Create2" || name == "PyModule_Create") style = InitStyle::SinglePhase;
      if (style != InitStyle::Unknown && call->getNumArgs() > 0) {
        init.style = style;
        init.def = referenced_name(call->getArg(0));
        init.create_call = where_.loc(call->getBeginLoc());
        init.create_in_helper = depth > 0;
        if (style == InitStyle::SinglePhase) pending_create_ = call, pending_builder_ = current_function_;
        return;
      }
    }
    for (const Stmt* child : s->children()) find_module_creation(child, init, seen, depth);
    if (const auto* call = dyn_cast<CallExpr>(s))  // then look inside the helpers it calls
      if (const FunctionDecl* callee = call->getDirectCallee()) find_module_creation(callee, init, seen, depth + 1);
  }

  void record_table(const VarDecl* vd, const Expr* init) {
    if (vd->isInvalidDecl()) return;  // Clang reported it; its initializer is whatever recovery left
    std::string rec = record_name(record_of(ctx_.getBaseElementType(vd->getType())));
    const auto* list = dyn_cast<InitListExpr>(init->IgnoreImplicit());
    if (!list) return;
    if (rec == "PyModuleDef") record_module_def(vd, list);
    else if (rec == "PyModuleDef_Slot") facts_.module_slot_tables.push_back(slot_table(vd, list));
    else if (rec == "PyType_Slot") facts_.type_slot_tables.push_back(slot_table(vd, list));
    else if (rec == "PyType_Spec") record_type_spec(vd, list);
    else if (rec == "PyMethodDef" && vd->getType()->isArrayType()) record_method_table(vd, list);
    else if (rec == "PyMemberDef" && vd->getType()->isArrayType()) facts_.member_tables.push_back(named_rows(vd, list));
    else if (rec == "PyGetSetDef" && vd->getType()->isArrayType()) facts_.getset_tables.push_back(named_rows(vd, list));
    else if (rec == "_typeobject" && !vd->getType()->isArrayType()) record_static_type(vd, list);
    else if (is_sub_table(rec) && !vd->getType()->isArrayType()) record_sub_table(vd, list, rec);
  }

  static bool is_sub_table(const std::string& rec) {
    return rec == "PyNumberMethods" || rec == "PySequenceMethods" || rec == "PyMappingMethods" ||
           rec == "PyAsyncMethods" || rec == "PyBufferProcs";
  }

  void record_sub_table(const VarDecl* vd, const InitListExpr* list, const std::string& kind) {
    SubTable t;
    t.name = vd->getNameAsString();
    t.kind = kind;
    t.loc = where_.loc(vd->getLocation());
    const RecordDecl* rd = initialized_record(list);
    if (!rd) return;
    unsigned i = 0;
    for (const FieldDecl* f : rd->fields()) {
      if (i >= list->getNumInits()) break;
      const Expr* value = list->getInit(i++);
      if (is_zero(ctx_, value)) continue;
      t.fields.push_back({f->getName().str(), value_text(value), where_.loc(value->getBeginLoc()),
                          where_.text(value->getSourceRange())});
    }
    facts_.sub_tables.push_back(std::move(t));
  }

  // The initializer of field `name` in a struct initializer, or null.
  static const Expr* field_init(const InitListExpr* list, const char* name) {
    const RecordDecl* rd = initialized_record(list);
    if (!rd || list->isTransparent()) return nullptr;
    unsigned i = 0;
    for (const FieldDecl* f : rd->fields()) {
      if (f->getName() == name) return i < list->getNumInits() ? list->getInit(i) : nullptr;
      ++i;
    }
    return nullptr;
  }

  // A table entry as the model keeps it: the function or variable it names, else its spelling.
  std::string value_text(const Expr* value) {
    std::string name = referenced_name(value);
    return name.empty() ? where_.text(value->getSourceRange()) : name;
  }

  // Where a field's initializer is written; invalid when the field is left to zero implicitly.
  SourceLoc written_loc(const Expr* init) {
    return isa<ImplicitValueInitExpr>(init) ? SourceLoc{} : where_.loc(init->getBeginLoc());
  }

  void record_module_def(const VarDecl* vd, const InitListExpr* list) {
    ModuleDef d;
    d.name = vd->getNameAsString();
    d.loc = where_.loc(vd->getLocation());
    d.m_name = string_literal(field_init(list, "m_name"));
    if (const Expr* size = field_init(list, "m_size")) {
      d.m_size = constant(ctx_, size);
      d.m_size_loc = written_loc(size);
    }
    d.methods = referenced_name(field_init(list, "m_methods"));
    d.slots = referenced_name(field_init(list, "m_slots"));
    d.traverse = referenced_name(field_init(list, "m_traverse"));
    d.clear = referenced_name(field_init(list, "m_clear"));
    d.free = referenced_name(field_init(list, "m_free"));
    d.decl = where_.range(vd->getSourceRange(), /*with_semicolon=*/true);
    d.in_namespace = vd->getDeclContext()->getEnclosingNamespaceContext()->isNamespace();
    const RecordDecl* rd = initialized_record(list);
    if (!rd) return;
    unsigned index = 0;
    for (const FieldDecl* field : rd->fields()) {
      if (index >= list->getNumInits()) break;
      const Expr* init = list->getInit(index);
      if (!isa<ImplicitValueInitExpr>(init)) {
        d.last_written_index = static_cast<int>(index);
        d.last_written = where_.range(init->getSourceRange());
        d.written_fields[field->getNameAsString()] = d.last_written;
      }
      ++index;
    }
    const InitListExpr* written = list->isSemanticForm() && list->getSyntacticForm() ? list->getSyntacticForm() : list;
    for (const Expr* e : written->inits()) d.designated |= isa<DesignatedInitExpr>(e);
    facts_.module_defs.push_back(d);
  }

  // Calls fn for each `{...}` row of a table's initializer.
  template <typename Fn>
  static void each_row(const InitListExpr* list, Fn&& fn) {
    for (const Expr* e : list->inits())
      if (const auto* row = dyn_cast<InitListExpr>(e->IgnoreImplicit())) fn(row);
  }

  // A row the rewriter can edit: spelled in the file, not produced by a macro.
  static bool written_in_file(const InitListExpr* row) { return row->getBeginLoc().isFileID() && row->getEndLoc().isFileID(); }

  SlotTable slot_table(const VarDecl* vd, const InitListExpr* list) {
    SlotTable t;
    t.name = vd->getNameAsString();
    t.loc = where_.loc(vd->getLocation());
    each_row(list, [&](const InitListExpr* entry) {
      if (entry->getNumInits() < 2) return;
      const Expr* id = entry->getInit(0);
      const Expr* value = entry->getInit(1);
      std::optional<long long> n = constant(ctx_, id);
      if (n && *n == 0) t.sentinel = where_.range(entry->getSourceRange());
      if (!n || *n == 0) return;  // the {0, NULL} sentinel
      SlotEntry s;
      s.id = static_cast<int>(*n);
      s.name = where_.macro_at(id->getBeginLoc());
      if (s.name.empty()) s.name = std::to_string(s.id);
      s.value = value_text(value);
      s.value_int = constant(ctx_, value);
      s.loc = where_.loc(entry->getBeginLoc());
      s.value_range = where_.range(value->getSourceRange());
      t.entries.push_back(std::move(s));
    });
    return t;
  }

  void record_method_table(const VarDecl* vd, const InitListExpr* list) {
    MethodTable t;
    t.name = vd->getNameAsString();
    t.loc = where_.loc(vd->getLocation());
    t.decl = where_.range(vd->getSourceRange(), /*with_semicolon=*/true);
    each_row(list, [&](const InitListExpr* row) {
      MethodEntry m;
      m.py_name = string_literal(field_init(row, "ml_name"));
      if (m.py_name.empty()) return;  // the {NULL} sentinel
      m.function = referenced_name(field_init(row, "ml_meth"));
      if (const Expr* flags = field_init(row, "ml_flags")) m.flags = constant(ctx_, flags);
      m.loc = where_.loc(row->getBeginLoc());
      if (written_in_file(row)) {
        if (const Expr* meth = field_init(row, "ml_meth")) m.meth_range = where_.range(meth->getSourceRange());
        if (const Expr* flags = field_init(row, "ml_flags")) m.flags_range = where_.range(flags->getSourceRange());
      }
      t.entries.push_back(std::move(m));
    });
    facts_.method_tables.push_back(std::move(t));
  }

  // A PyMemberDef[] or PyGetSetDef[] (both start with `const char *name`): the names it defines.
  MemberTable named_rows(const VarDecl* vd, const InitListExpr* list) {
    MemberTable t;
    t.name = vd->getNameAsString();
    t.loc = where_.loc(vd->getLocation());
    each_row(list, [&](const InitListExpr* row) {
      std::string name = string_literal(field_init(row, "name"));
      if (!name.empty()) {
        t.members.push_back(name);
        t.member_locs.push_back(where_.loc(row->getBeginLoc()));
      } else if (!t.sentinel.valid() && written_in_file(row)) {
        t.sentinel = where_.range(row->getSourceRange());
      }
    });
    return t;
  }

  void record_type_spec(const VarDecl* vd, const InitListExpr* list) {
    TypeSpec s;
    s.name = vd->getNameAsString();
    s.loc = where_.loc(vd->getLocation());
    s.type_name = string_literal(field_init(list, "name"));
    if (const Expr* flags = field_init(list, "flags")) {
      if (auto v = constant(ctx_, flags)) s.flags = static_cast<unsigned long long>(*v);
      s.flags_loc = written_loc(flags);
    }
    s.slots = referenced_name(field_init(list, "slots"));
    facts_.type_specs.push_back(s);
  }

  void record_static_type(const VarDecl* vd, const InitListExpr* list) {
    StaticType t;
    t.name = vd->getNameAsString();
    t.loc = where_.loc(vd->getLocation());
    t.initialized = list != nullptr;
    if (const RecordDecl* rd = initialized_record(list)) {
      unsigned i = 0;
      for (const FieldDecl* f : rd->fields()) {
        if (i >= list->getNumInits()) break;
        const Expr* value = list->getInit(i++);
        if (f->getName() == "ob_base" || is_zero(ctx_, value)) continue;
        TypeField field;
        field.field = f->getName().str();
        field.value = value_text(value);
        field.loc = where_.loc(value->getBeginLoc());
        field.text = where_.text(value->getSourceRange());
        if (field.field == "tp_name") t.tp_name = string_literal(value);
        if (field.field == "tp_flags")
          if (auto v = constant(ctx_, value)) t.flags = static_cast<unsigned long long>(*v);
        t.fields.push_back(std::move(field));
      }
    }
    // A redeclaration may come with the initializer: keep one entry, the fullest. One variable,
    // however many files of the unit declare it (a unity build's `static PyTypeObject T;` in one
    // included .c, its definition in another).
    auto [it, fresh] = static_type_index_.emplace(vd->getCanonicalDecl(), facts_.static_types.size());
    if (!fresh) {
      if (t.initialized) facts_.static_types[it->second] = t;
      return;
    }
    facts_.static_types.push_back(std::move(t));
  }

  // (state *)PyModule_GetState(m): the struct it is cast to is the module state.
  void record_state_cast(const CallExpr*) {
    const RecordDecl* state = nullptr;
    for (size_t i = stack_.size() - 1; i-- > 0;) {
      const auto* cast = dyn_cast<CastExpr>(stack_[i]);
      if (isa<ParenExpr>(stack_[i])) continue;
      if (!cast) break;
      QualType t = cast->getType();
      if (t->isPointerType())
        if (const RecordDecl* rd = record_of(t->getPointeeType())) state = rd;
    }
    if (!state || !where_.is_user(state->getLocation())) return;
    std::string name = record_name(state);
    for (StateStruct& s : facts_.state_structs)
      if (s.name == name) {
        s.used_in.push_back(function_name());
        return;
      }
    StateStruct s;
    s.name = name;
    s.loc = where_.loc(state->getLocation());
    if (const RecordDecl* def = state->getDefinition())
      for (const FieldDecl* f : def->fields())
        if (classify(ctx_, f->getType()) == GlobalKind::ObjectPointer) s.object_fields.push_back(f->getNameAsString());
    s.used_in.push_back(function_name());
    facts_.state_structs.push_back(std::move(s));
  }

  ASTContext& ctx_;
  Locator& where_;
  Model& facts_;
  TranslationUnit& tu_;
  std::vector<const Stmt*> stack_;
  const Stmt* too_deep_ = nullptr;
  const UnaryOperator* address_op_ = nullptr;  // the `&` use_kind last found
  const FunctionDecl* function_ = nullptr;
  const VarDecl* global_ = nullptr;
  std::map<const FunctionDecl*, size_t> function_index_;
  std::map<const VarDecl*, size_t> global_index_;
  std::map<const VarDecl*, size_t> static_type_index_;  // canonical declaration -> static_types
  std::vector<const FunctionDecl*> init_decls_;
  const CallExpr* pending_create_ = nullptr;
  const FunctionDecl* pending_builder_ = nullptr;   // the function that makes the pending_create_ call
  const FunctionDecl* current_function_ = nullptr;  // whose body find_module_creation walks
};

// ---------------------------------------------------------------------------------------------
// Preprocessor facts: skipped #if branches and suppression comments.

class PreprocessorFacts : public PPCallbacks, public CommentHandler {
 public:
  PreprocessorFacts(Locator& where, Model& facts, CompilerInstance& ci) : where_(where), facts_(facts), ci_(ci) {}

  void SourceRangeSkipped(clang::SourceRange range, SourceLocation endif) override {
    if (!where_.is_user(range.getBegin())) return;
    InactiveRegion r;
    SourceLoc b = where_.loc(range.getBegin()), e = where_.loc(endif);
    r.file = b.file;
    r.begin_line = b.line;
    r.end_line = e.line;
    std::vector<Token> tokens = region_tokens(range);
    collect_identifiers(tokens, r.identifiers);
    auto cond = conditions_.find(b.file + ":" + std::to_string(b.line));
    if (cond != conditions_.end()) r.condition = cond->second;
    note_branch_conditions(tokens, r);
    // Inside a struct or union the declarations are members, not variables. The parser runs in
    // step with the preprocessor, so its current context is where the skipped branch stands.
    if (!inside_record()) scan_definitions(code_tokens(tokens), r);
    for (InactiveDefinition& d : r.definitions) d.condition = branch_condition(r, d.loc.line);
    facts_.inactive_regions.push_back(std::move(r));
  }

  // The condition of the last branch directive of the region at or before `line`.
  std::string branch_condition(const InactiveRegion& r, unsigned line) {
    for (unsigned l = line; l >= r.begin_line && l > 0; --l) {
      auto it = conditions_.find(r.file + ":" + std::to_string(l));
      if (it != conditions_.end()) return it->second;
    }
    return r.condition;
  }

  // `assert` (<assert.h>, C's own) is defined by NDEBUG: code that uses it depends on it as much
  // as code under `#ifndef NDEBUG`.
  void MacroExpands(const Token& name, const MacroDefinition&, clang::SourceRange range, const MacroArgs*) override {
    if (spelling(name) == "assert" && where_.is_user(range.getBegin())) where_.condition_macros.insert("NDEBUG");
  }

  // The condition of each directive of the tree, by the line it is on, so a skipped region (which
  // starts at its directive) knows when it would be compiled.
  void If(SourceLocation loc, clang::SourceRange cond, ConditionValueKind) override {
    remember_condition(loc, loc, condition_text(cond.getBegin()));
  }
  void Elif(SourceLocation loc, clang::SourceRange cond, ConditionValueKind, SourceLocation if_loc) override {
    remember_condition(loc, if_loc, condition_text(cond.getBegin()));
  }
  void Ifdef(SourceLocation loc, const Token& name, const MacroDefinition&) override {
    remember_condition(loc, loc, "defined(" + spelling(name) + ")");
  }
  void Ifndef(SourceLocation loc, const Token& name, const MacroDefinition&) override {
    remember_condition(loc, loc, "!defined(" + spelling(name) + ")");
  }
  // An #else is compiled when none of the branches before it is.
  void Else(SourceLocation loc, SourceLocation if_loc) override {
    if (!where_.is_user(loc)) return;
    conditions_[line_key(loc)] = none_of(chains_[line_key(if_loc)]);
    if_of_[line_key(loc)] = line_key(if_loc);
  }

  bool HandleComment(Preprocessor& pp, clang::SourceRange range) override {
    SourceManager& sm = pp.getSourceManager();
    if (!where_.is_user(range.getBegin())) return false;
    bool invalid = false;
    const char* begin = sm.getCharacterData(range.getBegin(), &invalid);
    if (invalid) return false;
    const char* end = sm.getCharacterData(range.getEnd(), &invalid);
    if (invalid) return false;
    std::string text(begin, end);
    // Like clang-tidy's NOLINT: the directive opens the comment, so prose that mentions it (a
    // file's header describing its suppressions) is not one.
    size_t at = directive_start(text);
    if (at == std::string::npos) return false;
    Suppression s;
    SourceLoc loc = where_.loc(range.getBegin());
    s.file = loc.file;
    s.line = loc.line;
    std::string rest = text.substr(at + strlen("owngil: ignore"));
    if (!rest.empty() && rest[0] == '[') {
      size_t close = rest.find(']');
      std::string ids = rest.substr(1, close == std::string::npos ? std::string::npos : close - 1);
      size_t start = 0;
      while (start <= ids.size()) {
        size_t comma = ids.find(',', start);
        std::string id = ids.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        id.erase(0, id.find_first_not_of(" \t"));
        id.erase(id.find_last_not_of(" \t") + 1);
        if (!id.empty()) s.rules.push_back(id);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      rest = close == std::string::npos ? "" : rest.substr(close + 1);
    }
    if (rest.size() >= 2 && rest.compare(rest.size() - 2, 2, "*/") == 0) rest.resize(rest.size() - 2);
    rest.erase(0, rest.find_first_not_of(" \t:-"));
    rest.erase(rest.find_last_not_of(" \t\r\n") + 1);
    s.reason = rest;
    // Alone on its line, it covers the next line; after code, its own line.
    unsigned col = sm.getSpellingColumnNumber(range.getBegin());
    const char* line_start = begin - (col - 1);
    s.own_line = std::all_of(line_start, begin, [](char c) { return c == ' ' || c == '\t'; });
    facts_.suppressions.push_back(std::move(s));
    return false;
  }

 private:
  // Where "owngil: ignore" starts when it opens the comment `text` (after `//` or `/*` and blanks)
  // and is followed by `[`, a blank, `:`, `-` or the end; npos otherwise.
  static size_t directive_start(const std::string& text) {
    static const std::string kDirective = "owngil: ignore";
    size_t at = text.find_first_not_of(" \t", 2);
    if (at == std::string::npos || text.compare(at, kDirective.size(), kDirective) != 0) return std::string::npos;
    size_t after = at + kDirective.size();
    if (after < text.size() && !std::strchr("[ \t:-*\r\n", text[after])) return std::string::npos;
    return at;
  }

  static void collect_identifiers(const std::vector<Token>& tokens, std::set<std::string>& out) {
    for (const Token& t : tokens)
      if (t.is(tok::raw_identifier)) out.insert(t.getRawIdentifier().str());
  }

  bool inside_record() {
    if (!ci_.hasSema()) return false;
    for (const DeclContext* dc = ci_.getSema().CurContext; dc; dc = dc->getParent())
      if (isa<RecordDecl>(dc)) return true;
    return false;
  }

  std::string line_key(SourceLocation loc) {
    SourceLoc l = where_.loc(loc);
    return l.file + ":" + std::to_string(l.line);
  }

  void remember_condition(SourceLocation directive, SourceLocation if_loc, const std::string& text) {
    if (!where_.is_user(directive) || text.empty()) return;
    static const std::regex identifier("[A-Za-z_][A-Za-z0-9_]*");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), identifier); it != std::sregex_iterator(); ++it)
      if (it->str() != "defined") where_.condition_macros.insert(it->str());
    conditions_[line_key(directive)] = text;
    chains_[line_key(if_loc)].push_back(text);
    if_of_[line_key(directive)] = line_key(if_loc);
  }

  std::string spelling(const Token& tok) {
    const IdentifierInfo* id = tok.getIdentifierInfo();
    return id ? id->getName().str() : "";
  }

  // The rest of the directive's line from `begin` (continuation lines joined, comments dropped).
  std::string condition_text(SourceLocation begin) {
    bool invalid = false;
    const char* p = where_.sm().getCharacterData(where_.sm().getFileLoc(begin), &invalid);
    if (invalid || !p) return "";
    std::string text;
    for (; *p && *p != '\n'; ++p) {
      if (p[0] == '\\' && p[1] == '\n') { text += ' '; ++p; continue; }
      if (p[0] == '/' && (p[1] == '/' || p[1] == '*')) break;
      text += *p;
    }
    text.erase(text.find_last_not_of(" \t\r") + 1);
    return text;
  }

  // Every token of the region, its directives included.
  std::vector<Token> region_tokens(clang::SourceRange range) {
    std::vector<Token> out;
    SourceManager& sm = where_.sm();
    std::pair<FileID, unsigned> begin = sm.getDecomposedLoc(range.getBegin());
    std::pair<FileID, unsigned> end = sm.getDecomposedLoc(range.getEnd());
    if (begin.first != end.first) return out;
    bool invalid = false;
    llvm::StringRef buffer = sm.getBufferData(begin.first, &invalid);
    if (invalid || end.second > buffer.size()) return out;
    Lexer lexer(sm.getLocForStartOfFile(begin.first), where_.lang(), buffer.begin(),
                buffer.begin() + begin.second, buffer.end());
    Token tok;
    while (!lexer.LexFromRawLexer(tok)) {
      if (sm.getFileOffset(tok.getLocation()) >= end.second) break;
      out.push_back(tok);
    }
    return out;
  }

  // The tokens outside preprocessor directives (their lines name macros, not code).
  static std::vector<Token> code_tokens(const std::vector<Token>& all) {
    std::vector<Token> out;
    bool in_directive = false;
    for (const Token& t : all) {
      if (t.isAtStartOfLine()) in_directive = t.is(tok::hash);
      if (!in_directive) out.push_back(t);
    }
    return out;
  }

  // A region skipped after a taken branch holds every later branch of its #if, and clang reports
  // no directive inside it: the conditions of its own #elif and #else lines, by line.
  void note_branch_conditions(const std::vector<Token>& all, const InactiveRegion& r) {
    std::string start = r.file + ":" + std::to_string(r.begin_line);
    std::vector<std::string> chain = chains_[if_of_.count(start) ? if_of_[start] : start];
    int nesting = 0;
    for (size_t i = 0; i + 1 < all.size(); ++i) {
      if (!all[i].isAtStartOfLine() || !all[i].is(tok::hash) || !is_identifier(all[i + 1])) continue;
      llvm::StringRef word = all[i + 1].getRawIdentifier();
      std::string key = line_key(all[i].getLocation());
      if (key == start) continue;  // the region's own directive: the callbacks saw it
      if (word == "if" || word == "ifdef" || word == "ifndef") ++nesting;
      else if (word == "endif") --nesting;
      else if (nesting == 0 && word == "elif" && i + 2 < all.size()) {
        std::string text = condition_text(all[i + 2].getLocation());
        conditions_.emplace(key, text);
        chain.push_back(text);
      } else if (nesting == 0 && word == "else") {
        conditions_.emplace(key, none_of(chain));
      }
    }
  }

  static std::string none_of(const std::vector<std::string>& branches) {
    std::string none;
    for (const std::string& c : branches) none += (none.empty() ? "!(" : " && !(") + c + ")";
    return none;
  }

  static bool is_identifier(const Token& t, const char* text = nullptr) {
    return t.is(tok::raw_identifier) && (!text || t.getRawIdentifier() == text);
  }

  // Spellings of Python object types a token scan can recognise: PyObject, PyTypeObject, and the
  // `...Object` struct names CPython and extensions use for their instances.
  static bool is_object_type_name(llvm::StringRef name) { return name == "PyObject" || name.endswith("Object"); }

  // `static PyTypeObject T = {...};`, `PyObject *a, *b = NULL;` and the like in an inactive region:
  // what the compiler would have made globals (or function-local statics) of. Declarations inside
  // parentheses (parameters, casts), `extern` and `typedef` declare no storage.
  void scan_definitions(const std::vector<Token>& toks, InactiveRegion& r) {
    int depth = 0, parens = 0;
    bool is_static = false, no_storage = false;
    std::string pending_function, function;
    for (size_t i = 0; i < toks.size(); ++i) {
      const Token& t = toks[i];
      if (t.is(tok::l_paren)) {
        if (depth == 0 && parens == 0 && i > 0 && is_identifier(toks[i - 1]))
          pending_function = toks[i - 1].getRawIdentifier().str();
        ++parens;
      } else if (t.is(tok::r_paren)) {
        parens = std::max(0, parens - 1);
      } else if (t.is(tok::l_brace)) {
        if (depth == 0 && parens == 0 && !pending_function.empty() && i > 0 && toks[i - 1].is(tok::r_paren))
          function = pending_function;
        ++depth;
        is_static = no_storage = false;  // a body opens: `static` before it was the function's
      } else if (t.is(tok::r_brace)) {
        depth = std::max(0, depth - 1);
        if (depth == 0) function.clear(), is_static = no_storage = false;
      } else if (t.is(tok::semi) && parens == 0) {
        is_static = no_storage = false;
        if (depth == 0) pending_function.clear();
      } else if (is_identifier(t, "static")) {
        is_static = true;
      } else if (is_identifier(t, "extern") || is_identifier(t, "typedef")) {
        no_storage = true;
      } else if (is_identifier(t) && parens == 0 && !no_storage && is_object_type_name(t.getRawIdentifier()) &&
                 (depth == 0 || is_static)) {
        std::optional<GlobalKind> plain;
        if (t.getRawIdentifier() == "PyTypeObject") plain = GlobalKind::TypeObject;
        i = scan_declarators(toks, i + 1, plain, /*pointers=*/true, r, is_static, depth > 0, function);
      } else if ((is_identifier(t, "struct") || is_identifier(t, "union")) && parens == 0 && !no_storage &&
                 (depth == 0 || is_static)) {
        size_t close = aggregate_with_objects(toks, i);
        if (close)  // `static struct { PyObject *a; } x;`: x holds objects (a pointer to it does not)
          i = scan_declarators(toks, close + 1, GlobalKind::ObjectPointer, /*pointers=*/false, r, is_static, depth > 0,
                               function);
      }
    }
    for (InactiveDefinition& d : r.definitions)
      for (const Token& t : toks)
        if (is_identifier(t, d.name.c_str()) && where_.offset(t.getLocation()) != d.offset)
          d.mentions.push_back(where_.loc(t.getLocation()));
  }

  // For `struct [tag] {` at `i`: the index of the body's closing `}` when a member names an object
  // type, else 0.
  static size_t aggregate_with_objects(const std::vector<Token>& toks, size_t i) {
    size_t open = i + 1;
    if (open < toks.size() && is_identifier(toks[open])) ++open;  // the tag
    if (open >= toks.size() || !toks[open].is(tok::l_brace)) return 0;
    bool objects = false;
    int depth = 0;
    for (size_t k = open; k < toks.size(); ++k) {
      if (toks[k].is(tok::l_brace)) ++depth;
      else if (toks[k].is(tok::r_brace) && --depth == 0) return objects ? k : 0;
      else if (is_identifier(toks[k]) && is_object_type_name(toks[k].getRawIdentifier())) objects = true;
    }
    return 0;
  }

  // The declarators after a type at `i`: `*a`, `*b = init` (when `pointers` hold objects), or `T`
  // (when `plain` says what a variable of the type itself is: a PyTypeObject, an aggregate holding
  // objects). Returns the index of the last token looked at.
  size_t scan_declarators(const std::vector<Token>& toks, size_t i, std::optional<GlobalKind> plain, bool pointers,
                          InactiveRegion& r, bool is_static, bool in_block, const std::string& function) {
    for (;;) {
      size_t stars = 0;
      while (i < toks.size() && toks[i].is(tok::star)) ++i, ++stars;
      bool counts = stars == 0 ? plain.has_value() : pointers;
      if (i + 1 >= toks.size() || !is_identifier(toks[i]) || !counts) return i - 1;
      const Token& after = toks[i + 1];
      if (!after.isOneOf(tok::equal, tok::semi, tok::comma, tok::l_square)) return i;  // a function, ...
      InactiveDefinition d;
      d.name = toks[i].getRawIdentifier().str();
      d.kind = stars == 0 ? *plain : GlobalKind::ObjectPointer;
      d.loc = where_.loc(toks[i].getLocation());
      d.offset = where_.offset(toks[i].getLocation());
      d.is_static = is_static;
      d.in_block = in_block;
      d.function = function;
      r.definitions.push_back(std::move(d));
      // Skip the initializer (its commas are nested) to the next declarator or the end.
      int nesting = 0;
      for (++i; i < toks.size(); ++i) {
        if (toks[i].isOneOf(tok::l_paren, tok::l_brace, tok::l_square)) ++nesting;
        else if (toks[i].isOneOf(tok::r_paren, tok::r_brace, tok::r_square)) --nesting;
        else if (nesting == 0 && toks[i].isOneOf(tok::comma, tok::semi)) break;
      }
      if (i >= toks.size() || toks[i].is(tok::semi)) return i - 1;  // the `;` resets the caller's state
      ++i;  // past the comma
    }
  }

  Locator& where_;
  Model& facts_;
  CompilerInstance& ci_;
  std::map<std::string, std::string> conditions_;            // "file:line" of a directive -> condition
  std::map<std::string, std::vector<std::string>> chains_;   // "file:line" of an #if -> its branches' conditions
  std::map<std::string, std::string> if_of_;                 // "file:line" of a branch -> of its #if
};

// ---------------------------------------------------------------------------------------------

class Consumer : public ASTConsumer {
 public:
  Consumer(std::unique_ptr<Locator> where, Model& facts) : where_(std::move(where)), facts_(facts) {}

  void HandleTranslationUnit(ASTContext& ctx) override {
    SourceManager& sm = ctx.getSourceManager();
    TranslationUnit tu;
    tu.main_file = where_->relative(where_->path_of(sm.getMainFileID()));
    Visitor visitor(ctx, *where_, facts_, tu);
    visitor.TraverseDecl(ctx.getTranslationUnitDecl());
    if (const Stmt* deep = visitor.too_deep()) {
      tu.failed = true;
      tu.errors.push_back({where_->loc(deep->getBeginLoc()),
                           "code nested more than " + std::to_string(Visitor::kMaxNesting) +
                               " levels deep: owngil does not analyse this file"});
    } else {
      visitor.finish();
    }
    tu.condition_macros = where_->condition_macros;
    tu.user_files = where_->user_files();
    tu.user_files.insert(tu.main_file);
    tu.included_at = where_->included_at();
    facts_.units.push_back(std::move(tu));
  }

  Locator& where() { return *where_; }

 private:
  std::unique_ptr<Locator> where_;
  Model& facts_;
};

class CollectAction : public ASTFrontendAction {
 public:
  CollectAction(Model& facts, std::string root) : facts_(facts), root_(std::move(root)) {}

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance& ci, llvm::StringRef) override {
    auto where = std::make_unique<Locator>(ci.getSourceManager(), ci.getLangOpts(), root_);
    auto pp_facts = std::make_unique<PreprocessorFacts>(*where, facts_, ci);
    ci.getPreprocessor().addCommentHandler(pp_facts.get());
    comment_handler_ = pp_facts.get();
    ci.getPreprocessor().addPPCallbacks(std::move(pp_facts));  // the preprocessor owns it
    return std::make_unique<Consumer>(std::move(where), facts_);
  }

  void EndSourceFileAction() override {
    // The preprocessor outlives our handler's owner: unhook it before it goes.
    if (comment_handler_) getCompilerInstance().getPreprocessor().removeCommentHandler(comment_handler_);
    comment_handler_ = nullptr;
  }

 private:
  Model& facts_;
  std::string root_;
  CommentHandler* comment_handler_ = nullptr;
};

}  // namespace

std::unique_ptr<FrontendAction> make_fact_collector(Model& facts, const std::string& root) {
  return std::make_unique<CollectAction>(facts, root);
}

}  // namespace owngil
