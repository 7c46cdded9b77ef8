// qm7-workbench: opens the workbench window, on the demo data unless --data says otherwise.

#include "qm7ui/data_panel.h"
#include "qm7ui/main_window.h"
#include "qm7ui/model_curves_plot.h"
#include "qm7ui/report_renderer.h"
#include "screenshot_tour.h"

#include "qm7/version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

void printUsage() {
    std::printf(
        "Usage: qm7-workbench [--data PATH|demo] [--project DIR] [--version] [--help]\n"
        "       qm7-workbench --render-report DIR | --render-curves DIR\n"
        "  --data PATH           open this dataset.pt, .xyz, .mat or \"demo\" (default: demo)\n"
        "  --project DIR         folder where runs are stored (default: the last one used)\n"
        "  --render-report DIR   render the figures of a finished homework folder (from\n"
        "                        `qm7 homework --out DIR`) into DIR/figures and write\n"
        "                        DIR/report.md, headless; exit 2 when DIR is not one\n"
        "  --render-curves DIR   draw the learning curves of `qm7 invariance --curve --out\n"
        "                        DIR` into DIR/figures/learning_curves.png and .svg\n"
        "  --version             print the version and exit\n");
}

} // namespace

int main(int argc, char* argv[]) {
    // --version and --help need no display: answer them before QApplication exists.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::printf("qm7-workbench %s (git %s)\n", qm7::kVersion, qm7::kGitRevision);
            return 0;
        }
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            printUsage();
            return 0;
        }
    }

    // --render-report draws no window: headless unless the caller chose a platform.
    QString reportDir;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--render-report") == 0 ||
            std::strcmp(argv[i], "--render-curves") == 0) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "qm7-workbench: %s needs a folder\n", argv[i]);
                printUsage();
                return 2;
            }
            reportDir = QString::fromLocal8Bit(argv[i + 1]);
        }
    }
    if (!reportDir.isEmpty() && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("qm7"));
    QApplication::setApplicationName(QStringLiteral("qm7-workbench"));
    QApplication::setApplicationVersion(QString::fromLatin1(qm7::kVersion));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/qm7/icons/qm7-workbench.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("QM7 Workbench"));
    QCommandLineOption data(QStringLiteral("data"), QStringLiteral("Data set to open."),
                            QStringLiteral("PATH"));
    QCommandLineOption project(QStringLiteral("project"),
                               QStringLiteral("Folder where runs are stored."),
                               QStringLiteral("DIR"));
    QCommandLineOption screenshots(QStringLiteral("screenshots"),
                                   QStringLiteral("Train briefly and save a screenshot of every "
                                                  "tab into DIR (for the docs), then quit."),
                                   QStringLiteral("DIR"));
    parser.addOption(data);
    parser.addOption(project);
    QCommandLineOption renderReport(QStringLiteral("render-report"),
                                    QStringLiteral("Render a finished homework folder's figures "
                                                   "and report.md, headless, then quit."),
                                    QStringLiteral("DIR"));
    parser.addOption(screenshots);
    parser.addOption(renderReport);
    QCommandLineOption renderCurves(
        QStringLiteral("render-curves"),
        QStringLiteral("Draw the learning curves of a results folder "
                       "of qm7 invariance --curve, headless, then quit."),
        QStringLiteral("DIR"));
    parser.addOption(renderCurves);
    if (!parser.parse(QApplication::arguments())) {
        std::fprintf(stderr, "qm7-workbench: %s\n", qPrintable(parser.errorText()));
        printUsage();
        return 2;
    }

    if (parser.isSet(renderReport)) {
        QString message;
        const int code = qm7::ui::renderReportCommand(parser.value(renderReport), &message);
        std::fprintf(code == 0 ? stdout : stderr, "%s%s\n",
                     code == 0 ? "" : "qm7-workbench: ", qPrintable(message));
        return code;
    }

    if (parser.isSet(renderCurves)) {
        QString message;
        const int code = qm7::ui::renderCurvesCommand(parser.value(renderCurves), &message);
        std::fprintf(code == 0 ? stdout : stderr, "%s%s\n",
                     code == 0 ? "" : "qm7-workbench: ", qPrintable(message));
        return code;
    }

    qm7::ui::MainWindow window(parser.value(project));
    window.show();
    if (parser.isSet(data) && !parser.isSet(screenshots)) {
        // Read in the background: the window paints and stays responsive meanwhile.
        QObject::connect(
            window.dataPanel(), &qm7::ui::DataPanel::loadFailed, &window,
            [&window](const QString& error) {
                std::fprintf(stderr, "qm7-workbench: %s\n", qPrintable(error));
                if (!window.dataPanel()->dataset())
                    window.loadDefaultData();
            },
            Qt::SingleShotConnection);
        window.loadDataInBackground(parser.value(data));
    } else if (parser.isSet(data)) {
        QString error;
        if (!window.loadData(parser.value(data), &error)) {
            std::fprintf(stderr, "qm7-workbench: %s\n", qPrintable(error));
            window.loadDefaultData();
        }
    } else {
        window.loadDefaultData();
    }
    if (parser.isSet(screenshots))
        startScreenshotTour(&window, parser.value(screenshots));
    return QApplication::exec();
}
