# `cmake --install`: the CLI (with Clang's builtin headers beside it, found relative to the
# executable, so the installed tree can move and needs only Clang's libraries), the rule docs and a
# man page, the C/C++ API (headers, one static runtime library per CPython, a CMake package config
# and pkg-config files) and the `owngil` Python package for every CPython found.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(OWNGIL_PYTHON_INSTALL "prefix" CACHE STRING
    "Where the owngil Python package goes: prefix (lib/pythonX.Y/site-packages under the install prefix, e.g. a venv given with --prefix) or site (each CPython's own site-packages)")
set_property(CACHE OWNGIL_PYTHON_INSTALL PROPERTY STRINGS prefix site)

# --- the CLI and what it reads at run time -----------------------------------------------------
# Relative to the executable: ../lib/owngil/clang/<N> (analyzer.cpp looks there first).
set(OWNGIL_BUNDLED_CLANG_DIR "lib/owngil/clang/${LLVM_VERSION_MAJOR}")
target_compile_definitions(owngil_analyzer PRIVATE OWNGIL_BUNDLED_CLANG_RESOURCE_DIR="../${OWNGIL_BUNDLED_CLANG_DIR}")
install(DIRECTORY "${LLVM_LIBRARY_DIR}/clang/${LLVM_VERSION_MAJOR}/include" DESTINATION "${OWNGIL_BUNDLED_CLANG_DIR}")
install(DIRECTORY "${CMAKE_SOURCE_DIR}/docs/rules/" DESTINATION "${CMAKE_INSTALL_DOCDIR}/rules" FILES_MATCHING PATTERN "OG*.md")
install(FILES LICENSE README.md CHANGELOG.md docs/json-format.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
configure_file("${CMAKE_SOURCE_DIR}/docs/owngil.1.in" "${CMAKE_BINARY_DIR}/owngil.1" @ONLY)
install(FILES "${CMAKE_BINARY_DIR}/owngil.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")

# --- the C and C++ API ---------------------------------------------------------------------------
install(FILES runtime/include/owngil.h runtime/include/owngil.hpp runtime/include/owngil_compat.h
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
set(_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
file(RELATIVE_PATH _pc_to_prefix "/${_pc_dir}" "/")
set(_newest "")
foreach(v IN LISTS OWNGIL_PYTHON_VERSIONS)
  string(REPLACE "." "" vv "${v}")
  set(lib owngil_runtime_py${vv})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME runtime-py${v} OUTPUT_NAME owngil-py${v})
  install(TARGETS ${lib} EXPORT owngilTargets ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
  # A host links the runtime, that CPython and the C++ library (the runtime is C++).
  get_filename_component(_pylibdir "${OWNGIL_PYTHON_${v}_LIBRARY}" DIRECTORY)
  set(OWNGIL_PC_VERSION "${PROJECT_VERSION}")
  set(OWNGIL_PC_PYTHON "${v}")
  set(OWNGIL_PC_PREFIX "\${pcfiledir}/${_pc_to_prefix}")
  set(OWNGIL_PC_CFLAGS "-I\${includedir} -I${OWNGIL_PYTHON_${v}_INCLUDE}")
  set(OWNGIL_PC_LIBS "-L\${libdir} -lowngil-py${v} ${OWNGIL_PYTHON_${v}_LIBRARY} -Wl,-rpath,${_pylibdir} -lstdc++ -lpthread")
  configure_file("${CMAKE_SOURCE_DIR}/cmake/owngil.pc.in" "${CMAKE_BINARY_DIR}/pkgconfig/owngil-py${v}.pc" @ONLY)
  install(FILES "${CMAKE_BINARY_DIR}/pkgconfig/owngil-py${v}.pc" DESTINATION "${_pc_dir}")
  set(_newest "${v}")
endforeach()
if(_newest)  # owngil.pc: the newest CPython's
  install(FILES "${CMAKE_BINARY_DIR}/pkgconfig/owngil-py${_newest}.pc" DESTINATION "${_pc_dir}" RENAME owngil.pc)
endif()
set(OWNGIL_NEWEST_PYTHON "${_newest}")
set(_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/owngil")
install(EXPORT owngilTargets NAMESPACE owngil:: DESTINATION "${_cmake_dir}")
configure_package_config_file("${CMAKE_SOURCE_DIR}/cmake/owngilConfig.cmake.in" "${CMAKE_BINARY_DIR}/owngilConfig.cmake"
                              INSTALL_DESTINATION "${_cmake_dir}")
write_basic_package_version_file("${CMAKE_BINARY_DIR}/owngilConfigVersion.cmake" COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/owngilConfig.cmake" "${CMAKE_BINARY_DIR}/owngilConfigVersion.cmake"
        DESTINATION "${_cmake_dir}")

# --- the Python package, per CPython (component python<V>: `--component python3.13 --prefix VENV`) -
foreach(v IN LISTS OWNGIL_PYTHON_VERSIONS)
  if(OWNGIL_PYTHON_INSTALL STREQUAL "site")
    set(_code "import sysconfig; print(sysconfig.get_path('platlib'))")
  else()  # the layout a venv or `--prefix` install of that Python has
    set(_code "import sysconfig; print(sysconfig.get_path('platlib', 'posix_prefix', vars={'base': '', 'platbase': ''}).lstrip('/'))")
  endif()
  execute_process(COMMAND "${OWNGIL_PYTHON_${v}_EXECUTABLE}" -I -c "${_code}" OUTPUT_VARIABLE _site
                  OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  install(DIRECTORY "${CMAKE_BINARY_DIR}/runtime/py${v}/owngil" DESTINATION "${_site}" COMPONENT python${v}
          PATTERN "__pycache__" EXCLUDE)
endforeach()
