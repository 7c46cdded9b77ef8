#pragma once
/// @file notebook_csvs.h
/// The notebook CSVs of tests/fixtures/make_notebook_csvs.py (pandas' and numpy's output, and
/// bad files), written once per test process.

#include "test_support.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace qm7::test {

/// The folder of the CSVs, named after `prefix` and the first test that asks (ctest runs each
/// test in its own process, side by side). Throws when Python fails.
inline const std::string& notebookCsvs(const std::string& prefix) {
    static const std::string dir = [&prefix] {
        const std::string d =
            freshDir(prefix + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::string out;
        if (runPython("make_notebook_csvs.py", {d}, &out) != 0)
            throw std::runtime_error("make_notebook_csvs.py failed: " + out);
        return d;
    }();
    return dir;
}

} // namespace qm7::test
