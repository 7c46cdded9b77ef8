// A notebook's numbers from CSV: pandas' to_csv (its unnamed index column, a quoted header, an
// empty cell for NaN) and numpy.savetxt output written by Python at test time; the columns used
// are said; the learning curve's seeds are averaged as Python averages them and ranked by the
// workbench's own law ranking; bad files give a message naming the problem.
#include "qm7/analysis/notebook_numbers.h"
#include "qm7/io/csv_table.h"
#include "notebook_csvs.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

using namespace qm7;

namespace {

std::string csv(const std::string& name) {
    return (std::filesystem::path(test::notebookCsvs("notebook_csv_")) / name).string();
}

/// The message of the NotebookCsvError the call throws ("" when it does not throw).
template <class F> std::string errorOf(F f) {
    try {
        f();
    } catch (const NotebookCsvError& e) {
        return e.what();
    }
    return {};
}

} // namespace

TEST(CsvTable, QuotesCrlfAndEmptyCells) {
    const CsvTable t =
        parseCsv("\xEF\xBB\xBF,a,\"b, c\",\"d \"\"q\"\"\"\r\n0,1,,x\r\n\r\n1,2,3,y\n");
    ASSERT_EQ(t.header.size(), 4u);
    EXPECT_EQ(t.header[0], "");
    EXPECT_EQ(t.header[2], "b, c");
    EXPECT_EQ(t.header[3], "d \"q\"");
    ASSERT_EQ(t.rows.size(), 2u);
    EXPECT_EQ(t.rows[0][2], "");
    EXPECT_EQ(t.lines[1], 4);
    double v = 0;
    EXPECT_TRUE(csvNumber(" 1.2345e-05 ", v));
    EXPECT_DOUBLE_EQ(v, 1.2345e-05);
    EXPECT_TRUE(csvNumber("", v));
    EXPECT_TRUE(std::isnan(v));
    EXPECT_FALSE(csvNumber("abc", v));
    EXPECT_FALSE(csvNumber("1.5x", v));
    EXPECT_THROW(parseCsv("a,b\n\"1,2\n"), std::runtime_error);
}

TEST(NotebookLosses, PandasWithIndexColumnAndQuotedHeader) {
    const NotebookLosses l = readNotebookLosses(csv("losses_pandas.csv"));
    ASSERT_EQ(l.epoch.size(), 20u);
    ASSERT_EQ(l.train.size(), 20u);
    ASSERT_EQ(l.val.size(), 20u);
    EXPECT_TRUE(l.test.empty());
    for (std::size_t i = 0; i < 20; ++i) {
        const double e = static_cast<double>(i + 1);
        EXPECT_EQ(l.epoch[i], e);
        if (i < 19) {
            EXPECT_DOUBLE_EQ(l.train[i], 1.0 / (e + 1));
        }
        if (i == 3) {
            EXPECT_TRUE(std::isnan(l.val[i])) << "pandas' empty cell is NaN";
        } else {
            EXPECT_DOUBLE_EQ(l.val[i], 1.5 / (e + 1));
        }
    }
    EXPECT_EQ(l.train[19], 1.2345e-05);
    EXPECT_EQ(l.columnsUsed, "epoch from 'epoch', train loss from 'train_loss', validation loss "
                             "from 'val loss, normalized'; the unnamed first column (pandas' "
                             "index) ignored");
}

TEST(NotebookLosses, NumpySavetxtAndKerasWithoutEpoch) {
    const NotebookLosses n = readNotebookLosses(csv("losses_numpy.csv"));
    ASSERT_EQ(n.val.size(), 20u);
    EXPECT_EQ(n.epoch[19], 20.0);
    EXPECT_EQ(n.train[19], 1.2345e-05);
    EXPECT_DOUBLE_EQ(n.val[3], 1.5 / 5);
    EXPECT_EQ(n.columnsUsed,
              "epoch from 'epoch', train loss from 'train_loss', validation loss from 'val_loss'");

    const NotebookLosses k = readNotebookLosses(csv("losses_keras.csv"));
    ASSERT_EQ(k.epoch.size(), 20u);
    EXPECT_EQ(k.epoch[0], 1.0);
    EXPECT_EQ(k.epoch[19], 20.0);
    EXPECT_EQ(k.columnsUsed, "epoch from the row number (1, 2, ...), train loss from 'loss', "
                             "validation loss from 'val_loss'");
}

TEST(NotebookLosses, BadFilesSayWhy) {
    EXPECT_NE(errorOf([] { readNotebookLosses(csv("empty.csv")); }).find("is empty"),
              std::string::npos);
    EXPECT_NE(errorOf([] { readNotebookLosses(csv("header_only.csv")); }).find("no rows"),
              std::string::npos);
    const std::string noLoss = errorOf([] { readNotebookLosses(csv("no_loss.csv")); });
    EXPECT_NE(noLoss.find("no loss column found; its columns are 'epoch', 'lr', 'accuracy'"),
              std::string::npos)
        << noLoss;
    const std::string text = errorOf([] { readNotebookLosses(csv("text_cell.csv")); });
    EXPECT_NE(text.find("line 3, column 'val_loss': 'abc' is not a number"), std::string::npos)
        << text;
    const std::string cut = errorOf([] { readNotebookLosses(csv("truncated.csv")); });
    EXPECT_NE(cut.find("line 4: 3 cells where the header has 4"), std::string::npos) << cut;
    EXPECT_NE(errorOf([] {
                  readNotebookLosses(csv("no_header.csv"));
              }).find("the first line holds numbers, not column names"),
              std::string::npos);
    EXPECT_NE(errorOf([] { readNotebookLosses(csv("absent.csv")); }).find("absent.csv"),
              std::string::npos);
}

TEST(NotebookCurve, SeedsAveragedAsPythonDoesAndRankedLikeTheWorkbench) {
    const NotebookCurve c = readNotebookCurve(csv("curve_pandas.csv"));
    EXPECT_EQ(c.metric, CurveMetric::Mse);
    EXPECT_EQ(c.columnsUsed, "n from 'n', test MSE from 'test_mse', seed from 'seed'; the "
                             "unnamed first column (pandas' index) ignored");
    EXPECT_EQ(c.n.size(), 12u);
    const CsvTable expected = readCsvTable(csv("curve_expected.csv"));
    ASSERT_EQ(c.points.size(), expected.rows.size());
    for (std::size_t i = 0; i < c.points.size(); ++i) {
        EXPECT_EQ(c.points[i].n, std::stod(expected.rows[i][0]));
        EXPECT_NEAR(c.points[i].mean, std::stod(expected.rows[i][1]), 1e-12 * c.points[i].mean);
        EXPECT_GT(c.points[i].std, 0.0);
        EXPECT_EQ(c.rows[i].runs, 3);
    }
    EXPECT_EQ(c.perSeed.size(), 3u);

    const LawRanking r = rankNotebookCurve(c);
    const LawRanking same = rankLaws(c.points, c.perSeed, 4000);
    ASSERT_NE(r.answer(), nullptr);
    EXPECT_EQ(r.answer()->model, same.answer()->model);
    // The points follow 3000 n^-0.5 exactly: a power law (with or without a floor C ~ 0) wins.
    EXPECT_TRUE(r.answer()->model == CurveModel::Power ||
                r.answer()->model == CurveModel::PowerOffset)
        << curveModelName(r.answer()->model);
    EXPECT_NEAR(r.answer()->fit.params[0], 3000, 1e-6);
    EXPECT_NEAR(r.answer()->fit.params[1], 0.5, 1e-9);
    EXPECT_NEAR(r.answer()->band.value, 3000 / std::sqrt(4000.0), 1e-6);
}

TEST(NotebookCurve, RmseColumnIsSquaredPerRow) {
    const NotebookCurve c = readNotebookCurve(csv("curve_numpy_rmse.csv"));
    EXPECT_EQ(c.metric, CurveMetric::Rmse);
    EXPECT_EQ(c.columnsUsed, "n from 'n', test RMSE (squared to MSE per row) from 'test_rmse', "
                             "no seed column (rows of one n are its seeds in order)");
    const CsvTable expected = readCsvTable(csv("curve_expected.csv"));
    ASSERT_EQ(c.points.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_NEAR(c.points[i].mean, std::stod(expected.rows[i][1]), 1e-9 * c.points[i].mean);
    EXPECT_EQ(c.perSeed.size(), 3u);
}

TEST(NotebookCurve, BadFilesSayWhy) {
    EXPECT_NE(errorOf([] { readNotebookCurve(csv("curve_one_size.csv")); }).find("at least two"),
              std::string::npos);
    EXPECT_NE(errorOf([] { readNotebookCurve(csv("curve_negative.csv")); }).find("not positive"),
              std::string::npos);
    const std::string noN = errorOf([] { readNotebookCurve(csv("losses_numpy.csv")); });
    EXPECT_NE(noN.find("no training-size column"), std::string::npos) << noN;
    EXPECT_NE(errorOf([] { readNotebookCurve(csv("empty.csv")); }).find("is empty"),
              std::string::npos);
}
