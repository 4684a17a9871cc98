# Writes a C++ file mapping each rule id to the Markdown of docs/rules/<id>.md, so `owngil rules ID`
# works from any directory and the docs cannot drift from the binary.
file(GLOB docs "${DOCS_DIR}/OG*.md")
list(SORT docs)
set(body "#include <map>\n#include <string>\nnamespace owngil {\nextern const std::map<std::string, const char*> kRuleDocs;\nconst std::map<std::string, const char*> kRuleDocs = {\n")
foreach(doc IN LISTS docs)
  get_filename_component(id "${doc}" NAME_WE)
  file(READ "${doc}" text)
  string(APPEND body "  {\"${id}\", R\"owngildoc(${text})owngildoc\"},\n")
endforeach()
string(APPEND body "};\n}  // namespace owngil\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
