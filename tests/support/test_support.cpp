#include "test_support.h"

#include "qm7/analysis/cross_validation.h"
#include "qm7/analysis/deep_recipe.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/xyz_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <sys/wait.h>

namespace fs = std::filesystem;

namespace qm7::test {

std::string sharedData(const std::string& name) {
    const fs::path p = fs::path(QM7_SHARED_DATA) / name;
    return fs::exists(p) ? p.string() : std::string();
}

const std::vector<Molecule>& sharedMolecules() {
    static const std::vector<Molecule> molecules = [] {
        const std::string path = sharedData("qm7.xyz");
        return path.empty() ? std::vector<Molecule>() : readXyz(path);
    }();
    return molecules;
}

std::string demoXyz() {
    return (fs::path(QM7_PROJECT_ROOT) / "resources" / "demo" / "qm7.xyz.gz").string();
}

const std::vector<Molecule>& demoMolecules() {
    static const std::vector<Molecule> molecules = readXyz(demoXyz());
    return molecules;
}

const Dataset& demoDataset() {
    static const Dataset data = loadDataSource(demoXyz());
    return data;
}

std::string demoDatasetPt() {
    static const std::string path = [] {
        const fs::path p = fs::path(QM7_TEST_TMP) / "demo" / "dataset.pt";
        fs::create_directories(p.parent_path());
        saveDataset(demoDataset(), p.string());
        return p.string();
    }();
    return path;
}

int runCommand(const std::string& command, std::string* output) {
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        return -1;
    std::array<char, 4096> buf{};
    std::string out;
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
        out.append(buf.data(), n);
    const int status = ::pclose(pipe);
    if (output)
        *output = out;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool pythonTorchAvailable() {
    static const bool available = std::string(QM7_PYTHON).size() > 0 &&
                                  runCommand(std::string(QM7_PYTHON) + " -c 'import torch'") == 0;
    return available;
}

static std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'')
            q += "'\\''";
        else
            q += c;
    }
    return q + "'";
}

int runPython(const std::string& script, const std::vector<std::string>& args,
              std::string* output) {
    std::string cmd =
        std::string(QM7_PYTHON) + " " + quote((fs::path(QM7_FIXTURE_DIR) / script).string());
    for (const auto& a : args)
        cmd += " " + quote(a);
    return runCommand(cmd, output);
}

std::string freshDir(const std::string& name) {
    const fs::path p = fs::path(QM7_TEST_TMP) / name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p.string();
}

const std::string& studentModels(const std::string& prefix) {
    static const std::string dir = [&prefix] {
        const std::string d =
            freshDir(prefix + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::string out;
        if (runPython("make_student_models.py",
                      {demoDatasetPt(), d, "--hidden", "30", "--epochs", "30"}, &out) != 0)
            throw std::runtime_error("make_student_models.py failed: " + out);
        return d;
    }();
    return dir;
}

void saveSmallDeepRun(const std::string& dir, int steps, int evalDraws) {
    const auto& demo = demoMolecules();
    MoleculeSplits splits;
    splits.train.assign(demo.begin() + 100, demo.begin() + 300);
    splits.val.assign(demo.begin() + 300, demo.begin() + 340);
    splits.test.assign(demo.begin() + 340, demo.begin() + 380);
    DeepConfig c;
    c.layers = {16};
    c.steps = steps;
    c.evalEvery = std::min(steps, 100);
    c.evalDraws = evalDraws;
    saveDeepRun(trainPaperRecipe(splits, c), dir, "demo");
}

std::string cliPath() {
    return QM7_CLI;
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        m = std::max(m, std::abs(static_cast<double>(a[i]) - b[i]));
    return m;
}

void writeXyz(const std::string& path, const std::vector<Molecule>& molecules,
              const std::string& extra) {
    std::ofstream f(path);
    for (const Molecule& m : molecules) {
        f << m.atoms() << "\nname=" << m.name << " energy=" << m.energy << "\n";
        for (int a = 0; a < m.atoms(); ++a) {
            char line[128];
            std::snprintf(line, sizeof line, "%s %.8f %.8f %.8f\n",
                          elementSymbol(m.Z[static_cast<std::size_t>(a)]).c_str(),
                          bohrToAngstrom(m.R[static_cast<std::size_t>(3 * a)]),
                          bohrToAngstrom(m.R[static_cast<std::size_t>(3 * a + 1)]),
                          bohrToAngstrom(m.R[static_cast<std::size_t>(3 * a + 2)]));
            f << line;
        }
    }
    f << extra;
}

QuickFold quickKrrFold(const std::string& name) {
    QuickFold q;
    if (demoXyz().empty() || !fs::exists(demoXyz()))
        return q;
    std::vector<Molecule> molecules = demoMolecules();
    molecules.resize(900);
    const CvPartition p = seededPartition(900, 3, 0);
    const FoldSplit split = foldSplit(p, 0, 0.1, 0);
    CvSettings settings;
    settings.krr.sigmas = {2000, 8000};
    settings.krr.lambdas = {1e-8};
    q.dir = freshDir(name);
    const FoldResult r = runFold(molecules, split, 0, CvModel::Krr, settings, q.dir);
    q.testRmse = r.test.rmse;
    for (std::size_t i = 0; i < r.testIndex.size(); ++i) {
        q.test.push_back(molecules[static_cast<std::size_t>(r.testIndex[i])]);
        q.testPred.push_back(r.testPred[i]);
    }
    return q;
}

} // namespace qm7::test
