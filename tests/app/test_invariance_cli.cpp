// qm7 invariance (question 8), run as a user runs it, with a tiny network.
#include "test_support.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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
