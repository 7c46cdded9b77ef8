#pragma once
/// @file test_support.h
/// Helpers shared by the tests: fixture paths, Python-made files, temporary folders.

#include <string>
#include <vector>

namespace qm7::test {

/// ../shared/data/qm7/<name>, or "" when the folder is absent.
std::string sharedData(const std::string& name);

/// True when /usr/bin/python3 can import torch.
bool pythonTorchAvailable();

/// Runs /usr/bin/python3 with a script from tests/fixtures and arguments; returns the exit code.
int runPython(const std::string& script, const std::vector<std::string>& args,
              std::string* output = nullptr);

/// Runs a shell command; returns its exit code and, if asked, its stdout+stderr.
int runCommand(const std::string& command, std::string* output = nullptr);

/// A fresh, empty temporary folder for one test (under the build tree).
std::string freshDir(const std::string& name);

/// Path of the qm7 command line tool built with the tests.
std::string cliPath();

} // namespace qm7::test

#define QM7_SKIP_WITHOUT_SHARED(file)                                                              \
    if (qm7::test::sharedData(file).empty())                                                       \
    GTEST_SKIP() << "../shared/data/qm7/" << file << " is absent; skipping"
#define QM7_SKIP_WITHOUT_PYTHON_TORCH()                                                            \
    if (!qm7::test::pythonTorchAvailable())                                                        \
    GTEST_SKIP() << "/usr/bin/python3 with torch (python3-torch) is absent; skipping"
