// The Clang action that turns one translation unit into model facts (a partial Model).
#pragma once

#include <memory>
#include <string>

#include <clang/Frontend/FrontendAction.h>

#include "owngil/model.h"

namespace owngil {

// `root` empty means every file outside system headers belongs to the tree (used for snippets).
std::unique_ptr<clang::FrontendAction> make_fact_collector(Model& facts, const std::string& root);

}  // namespace owngil
