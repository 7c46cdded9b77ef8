// qm7-workbench --version answers without a display.
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
