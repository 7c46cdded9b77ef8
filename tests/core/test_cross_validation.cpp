// Cross-validation: partitions, the validation carve, one fold of KRR on real molecules.
#include "qm7/analysis/cross_validation.h"

#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/xyz_reader.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

namespace fs = std::filesystem;

TEST(CrossValidation, SeededPartitionCoversEveryMoleculeOnce) {
    const qm7::CvPartition p = qm7::seededPartition(103, 5, 7);
    ASSERT_EQ(p.folds.size(), 5u);
    std::set<int> all;
    for (const auto& f : p.folds) {
        EXPECT_TRUE(f.size() == 20u || f.size() == 21u) << f.size();
        all.insert(f.begin(), f.end());
    }
    EXPECT_EQ(all.size(), 103u);
    EXPECT_EQ(*all.begin(), 0);
    EXPECT_EQ(*all.rbegin(), 102);
    EXPECT_EQ(qm7::validatePartition(p), 0);
    EXPECT_EQ(qm7::seededPartition(103, 5, 7).folds, p.folds);
    EXPECT_NE(qm7::seededPartition(103, 5, 8).folds, p.folds);
    EXPECT_THROW(qm7::seededPartition(3, 5, 0), std::invalid_argument);
    EXPECT_THROW(qm7::seededPartition(30, 1, 0), std::invalid_argument);
}

TEST(CrossValidation, BrokenPartitionsAreRejected) {
    qm7::CvPartition p;
    p.molecules = 4;
    p.folds = {{0, 1}, {1, 2}};
    EXPECT_THROW(qm7::validatePartition(p), std::invalid_argument); // 1 twice
    p.folds = {{0, 1}, {2}};
    EXPECT_EQ(qm7::validatePartition(p), 1); // 3 in no fold: allowed, not used
    p.folds = {{0, 1}, {2, 7}};
    EXPECT_THROW(qm7::validatePartition(p), std::invalid_argument); // out of range
    p.folds = {{0, 1}, {2, 3}};
    EXPECT_EQ(qm7::validatePartition(p), 0);
    const qm7::CvPartition back = qm7::partitionFromJson(qm7::partitionToJson(p));
    EXPECT_EQ(back.folds, p.folds);
    EXPECT_THROW(qm7::partitionFromJson("{\"folds\": [[0]]}"), std::runtime_error);
}

TEST(CrossValidation, ValidationIsCarvedFromTheTrainingFolds) {
    const qm7::CvPartition p = qm7::seededPartition(200, 4, 1);
    for (int k = 0; k < 4; ++k) {
        const qm7::FoldSplit s = qm7::foldSplit(p, k, 0.1, 3);
        EXPECT_EQ(s.test, p.folds[static_cast<std::size_t>(k)]);
        EXPECT_EQ(s.val.size(), 15u); // 10% of 150
        EXPECT_EQ(s.train.size(), 135u);
        std::set<int> seen(s.test.begin(), s.test.end());
        for (int i : s.val)
            EXPECT_TRUE(seen.insert(i).second) << i;
        for (int i : s.train)
            EXPECT_TRUE(seen.insert(i).second) << i;
        EXPECT_EQ(seen.size(), 200u);
    }
    EXPECT_NE(qm7::foldSplit(p, 0, 0.1, 3).val, qm7::foldSplit(p, 0, 0.1, 4).val);
    EXPECT_THROW(qm7::foldSplit(p, 4, 0.1, 0), std::invalid_argument);
    EXPECT_THROW(qm7::foldSplit(p, 0, 1.0, 0), std::invalid_argument);
}

TEST(CrossValidation, KrrFoldOnDemoMoleculesBeatsTheMeanByFar) {
    const std::string demo = qm7::demoDataPath();
    if (demo.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    std::vector<qm7::Molecule> molecules = qm7::readXyz(demo);
    molecules.resize(900);
    const qm7::CvPartition p = qm7::seededPartition(900, 3, 0);
    const qm7::FoldSplit split = qm7::foldSplit(p, 1, 0.1, 0);
    qm7::CvSettings settings;
    settings.krr.sigmas = {1000, 4000};
    settings.krr.lambdas = {1e-8, 1e-4};
    const std::string dir = qm7::test::freshDir("cv_krr_fold");
    const qm7::FoldResult r = qm7::runFold(molecules, split, 1, qm7::CvModel::Krr, settings, dir);
    EXPECT_EQ(r.testRows, 300);
    EXPECT_EQ(r.trainRows + r.valRows, 600);
    double mean = 0;
    for (int i : split.train)
        mean += molecules[static_cast<std::size_t>(i)].energy / split.train.size();
    double meanMae = 0;
    for (int i : split.test)
        meanMae += std::fabs(molecules[static_cast<std::size_t>(i)].energy - mean) / 300.0;
    EXPECT_LT(r.test.mae, meanMae / 5) << r.test.mae << " vs mean predictor " << meanMae;
    EXPECT_GT(r.test.mae, 0.0);
    for (const char* f :
         {"result.json", "krr.bin", "model.json", "krr_grid.csv", "cv_predictions.csv"})
        EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f;
    const qm7::FoldResult back =
        qm7::foldResultFromJson(qm7::readFile((fs::path(dir) / "result.json").string()));
    EXPECT_EQ(back.fold, 1);
    EXPECT_DOUBLE_EQ(back.test.mae, r.test.mae);
    EXPECT_NE(r.detail.find("sigma"), std::string::npos);
}

TEST(CrossValidation, MeanStdAndAnchors) {
    const qm7::MeanStd m = qm7::meanStd({1.0, 2.0, 3.0});
    EXPECT_DOUBLE_EQ(m.mean, 2.0);
    EXPECT_DOUBLE_EQ(m.std, 1.0);
    EXPECT_EQ(qm7::meanStd({5.0}).std, 0.0);
    bool paper = false;
    for (const auto& a : qm7::publishedAnchors())
        paper = paper || (a.mae == 3.51 && a.rmse == 5.96);
    EXPECT_TRUE(paper);
    EXPECT_THROW(qm7::parseCvModel("svm"), std::invalid_argument);
}

namespace {

/// Sleeps once on the training thread: a fold whose training takes a known minimum time.
class SlowStart : public qm7::DeepObserver {
  public:
    void onProgress(long long, long long, double seconds) override {
        if (!m_slept) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
            m_slept = true;
        }
        m_seconds = seconds;
    }
    double m_seconds = 0;

  private:
    bool m_slept = false;
};

} // namespace

TEST(CrossValidation, AResumedPaperFoldReportsItsWholeTrainingTime) {
    const std::string demo = qm7::demoDataPath();
    if (demo.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    std::vector<qm7::Molecule> molecules = qm7::readXyz(demo);
    molecules.resize(400);
    const qm7::CvPartition p = qm7::seededPartition(400, 4, 0);
    qm7::FoldSplit split = qm7::foldSplit(p, 0, 0.1, 0);
    split.train.resize(100);
    qm7::CvSettings settings;
    settings.paper.steps = 200;
    settings.paper.evalEvery = 100;
    SlowStart slow;
    settings.paperOptions.observer = &slow;
    const std::string dir = qm7::test::freshDir("cv_paper_time");
    const qm7::FoldResult first =
        qm7::runFold(molecules, split, 0, qm7::CvModel::Paper, settings, dir);
    ASSERT_FALSE(first.cancelled);
    ASSERT_GE(slow.m_seconds, 1.5); // the training itself took at least the sleep
    EXPECT_GE(first.seconds, slow.m_seconds);
    // Killed after the last checkpoint, before result.json: the rerun only tests the finished
    // network, yet the fold's time is the training's, not the few seconds of the rerun.
    fs::remove(fs::path(dir) / "result.json");
    qm7::CvSettings quiet = settings;
    quiet.paperOptions.observer = nullptr;
    const qm7::FoldResult again =
        qm7::runFold(molecules, split, 0, qm7::CvModel::Paper, quiet, dir);
    EXPECT_DOUBLE_EQ(again.test.mae, first.test.mae);
    EXPECT_GE(again.seconds, slow.m_seconds);
    const qm7::FoldResult stored =
        qm7::foldResultFromJson(qm7::readFile((fs::path(dir) / "result.json").string()));
    EXPECT_NEAR(stored.seconds, again.seconds, 1e-9);
    EXPECT_NE(qm7::readFile((fs::path(dir) / "result.json").string()).find("train_seconds"),
              std::string::npos);
}

TEST(CrossValidation, OldResultFilesWithoutTrainingTimeStillRead) {
    const std::string old = R"({"cancelled": false, "detail": "d", "fold": 0, "model": "%s",
        "seconds": 1.06, "test_mae": 3.9, "test_max_error": 110, "test_mse": 41.4,
        "test_r2": 0.99, "test_rmse": 6.4, "test_rows": 1421, "train_rows": 5112,
        "val_mae": 2.6, "val_rows": 568})";
    char text[512];
    std::snprintf(text, sizeof text, old.c_str(), "paper");
    const qm7::FoldResult paper = qm7::foldResultFromJson(text);
    EXPECT_TRUE(std::isnan(paper.seconds)); // maybe only a resume's time: unknown
    EXPECT_DOUBLE_EQ(paper.test.mae, 3.9);
    std::snprintf(text, sizeof text, old.c_str(), "krr");
    EXPECT_DOUBLE_EQ(qm7::foldResultFromJson(text).seconds, 1.06); // trained in one go
}
