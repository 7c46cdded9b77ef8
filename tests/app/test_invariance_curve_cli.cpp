// qm7 invariance --curve run as a user runs it: two KRR models at three sizes on the demo
// molecules, the table and slopes printed, curves.csv and curves.md written, the figure drawn by
// qm7-workbench (when built), a rerun reading every point; bad sizes, models and options exit 2.
#include "qm7/analysis/model_curves.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace {

std::string withWorkbench(const std::string& command) {
#ifdef QM7_WORKBENCH
    return "QM7_WORKBENCH=" QM7_WORKBENCH " " + command;
#else
    return command;
#endif
}

} // namespace

TEST(InvarianceCurveCli, TwoModelsThreeSizesTableSlopesAndFigure) {
    const std::string dir = qm7::test::freshDir("invariance_curve_cli");
    const std::string command = qm7::test::cliPath() +
                                " invariance --curve --models krr-sorted,krr-bob --sizes "
                                "50,100,200 --out " +
                                dir;
    std::string out;
#ifdef QM7_WORKBENCH
    const int rc = qm7::test::runCommand(withWorkbench(command), &out);
#else
    const int rc = qm7::test::runCommand(command + " --no-figures", &out);
#endif
    if (out.find("demo data (qm7.xyz.gz) was not found") != std::string::npos)
        GTEST_SKIP() << "the bundled demo data is absent";
    ASSERT_EQ(rc, 0) << out;
    const auto curves = qm7::collectModelCurves(dir);
    ASSERT_EQ(curves.size(), 2u);
    for (const qm7::ModelCurve& c : curves) {
        ASSERT_EQ(c.points.size(), 3u);
        char slope[64];
        std::snprintf(slope, sizeof slope, "slope %6.3f", c.slope());
        EXPECT_NE(out.find(c.label), std::string::npos) << out;
        EXPECT_NE(out.find(slope), std::string::npos) << slope << "\n" << out;
    }
    EXPECT_EQ(qm7::readFile(dir + "/curves.csv"), qm7::modelCurvesCsv(curves));
    EXPECT_EQ(qm7::readFile(dir + "/curves.md"), qm7::modelCurvesMarkdown(curves));
#ifdef QM7_WORKBENCH
    EXPECT_GT(fs::file_size(dir + "/figures/learning_curves.png"), 10000u);
    EXPECT_TRUE(fs::exists(dir + "/figures/learning_curves.svg"));
#endif
    // A rerun trains nothing: every point comes from disk.
    ASSERT_EQ(qm7::test::runCommand(command + " --no-figures", &out), 0) << out;
    int fromDisk = 0;
    for (std::size_t at = out.find("(from disk)"); at != std::string::npos;
         at = out.find("(from disk)", at + 1))
        ++fromDisk;
    EXPECT_EQ(fromDisk, 6) << out;
}

TEST(InvarianceCurveCli, BadSizesModelsAndOptionsExitTwoAndTrainNothing) {
    const std::string dir = qm7::test::freshDir("invariance_curve_bad");
    const std::string base = qm7::test::cliPath() + " invariance --out " + dir + " ";
    struct Case {
        std::string args, says;
    } cases[] = {{"--curve --sizes 200,100", "must increase"},
                 {"--curve --sizes 100,lots", "'lots'"},
                 {"--curve --models krr-sorted,svm", "unknown model 'svm'"},
                 {"--curve --fold 7", "test fold"},
                 {"--sizes 100,200", "need --curve"},
                 {"--curve --folds 5", "--curve takes"}};
    for (const Case& c : cases) {
        std::string out;
        EXPECT_EQ(qm7::test::runCommand(base + c.args, &out), 2) << c.args << "\n" << out;
        EXPECT_NE(out.find(c.says), std::string::npos) << c.args << "\n" << out;
    }
    EXPECT_TRUE(qm7::collectModelCurves(dir).empty());
}
