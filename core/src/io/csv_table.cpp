#include "qm7/io/csv_table.h"

#include "qm7/util/atomic_file.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace qm7 {

CsvTable parseCsv(const std::string& text) {
    CsvTable table;
    std::size_t i = 0;
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0)
        i = 3;
    int line = 1;
    bool first = true;
    while (i < text.size()) {
        const int rowLine = line;
        std::vector<std::string> cells;
        std::string cell;
        bool quoted = false, anyText = false;
        for (; i < text.size(); ++i) {
            const char c = text[i];
            if (quoted) {
                if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                    cell += '"';
                    ++i;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    if (c == '\n')
                        ++line;
                    cell += c;
                }
                continue;
            }
            if (c == '"') {
                quoted = true;
                anyText = true;
            } else if (c == ',') {
                cells.push_back(std::move(cell));
                cell.clear();
                anyText = true;
            } else if (c == '\n') {
                ++i;
                ++line;
                break;
            } else if (c != '\r') {
                cell += c;
                anyText = anyText || (c != ' ' && c != '\t');
            }
        }
        if (quoted)
            throw std::runtime_error("line " + std::to_string(rowLine) +
                                     ": a quoted cell is not closed");
        if (!anyText)
            continue; // a blank line
        cells.push_back(std::move(cell));
        if (first) {
            table.header = std::move(cells);
            first = false;
        } else {
            table.rows.push_back(std::move(cells));
            table.lines.push_back(rowLine);
        }
    }
    return table;
}

CsvTable readCsvTable(const std::string& path) {
    const std::string text = readFile(path);
    try {
        return parseCsv(text);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + ", " + e.what());
    }
}

bool csvNumber(const std::string& cell, double& value) {
    const auto from = cell.find_first_not_of(" \t");
    if (from == std::string::npos) {
        value = NAN;
        return true;
    }
    const auto to = cell.find_last_not_of(" \t");
    const std::string s = cell.substr(from, to - from + 1);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size())
        return false;
    value = v;
    return true;
}

} // namespace qm7
