// The Cross-validation tab: controls, the live table of folds with mean ± std and the
// published anchors, progress with ETA, cancel. The numbers come from core (cv_study.h).
#include "qm7ui/cv_view.h"

#include "qm7ui/cv_compare.h"
#include "qm7ui/message_line.h"
#include "qm7ui/model_curves_view.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/data_panel.h"

#include "qm7/util/atomic_file.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <exception>

namespace qm7::ui {

namespace {

const QString kFolderKey = QStringLiteral("cv/dir");
enum Column { Fold, Train, Val, Test, Mae, ValMae, Rmse, Time, Chosen, Columns };

QString number(double v) {
    return v > 0 && std::isfinite(v) ? QString::number(v, 'f', 2) : QStringLiteral("-");
}

QTableWidgetItem* item(const QString& text, bool right = true) {
    return tableCell(text, right);
}

} // namespace

CvView::CvView(QWidget* parent) : QWidget(parent), m_runner(new CvRunner(this)) {
    m_model = new QComboBox(this);
    m_model->setObjectName(QStringLiteral("cvModel"));
    m_model->addItem(tr("Kernel ridge regression"), static_cast<int>(qm7::CvModel::Krr));
    m_model->addItem(tr("One hidden layer network"), static_cast<int>(qm7::CvModel::Mlp));
    m_model->addItem(tr("Paper's network (Montavon 2012)"), static_cast<int>(qm7::CvModel::Paper));
    m_model->addItem(tr("Invariant network (SchNet-like, Schütt 2018)"),
                     static_cast<int>(qm7::CvModel::Invariant));
    m_model->setItemData(0,
                         tr("Laplacian kernel on sorted Coulomb matrices, as in Hansen et al., "
                            "J. Chem. Theory Comput. 9, 3404 (2013), about 3 kcal/mol on QM7; "
                            "sigma and lambda chosen on the validation part (24 grid points). "
                            "Minutes per fold with every training molecule, seconds with a few "
                            "hundred."),
                         Qt::ToolTipRole);
    m_model->setItemData(1, tr("p 1000, ReLU, Adam, the homework's settings. Minutes per fold."),
                         Qt::ToolTipRole);
    m_model->setItemData(2,
                         tr("2100 -> 400 -> 100 -> 1 on randomly sorted, expanded Coulomb "
                            "matrices, 1,000,000 SGD steps: about 30 minutes per fold on 2 "
                            "cores. Checkpoints every 3 minutes; Run again resumes."),
                         Qt::ToolTipRole);
    m_representation = new QComboBox(this);
    m_representation->setObjectName(QStringLiteral("cvRepresentation"));
    m_representation->addItem(tr("Sorted Coulomb matrix"),
                              static_cast<int>(qm7::Representation::Sorted));
    m_representation->addItem(tr("Bag of Bonds"),
                              static_cast<int>(qm7::Representation::BagOfBonds));
    m_representation->setItemData(
        1,
        tr("Per element pair, the sorted list of Z_i Z_j / |R_i - R_j|: invariant to the order "
           "of the atoms (Hansen et al., J. Phys. Chem. Lett. 6, 2326 (2015), about 1.5 "
           "kcal/mol on QM7 with a Laplacian kernel)"),
        Qt::ToolTipRole);
    m_folds = new QSpinBox(this);
    m_folds->setObjectName(QStringLiteral("cvFolds"));
    m_folds->setRange(2, 20);
    m_folds->setValue(5);
    m_trainSize = new QSpinBox(this);
    m_trainSize->setObjectName(QStringLiteral("cvTrainSize"));
    m_trainSize->setRange(0, 1000000);
    m_trainSize->setSingleStep(100);
    m_trainSize->setSpecialValueText(tr("all"));
    m_trainSize->setToolTip(tr("Training molecules per fold (the first n of the training part); "
                               "all = every molecule of the other folds but the validation "
                               "part"));
    m_sourceLabel = new QLabel(this);
    m_sourceLabel->setWordWrap(true);
    m_folder = new QLineEdit(this);
    m_folder->setObjectName(QStringLiteral("cvFolder"));
    m_browse = new QPushButton(tr("Browse…"), this);
    QPushButton* browse = m_browse;
    m_resultsLabel = new QLabel(this);
    m_resultsLabel->setObjectName(QStringLiteral("cvResultsDir"));
    m_resultsLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_run = new QPushButton(tr("Run"), this);
    m_run->setObjectName(QStringLiteral("cvRun"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cvCancel"));
    m_compareButton = new QPushButton(tr("Compare representations…"), this);
    m_compareButton->setObjectName(QStringLiteral("cvCompare"));
    m_curvesButton = new QPushButton(tr("Learning curves…"), this);
    m_curvesButton->setObjectName(QStringLiteral("cvCurves"));
    m_curvesButton->setToolTip(tr("Test MAE against training molecules for several models, "
                                  "with each slope (the field's learning-curve figure)"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("cvProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progressText = new QLabel(this);
    m_progressText->setObjectName(QStringLiteral("cvProgressText"));
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("cvMessage"));
    m_message->setWordWrap(true);
    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("cvTable"));
    m_table->setColumnCount(Columns);
    m_table->setHorizontalHeaderLabels({tr("Fold"), tr("Train"), tr("Val"), tr("Test"),
                                        tr("MAE kcal/mol"), tr("Val MAE"), tr("RMSE kcal/mol"),
                                        tr("Time"), tr("Chosen / source")});
    m_table->verticalHeader()->hide();
    // Rows as tall as their text: a published result's source wraps onto a second line.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    // Numbers take what they need; the hyperparameters and sources get the rest.
    const QFontMetrics fm(m_table->font());
    const int pad = 3 * fm.horizontalAdvance(QLatin1Char('0'));
    const QString widest[] = {tr("mean ± std"),
                              QStringLiteral("000000"),
                              QStringLiteral("0000"),
                              QStringLiteral("00000"),
                              QStringLiteral("000.00 ± 00.00"),
                              QStringLiteral("000.00 ± 00.00"),
                              QStringLiteral("000.00 ± 00.00"),
                              QStringLiteral("00 min 00 s")};
    for (int c = Fold; c < Chosen; ++c)
        m_table->setColumnWidth(
            c, std::max(fm.horizontalAdvance(widest[c]),
                        fm.horizontalAdvance(m_table->horizontalHeaderItem(c)->text())) +
                   pad);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);

    auto* form = new QFormLayout;
    auto* modelRow = new QHBoxLayout;
    modelRow->addWidget(m_model);
    modelRow->addWidget(new QLabel(tr("on"), this));
    modelRow->addWidget(m_representation);
    modelRow->addStretch();
    form->addRow(tr("Model"), modelRow);
    auto* sizes = new QHBoxLayout;
    sizes->addWidget(m_folds);
    sizes->addWidget(new QLabel(tr("Training size"), this));
    sizes->addWidget(m_trainSize);
    sizes->addStretch();
    form->addRow(tr("Folds"), sizes);
    form->addRow(tr("Molecules"), m_sourceLabel);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browse);
    form->addRow(tr("Results under"), folderRow);
    form->addRow(tr("This run"), m_resultsLabel);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_progress, 1);
    buttons->addWidget(m_compareButton);
    buttons->addWidget(m_curvesButton);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_progressText);
    layout->addWidget(m_message);
    layout->addWidget(m_table, 1);

    const QString saved = QSettings().value(kFolderKey).toString();
    m_folder->setText(saved.isEmpty() ? QDir::current().filePath(QStringLiteral("cv")) : saved);
    connect(m_run, &QPushButton::clicked, this, [this] { run(); });
    connect(m_cancel, &QPushButton::clicked, this, &CvView::cancel);
    connect(m_compareButton, &QPushButton::clicked, this, [this] { compare(); });
    connect(m_curvesButton, &QPushButton::clicked, this, [this] { learningCurves(); });
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(
            this, tr("Folder for cross-validation results"), outputFolder());
        if (!dir.isEmpty())
            setOutputFolder(dir);
    });
    connect(m_folder, &QLineEdit::editingFinished, this,
            [this] { setOutputFolder(m_folder->text()); });
    for (QSpinBox* spin : {m_folds, m_trainSize})
        connect(spin, qOverload<int>(&QSpinBox::valueChanged), this, &CvView::showFromDisk);
    for (QComboBox* combo : {m_model, m_representation})
        connect(combo, qOverload<int>(&QComboBox::currentIndexChanged), this,
                &CvView::showFromDisk);
    connect(m_runner, &CvRunner::partitionReady, this,
            [this](int molecules, const QString& origin) {
                setMessage(tr("%1 molecules, %2 folds (%3); results in %4")
                               .arg(molecules)
                               .arg(m_folds->value())
                               .arg(origin, QDir::toNativeSeparators(resultsDir())));
            });
    connect(m_runner, &CvRunner::foldStarted, this, &CvView::onFoldStarted);
    connect(m_runner, &CvRunner::foldProgress, this, &CvView::onFoldProgress);
    connect(m_runner, &CvRunner::foldDone, this, &CvView::showFold);
    connect(m_runner, &CvRunner::finished, this, &CvView::onFinished);
    setSource(QString());
}

CvView::~CvView() {
    // Losing focus as the widgets are torn down, the folder field emits editingFinished after
    // this object is gone: no slot of this view may run then. The runner's destructor cancels
    // and joins the study.
    m_folder->disconnect(this);
}

void CvView::setSource(const QString& source) {
    m_source = source;
    if (source.isEmpty())
        m_sourceLabel->setText(tr("none loaded"));
    else
        m_sourceLabel->setText(source == QLatin1String("demo") ? tr("the demo molecules")
                                                               : QDir::toNativeSeparators(source));
    showFromDisk();
}

void CvView::setDefaultFolder(const QString& dir) {
    if (QSettings().value(kFolderKey).toString().isEmpty() && !dir.isEmpty())
        m_folder->setText(dir);
    showFromDisk();
}

void CvView::setOutputFolder(const QString& dir) {
    m_folder->setText(dir);
    if (!dir.isEmpty())
        QSettings().setValue(kFolderKey, dir);
    showFromDisk();
}

QString CvView::outputFolder() const {
    return m_folder->text().trimmed();
}

QString CvView::sourceStem() const {
    const QString stem =
        m_source == QLatin1String("demo") ? m_source : QFileInfo(m_source).baseName();
    return stem.isEmpty() ? QStringLiteral("molecules") : stem;
}

QString CvView::folderName(const QString& kind) const {
    QString name = QStringLiteral("%1-%2-k%3").arg(kind, sourceStem()).arg(m_folds->value());
    if (m_trainSize->value() > 0)
        name += QStringLiteral("-n%1").arg(m_trainSize->value());
    return QDir(outputFolder()).filePath(name);
}

QString CvView::resultsDir() const {
    QString kind = QStringLiteral("cv-") + QString::fromStdString(qm7::cvModelName(model()));
    // Sorted matrices keep the folder name they had before the choice existed.
    if (usesRepresentation() && representation() != qm7::Representation::Sorted)
        kind +=
            QLatin1Char('-') + QString::fromStdString(qm7::representationName(representation()));
    return folderName(kind);
}

QString CvView::compareDir() const {
    return folderName(QStringLiteral("compare"));
}

QString CvView::curvesDir() const {
    return QDir(outputFolder()).filePath(QStringLiteral("learning-curves-") + sourceStem());
}

ModelCurvesView* CvView::learningCurves() {
    if (!m_curves)
        m_curves = new ModelCurvesView(this);
    if (!m_curves->isRunning())
        m_curves->setStudy(m_source, curvesDir());
    m_curves->show();
    m_curves->raise();
    return m_curves;
}

CvCompareView* CvView::compareView() {
    if (!m_compare)
        m_compare = new CvCompareView(this);
    return m_compare;
}

CvCompareView* CvView::compare() {
    compareView();
    if (!m_compare->isRunning())
        m_compare->setStudy(m_source, m_folds->value(), m_trainSize->value(), compareDir());
    m_compare->show();
    m_compare->raise();
    if (!m_compare->isRunning())
        m_compare->run();
    return m_compare;
}

void CvView::setModel(qm7::CvModel model) {
    m_model->setCurrentIndex(m_model->findData(static_cast<int>(model)));
}

qm7::CvModel CvView::model() const {
    return static_cast<qm7::CvModel>(m_model->currentData().toInt());
}

void CvView::setRepresentation(qm7::Representation representation) {
    m_representation->setCurrentIndex(m_representation->findData(static_cast<int>(representation)));
}

qm7::Representation CvView::representation() const {
    return static_cast<qm7::Representation>(m_representation->currentData().toInt());
}

bool CvView::usesRepresentation() const {
    return model() == qm7::CvModel::Krr || model() == qm7::CvModel::Mlp;
}

void CvView::setFolds(int folds) {
    m_folds->setValue(folds);
}

void CvView::setTrainSize(int n) {
    m_trainSize->setValue(n);
}

QString CvView::message() const {
    return m_message->text();
}

void CvView::setMessage(const QString& text, bool error) {
    setMessageLine(m_message, text, error);
}

qm7::CvStudyConfig CvView::studyConfig() const {
    qm7::CvStudyConfig c;
    c.out = resultsDir().toStdString();
    c.sourceName = m_source.toStdString();
    c.folds = m_folds->value();
    c.model = model();
    if (usesRepresentation())
        c.settings.representation = representation();
    c.trainSize = m_trainSize->value();
    return c;
}

bool CvView::run(QString* error) {
    QString why;
    if (isRunning())
        why = tr("A cross-validation is already running.");
    else if (m_source.isEmpty())
        why = tr("Load molecules first: File > Load demo data, or File > Build from molecules "
                 "(.xyz, .mat).");
    else if (!DataPanel::buildsFromMolecules(m_source))
        why = tr("Cross-validation needs molecules, to split them into folds: %1 holds only "
                 "feature rows. Load the demo molecules (File > Load demo data) or build from "
                 "an .xyz or qm7.mat (File > Build from molecules, Ctrl+M).")
                  .arg(QFileInfo(m_source).fileName());
    else if (outputFolder().isEmpty())
        why = tr("Choose a folder for the results.");
    if (!why.isEmpty()) {
        setMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    showFromDisk();
    CvJob job;
    job.source = m_source;
    job.study = studyConfig();
    m_runningFold = -1;
    m_progress->setValue(0);
    m_progressText->setText(tr("Reading the molecules…"));
    m_runner->start(job);
    setMessage(tr("Running; finished folds in %1 are read, not trained again.")
                   .arg(QDir::toNativeSeparators(resultsDir())));
    updateControls();
    return true;
}

void CvView::cancel() {
    if (!isRunning())
        return;
    m_runner->cancel();
    m_progressText->setText(tr("Cancelling: the running fold stops at its next step…"));
}

void CvView::buildTable() {
    const int k = m_folds->value();
    const auto anchors = qm7::publishedAnchors();
    m_table->clearSpans();
    m_table->setRowCount(k + 2 + static_cast<int>(anchors.size()));
    for (int f = 0; f < k; ++f) {
        m_table->setItem(f, Fold, item(QString::number(f)));
        for (int c = Train; c < Columns; ++c)
            m_table->setItem(f, c, item(c == Chosen ? tr("waiting") : QString(), c != Chosen));
    }
    QFont bold = m_table->font();
    bold.setBold(true);
    m_table->setItem(k, Fold, item(tr("mean ± std"), false));
    m_table->setSpan(k, Fold, 1, Mae);
    for (int c = Train; c < Columns; ++c)
        m_table->setItem(k, c, item(QString(), c != Chosen));
    for (int c = 0; c < Columns; ++c)
        m_table->item(k, c)->setFont(bold);
    m_table->setSpan(k + 1, 0, 1, Columns);
    auto* header = item(tr("Published on QM7 (7165 molecules), each with its setting; the demo "
                           "molecules are 7101 of them with PBE0 labels"),
                        false);
    header->setFont(bold);
    header->setBackground(palette().alternateBase());
    m_table->setItem(k + 1, 0, header);
    for (std::size_t i = 0; i < anchors.size(); ++i) {
        const int row = k + 2 + static_cast<int>(i);
        m_table->setItem(row, Fold, item(QString::fromStdString(anchors[i].method), false));
        m_table->setSpan(row, Fold, 1, Mae); // the method's name over fold .. test
        m_table->setItem(row, Mae, item(number(anchors[i].mae)));
        m_table->setItem(row, ValMae, item(QString()));
        m_table->setItem(row, Rmse, item(number(anchors[i].rmse)));
        m_table->setItem(row, Time, item(QString()));
        m_table->setItem(row, Chosen, item(QString::fromStdString(anchors[i].source), false));
        m_table->item(row, Chosen)->setToolTip(QString::fromStdString(anchors[i].source));
        for (int c : {Fold, Mae, Rmse, Time, Chosen})
            m_table->item(row, c)->setForeground(palette().placeholderText());
    }
    m_done.assign(static_cast<std::size_t>(k), qm7::FoldResult{});
    for (auto& d : m_done)
        d.fold = -1;
}

void CvView::showFromDisk() {
    if (isRunning())
        return;
    buildTable();
    if (m_source.isEmpty() || !DataPanel::buildsFromMolecules(m_source)) {
        m_run->setToolTip(QString());
        setMessage(m_source.isEmpty()
                       ? tr("Load molecules to cross-validate: File > Load demo data, or File > "
                            "Build from molecules (.xyz, .mat).")
                       : tr("Cross-validation needs molecules: %1 is a dataset.pt of feature "
                            "rows. Load the demo molecules (File > Load demo data) or build "
                            "from an .xyz or qm7.mat (File > Build from molecules, Ctrl+M).")
                             .arg(QFileInfo(m_source).fileName()),
                   !m_source.isEmpty());
        m_resultsLabel->setText(QString());
        updateControls();
        return;
    }
    m_resultsLabel->setText(QDir::toNativeSeparators(resultsDir()));
    int found = 0;
    for (int f = 0; f < m_folds->value(); ++f) {
        const QString file =
            QDir(resultsDir()).filePath(QStringLiteral("fold-%1/result.json").arg(f));
        if (!QFileInfo::exists(file))
            continue;
        try {
            const qm7::FoldResult r = qm7::foldResultFromJson(qm7::readFile(file.toStdString()));
            if (r.model != model() || r.cancelled)
                continue;
            showFold(r, true);
            ++found;
        } catch (const std::exception& e) {
            setMessage(
                tr("%1: %2").arg(QDir::toNativeSeparators(file), QString::fromStdString(e.what())),
                true);
            updateControls();
            return;
        }
    }
    setMessage(
        found == m_folds->value()
            ? tr("All %1 folds are finished in this folder (read from disk).").arg(found)
        : found > 0
            ? tr("%1 of %2 folds are finished in this folder; Run trains the others.")
                  .arg(found)
                  .arg(m_folds->value())
            : tr("Press Run: %1 folds of %2.").arg(m_folds->value()).arg(m_model->currentText()));
    updateControls();
}

void CvView::showFold(const qm7::FoldResult& r, bool fromDisk) {
    if (r.fold < 0 || r.fold >= static_cast<int>(m_done.size()))
        return;
    m_done[static_cast<std::size_t>(r.fold)] = r;
    const int row = r.fold;
    m_table->item(row, Train)->setText(QString::number(r.trainRows));
    m_table->item(row, Val)->setText(QString::number(r.valRows));
    m_table->item(row, Test)->setText(QString::number(r.testRows));
    // A failed fold (NaN: the model diverged) says so; it is not in the mean.
    m_table->item(row, Mae)->setText(r.failed() ? tr("failed (NaN)")
                                                : QString::number(r.test.mae, 'f', 2));
    m_table->item(row, ValMae)
        ->setText(std::isfinite(r.valMae) ? QString::number(r.valMae, 'f', 2)
                                          : QStringLiteral("-"));
    m_table->item(row, Rmse)->setText(r.failed() ? QStringLiteral("NaN")
                                                 : QString::number(r.test.rmse, 'f', 2));
    m_table->item(row, Time)->setText(durationText(r.seconds));
    m_table->item(row, Chosen)
        ->setText(QString::fromStdString(r.detail) + (fromDisk ? tr(" (from disk)") : QString()));
    if (r.fold == m_runningFold) {
        m_runningFold = -1;
        m_progress->setValue(m_progress->maximum());
    }
    updateMean();
    Q_EMIT foldShown(r.fold, fromDisk);
}

void CvView::updateMean() {
    std::vector<double> mae, rmse, val, seconds;
    int failed = 0;
    for (const qm7::FoldResult& r : m_done) {
        if (r.fold < 0)
            continue;
        failed += r.failed() ? 1 : 0;
        mae.push_back(r.failed() ? NAN : r.test.mae);
        rmse.push_back(r.failed() ? NAN : r.test.rmse);
        val.push_back(r.failed() ? NAN : r.valMae);
        seconds.push_back(r.seconds);
    }
    const int row = m_folds->value();
    if (mae.empty()) {
        for (int c = Train; c < Columns; ++c)
            m_table->item(row, c)->setText(QString());
        return;
    }
    const qm7::MeanStd m = qm7::meanStd(mae), r = qm7::meanStd(rmse), t = qm7::meanStd(seconds),
                       v = qm7::meanStd(val);
    m_table->item(row, Mae)->setText(
        QStringLiteral("%1 ± %2").arg(m.mean, 0, 'f', 2).arg(m.std, 0, 'f', 2));
    m_table->item(row, ValMae)
        ->setText(v.n > 0 ? QStringLiteral("%1 ± %2").arg(v.mean, 0, 'f', 2).arg(v.std, 0, 'f', 2)
                          : QStringLiteral("-"));
    m_table->item(row, Rmse)->setText(
        QStringLiteral("%1 ± %2").arg(r.mean, 0, 'f', 2).arg(r.std, 0, 'f', 2));
    m_table->item(row, Time)->setText(t.n > 0 ? durationText(t.mean) : QStringLiteral("-"));
    m_table->item(row, Chosen)
        ->setText(
            failed > 0
                ? tr("over %1 of %2 folds; %3 failed (NaN)").arg(m.n).arg(mae.size()).arg(failed)
                : tr("over %n fold(s)", nullptr, static_cast<int>(mae.size())));
}

void CvView::onFoldStarted(int fold, int train, int val, int test) {
    m_runningFold = fold;
    m_foldClock.start();
    m_etaDone = -1;
    m_progress->setValue(0);
    if (fold >= 0 && fold < static_cast<int>(m_done.size())) {
        m_table->item(fold, Train)->setText(QString::number(train));
        m_table->item(fold, Val)->setText(QString::number(val));
        m_table->item(fold, Test)->setText(QString::number(test));
        m_table->item(fold, Chosen)->setText(tr("training…"));
    }
    std::vector<double> seconds;
    for (const qm7::FoldResult& r : m_done)
        if (r.fold >= 0)
            seconds.push_back(r.seconds);
    const qm7::MeanStd before = qm7::meanStd(seconds);
    m_progressText->setText(
        tr("Fold %1 of %2: preparing…").arg(fold + 1).arg(m_folds->value()) +
        (before.n > 0 ? tr(" (a fold took %1 so far)").arg(durationText(before.mean)) : QString()));
}

void CvView::onFoldProgress(int fold, double done, double total, const QString& text) {
    if (fold != m_runningFold || total <= 0)
        return;
    const double ms = static_cast<double>(m_foldClock.elapsed());
    QString eta;
    if (m_etaDone < 0) {
        // A resumed paper network starts at its checkpoint's step: measure from there; the
        // other models from the start of the fold.
        const bool resumed =
            (model() == qm7::CvModel::Paper || model() == qm7::CvModel::Invariant) &&
            done > 0.02 * total;
        m_etaDone = resumed ? done : 0;
        m_etaMs = resumed ? ms : 0;
    }
    const double rate = (done - m_etaDone) / std::max(1.0, ms - m_etaMs);
    if (rate > 0 && done < total)
        eta = tr(", about %1 left").arg(durationText((total - done) / rate / 1000.0));
    m_progressText->setText(
        tr("Fold %1 of %2: %3%4").arg(fold + 1).arg(m_folds->value()).arg(text, eta));
    if (fold >= 0 && fold < static_cast<int>(m_done.size()))
        m_table->item(fold, Chosen)
            ->setText(
                tr("training… %1%").arg(100.0 * done / total, 0, 'f', total >= 10000 ? 1 : 0));
    m_progress->setValue(static_cast<int>(std::lround(1000.0 * done / total))); // last
}

void CvView::onFinished(const CvOutcome& outcome) {
    if (m_runningFold >= 0 && m_runningFold < static_cast<int>(m_done.size()))
        m_table->item(m_runningFold, Chosen)
            ->setText(outcome.cancelled ? tr("cancelled") : tr("not finished"));
    m_runningFold = -1;
    const QString dir = QDir::toNativeSeparators(resultsDir());
    if (!outcome.error.isEmpty()) {
        m_progressText->setText(QString());
        setMessage(tr("Cross-validation failed: %1").arg(outcome.error), true);
    } else if (outcome.cancelled) {
        m_progressText->setText(tr("Cancelled."));
        setMessage(tr("Cancelled. The %n finished fold(s) are kept in %1; Run continues from "
                      "there (the paper's network resumes from its last checkpoint).",
                      nullptr, outcome.folds)
                       .arg(dir));
    } else {
        m_progress->setValue(m_progress->maximum());
        m_progressText->clear(); // the message below says "Done" (once)
        setMessage(tr("Done: %1 folds, test MAE %2 ± %3 kcal/mol, RMSE %4 ± %5; cv.csv and the "
                      "folds are in %6.")
                       .arg(outcome.folds)
                       .arg(outcome.mae.mean, 0, 'f', 2)
                       .arg(outcome.mae.std, 0, 'f', 2)
                       .arg(outcome.rmse.mean, 0, 'f', 2)
                       .arg(outcome.rmse.std, 0, 'f', 2)
                       .arg(dir));
    }
    updateControls();
    Q_EMIT finished(outcome);
}

void CvView::updateControls() {
    const bool running = isRunning();
    const bool molecules = !m_source.isEmpty() && DataPanel::buildsFromMolecules(m_source);
    m_run->setEnabled(!running && molecules);
    m_compareButton->setEnabled(molecules);
    m_cancel->setEnabled(running);
    for (QWidget* w : {static_cast<QWidget*>(m_model), static_cast<QWidget*>(m_folds),
                       static_cast<QWidget*>(m_trainSize), static_cast<QWidget*>(m_folder),
                       static_cast<QWidget*>(m_browse)})
        w->setEnabled(!running);
    m_representation->setEnabled(!running && usesRepresentation());
    m_representation->setToolTip(
        usesRepresentation() ? tr("What the model reads of each molecule")
        : model() == qm7::CvModel::Paper
            ? tr("The paper's network reads randomly sorted, expanded Coulomb matrices")
            : tr("The invariant network reads the atoms and their distances"));
}

CvView* addCrossValidationTab(QTabWidget* tabs, DataPanel* data, const QString& projectDir) {
    auto* view = new CvView(tabs);
    view->setDefaultFolder(projectDir);
    view->setSource(data->source());
    QObject::connect(data, &DataPanel::datasetChanged, view,
                     [view, data] { view->setSource(data->source()); });
    tabs->addTab(view, CvView::tr("Cross-validation"));
    return view;
}

} // namespace qm7::ui
