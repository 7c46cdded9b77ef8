// Search spaces: parsing, grids, samples and configs (search_space.h).
#include "qm7/analysis/search_space.h"

#include "qm7/chem/representation.h"
#include "qm7/train/deep_trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace qm7 {

namespace {

bool isInteger(const std::string& name) {
    return name == "hidden" || name == "batch" || name == "epochs" || name == "layers";
}
bool isNumeric(const std::string& name) {
    return name != "activation" && name != "representation";
}

std::string trim(const std::string& s) {
    const auto a = s.find_first_not_of(" \t\n");
    if (a == std::string::npos)
        return "";
    const auto b = s.find_last_not_of(" \t\n");
    return s.substr(a, b - a + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(s);
    while (std::getline(in, part, sep))
        parts.push_back(trim(part));
    if (!s.empty() && s.back() == sep)
        parts.push_back("");
    return parts;
}

[[noreturn]] void bad(const std::string& why) {
    throw std::invalid_argument(why);
}

double numberOf(const std::string& name, const std::string& text) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || !std::isfinite(v))
        bad(name + ": '" + text + "' is not a number");
    return v;
}

// The limits of one numeric value of a setting; "" when fine.
std::string numberProblem(const std::string& name, double v) {
    std::ostringstream why;
    if (name == "lr" && !(v > 0 && v <= 10))
        why << "lr " << v << " must be > 0 and <= 10";
    else if (name == "hidden" && !(v >= 1 && v <= 100000))
        why << "hidden width " << v << " must be between 1 and 100000";
    else if (name == "batch" && !(v >= 1 && v <= 1000000))
        why << "batch " << v << " must be between 1 and 1000000";
    else if (name == "epochs" && !(v >= 1 && v <= 1000000))
        why << "epochs " << v << " must be between 1 and 1000000";
    else if (name == "weight_decay" && !(v >= 0 && v <= 1))
        why << "weight_decay " << v << " must be between 0 and 1";
    else if (name == "layers" && !(v >= 1 && v <= 8))
        why << "layers " << v << " must be between 1 and 8";
    return why.str();
}

std::string canonicalNumber(const std::string& name, double v) {
    char buf[64];
    if (isInteger(name))
        std::snprintf(buf, sizeof buf, "%lld", std::llround(v));
    else
        std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string canonicalValue(const std::string& name, const std::string& text) {
    if (text.empty())
        bad(name + ": an empty value");
    if (name == "representation") {
        try {
            return representationName(parseRepresentation(text));
        } catch (const std::exception&) {
            bad("representation: '" + text + "' is not one of cm, sorted, eigen, random-sorted");
        }
    }
    if (name == "activation") {
        try {
            return activationName(parseActivation(text));
        } catch (const std::exception& e) {
            bad(std::string("activation: ") + e.what());
        }
    }
    const double v = numberOf(name, text);
    if (isInteger(name) && v != std::floor(v))
        bad(name + ": " + text + " is not a whole number");
    if (const std::string why = numberProblem(name, v); !why.empty())
        bad(why);
    return canonicalNumber(name, v);
}

SearchSpace parse(const std::string& text, bool allowRanges) {
    SearchSpace space;
    std::set<std::string> seen;
    for (const std::string& item : split(text, ';')) {
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            bad("'" + item + "' is not name=values (e.g. lr=1e-4,1e-3)");
        SearchAxis axis;
        axis.name = trim(item.substr(0, eq));
        const auto& names = searchSettingNames();
        if (std::find(names.begin(), names.end(), axis.name) == names.end())
            bad("unknown setting '" + axis.name +
                "': choose lr, hidden, batch, epochs, weight_decay, activation, layers or "
                "representation");
        if (!seen.insert(axis.name).second)
            bad("setting '" + axis.name + "' is given twice");
        std::string rest = trim(item.substr(eq + 1));
        const auto dots = rest.find("..");
        if (dots != std::string::npos) {
            if (!allowRanges)
                bad(axis.name + ": a grid takes lists of values, not the range '" + rest +
                    "' (ranges are for --sample)");
            if (!isNumeric(axis.name))
                bad(axis.name + ": a range needs numbers; list the values instead");
            std::string hiText = trim(rest.substr(dots + 2));
            if (hiText.size() >= 3 && hiText.compare(hiText.size() - 3, 3, "log") == 0) {
                axis.log = true;
                hiText = trim(hiText.substr(0, hiText.size() - 3));
            }
            axis.range = true;
            axis.lo = numberOf(axis.name, trim(rest.substr(0, dots)));
            axis.hi = numberOf(axis.name, hiText);
            if (!(axis.lo < axis.hi))
                bad(axis.name + ": the range " + rest +
                    " is empty (its low end must be below "
                    "its high end)");
            for (double v : {axis.lo, axis.hi})
                if (const std::string why = numberProblem(axis.name, v); !why.empty())
                    bad(why);
            if (axis.log && !(axis.lo > 0))
                bad(axis.name + ": a log range needs values above 0");
            if (isInteger(axis.name) && std::ceil(axis.lo) > std::floor(axis.hi))
                bad(axis.name + ": the range " + rest + " holds no whole number");
        } else {
            for (const std::string& v : split(rest, ','))
                if (!v.empty())
                    axis.values.push_back(canonicalValue(axis.name, v));
            if (axis.values.empty())
                bad(axis.name + ": no values");
            std::vector<std::string> unique;
            for (const auto& v : axis.values)
                if (std::find(unique.begin(), unique.end(), v) == unique.end())
                    unique.push_back(v);
            axis.values = unique;
        }
        space.axes.push_back(axis);
    }
    if (space.axes.empty())
        bad("the search space is empty: give at least one setting, e.g. lr=1e-4,1e-3");
    return space;
}

} // namespace

const std::vector<std::string>& searchSettingNames() {
    static const std::vector<std::string> names = {"lr",     "hidden",        "batch",
                                                   "epochs", "weight_decay",  "activation",
                                                   "layers", "representation"};
    return names;
}

SearchSpace parseGrid(const std::string& text) {
    return parse(text, false);
}

SearchSpace parseSampleSpace(const std::string& text) {
    return parse(text, true);
}

std::vector<TrialSetting> gridSettings(const SearchSpace& grid) {
    std::vector<TrialSetting> out{TrialSetting{}};
    for (const auto& axis : grid.axes) {
        if (axis.range)
            throw std::invalid_argument(axis.name + ": a grid takes lists of values");
        std::vector<TrialSetting> next;
        for (const auto& partial : out)
            for (const auto& v : axis.values) {
                TrialSetting s = partial;
                s.emplace_back(axis.name, v);
                next.push_back(std::move(s));
            }
        out = std::move(next);
    }
    return out;
}

std::vector<TrialSetting> sampleSettings(const SearchSpace& space, int n, std::uint64_t seed) {
    if (n < 1)
        throw std::invalid_argument("--sample needs at least 1 trial");
    std::mt19937_64 rng(seed);
    // Uniform in [0, 1) from the raw engine: the same draws on every standard library.
    auto unit = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
    std::vector<TrialSetting> out;
    std::set<TrialSetting> seen;
    for (int i = 0; i < n; ++i) {
        TrialSetting s;
        for (const auto& axis : space.axes) {
            if (!axis.range) {
                const auto k = static_cast<std::size_t>(unit() * axis.values.size());
                s.emplace_back(axis.name, axis.values[std::min(k, axis.values.size() - 1)]);
                continue;
            }
            const double u = unit();
            double v =
                axis.log ? std::exp(std::log(axis.lo) + u * (std::log(axis.hi) - std::log(axis.lo)))
                         : axis.lo + u * (axis.hi - axis.lo);
            if (isInteger(axis.name))
                v = std::clamp(std::round(v), std::ceil(axis.lo), std::floor(axis.hi));
            s.emplace_back(axis.name, canonicalNumber(axis.name, v));
        }
        if (seen.insert(s).second)
            out.push_back(std::move(s));
    }
    return out;
}

TrainConfig configForSetting(const TrainConfig& base, const TrialSetting& setting) {
    TrainConfig c = base;
    for (const auto& [name, value] : setting) {
        if (name == "lr")
            c.lr = std::stod(value);
        else if (name == "hidden")
            c.hidden = std::stoi(value);
        else if (name == "batch")
            c.batchSize = std::stoi(value);
        else if (name == "epochs")
            c.epochs = std::stoi(value);
        else if (name == "weight_decay")
            c.weightDecay = std::stod(value);
        else if (name == "representation")
            c.representation = value;
    }
    return c;
}

NetworkChoice networkForSetting(const NetworkChoice& base, const TrainConfig& config,
                                const TrialSetting& setting) {
    NetworkChoice n = base;
    const std::string layers = settingValue(setting, "layers");
    if (!layers.empty() || !settingValue(setting, "hidden").empty() || base.layers.size() <= 1) {
        const int count = layers.empty() ? std::max<int>(1, static_cast<int>(base.layers.size()))
                                         : std::stoi(layers);
        n.layers.assign(static_cast<std::size_t>(count), config.hidden);
    }
    if (const std::string a = settingValue(setting, "activation"); !a.empty())
        n.activation = parseActivation(a);
    return n;
}

std::string trialRunName(const TrialSetting& setting, std::uint64_t seed) {
    std::string name;
    for (const auto& [key, value] : setting) {
        std::string v = value;
        if (key == "lr" || key == "weight_decay") {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.0e", std::stod(value));
            if (std::stod(buf) != std::stod(value))
                std::snprintf(buf, sizeof buf, "%.5e", std::stod(value));
            v = buf;
        }
        name += key + v + "_";
    }
    return name + "seed" + std::to_string(seed);
}

std::string settingText(const TrialSetting& setting) {
    std::string text;
    for (const auto& [key, value] : setting)
        text += (text.empty() ? "" : " ") + key + "=" + value;
    return text;
}

std::string settingValue(const TrialSetting& setting, const std::string& name) {
    for (const auto& [key, value] : setting)
        if (key == name)
            return value;
    return "";
}

} // namespace qm7
