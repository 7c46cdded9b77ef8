// qm7 curve --verify and qm7 homework --verify: measured points at larger n in the output and
// in report.md, and a clear refusal (before any training) for a source with too few rows.
#include "test_support.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using qm7::test::cliPath;
using qm7::test::runCommand;

namespace {

std::string fileText(const std::string& path) {
    std::string out;
    runCommand("cat '" + path + "'", &out);
    return out;
}

} // namespace

TEST(CurveVerifyCli, MeasuresAtLargerNOnTheDemoMolecules) {
    const std::string dir = qm7::test::freshDir("curve-verify-" + std::to_string(::getpid()));
    std::string out;
    const int code = runCommand(cliPath() + " curve --data demo --out '" + dir +
                                    "' --epochs 6 --hidden 16 --eval-every 3 --seeds 2 "
                                    "--sizes 50,100,200,400 --verify 1600,2000 --threads 1",
                                &out);
    ASSERT_EQ(code, 0) << out;
    EXPECT_NE(out.find("laws ranked by forward validation"), std::string::npos) << out;
    EXPECT_NE(out.find("n = 2000: measured"), std::string::npos) << out;
    EXPECT_TRUE(fs::exists(dir + "/verify/n02000-seed1/summary.json"));
    const std::string verify = fileText(dir + "/verify.csv");
    EXPECT_NE(verify.find("\n2000,2,"), std::string::npos) << verify;
    const std::string fits = fileText(dir + "/fits.csv");
    EXPECT_NE(fits.find("forward_ln_error"), std::string::npos) << fits;
    // Exactly one law is the answer, or none; never one with a non-positive prediction.
    EXPECT_NE(out.find("answer: "), std::string::npos) << out;
}

TEST(CurveVerifyCli, HomeworkReportShowsTheMeasuredPoints) {
    const std::string dir = qm7::test::freshDir("homework-verify-" + std::to_string(::getpid()));
    std::string out;
    const int code = runCommand(cliPath() + " homework --data demo --out '" + dir +
                                    "' --epochs 6 --hidden 16 --eval-every 3 --seeds 2 "
                                    "--lrs 1e-3 --sizes 50,100,200,400 --verify 1600 "
                                    "--threads 1 --no-figures",
                                &out);
    ASSERT_EQ(code, 0) << out;
    const std::string md = fileText(dir + "/report.md");
    EXPECT_NE(md.find("### Measured at larger n"), std::string::npos) << md;
    EXPECT_NE(md.find("| 1600 |"), std::string::npos) << md;
    EXPECT_TRUE(md.find("**Answer.**") != std::string::npos ||
                md.find("**No answer.**") != std::string::npos)
        << md;
}

TEST(CurveVerifyCli, DatasetPtWithTooFewRowsIsRefusedBeforeTraining) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string dir = qm7::test::freshDir("curve-verify-pt-" + std::to_string(::getpid()));
    std::string out;
    ASSERT_EQ(qm7::test::runPython("make_datasets.py", {dir}, &out), 0) << out;
    const int code = runCommand(cliPath() + " curve --data '" + dir + "/good.pt' --out '" + dir +
                                    "/out' --epochs 2 --hidden 8 --sizes 20,40 --verify 2000,4000",
                                &out);
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find("has 60 training rows"), std::string::npos) << out;
    EXPECT_NE(out.find("needs 4000"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(dir + "/out/n00020-seed0")) << "nothing may be trained";
}
