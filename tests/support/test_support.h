#pragma once
/// @file test_support.h
/// Helpers shared by the tests: fixture paths, Python-made files, temporary folders.

#include "qm7/chem/molecule.h"
#include "qm7/io/dataset.h"

#include <string>
#include <vector>

namespace qm7::test {

/// The bundled demo molecules, resources/demo/qm7.xyz.gz under the project root.
std::string demoXyz();

/// The demo molecules, read once.
const std::vector<Molecule>& demoMolecules();

/// The demo data set as every command builds "demo" (split 1500/500/1000, seed 0, Coulomb
/// matrices), built once.
const Dataset& demoDataset();

/// demoDataset() written as a dataset.pt (the course's format) in the test folder, once.
std::string demoDatasetPt();

/// ../shared/data/qm7/<name> beside the project root, or "" when the folder is absent. Only for
/// tests of the course's own files (e.g. that a build reproduces them); other tests use demo*().
std::string sharedData(const std::string& name);

/// The molecules of the course's qm7.xyz (sharedData), read once; empty when it is absent.
const std::vector<Molecule>& sharedMolecules();

/// True when /usr/bin/python3 can import torch.
bool pythonTorchAvailable();

/// Runs /usr/bin/python3 with a script from tests/fixtures and arguments; returns the exit code.
int runPython(const std::string& script, const std::vector<std::string>& args,
              std::string* output = nullptr);

/// Runs a shell command; returns its exit code and, if asked, its stdout+stderr.
int runCommand(const std::string& command, std::string* output = nullptr);

/// A fresh, empty temporary folder for one test (under the build tree).
std::string freshDir(const std::string& name);

/// The student models of tests/fixtures/make_student_models.py (hidden 30, 30 epochs on the demo's
/// dataset.pt), written once per test process in a folder named after `prefix` and the running
/// test (ctest runs each test in its own process, side by side). Throws when Python fails.
const std::string& studentModels(const std::string& prefix);

/// Trains the paper's network briefly (one hidden layer of 16, `steps` steps) on demo molecules
/// 100-299 (validation 300-339, test 340-379) and saves it as a deep run folder in dir.
void saveSmallDeepRun(const std::string& dir, int steps = 50, int evalDraws = 1);

/// Path of the qm7 command line tool built with the tests.
std::string cliPath();

/// Largest |a[i] - b[i]| (a and b of the same length).
double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b);

/// Writes molecules as XYZ (Angstrom; name and energy on the comment line) with raw frames
/// (extra) appended.
void writeXyz(const std::string& path, const std::vector<Molecule>& molecules,
              const std::string& extra = "");

/// A kernel ridge regression fold of qm7 cv trained on 600 of the first 900 demo molecules
/// (seconds), with its 300 test molecules and the fold's predictions for them.
struct QuickFold {
    std::string dir; ///< the fold's run folder; "" when the demo data is absent
    std::vector<Molecule> test;
    std::vector<float> testPred;
    double testRmse = 0;
};
QuickFold quickKrrFold(const std::string& name);

} // namespace qm7::test

#define QM7_SKIP_WITHOUT_SHARED(file)                                                              \
    if (qm7::test::sharedData(file).empty())                                                       \
    GTEST_SKIP() << "../shared/data/qm7/" << file << " is absent; skipping"
#define QM7_SKIP_WITHOUT_PYTHON_TORCH()                                                            \
    if (!qm7::test::pythonTorchAvailable())                                                        \
    GTEST_SKIP() << "/usr/bin/python3 with torch (python3-torch) is absent; skipping"
