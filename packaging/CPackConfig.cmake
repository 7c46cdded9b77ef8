# Debian package: `cmake --build build/release --target package` (or `cpack` in the build
# folder) writes qm7-workbench_<version>_amd64.deb with both programs, the desktop entry, the
# icon, the AppStream metadata and the bundled demo data.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/qm7-workbench.desktop DESTINATION share/applications)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/io.github.qm7workbench.QM7Workbench.metainfo.xml
        DESTINATION share/metainfo)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "qm7-workbench")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "QM7 Workbench")
set(CPACK_PACKAGE_CONTACT "QM7 Workbench developers <dev@qm7.local>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
# Library dependencies come from the binaries; OpenBLAS is loaded at run time, so name it.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread")
include(CPack)
