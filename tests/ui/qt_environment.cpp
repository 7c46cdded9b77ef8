// A QApplication for the widget tests, headless unless the caller chose a platform.

#include <QApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <memory>

namespace {

/// Creates the one QApplication of the test binary (offscreen, test-mode settings).
class QtEnvironment : public ::testing::Environment {
  public:
    void SetUp() override {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        QStandardPaths::setTestModeEnabled(true); // app data under ~/.qttest
        // Settings of this process alone: test binaries run side by side (ctest -j2), and a
        // value another process writes must not reach a widget under test.
        m_settings = std::make_unique<QTemporaryDir>();
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settings->path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings->path());
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
        m_settings.reset();
    }

  private:
    QApplication* m_app = nullptr;
    std::unique_ptr<QTemporaryDir> m_settings;
};

[[maybe_unused]] ::testing::Environment* const kQtEnvironment =
    ::testing::AddGlobalTestEnvironment(new QtEnvironment);

} // namespace
