// `owngil fix` below the CLI: the tree's findings into plans, plans into new file contents, and
// the writer that puts a module's new files in place all at once or not at all.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "owngil/rewriter.h"

namespace owngil {

enum class ModuleOutcome { Ported, Refused, NothingToFix };

struct FileChange {
  std::string before, after;  // before is "" for a new file
  bool created = false;
  std::vector<Edit> edits;  // what made `after` of `before` (none for a new file)
};

struct ModuleFix {
  ModulePlan plan;
  ModuleOutcome outcome = ModuleOutcome::NothingToFix;
  std::map<std::string, FileChange> files;  // root-relative path -> its change
};

struct TreeFix {
  std::vector<ModuleFix> modules;
  bool refused() const;
};

// fix reads and writes only files under the root, named relative to it.
bool in_tree(const std::string& rel);

// A file's bytes ("" when it cannot be read).
std::string read_whole_file(const std::string& path);

// Reads files of the model's tree (nothing outside it).
SourceReader tree_reader(const Model& model);

// The findings (the CLI's: every rule's, suppressed ones aside) into each module's plan and its
// files' new text. Nothing is written.
TreeFix fix_tree(const Model& model, const std::vector<Finding>& findings, const FixOptions& options);
// The same with the files' text from `read` (root-relative path -> bytes, "" when unreadable),
// e.g. files in memory.
TreeFix fix_tree(const Model& model, const std::vector<Finding>& findings, const FixOptions& options,
                 const SourceReader& read);

// The unified diff of one file's change, made from its edits.
std::string file_diff(const std::string& path, const FileChange& change);

// The unified diff of every ported module's files, in path order.
std::string tree_diff(const TreeFix& fix);

// Writes one module's files under `root`: each to an exclusive temporary beside it, synced and
// checked, then all renamed; an original that changed since it was read, or any failure, leaves
// every file as it was. False with the reason.
bool write_module(const std::string& root, const ModuleFix& module, std::string* error);

// A write that was interrupted (the process killed) is finished when it had been committed, else
// undone, so every module is wholly old or wholly new. Says what it did in `report`; false when a
// file could not be put back.
bool recover_interrupted_writes(const std::string& root, std::string* report);

// `owngil fix --explain`: what each module's plan moves where, how every function gets the
// state, what is generated, and every reason a module is refused, before any diff.
std::string explain_text(const TreeFix& fix);
std::string explain_json(const TreeFix& fix);  // schema: docs/fix-plan-format.md

}  // namespace owngil
