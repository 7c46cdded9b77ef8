// The cross-validation study behind `qm7 cv` and the workbench's tab: folds trained then read
// back from disk, cv.csv, cancel before and inside the study, folders that do not fit.
#include "qm7/analysis/cv_study.h"

#include "qm7/chem/xyz_reader.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace {

/// Records what the study reports.
struct Recorder : qm7::CvStudyObserver {
    void onPartition(const qm7::CvPartition& p, int) override { folds = p.folds.size(); }
    void onFoldStart(int fold, const qm7::FoldSplit&) override { started.push_back(fold); }
    void onKrrProgress(int done, int total) override {
        ++progress;
        if (cancelAt > 0 && done == cancelAt && control)
            control->cancel = true;
        last = total;
    }
    void onFoldDone(const qm7::FoldResult& r, bool fromDisk) override {
        done.push_back(r.fold);
        disk.push_back(fromDisk);
    }
    std::size_t folds = 0;
    std::vector<int> started, done;
    std::vector<bool> disk;
    int progress = 0, last = 0, cancelAt = 0;
    qm7::TrainControl* control = nullptr;
};

qm7::MoleculeSource demo400() {
    qm7::MoleculeSource s;
    s.molecules = qm7::readXyz(qm7::demoDataPath());
    s.molecules.resize(400);
    return s;
}

qm7::CvStudyConfig krrStudy(const std::string& out) {
    qm7::CvStudyConfig c;
    c.out = out;
    c.sourceName = "demo";
    c.folds = 4;
    c.settings.krr.sigmas = {2000, 8000};
    c.settings.krr.lambdas = {1e-8, 1e-4};
    return c;
}

} // namespace

TEST(CvStudy, TrainsEveryFoldThenReadsThemBack) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const qm7::MoleculeSource source = demo400();
    const qm7::CvStudyConfig config = krrStudy(qm7::test::freshDir("cv_study_krr"));
    Recorder first;
    const qm7::CvStudyResult a = qm7::runCvStudy(source, config, &first);
    EXPECT_FALSE(a.cancelled);
    EXPECT_EQ(first.folds, 4u);
    EXPECT_EQ(first.started, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(first.done, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(first.last, 4); // 2 sigmas x 2 lambdas per fold
    EXPECT_EQ(first.progress, 16);
    ASSERT_EQ(a.folds.size(), 4u);
    EXPECT_EQ(a.mae.n, 4u);
    EXPECT_GT(a.mae.mean, 0.0);
    EXPECT_TRUE(fs::exists(fs::path(config.out) / "cv.csv"));
    EXPECT_TRUE(fs::exists(fs::path(config.out) / "partition.json"));

    Recorder second;
    const qm7::CvStudyResult b = qm7::runCvStudy(source, config, &second);
    EXPECT_TRUE(second.started.empty()); // nothing trained again
    EXPECT_EQ(second.disk, (std::vector<bool>{true, true, true, true}));
    EXPECT_DOUBLE_EQ(b.mae.mean, a.mae.mean);
    EXPECT_DOUBLE_EQ(b.seconds.mean, a.seconds.mean); // the training's time, kept

    qm7::CvStudyConfig other = config;
    other.model = qm7::CvModel::Mlp;
    EXPECT_THROW(qm7::runCvStudy(source, other), std::invalid_argument); // holds a krr result
    other = config;
    other.folds = 5;
    EXPECT_THROW(qm7::runCvStudy(source, other), std::invalid_argument); // 4-fold partition
}

TEST(CvStudy, CancelInsideAFoldLeavesItUnfinishedAndStops) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const qm7::MoleculeSource source = demo400();
    const qm7::CvStudyConfig config = krrStudy(qm7::test::freshDir("cv_study_cancel"));
    qm7::TrainControl control;
    Recorder r;
    r.control = &control;
    r.cancelAt = 2; // the second grid point of fold 0
    const qm7::CvStudyResult s = qm7::runCvStudy(source, config, &r, &control);
    EXPECT_TRUE(s.cancelled);
    EXPECT_TRUE(s.folds.empty());
    EXPECT_EQ(r.started, std::vector<int>{0});
    EXPECT_FALSE(fs::exists(fs::path(config.out) / "fold-0" / "result.json"));
    EXPECT_FALSE(fs::exists(fs::path(config.out) / "fold-0" / "krr.bin"));
    EXPECT_FALSE(fs::exists(fs::path(config.out) / "cv.csv"));
    // Cancelled before it starts: nothing is trained.
    Recorder none;
    const qm7::CvStudyResult t = qm7::runCvStudy(source, config, &none, &control);
    EXPECT_TRUE(t.cancelled);
    EXPECT_TRUE(none.started.empty());
}
