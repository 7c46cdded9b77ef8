// qm7 invariance (question 8), run as a user runs it, with a tiny network: one split, and
// --folds K (cross-validation studies of each representation and the paper network, one table).
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

TEST(InvarianceCli, TableAndCsvForEveryRepresentation) {
    const std::string dir = qm7::test::freshDir("invariance_cli");
    std::string out;
    const int rc =
        qm7::test::runCommand(qm7::test::cliPath() +
                                  " invariance --from demo --split 300,100,200 --epochs 3 "
                                  "--hidden 32 --seeds 0,1 --permutations 2 --draws 3 --out " +
                                  dir,
                              &out);
    if (out.find("demo data (qm7.xyz.gz) was not found") != std::string::npos)
        GTEST_SKIP() << "the bundled demo data is absent";
    ASSERT_EQ(rc, 0) << out;
    for (const char* rep : {"cm ", "sorted ", "eigen ", "random-sorted "})
        EXPECT_NE(out.find(rep), std::string::npos) << rep << "\n" << out;
    EXPECT_NE(out.find("invariance error"), std::string::npos) << out;
    std::ifstream csv(fs::path(dir) / "invariance.csv");
    ASSERT_TRUE(csv.good());
    std::string header, line;
    std::getline(csv, header);
    EXPECT_EQ(header, "representation,seed,d,test_rmse,test_mae,invariance_mean_abs,"
                      "invariance_max_abs,permutations,seconds");
    int lines = 0;
    double cmChange = 0, eigenChange = -1;
    while (std::getline(csv, line)) {
        ++lines;
        std::stringstream ss(line);
        std::vector<std::string> cells;
        std::string cell;
        while (std::getline(ss, cell, ','))
            cells.push_back(cell);
        ASSERT_EQ(cells.size(), 9u) << line;
        if (cells[0] == "cm")
            cmChange = std::stod(cells[5]);
        if (cells[0] == "eigen")
            eigenChange = std::stod(cells[5]);
    }
    EXPECT_EQ(lines, 8); // 4 representations x 2 seeds
    EXPECT_GT(cmChange, 0.01);
    EXPECT_GE(eigenChange, 0.0);
    EXPECT_LT(eigenChange, 1e-3);
    EXPECT_TRUE(fs::exists(fs::path(dir) / "invariance.txt"));
}

TEST(InvarianceCli, BadArgumentsExitWithTwo) {
    const std::string dir = qm7::test::freshDir("invariance_cli_bad");
    for (const std::string& args :
         {"--from demo --representations cm,bag --out " + dir,
          "--from demo --permutations 0 --out " + dir, "--from demo --epochs -3 --out " + dir,
          "--from " + dir + "/missing.xyz --out " + dir,
          "--from " + dir + "/data.pt --out " + dir}) {
        std::string out;
        EXPECT_EQ(qm7::test::runCommand(qm7::test::cliPath() + " invariance " + args, &out), 2)
            << args << "\n"
            << out;
    }
}

namespace {

/// The cells of a CSV line (no quoted commas in the rows read here).
std::vector<std::string> csvCells(const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ','))
        cells.push_back(cell);
    return cells;
}

/// The representation,network rows (not the published anchors) of comparison.csv.
std::vector<std::vector<std::string>> comparisonRows(const std::string& dir) {
    std::ifstream csv(fs::path(dir) / "comparison.csv");
    std::string line;
    std::getline(csv, line);
    std::vector<std::vector<std::string>> rows;
    while (std::getline(csv, line)) {
        if (line.find(",published,") == std::string::npos)
            rows.push_back(csvCells(line));
    }
    return rows;
}

} // namespace

TEST(InvarianceCli, FoldsCompareRepresentationsAndThePaperNetworkOnTheSameFolds) {
    const std::string dir = qm7::test::freshDir("invariance_cli_folds");
    const std::string command = qm7::test::cliPath() +
                                " invariance --from demo --folds 3 --train-size 200 --epochs 5 "
                                "--representations sorted,eigen --paper-steps 200 --threads 1 "
                                "--out " +
                                dir;
    std::string out;
    const int rc = qm7::test::runCommand(command, &out);
    if (out.find("demo data (qm7.xyz.gz) was not found") != std::string::npos)
        GTEST_SKIP() << "the bundled demo data is absent";
    ASSERT_EQ(rc, 0) << out;
    ASSERT_TRUE(fs::exists(fs::path(dir) / "comparison.md")) << out;
    const auto rows = comparisonRows(dir);
    ASSERT_EQ(rows.size(), 3u) << out; // sorted, eigen, the paper's network
    EXPECT_EQ(rows[0][0], "sorted");
    EXPECT_EQ(rows[1][0], "eigen");
    EXPECT_EQ(rows[2][0], "random-sorted + expanded");
    EXPECT_EQ(rows[2][12], "cv-paper");
    for (const auto& r : rows) {
        ASSERT_EQ(r.size(), 13u);
        EXPECT_EQ(r[2], "3") << "folds done";
        EXPECT_EQ(r[4], "0") << "folds failed";
        const double mae = std::stod(r[5]), rmse = std::stod(r[9]), val = std::stod(r[7]);
        EXPECT_TRUE(std::isfinite(mae) && mae > 0) << r[5];
        EXPECT_TRUE(std::isfinite(val) && val > 0) << r[7] << ": the validation MAE beside";
        EXPECT_GE(rmse, mae);
        EXPECT_GT(std::stod(r[11]), 0.0) << "seconds per fold";
    }
    EXPECT_NE(out.find("| sorted | 1 x 1000 (mlp) |"), std::string::npos) << out;
    EXPECT_NE(out.find("MLP, random-sorted + expanded | 3.51 | 5.96"), std::string::npos) << out;

    // Every study on the same folds.
    const std::string partition = qm7::readFile(dir + "/cv-mlp-sorted/partition.json");
    EXPECT_EQ(qm7::readFile(dir + "/cv-mlp-eigen/partition.json"), partition);
    EXPECT_EQ(qm7::readFile(dir + "/cv-paper/partition.json"), partition);

    // A rerun trains nothing: the same numbers, every fold reused.
    const std::string before = qm7::readFile(dir + "/comparison.csv");
    std::string again;
    ASSERT_EQ(qm7::test::runCommand(command, &again), 0) << again;
    EXPECT_EQ(again.find("training on"), std::string::npos) << again;
    EXPECT_NE(again.find("3 reused from disk, 0 trained now"), std::string::npos) << again;
    const auto rerun = comparisonRows(dir);
    ASSERT_EQ(rerun.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (int c : {4, 5, 6, 7})
            EXPECT_EQ(rerun[i][static_cast<std::size_t>(c)], rows[i][static_cast<std::size_t>(c)]);
}

TEST(InvarianceCli, FoldOptionsCheckedBeforeTraining) {
    const std::string dir = qm7::test::freshDir("invariance_cli_folds_bad");
    for (const std::string& args :
         {"--folds 1 --out " + dir, "--folds 3 --representations cm,bag --out " + dir,
          "--folds 3 --paper-steps -5 --out " + dir, "--no-paper --out " + dir,
          "--folds 3 --no-paper --representations '' --out " + dir}) {
        std::string out;
        EXPECT_EQ(
            qm7::test::runCommand(qm7::test::cliPath() + " invariance --from demo " + args, &out),
            2)
            << args << "\n"
            << out;
        EXPECT_FALSE(fs::exists(fs::path(dir) / "cv-paper")) << args;
    }
}

TEST(InvarianceCli, BagOfBondsPredictionsDoNotMoveWhenAtomsAreRelabelled) {
    const std::string dir = qm7::test::freshDir("invariance_cli_bob");
    std::string out;
    const int rc = qm7::test::runCommand(
        qm7::test::cliPath() +
            " invariance --from demo --split 300,100,200 --epochs 3 --hidden 32 "
            "--representations cm,bob --permutations 3 --out " +
            dir,
        &out);
    if (out.find("demo data (qm7.xyz.gz) was not found") != std::string::npos)
        GTEST_SKIP() << "the bundled demo data is absent";
    ASSERT_EQ(rc, 0) << out;
    std::ifstream csv(fs::path(dir) / "invariance.csv");
    std::string line;
    std::getline(csv, line);
    std::map<std::string, double> change;
    while (std::getline(csv, line)) {
        std::stringstream ss(line);
        std::vector<std::string> cells;
        for (std::string cell; std::getline(ss, cell, ',');)
            cells.push_back(cell);
        ASSERT_EQ(cells.size(), 9u) << line;
        change[cells[0]] = std::stod(cells[5]);
    }
    ASSERT_EQ(change.size(), 2u) << out;
    // Sorted bags of pair terms: a relabelling gives the same vector, the same prediction.
    EXPECT_EQ(change["bob"], 0.0);
    // The raw Coulomb matrix follows the atom order: predictions move.
    EXPECT_GT(change["cm"], 1e-3);
}
