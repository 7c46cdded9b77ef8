# Warnings and sanitizers as INTERFACE targets: link them PRIVATE to every project target.
add_library(qm7_warnings INTERFACE)
add_library(qm7::warnings ALIAS qm7_warnings)
target_compile_options(qm7_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local
                                              -Wnon-virtual-dtor -Wcast-align)
# GCC 12 at -O3 reports std::string members of aggregate temporaries (TrainConfig inside
# SweepConfig{}, HomeworkConfig{}, ...) as maybe uninitialized: false positives (GCC bugs
# 105562, 107138) that -Werror would turn into a failed build wherever such a config is made.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(qm7_warnings INTERFACE -Wno-maybe-uninitialized)
endif()
if(QM7_WARNINGS_AS_ERRORS)
  target_compile_options(qm7_warnings INTERFACE -Werror)
endif()

add_library(qm7_sanitizers INTERFACE)
add_library(qm7::sanitizers ALIAS qm7_sanitizers)
if(QM7_SANITIZERS)
  target_compile_options(qm7_sanitizers INTERFACE -fsanitize=address,undefined
                                                  -fno-omit-frame-pointer)
  target_link_options(qm7_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
