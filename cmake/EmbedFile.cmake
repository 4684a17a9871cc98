# Writes a C++ file defining `const char* ${SYMBOL}` with the text of ${IN}, so the binary carries
# the file (the compat header `owngil fix` copies into ported trees) and cannot drift from it.
file(READ "${IN}" text)
file(WRITE "${OUT}.tmp" "namespace owngil {\nextern const char* const ${SYMBOL};\nconst char* const ${SYMBOL} = R\"owngilfile(${text})owngilfile\";\n}  // namespace owngil\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
