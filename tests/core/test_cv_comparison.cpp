// The comparison table of cross-validation studies (comparison.csv / comparison.md) and the
// race-free creation of partition.json; the plan of a comparison (folders, networks, checks).
#include "qm7/analysis/cv_comparison.h"

#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace {

qm7::CvStudyResult study(const std::vector<double>& maes, const std::vector<double>& rmses,
                         const std::vector<bool>& disk) {
    qm7::CvStudyResult s;
    std::vector<double> seconds, valMaes;
    for (std::size_t i = 0; i < maes.size(); ++i) {
        qm7::FoldResult r;
        r.fold = static_cast<int>(i);
        r.test.mae = maes[i];
        r.test.rmse = rmses[i];
        r.valMae = maes[i] - 1;
        valMaes.push_back(r.valMae);
        r.seconds = 10.0 * static_cast<double>(i + 1);
        seconds.push_back(r.seconds);
        s.folds.push_back(r);
    }
    s.fromDisk = disk;
    s.mae = qm7::meanStd(maes);
    s.rmse = qm7::meanStd(rmses);
    s.valMae = qm7::meanStd(valMaes);
    s.seconds = qm7::meanStd(seconds);
    return s;
}

} // namespace

TEST(CvComparison, RowsSummariseTheStudies) {
    const auto row = qm7::comparisonRow("sorted", "1 x 1000 (mlp)", "cv-mlp-sorted", 5,
                                        study({10, 12, 14}, {15, 17, 19}, {true, false, true}));
    EXPECT_EQ(row.foldsDone, 3);
    EXPECT_EQ(row.foldsTotal, 5);
    EXPECT_EQ(row.foldsReused, 2);
    EXPECT_DOUBLE_EQ(row.mae.mean, 12);
    EXPECT_DOUBLE_EQ(row.mae.std, 2);
    EXPECT_DOUBLE_EQ(row.rmse.mean, 17);
    EXPECT_DOUBLE_EQ(row.seconds.mean, 20);
}

TEST(CvComparison, WritesCsvAndMarkdownWithTheAnchors) {
    const std::string dir = qm7::test::freshDir("cv_comparison");
    std::vector<qm7::CvComparisonRow> rows = {
        qm7::comparisonRow("sorted", "1 x 1000 (mlp)", "cv-mlp-sorted", 3,
                           study({10, 12, 14}, {15, 17, 19}, {false, false, false})),
        qm7::comparisonRow("random-sorted + expanded", "paper 400-100", "cv-paper", 3,
                           study({4}, {6}, {false})),
        qm7::comparisonRow("eigen", "1 x 1000 (mlp)", "cv-mlp-eigen", 3, study({}, {}, {})),
    };
    qm7::writeComparison(dir, "Title", rows, qm7::publishedAnchors());
    const std::string csv = qm7::readFile(dir + "/comparison.csv");
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "representation,network,folds_done,folds,folds_failed,mae_mean,mae_std,"
                    "val_mae_mean,val_mae_std,rmse_mean,rmse_std,seconds_per_fold,folder");
    std::getline(in, line);
    EXPECT_EQ(line, "sorted,1 x 1000 (mlp),3,3,0,12,2,11,2,17,2,20,cv-mlp-sorted");
    std::getline(in, line);
    EXPECT_EQ(line, "random-sorted + expanded,paper 400-100,1,3,0,4,0,3,0,6,0,10,cv-paper");
    std::getline(in, line);
    EXPECT_EQ(line, "eigen,1 x 1000 (mlp),0,3,0,,,,,,,,cv-mlp-eigen") << "no fold: empty cells";
    int anchors = 0;
    while (std::getline(in, line))
        anchors += line.find(",published,") != std::string::npos ? 1 : 0;
    EXPECT_EQ(anchors, static_cast<int>(qm7::publishedAnchors().size()));
    EXPECT_NE(csv.find("\"MLP, random-sorted + expanded\",published,,,,3.51,,,,5.96"),
              std::string::npos)
        << csv;

    const std::string md = qm7::readFile(dir + "/comparison.md");
    EXPECT_EQ(md.rfind("# Title\n", 0), 0u);
    EXPECT_NE(md.find("| sorted | 1 x 1000 (mlp) | 12.00 ± 2.00 | 11.00 ± 2.00 | 17.00 ± 2.00 | "
                      "3/3 | 20.0 |"),
              std::string::npos)
        << md;
    EXPECT_NE(
        md.find("| random-sorted + expanded | paper 400-100 | 4.00 | 3.00 | 6.00 | 1/3 | 10.0 |"),
        std::string::npos)
        << md;
    EXPECT_NE(md.find("| eigen | 1 x 1000 (mlp) | - | - | - | 0/3 | - |"), std::string::npos) << md;
    EXPECT_NE(md.find("| MLP, random-sorted + expanded | 3.51 | 5.96 |"), std::string::npos);
}

TEST(CvComparison, SamePartitionComparesFoldsAndMolecules) {
    const qm7::CvPartition a = qm7::seededPartition(100, 5, 0);
    EXPECT_TRUE(qm7::samePartition(a, qm7::seededPartition(100, 5, 0)));
    EXPECT_FALSE(qm7::samePartition(a, qm7::seededPartition(100, 5, 1)));
    EXPECT_FALSE(qm7::samePartition(a, qm7::seededPartition(101, 5, 0)));
}

TEST(AtomicFile, CreateIfAbsentCreatesOnceAmongRacingThreads) {
    const std::string dir = qm7::test::freshDir("create_if_absent");
    const std::string path = dir + "/partition.json";
    std::vector<std::thread> threads;
    std::vector<int> created(8, 0);
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            created[static_cast<std::size_t>(t)] =
                qm7::createFileIfAbsent(path, std::string(4096, static_cast<char>('a' + t))) ? 1
                                                                                             : 0;
        });
    for (auto& th : threads)
        th.join();
    int winners = 0, winner = -1;
    for (int t = 0; t < 8; ++t)
        if (created[static_cast<std::size_t>(t)]) {
            ++winners;
            winner = t;
        }
    ASSERT_EQ(winners, 1);
    EXPECT_EQ(qm7::readFile(path), std::string(4096, static_cast<char>('a' + winner)));
    EXPECT_FALSE(qm7::createFileIfAbsent(path, "other"));
    EXPECT_EQ(qm7::readFile(path).size(), 4096u);
    std::size_t leftovers = 0;
    for (const auto& e : fs::directory_iterator(dir))
        leftovers += e.path().filename() != "partition.json" ? 1 : 0;
    EXPECT_EQ(leftovers, 0u) << "temporary files left behind";
    EXPECT_THROW(qm7::createFileIfAbsent(dir + "/missing/x.json", "x"), std::runtime_error);
}

TEST(CvComparison, PlanPutsEachStudyInItsFolderAndChecksTheSettings) {
    qm7::CvComparisonSettings s;
    s.sourceName = "demo";
    s.out = "cmp";
    s.folds = 3;
    s.trainSize = 200;
    s.seed = 7;
    s.representations = {qm7::Representation::Sorted, qm7::Representation::Eigenspectrum};
    s.mlp.hidden = 64;
    s.paperSteps = 500;
    const auto plan = qm7::planComparison(s);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_EQ(plan[0].representation, "sorted");
    EXPECT_EQ(plan[0].network, "1 x 64 (mlp)");
    EXPECT_EQ(plan[0].folder, "cv-mlp-sorted");
    EXPECT_EQ(fs::path(plan[0].config.out), fs::path("cmp") / "cv-mlp-sorted");
    EXPECT_EQ(plan[0].config.model, qm7::CvModel::Mlp);
    EXPECT_EQ(plan[0].config.settings.mlp.seed, 7u);
    EXPECT_EQ(plan[1].config.settings.representation, qm7::Representation::Eigenspectrum);
    EXPECT_EQ(plan[2].folder, "cv-paper");
    EXPECT_EQ(plan[2].config.model, qm7::CvModel::Paper);
    EXPECT_EQ(plan[2].config.settings.paper.steps, 500);
    EXPECT_NE(plan[2].network.find("500 steps"), std::string::npos) << plan[2].network;
    for (const auto& p : plan) {
        EXPECT_EQ(p.config.folds, 3);
        EXPECT_EQ(p.config.trainSize, 200);
    }
    EXPECT_EQ(qm7::comparisonTitle(s),
              "Representations x networks, 3-fold cross-validation on demo");

    s.paper = false;
    EXPECT_EQ(qm7::planComparison(s).size(), 2u);
    auto bad = s;
    bad.folds = 1;
    EXPECT_THROW(qm7::planComparison(bad), std::invalid_argument);
    bad = s;
    bad.trainSize = -1;
    EXPECT_THROW(qm7::planComparison(bad), std::invalid_argument);
    bad = s;
    bad.mlp.epochs = 0;
    EXPECT_THROW(qm7::planComparison(bad), std::invalid_argument);
    bad = s;
    bad.representations.clear();
    EXPECT_THROW(qm7::planComparison(bad), std::invalid_argument);
}
