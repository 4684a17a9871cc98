// "Did you mean": the closest of the known words to a mistyped one (subcommands, options, rule ids).
#pragma once

#include <string>
#include <vector>

namespace owngil {

// The candidate nearest to `word` by edit distance (case-insensitive), when it is near enough to be
// a typo of it (at most a third of its letters, and at least 1, changed); "" otherwise.
std::string closest_word(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'X'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// Every rule id and name: what a mistyped rule is compared with.
std::vector<std::string> rule_words();

}  // namespace owngil
