// A student's own model: state_dicts in four naming styles, nn.Sequential, scripted, traced and
// deeper TorchScript written by Python at test time, run here and compared with Python's own
// forward pass; every bad file refused with its reason (and a fuzz pass); the verdict against
// the workbench's reference; the folder check.
#include "qm7/analysis/model_check.h"
#include "qm7/analysis/student_model.h"
#include "qm7/train/threads.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

using namespace qm7;

namespace {

/// The models of make_student_models.py (p 50, 40 epochs for the trained ones), made once.
const std::string& models() {
    // ctest runs each test in its own process, side by side: one folder per test.
    static const std::string dir = [] {
        const std::string d =
            test::freshDir(std::string("student_models_") +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::string out;
        if (test::runPython("make_student_models.py",
                            {test::demoDatasetPt(), d, "--hidden", "50", "--epochs", "40"},
                            &out) != 0)
            throw std::runtime_error("make_student_models.py failed: " + out);
        return d;
    }();
    return dir;
}

const Dataset& data() {
    static const Dataset d = loadDataset(test::demoDatasetPt());
    return d;
}

std::vector<double> expected(const std::string& name) {
    std::ifstream in(models() + "/" + name + ".out.txt");
    std::vector<double> v;
    double x;
    while (in >> x)
        v.push_back(x);
    return v;
}

std::string loadError(const std::string& path) {
    try {
        StudentModel::load(path).forward(data().test.X, data().d);
    } catch (const StudentModelError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(StudentModel, EveryStyleGivesPythonsForwardPass) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"sd_fc", "(fc1, fc2;"},      {"sd_layer", "(layer1, layer2;"},
        {"sd_net", "(net.0, net.2;"}, {"sd_hidden", "(hidden, output;"},
        {"sd_sequential", "(0, 2;"},  {"scripted", "TorchScript"},
        {"traced", "TorchScript"},    {"deep_scripted", "6 parameter tensors"}};
    for (const auto& [name, kind] : cases) {
        SCOPED_TRACE(name);
        const StudentModel m = StudentModel::load(models() + "/" + name + ".pt");
        EXPECT_NE(m.description().find(kind), std::string::npos) << m.description();
        EXPECT_EQ(m.kind() == StudentModel::Kind::TorchScript,
                  name.find("script") != std::string::npos || name == "traced");
        if (name.rfind("sd_", 0) == 0) {
            EXPECT_EQ(m.hidden(), 50);
            EXPECT_EQ(m.inputDim(), data().d);
        }
        const auto got = m.forward(data().test.X, data().d);
        const auto want = expected(name);
        ASSERT_EQ(got.size(), want.size());
        ASSERT_EQ(got.size(), data().test.rows());
        double scale = 0;
        for (double w : want)
            scale = std::max(scale, std::abs(w));
        ASSERT_GT(scale, 0.0);
        double worst = 0;
        for (std::size_t i = 0; i < got.size(); ++i)
            worst =
                std::max(worst, std::abs(got[i] - want[i]) / std::max(std::abs(want[i]), scale));
        EXPECT_LT(worst, 1e-5);
    }
}

TEST(StudentModel, BadFilesAreRefusedWithTheirReason) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string whole = loadError(models() + "/whole_module.pt");
    EXPECT_NE(whole.find("whole pickled module"), std::string::npos) << whole;
    EXPECT_NE(whole.find("__main__.Net"), std::string::npos) << whole;
    EXPECT_NE(whole.find("torch.save(model.state_dict(), 'model.pt')"), std::string::npos) << whole;
    const std::string d23 = loadError(models() + "/d23.pt");
    EXPECT_NE(d23.find("d = 23"), std::string::npos) << d23;
    EXPECT_NE(d23.find("d = 276"), std::string::npos) << d23;
    EXPECT_NE(loadError(models() + "/truncated.pt").find("truncated"), std::string::npos);
    EXPECT_NE(loadError(models() + "/not_torch.pt").find("not a PyTorch file"), std::string::npos);
    // A data set is a dict of tensors, but not two Linear layers: the message names them.
    const std::string ds = loadError(test::demoDatasetPt());
    EXPECT_NE(ds.find("not the homework's two Linear layers"), std::string::npos) << ds;
    EXPECT_NE(ds.find("X_train [1500, 276]"), std::string::npos) << ds;
    // checkModel reports the same in its row, with the path.
    const ModelCheck c = checkModel(data(), models() + "/d23.pt", {}, nullptr);
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(c.error.rfind(models() + "/d23.pt: ", 0), 0u) << c.error;
}

// Corrupted and truncated copies of a state_dict and of a TorchScript file: each loads and runs
// or is refused with a StudentModelError, never a crash.
TEST(StudentModelFuzz, CorruptedCopiesNeverCrash) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::vector<std::string> originals = {readFile(models() + "/sd_fc.pt"),
                                                readFile(models() + "/scripted.pt")};
    std::mt19937 rng(19);
    const std::string dir = test::freshDir("student_fuzz");
    int rejected = 0, untouched = 0;
    for (int i = 0; i < 300; ++i) {
        std::string bytes = originals[static_cast<std::size_t>(i) % originals.size()];
        const int kind = i % 4;
        if (kind == 0)
            bytes.resize(std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng));
        else if (kind < 3)
            for (int f = 0; f < (kind == 1 ? 1 : 16); ++f)
                bytes[std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng)] =
                    static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
        const std::string path = dir + "/copy.pt";
        writeFileAtomically(path, bytes);
        try {
            const auto y = StudentModel::load(path).forward(data().test.X, data().d);
            EXPECT_EQ(y.size(), data().test.rows());
            untouched += kind == 3;
        } catch (const StudentModelError& e) {
            EXPECT_NE(kind, 3) << e.what();
            ++rejected;
        }
    }
    EXPECT_EQ(untouched, 75);
    EXPECT_GT(rejected, 150);
}

TEST(ModelCheck, HomeworkRecipeInsideTheSpreadAndLr1e5Outside) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    setUpNumerics();
    TrainConfig c;
    c.hidden = 50;
    c.epochs = 40;
    c.lr = 1e-3;
    c.evalEvery = 40;
    TrainOptions o;
    o.threads = 2;
    const Reference ref = trainReference(data(), c, 3, o);
    ASSERT_EQ(ref.seeds.size(), 3u);
    EXPECT_EQ(ref.description, "workbench, p 50, lr 1e-3, 40 epochs, 3 seeds");

    const ModelCheck good = checkModel(data(), models() + "/trained/good.pt", {}, &ref);
    ASSERT_TRUE(good.ok) << good.error;
    EXPECT_EQ(good.scale, OutputScale::Normalized);
    EXPECT_TRUE(good.scaleDetected);
    EXPECT_TRUE(good.inside) << good.verdict;
    EXPECT_EQ(good.verdict.rfind("inside the reference's seed spread", 0), 0u) << good.verdict;

    const ModelCheck slow = checkModel(data(), models() + "/trained/lr1e-5.pt", {}, &ref);
    ASSERT_TRUE(slow.ok) << slow.error;
    EXPECT_FALSE(slow.inside);
    EXPECT_EQ(slow.verdict.rfind("outside", 0), 0u) << slow.verdict;
    EXPECT_GT(slow.test.rmse, 2 * ref.maxRmse());

    // The scale forced to kcal/mol reads normalized outputs as energies: far off, a constant
    // offset of about the labels' mean.
    CheckOptions kcal;
    kcal.scale = OutputScale::Kcal;
    const ModelCheck wrong = checkModel(data(), models() + "/trained/good.pt", kcal, &ref);
    ASSERT_TRUE(wrong.ok);
    EXPECT_FALSE(wrong.inside);
    EXPECT_NE(wrong.verdict.find("constant offset"), std::string::npos) << wrong.verdict;
    // Population std instead of torch's sample std: a slightly different unnormalization.
    CheckOptions pop;
    pop.std = StdKind::Population;
    const ModelCheck p = checkModel(data(), models() + "/trained/good.pt", pop, &ref);
    EXPECT_LT(p.labelStd, good.labelStd);
    EXPECT_NEAR(p.test.rmse, good.test.rmse, 0.05 * good.test.rmse);
}

TEST(ModelCheck, FolderOfFiveGivesFiveRowsWithTwoReasons) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    namespace fs = std::filesystem;
    const std::string dir = test::freshDir("student_folder");
    for (const char* f :
         {"sd_fc.pt", "scripted.pt", "sd_net.pt", "whole_module.pt", "truncated.pt"})
        fs::copy_file(models() + "/" + f, dir + "/" + f);
    const auto files = modelFilesIn(dir);
    ASSERT_EQ(files.size(), 5u);
    std::vector<ModelCheck> rows;
    for (const auto& f : files)
        rows.push_back(checkModel(data(), f, {}, nullptr));
    int good = 0;
    for (const auto& r : rows) {
        good += r.ok;
        if (r.name == "whole_module.pt") {
            EXPECT_NE(r.error.find("whole pickled module"), std::string::npos);
        }
        if (r.name == "truncated.pt") {
            EXPECT_NE(r.error.find("truncated"), std::string::npos);
        }
    }
    EXPECT_EQ(good, 3);
    const std::string csv = dir + "/out/check.csv";
    fs::create_directories(dir + "/out");
    writeCheckCsv(rows, csv);
    const std::string text = readFile(csv);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
    EXPECT_NE(text.find("whole pickled module"), std::string::npos);
}
