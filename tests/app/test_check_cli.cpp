// qm7 check as a student and a teaching assistant run it: models written by Python at test time,
// one file with a trained reference, bad files with exit code 2, a folder with one row per file.
#include "qm7/util/atomic_file.h"
#include "notebook_csvs.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace {

const std::string& models() {
    return qm7::test::studentModels("check_cli_models_");
}

int check(const std::string& args, std::string* out) {
    return qm7::test::runCommand(qm7::test::cliPath() + " check --data " +
                                     qm7::test::demoDatasetPt() + " " + args + " 2>&1",
                                 out);
}

} // namespace

TEST(CheckCli, OneModelBesideATrainedReference) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    std::string out;
    ASSERT_EQ(
        check("--model " + models() + "/trained/good.pt --epochs 30 --seeds 2 --threads 2", &out),
        0)
        << out;
    EXPECT_NE(out.find("state_dict: Linear 276->30, ReLU, Linear 30->1 (fc1, fc2"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("normalized (detected"), std::string::npos) << out;
    EXPECT_NE(out.find("workbench, p 30, lr 1e-3, 30 epochs, 2 seeds"), std::string::npos) << out;
    EXPECT_NE(out.find("verdict    inside the reference's seed spread"), std::string::npos) << out;
}

TEST(CheckCli, BadModelsExitWithCode2AndTheReason) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"whole_module.pt", "torch.save(model.state_dict(), 'model.pt')"},
        {"d23.pt", "d = 23"},
        {"truncated.pt", "truncated"},
        {"not_torch.pt", "not a PyTorch file"}};
    for (const auto& [file, why] : cases) {
        std::string out;
        EXPECT_EQ(check("--model " + models() + "/" + file + " --reference none", &out), 2)
            << file << ": " << out;
        EXPECT_NE(out.find(why), std::string::npos) << file << ": " << out;
    }
    std::string out;
    EXPECT_EQ(check("--model " + models() + "/sd_fc.pt --scale grams", &out), 2) << out;
}

TEST(CheckCli, FolderOfFiveGivesFiveRowsAndACsv) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string dir = qm7::test::freshDir("check_cli_folder");
    for (const char* f : {"sd_layer.pt", "traced.pt", "sd_hidden.pt", "d23.pt", "not_torch.pt"})
        fs::copy_file(models() + "/" + f, dir + "/" + f);
    std::string out;
    const std::string csv = qm7::test::freshDir("check_cli_csv") + "/rows.csv";
    ASSERT_EQ(check("--models " + dir + " --reference none --csv " + csv, &out), 0) << out;
    EXPECT_NE(out.find("5 file(s), 3 checked, 2 unreadable"), std::string::npos) << out;
    for (const char* f : {"sd_layer.pt", "traced.pt", "sd_hidden.pt", "d23.pt", "not_torch.pt"})
        EXPECT_NE(out.find(f), std::string::npos) << out;
    EXPECT_NE(out.find("d = 23"), std::string::npos) << out;
    EXPECT_NE(out.find("not a PyTorch file"), std::string::npos) << out;
    const std::string text = qm7::readFile(csv);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6) << text;
}

namespace {

std::string notebookCsv(const std::string& name) {
    return qm7::test::notebookCsvs("check_cli_csv_") + "/" + name;
}

int checkNumbers(const std::string& args, std::string* out) {
    return qm7::test::runCommand(qm7::test::cliPath() + " check " + args + " 2>&1", out);
}

} // namespace

TEST(CheckCli, NotebookLossesAndCurveSayWhatWasReadAndRankTheCurve) {
    std::string out;
    ASSERT_EQ(checkNumbers("--losses " + notebookCsv("losses_pandas.csv") + " --curve " +
                               notebookCsv("curve_pandas.csv"),
                           &out),
              0)
        << out;
    EXPECT_NE(out.find("columns    epoch from 'epoch', train loss from 'train_loss', validation "
                       "loss from 'val loss, normalized'"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("train      first 0.5, last 1.2345e-05"), std::string::npos) << out;
    EXPECT_NE(out.find("columns    n from 'n', test MSE from 'test_mse', seed from 'seed'"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find(" 100: 300 ± 15 (3)"), std::string::npos) << out;
    EXPECT_NE(out.find("laws ranked by forward validation"), std::string::npos) << out;
    EXPECT_NE(out.find("A n^-b"), std::string::npos) << out;
}

TEST(CheckCli, BadNotebookCsvsExitWithCode2AndTheReason) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--losses empty.csv", "is empty"},
        {"--losses no_loss.csv", "no loss column found; its columns are 'epoch', 'lr'"},
        {"--losses text_cell.csv", "'abc' is not a number"},
        {"--losses truncated.csv", "cut short"},
        {"--curve curve_one_size.csv", "at least two"},
        {"--curve losses_numpy.csv", "no training-size column"}};
    for (const auto& [args, why] : cases) {
        const auto space = args.find(' ');
        std::string out;
        EXPECT_EQ(
            checkNumbers(args.substr(0, space + 1) + notebookCsv(args.substr(space + 1)), &out), 2)
            << args << ": " << out;
        EXPECT_NE(out.find(why), std::string::npos) << args << ": " << out;
    }
    std::string out;
    EXPECT_EQ(checkNumbers("--curve " + notebookCsv("curve_pandas.csv") + " --target 0", &out), 2);
    EXPECT_EQ(checkNumbers("--model x.pt --losses " + notebookCsv("losses_pandas.csv"), &out), 2);
}
