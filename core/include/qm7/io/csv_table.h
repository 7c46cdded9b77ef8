#pragma once
/// @file csv_table.h
/// Reading CSV text: a header line and rows of cells (RFC 4180 quoting, CRLF or LF, a UTF-8 BOM
/// skipped), and cells as numbers the way pandas' to_csv and numpy.savetxt write them (an empty
/// cell is NaN). The run store's files and a notebook's numbers are read with it.

#include <string>
#include <vector>

namespace qm7 {

/// A CSV file's header and rows, cells as written (quotes removed).
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<int> lines; ///< the line number (1-based, in the file) of each row
};

/// Parses CSV text whose first line is the header; blank lines are skipped. Throws
/// std::runtime_error when a quoted cell is not closed.
CsvTable parseCsv(const std::string& text);

/// Reads and parses a CSV file; throws std::runtime_error naming the path when it cannot.
CsvTable readCsvTable(const std::string& path);

/// A cell as a number: "1.2345e-05", " 3 ", "nan", "inf"; an empty cell is NaN (pandas writes
/// NaN so). Returns false when the cell is text.
bool csvNumber(const std::string& cell, double& value);

} // namespace qm7
