// The check dialog on models written by Python at test time: one model beside a trained
// reference (the table's numbers are core's, the parity plot holds its predictions), a whole
// pickled module refused with its reason, a folder of five files in five rows, the menu actions.
#include "qm7ui/check_dialog.h"
#include "qm7ui/parity_view.h"

#include "qm7/analysis/model_check.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"
#include "ui_wait.h"

#include <QAction>
#include <QMainWindow>
#include <QMenu>
#include <QSignalSpy>
#include <gtest/gtest.h>

#include <filesystem>

using qm7::ui::CheckDialog;

namespace {

const std::string& models() {
    return qm7::test::studentModels("check_dialog_models_");
}

qm7::ui::DatasetPtr demo() {
    static const auto d = std::make_shared<const qm7::Dataset>(qm7::test::demoDataset());
    return d;
}

bool finish(CheckDialog& d) {
    return qm7::test::waitUntil([&d] { return !d.isBusy(); }, 120000);
}

} // namespace

TEST(CheckDialog, OneModelBesideTheReferenceWithItsParityPlot) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    CheckDialog dialog([] { return demo(); });
    dialog.setReference(true, 30, 1e-3, 2);
    QSignalSpy done(&dialog, &CheckDialog::checkFinished);
    const QString good = QString::fromStdString(models() + "/trained/good.pt");
    ASSERT_TRUE(dialog.checkFile(good));
    EXPECT_FALSE(dialog.checkFile(good)); // one check at a time
    ASSERT_TRUE(finish(dialog));
    ASSERT_EQ(done.count(), 1);
    const qm7::ModelCheck core = qm7::checkModel(*demo(), good.toStdString(), {}, nullptr);
    ASSERT_TRUE(core.ok);
    EXPECT_EQ(qm7::test::cellText(dialog.metricsTable(), 0, 0),
              QString::number(core.test.rmse, 'f', 2));
    EXPECT_EQ(qm7::test::cellText(dialog.metricsTable(), 1, 0),
              QString::number(core.test.mae, 'f', 2));
    EXPECT_FALSE(qm7::test::cellText(dialog.metricsTable(), 0, 1).isEmpty());
    EXPECT_NE(qm7::test::cellText(dialog.metricsTable(), 0, 1), "-");
    EXPECT_TRUE(dialog.verdictText().contains("inside the reference's seed spread"))
        << dialog.verdictText().toStdString();
    EXPECT_TRUE(dialog.statusText().contains("fc1, fc2")) << dialog.statusText().toStdString();
    ASSERT_TRUE(dialog.parity()->run());
    EXPECT_EQ(dialog.parity()->run()->testPred, core.testPred);

    ASSERT_TRUE(dialog.checkFile(QString::fromStdString(models() + "/whole_module.pt")));
    ASSERT_TRUE(finish(dialog));
    EXPECT_TRUE(dialog.statusText().contains("whole pickled module"))
        << dialog.statusText().toStdString();
    EXPECT_TRUE(dialog.statusText().contains("torch.save(model.state_dict()"));
}

TEST(CheckDialog, FolderOfFiveInFiveRowsWithTheReasons) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string dir = qm7::test::freshDir("check_dialog_folder");
    for (const char* f : {"sd_net.pt", "scripted.pt", "deep_scripted.pt", "d23.pt", "truncated.pt"})
        std::filesystem::copy_file(models() + "/" + f, dir + "/" + f);
    CheckDialog dialog([] { return demo(); });
    dialog.setReference(false, 30, 1e-3, 1);
    ASSERT_TRUE(dialog.checkFolder(QString::fromStdString(dir)));
    ASSERT_TRUE(finish(dialog));
    QTableWidget* t = dialog.folderTable();
    ASSERT_EQ(t->rowCount(), 5);
    int unreadable = 0;
    for (int r = 0; r < 5; ++r) {
        const QString name = qm7::test::cellText(t, r, 0);
        const QString why = qm7::test::cellText(t, r, 4);
        if (qm7::test::cellText(t, r, 1) == "unreadable") {
            ++unreadable;
            EXPECT_TRUE(name == "d23.pt" || name == "truncated.pt") << name.toStdString();
            EXPECT_TRUE(why.contains(name == "d23.pt" ? "d = 23" : "truncated"))
                << why.toStdString();
        } else {
            EXPECT_FALSE(qm7::test::cellText(t, r, 2).isEmpty());
        }
    }
    EXPECT_EQ(unreadable, 2);
    const std::string csv = dir + "/rows.csv";
    ASSERT_TRUE(dialog.exportCsv(QString::fromStdString(csv)));
    const std::string text = qm7::readFile(csv);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
}

TEST(CheckDialog, MenuActionsAndNoDataMessage) {
    QMainWindow window;
    QMenu* file = new QMenu(&window);
    CheckDialog::attach(&window, file, [] { return qm7::ui::DatasetPtr(); });
    QStringList texts;
    for (QAction* a : file->actions())
        texts << a->text();
    EXPECT_TRUE(texts.contains("Open a &PyTorch model…")) << texts.join("|").toStdString();
    CheckDialog dialog([] { return qm7::ui::DatasetPtr(); });
    EXPECT_FALSE(dialog.checkFile("model.pt"));
    EXPECT_TRUE(dialog.statusText().contains("Load the data set"));
}
