// A QApplication for the widget tests, headless unless the caller chose a platform.

#include <QApplication>
#include <QStandardPaths>
#include <gtest/gtest.h>

namespace {

/// Creates the one QApplication of the test binary (offscreen, test-mode settings).
class QtEnvironment : public ::testing::Environment {
  public:
    void SetUp() override {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        QStandardPaths::setTestModeEnabled(true); // QSettings and app data under ~/.qttest
        QApplication::setOrganizationName(QStringLiteral("qm7-tests"));
        QApplication::setApplicationName(QStringLiteral("qm7-workbench-tests"));
        static int argc = 1;
        static char name[] = "qm7-ui-tests";
        static char* argv[] = {name, nullptr};
        m_app = new QApplication(argc, argv);
    }
    void TearDown() override {
        delete m_app;
        m_app = nullptr;
    }

  private:
    QApplication* m_app = nullptr;
};

[[maybe_unused]] ::testing::Environment* const kQtEnvironment =
    ::testing::AddGlobalTestEnvironment(new QtEnvironment);

} // namespace
