# Writes a C++ file defining `const std::map<std::string, std::string> ${SYMBOL}`: every file of
# ${DIR} (by name) with its text, so a binary carries a set of files it serves from memory (the
# fuzz target's stand-in headers) and cannot drift from them.
file(GLOB files RELATIVE "${DIR}" "${DIR}/*")
list(SORT files)
set(body "#include <map>\n#include <string>\nnamespace owngil {\nextern const std::map<std::string, std::string> ${SYMBOL};\nconst std::map<std::string, std::string> ${SYMBOL} = {\n")
foreach(name IN LISTS files)
  file(READ "${DIR}/${name}" text)
  string(APPEND body "  {\"${name}\", R\"owngilfile(${text})owngilfile\"},\n")
endforeach()
string(APPEND body "};\n}  // namespace owngil\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
