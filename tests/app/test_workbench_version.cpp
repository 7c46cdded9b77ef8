// qm7-workbench --version answers without a display; its screenshot tour runs through.
#include "test_support.h"

#include <gtest/gtest.h>

TEST(Workbench, VersionPrintsVersionAndRevision) {
    std::string out;
    // No DISPLAY and no QPA override: --version must not need a window system.
    ASSERT_EQ(qm7::test::runCommand("env -u DISPLAY -u QT_QPA_PLATFORM " +
                                        std::string(QM7_WORKBENCH) + " --version",
                                    &out),
              0)
        << out;
    EXPECT_NE(out.find("qm7-workbench 0."), std::string::npos) << out;
    EXPECT_NE(out.find("(git "), std::string::npos) << out;
}

// The screenshot tour plays the homework in the window (sweep, learning curve, another
// representation) and saves every tab: a step that cannot start (for example a rate read from a
// tab that loading other data emptied) fails the tour instead of saving a stale window.
TEST(Workbench, ScreenshotTourTrainsEveryStepAndSavesEveryTab) {
    const std::string dir = qm7::test::freshDir("screenshot_tour");
    const std::string home = qm7::test::freshDir("screenshot_tour_home");
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(
                  "env QT_QPA_PLATFORM=offscreen HOME=" + home + " QM7_SCREENSHOT_SIZE=1280x800 " +
                      std::string(QM7_WORKBENCH) + " --data demo --screenshots " + dir + " 2>&1",
                  &out),
              0)
        << out;
    for (const char* name :
         {"learning_curve_empty", "energy_histogram", "tutorial_5_training_live", "loss_curves",
          "lr_sweep", "parity", "learning_curve", "learning_curve_manual",
          "tutorial_8_eigenspectrum", "cross_validation", "runs"}) {
        EXPECT_NE(out.find(std::string("wrote ") + dir + "/" + name + ".png"), std::string::npos)
            << name << "\n"
            << out;
    }
    EXPECT_EQ(out.find("Cannot start"), std::string::npos) << out;
}
