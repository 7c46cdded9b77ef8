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
    void onFoldNote(int, const std::string& note) override { notes.push_back(note); }
    void onFoldDone(const qm7::FoldResult& r, bool fromDisk) override {
        done.push_back(r.fold);
        disk.push_back(fromDisk);
    }
    std::size_t folds = 0;
    std::vector<int> started, done;
    std::vector<bool> disk;
    std::vector<std::string> notes;
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

TEST(CvStudy, AFoldOfOtherSettingsIsTrainedAgainAndTheUserTold) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const qm7::MoleculeSource source = demo400();
    qm7::CvStudyConfig config = krrStudy(qm7::test::freshDir("cv_study_fingerprint"));
    config.onlyFold = 1;
    Recorder first;
    const qm7::CvStudyResult a = qm7::runCvStudy(source, config, &first);
    ASSERT_EQ(a.folds.size(), 1u);
    EXPECT_NE(a.folds[0].fingerprint.find("representation sorted"), std::string::npos)
        << a.folds[0].fingerprint;
    EXPECT_TRUE(first.notes.empty());
    EXPECT_GT(a.valMae.mean, 0.0); // the validation MAE of the weights tested, beside the test's

    // Another representation: the fold of sorted matrices is not passed off as Bag of Bonds.
    qm7::CvStudyConfig bob = config;
    bob.settings.representation = qm7::Representation::BagOfBonds;
    Recorder second;
    const qm7::CvStudyResult b = qm7::runCvStudy(source, bob, &second);
    EXPECT_EQ(second.started, (std::vector<int>{1}));
    EXPECT_EQ(second.disk, (std::vector<bool>{false}));
    ASSERT_EQ(second.notes.size(), 1u);
    EXPECT_NE(second.notes[0].find("representation sorted, now bob"), std::string::npos)
        << second.notes[0];
    ASSERT_EQ(b.folds.size(), 1u);
    EXPECT_NE(b.folds[0].test.mae, a.folds[0].test.mae);
    EXPECT_TRUE(fs::exists(fs::path(config.out) / "fold-1" / qm7::kBagLayoutFile));

    // Another seed changes the validation carve: trained again too; the same settings reuse.
    Recorder third;
    qm7::runCvStudy(source, bob, &third);
    EXPECT_TRUE(third.started.empty());
    EXPECT_TRUE(third.notes.empty());
    bob.settings.seed = 5;
    Recorder fourth;
    qm7::runCvStudy(source, bob, &fourth);
    EXPECT_EQ(fourth.started, (std::vector<int>{1}));

    // A paper network's fold of other settings is refused (its checkpoint is of those).
    qm7::CvStudyConfig paper = config;
    paper.model = qm7::CvModel::Paper;
    paper.out = qm7::test::freshDir("cv_study_fingerprint_paper");
    qm7::FoldResult stored = b.folds[0];
    stored.model = qm7::CvModel::Paper;
    stored.fingerprint = "model paper; steps 10";
    fs::create_directories(fs::path(paper.out) / "fold-1");
    qm7::writeFileAtomically((fs::path(paper.out) / "fold-1" / "result.json").string(),
                             qm7::foldResultToJson(stored));
    try {
        qm7::runCvStudy(source, paper);
        ADD_FAILURE() << "a paper fold of other settings was reused";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("steps 10, now 1000000"), std::string::npos)
            << e.what();
    }
}

TEST(CvStudy, ANanFoldIsShownAsFailedAndCounted) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const qm7::MoleculeSource source = demo400();
    qm7::CvStudyConfig config = krrStudy(qm7::test::freshDir("cv_study_nan"));
    config.onlyFold = -1;
    const qm7::CvStudyResult a = qm7::runCvStudy(source, config);
    ASSERT_EQ(a.folds.size(), 4u);
    EXPECT_EQ(a.failed, 0);
    // Fold 2 diverged: its stored errors are NaN (null in result.json).
    qm7::FoldResult diverged = a.folds[2];
    diverged.test.mae = NAN;
    diverged.test.rmse = NAN;
    diverged.test.mse = NAN;
    diverged.valMae = NAN;
    const std::string file = (fs::path(config.out) / "fold-2" / "result.json").string();
    qm7::writeFileAtomically(file, qm7::foldResultToJson(diverged));
    EXPECT_TRUE(qm7::foldResultFromJson(qm7::readFile(file)).failed());
    const qm7::CvStudyResult b = qm7::runCvStudy(source, config);
    ASSERT_EQ(b.folds.size(), 4u); // shown, not dropped
    EXPECT_TRUE(b.folds[2].failed());
    EXPECT_EQ(b.failed, 1);
    EXPECT_EQ(b.mae.n, 3u);
    const std::string csv = qm7::readFile((fs::path(config.out) / "cv.csv").string());
    EXPECT_NE(csv.find("\n2,krr,failed,"), std::string::npos) << csv;
    EXPECT_NE(csv.find("3 of 4 folds"), std::string::npos) << csv;
}
