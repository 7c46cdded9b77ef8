# `cmake --build <dir> --target bundle`: a portable qm7 (the CLI with its libraries, its own
# dynamic loader and the demo data) as qm7-<version>-linux-x86_64.tar.gz in the build folder;
# see packaging/make_bundle.sh.
set(QM7_BUNDLE_FILE ${CMAKE_BINARY_DIR}/qm7-${PROJECT_VERSION}-linux-x86_64.tar.gz)
add_custom_command(
  OUTPUT ${QM7_BUNDLE_FILE}
  COMMAND sh ${PROJECT_SOURCE_DIR}/packaging/make_bundle.sh $<TARGET_FILE:qm7>
          ${PROJECT_SOURCE_DIR}/resources/demo ${QM7_BUNDLE_FILE}
  DEPENDS qm7 ${PROJECT_SOURCE_DIR}/packaging/make_bundle.sh
          ${PROJECT_SOURCE_DIR}/resources/demo/qm7.xyz.gz
  COMMENT "Writing the portable bundle ${QM7_BUNDLE_FILE}"
  VERBATIM)
add_custom_target(bundle DEPENDS ${QM7_BUNDLE_FILE})
