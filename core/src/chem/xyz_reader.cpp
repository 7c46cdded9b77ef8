#include "qm7/chem/xyz_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace qm7 {

namespace {

/// Largest atom count a frame header may announce (guards against absurd allocations).
constexpr long kMaxAtomsPerFrame = 100000;

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::vector<std::string_view> splitTokens(std::string_view line) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && isSpace(line[i]))
            ++i;
        const std::size_t start = i;
        while (i < line.size() && !isSpace(line[i]))
            ++i;
        if (i > start)
            tokens.push_back(line.substr(start, i - start));
    }
    return tokens;
}

/// A whole token as a number (locale-independent, an optional leading '+'), or false.
template <typename T> bool parseWhole(std::string_view token, T& value) {
    if (!token.empty() && token.front() == '+')
        token.remove_prefix(1);
    if (token.empty())
        return false;
    const char* end = token.data() + token.size();
    const auto result = std::from_chars(token.data(), end, value);
    return result.ec == std::errc() && result.ptr == end;
}

/// A whole token as a finite double, or false.
bool parseDouble(std::string_view token, double& value) {
    return parseWhole(token, value) && std::isfinite(value);
}

/// A whole token as an integer, or false.
bool parseLong(std::string_view token, long& value) {
    return parseWhole(token, value);
}

std::string shown(std::string_view text) {
    constexpr std::size_t kMax = 60;
    std::string s(text.substr(0, kMax));
    for (char& c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            c = '?';
    }
    if (text.size() > kMax)
        s += "...";
    return "'" + s + "'";
}

/// key=value pairs of an extended XYZ comment line; values may be quoted ("a b c").
std::vector<std::pair<std::string, std::string>> parseKeyValues(std::string_view line) {
    std::vector<std::pair<std::string, std::string>> pairs;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && isSpace(line[i]))
            ++i;
        const std::size_t keyStart = i;
        while (i < line.size() && !isSpace(line[i]) && line[i] != '=')
            ++i;
        std::string key(line.substr(keyStart, i - keyStart));
        std::string value;
        if (i < line.size() && line[i] == '=') {
            ++i;
            if (i < line.size() && (line[i] == '"' || line[i] == '\'')) {
                const char quote = line[i++];
                const std::size_t start = i;
                while (i < line.size() && line[i] != quote)
                    ++i;
                value = std::string(line.substr(start, i - start));
                if (i < line.size())
                    ++i;
            } else {
                const std::size_t start = i;
                while (i < line.size() && !isSpace(line[i]))
                    ++i;
                value = std::string(line.substr(start, i - start));
            }
        } else {
            while (i < line.size() && !isSpace(line[i]))
                ++i;
        }
        if (!key.empty())
            pairs.emplace_back(std::move(key), std::move(value));
    }
    return pairs;
}

/// Columns of the species and of the first position component in an atom line.
struct Columns {
    std::size_t species = 0;
    std::size_t position = 1;
};

/// Reads the extended XYZ Properties=species:S:1:pos:R:3:... specification.
bool parsePropertiesSpec(const std::string& spec, Columns& columns, std::string& problem) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t colon = spec.find(':', start);
        parts.push_back(spec.substr(start, colon == std::string::npos ? colon : colon - start));
        if (colon == std::string::npos)
            break;
        start = colon + 1;
    }
    if (parts.size() % 3 != 0) {
        problem = "Properties=" + spec + " is not a list of name:type:count triples";
        return false;
    }
    bool haveSpecies = false, havePos = false;
    std::size_t column = 0;
    for (std::size_t k = 0; k < parts.size(); k += 3) {
        long count = 0;
        if (!parseLong(parts[k + 2], count) || count < 1 || count > 1000) {
            problem = "Properties=" + spec + ": bad column count '" + parts[k + 2] + "'";
            return false;
        }
        if (parts[k] == "species" && !haveSpecies) {
            columns.species = column;
            haveSpecies = true;
        } else if (parts[k] == "pos" && !havePos) {
            if (count != 3) {
                problem = "Properties=" + spec + ": pos must have 3 columns";
                return false;
            }
            columns.position = column;
            havePos = true;
        }
        column += static_cast<std::size_t>(count);
    }
    if (!haveSpecies || !havePos) {
        problem = "Properties=" + spec + " names no species or no pos column";
        return false;
    }
    return true;
}

/// Walks the text line by line, keeping the 1-based line number.
class LineReader {
  public:
    explicit LineReader(const std::string& text) : m_text(text) {}
    bool next(std::string_view& line) {
        if (m_pos >= m_text.size())
            return false;
        std::size_t end = m_text.find('\n', m_pos);
        if (end == std::string::npos)
            end = m_text.size();
        line = std::string_view(m_text).substr(m_pos, end - m_pos);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        m_pos = end + 1;
        ++m_line;
        return true;
    }
    long line() const { return m_line; }

  private:
    const std::string& m_text;
    std::size_t m_pos = 0;
    long m_line = 0;
};

std::string formatNumber(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", v);
    return buffer;
}

bool isBlank(std::string_view line) {
    for (char c : line) {
        if (!isSpace(c))
            return false;
    }
    return true;
}

} // namespace

std::vector<Molecule> parseXyz(const std::string& text, const std::string& fileName,
                               const XyzOptions& options) {
    std::vector<Molecule> molecules;
    LineReader reader(text);
    std::string_view line;
    int frame = 0;
    while (reader.next(line)) {
        if (isBlank(line))
            continue; // blank lines between frames and at the end
        ++frame;
        const auto fail = [&](const std::string& problem) {
            throw MoleculeError(fileName, frame, reader.line(), problem);
        };
        // Line 1: the number of atoms.
        const auto header = splitTokens(line);
        long count = 0;
        if (header.size() != 1 || !parseLong(header[0], count)) {
            std::string problem = "expected the number of atoms, found " + shown(line);
            if (frame > 1)
                problem += " (is the atom count of the previous molecule wrong?)";
            fail(problem);
        }
        if (count < 1 || count > kMaxAtomsPerFrame)
            fail("the number of atoms must be between 1 and " + std::to_string(kMaxAtomsPerFrame) +
                 ", found " + std::to_string(count));

        // Line 2: the comment, with key=value pairs in extended XYZ.
        if (!reader.next(line))
            fail("the file ends after the atom count; the comment line is missing");
        Molecule molecule;
        molecule.name = std::to_string(frame);
        Columns columns;
        bool haveEnergy = false;
        const bool extended = line.find('=') != std::string_view::npos;
        if (extended) {
            for (const auto& [key, value] : parseKeyValues(line)) {
                double number = 0;
                if (key == options.energyKey) {
                    if (!parseDouble(value, number))
                        fail("the energy " + key + "=" + shown(value) + " is not a finite number");
                    molecule.energy = number;
                    haveEnergy = true;
                } else if (key == "name") {
                    molecule.name = value;
                } else if (key == "Properties" || key == "properties") {
                    std::string problem;
                    if (!parsePropertiesSpec(value, columns, problem))
                        fail(problem);
                } else if (parseDouble(value, number)) {
                    molecule.properties[key] = number;
                }
            }
        } else {
            // Plain XYZ: a comment that starts with a number is taken as the energy.
            const auto tokens = splitTokens(line);
            double number = 0;
            if (!tokens.empty() && parseDouble(tokens[0], number)) {
                molecule.energy = number;
                haveEnergy = true;
            } else if (!tokens.empty()) {
                // A plain comment names the molecule (a line of numbers is an energy instead).
                const auto first = line.find_first_not_of(" \t\r");
                const auto last = line.find_last_not_of(" \t\r");
                molecule.name = std::string(line.substr(first, last - first + 1));
            }
        }
        if (!haveEnergy && options.requireEnergy)
            fail("no energy on the comment line: expected " + options.energyKey +
                 "=<kcal/mol> (choose another key with the energy-key option)");

        // One line per atom: species and x y z in Angstrom.
        const std::size_t needed = std::max(columns.species, columns.position + 2) + 1;
        molecule.Z.reserve(static_cast<std::size_t>(count));
        molecule.R.reserve(3 * static_cast<std::size_t>(count));
        for (long a = 0; a < count; ++a) {
            if (!reader.next(line))
                fail("the file ends after " + std::to_string(a) + " of " + std::to_string(count) +
                     " atoms (wrong atom count?)");
            const auto tokens = splitTokens(line);
            if (tokens.size() < needed) {
                if (tokens.size() == 1) {
                    long dummy = 0;
                    if (parseLong(tokens[0], dummy))
                        fail("expected atom " + std::to_string(a + 1) + " of " +
                             std::to_string(count) + ", found the start of another molecule " +
                             "(wrong atom count?)");
                }
                fail("expected an element and x y z for atom " + std::to_string(a + 1) +
                     ", found " + shown(line));
            }
            const std::string_view species = tokens[columns.species];
            int z = elementNumber(std::string(species));
            long zNumber = 0;
            if (z == 0 && parseLong(species, zNumber) && zNumber >= 1 && zNumber <= 118)
                z = static_cast<int>(zNumber);
            if (z == 0)
                fail("unknown element " + shown(species) + " (atom " + std::to_string(a + 1) + ")");
            molecule.Z.push_back(z);
            for (std::size_t c = 0; c < 3; ++c) {
                double x = 0;
                const std::string_view token = tokens[columns.position + c];
                if (!parseDouble(token, x))
                    fail(std::string("coordinate ") + "xyz"[c] + " of atom " +
                         std::to_string(a + 1) + " is not a finite number: " + shown(token));
                molecule.R.push_back(angstromToBohr(x));
            }
        }
        const auto [i, j] = findCoincidentAtoms(molecule, options.minDistance);
        if (i >= 0)
            throw MoleculeError(fileName, frame, reader.line() - count + 1 + j,
                                "atoms " + std::to_string(i + 1) + " and " + std::to_string(j + 1) +
                                    " are at the same place (closer than " +
                                    formatNumber(options.minDistance) + " Bohr)");
        molecules.push_back(std::move(molecule));
    }
    if (molecules.empty())
        throw MoleculeError(fileName, 0, 0, "no molecules in the file");
    return molecules;
}

std::string readMaybeGzip(const std::string& path) {
    errno = 0;
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file)
        throw MoleculeError(path, 0, 0,
                            std::string("cannot open: ") +
                                (errno ? std::strerror(errno) : "out of memory"));
    gzbuffer(file, 1 << 17);
    std::string text;
    std::vector<char> buffer(1 << 17);
    while (true) {
        const int n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()));
        if (n < 0) {
            int code = 0;
            const std::string why = gzerror(file, &code);
            gzclose(file);
            throw MoleculeError(path, 0, 0, "cannot read (damaged gzip data?): " + why);
        }
        if (n == 0)
            break;
        text.append(buffer.data(), static_cast<std::size_t>(n));
    }
    int code = 0;
    const std::string why = gzerror(file, &code);
    const bool bad = code != Z_OK && code != Z_STREAM_END;
    const int closed = gzclose(file);
    if (bad || closed != Z_OK)
        throw MoleculeError(path, 0, 0,
                            "the compressed data is truncated or damaged" +
                                (why.empty() ? std::string() : ": " + why));
    return text;
}

std::vector<Molecule> readXyz(const std::string& path, const XyzOptions& options) {
    return parseXyz(readMaybeGzip(path), path, options);
}

} // namespace qm7
