# Install layout (cmake --install build --prefix P):
#   P/bin/siamese                      the program (the core linked in)
#   P/lib/libsiamese.so.0              the C API library (SONAME libsiamese.so.0;
#                                      libsiamese.so links to it)
#   P/lib/siamese/libsiamese-backend-*.so   backend modules, where the
#                                      program looks (../lib/siamese beside it)
#   P/include/siamese/*.h              the public headers (include/siamese/ only;
#                                      core/ headers are internal)
#   P/lib/cmake/siamese/               find_package(siamese): siamese::headers,
#                                      siamese::siamese
#   P/lib/pkgconfig/siamese.pc         pkg-config
#   P/share/doc/siamese/LICENSE        MIT
#   P/share/man/man1/siamese.1, P/share/bash-completion/completions/siamese
#                                      from the program's help (cli/CMakeLists.txt)
#   P/lib/python3/dist-packages/siamese  the Python package (finds ../../../libsiamese.so.0)
# The per-target install() rules sit beside their targets (core/, cli/,
# backends/CMakeLists.txt's siam_add_backend); this file does the rest.
# Fixed "lib", not GNUInstallDirs' multiarch libdir: the loader's
# ../lib/siamese rule must hold under every prefix.
include(CMakePackageConfigHelpers)

set(SIAM_INSTALL_LIBDIR lib)
set(SIAM_INSTALL_INCLUDEDIR include)
set(SIAM_INSTALL_MODULEDIR lib/siamese)
set(SIAM_INSTALL_CMAKEDIR lib/cmake/siamese)
set(SIAM_LIBRARY_FILE ${CMAKE_SHARED_LIBRARY_PREFIX}siamese${CMAKE_SHARED_LIBRARY_SUFFIX})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/siamese
  DESTINATION ${SIAM_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/siameseConfig.cmake.in
  ${CMAKE_BINARY_DIR}/siameseConfig.cmake
  INSTALL_DESTINATION ${SIAM_INSTALL_CMAKEDIR}
  PATH_VARS SIAM_INSTALL_INCLUDEDIR SIAM_INSTALL_LIBDIR SIAM_INSTALL_MODULEDIR)
# 0.x: a new minor version may change the API, so only the same minor matches.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/siameseConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/siameseConfig.cmake
              ${CMAKE_BINARY_DIR}/siameseConfigVersion.cmake
  DESTINATION ${SIAM_INSTALL_CMAKEDIR})

configure_file(${CMAKE_CURRENT_LIST_DIR}/siamese.pc.in ${CMAKE_BINARY_DIR}/siamese.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/siamese.pc DESTINATION ${SIAM_INSTALL_LIBDIR}/pkgconfig)

# The license travels with the installed package.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION share/doc/siamese)

# The Python package, beside the library it loads (it looks for
# ../../../libsiamese.so.0 from its folder): P/lib/python3/dist-packages/siamese.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/siamese DESTINATION lib/python3/dist-packages
  FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
